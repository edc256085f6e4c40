import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_CASES } from '../../../tools/faults/cases';

describe('README failure-handling table', () => {
  it('has one row per fault of the campaign, with its handling', () => {
    // Prepare
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const start = readme.indexOf('## Failure handling');
    const next = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, next === -1 ? undefined : next);
    const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Fault'));

    // Assess
    expect(rows.map((row) => row.split(' | ')[0]!.slice(2))).toEqual(FAULT_CASES.map((c) => c.name));
    for (const fault of FAULT_CASES) expect(section).toContain(`| ${fault.name} | ${fault.handling} |`);
  });
});
