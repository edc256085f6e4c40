import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_CASES } from '../../../tools/faults/cases';

describe('failure-handling table in docs/failure-handling.md', () => {
  it('has one row per fault of the campaign, with its handling', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '../../../docs/failure-handling.md'), 'utf8');
    const start = readme.indexOf('## Faults');
    const next = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, next === -1 ? undefined : next);
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| Fault') && !line.startsWith('| ---'))
      .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').trim()));

    // Assess
    expect(rows.map((cells) => cells[0])).toEqual(FAULT_CASES.map((c) => c.name));
    expect(rows.map((cells) => cells[1])).toEqual(FAULT_CASES.map((c) => c.handling));
  });
});
