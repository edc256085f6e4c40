import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/metrics';
import { ALARM_NAMES } from '../../../dashboards/alarms';
import { CONFIG_KEYS } from '../../../lib/config';
import { documentationFiles, generateDocuments, staleMessages, TABLES } from '../../../tools/docs/generate-tables';
import { regionsOf, type Table } from '../../../tools/docs/markdown';
import { FAULT_CASES } from '../../../tools/faults/cases';

const ROOT = join(__dirname, '../../..');

describe('generated tables in the docs', () => {
  it('are up to date with the code (fix: npm run docs)', async () => {
    const results = await generateDocuments(ROOT, documentationFiles(ROOT));

    expect(staleMessages(results)).toEqual([]);
  });

  it('have one row per context key, metric, alarm and fault case, in the order of the code', () => {
    const firstColumn = (table: Table) => table.rows.map((row) => row[0]);

    expect(firstColumn(TABLES['context-keys']!())).toEqual(CONFIG_KEYS.map((key) => `\`${key}\``));

    expect(firstColumn(TABLES.metrics!())).toEqual(Object.keys(Metrics).map((name) => `\`${name}\``));
    expect(TABLES.alarms!().rows).toHaveLength(ALARM_NAMES.length);
    expect(firstColumn(TABLES['fault-cases']!())).toEqual(FAULT_CASES.map((fault) => fault.name));
  });

  it("state each context key's default and validation from its bounds, accepted form and cross-key rule", () => {
    const rows = new Map(TABLES['context-keys']!().rows.map((row) => [row[0], row]));

    expect(rows.get('`listenerPort`')?.slice(2)).toEqual(['required', 'whole number 1-65535']);
    expect(rows.get('`minZScore`')?.slice(2)).toEqual(['3', 'number > 0, at most 1000']);
    expect(rows.get('`minPacketsPerBin`')?.slice(2)).toEqual(['12000', 'whole number >= 0']);
    expect(rows.get('`requeryMinutes`')?.slice(2)).toEqual(['10', 'whole number 5-60, at most `windowMinutes`']);
    expect(rows.get('`metricsNamespace`')?.[2]).toBe('`AutoNACL/<stackName>`');
    expect(rows.get('`stackName`')?.slice(2)).toEqual([
      '`NaclFloodGuard-<vpcId>` (one per VPC; name a second deployment in the same VPC yourself)',
      'a letter, then letters, digits or hyphens; at most 128',
    ]);
    expect(rows.get('`naclMaxAggregatePrefix`')?.slice(2)).toEqual(['none (off)', 'whole number 8-32, at most `naclRuleNetworkMask`']);
  });

  it('name the context keys that set each alarm, with the default thresholds', () => {
    const rows = new Map(TABLES.alarms!().rows.map((row) => [row[0], row]));

    expect(rows.get('Delivery lag')?.[1]).toBe(
      '`FlowLogDeliveryLag` (Maximum) > 600 in each of 3 consecutive minutes (`alarmMaxDeliveryLagSeconds`, `alarmDeliveryLagMinutes`)',
    );
    expect(rows.get('Detection not running')?.[2]).toBe('breaching');
    expect(rows.get('Updater dead letters')?.[1]).toBe(
      "`ApproximateNumberOfMessagesVisible` of the updater's dead-letter queue (Maximum) >= 1 in a minute",
    );
  });
});

describe('table generator', () => {
  let root: string;
  const tables = { colours: (): Table => ({ header: ['Name', 'Meaning'], rows: [['`red`', 'stop | halt']] }) };
  const doc = (body: string) => {
    writeFileSync(join(root, 'docs', 'page.md'), body);
    return [join(root, 'docs', 'page.md')];
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'docs-tables-'));
    mkdirSync(join(root, 'docs'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names a stale table with the command that fixes it, and regenerates it as prettier formats it', async () => {
    const files = doc('# Page\n\nBefore.\n\n<!-- generated:colours -->\n\n| Name |\n| --- |\n| old |\n\n<!-- /generated -->\n\nAfter.\n');

    const [result] = await generateDocuments(root, files, tables);

    expect(staleMessages([result!])).toEqual(['docs/page.md: table "colours" is stale; run `npm run docs` and commit the result']);
    expect(result!.generated).toBe(
      '# Page\n\nBefore.\n\n<!-- generated:colours -->\n\n| Name  | Meaning      |\n| ----- | ------------ |\n| `red` | stop \\| halt |\n\n<!-- /generated -->\n\nAfter.\n',
    );
    expect(await prettier.check(result!.generated, { parser: 'markdown' })).toBe(true);
  });

  it('finds nothing stale once regenerated', async () => {
    const first = await generateDocuments(root, doc('<!-- generated:colours -->\n<!-- /generated -->\n'), tables);

    const second = await generateDocuments(root, doc(first[0]!.generated), tables);

    expect(first[0]!.stale).toEqual(['colours']);
    expect(second[0]!.stale).toEqual([]);
    expect(second[0]!.generated).toBe(first[0]!.generated);
  });

  it('refuses an unknown table, a marker left open and a table no page shows', async () => {
    await expect(generateDocuments(root, doc('<!-- generated:shapes -->\n<!-- /generated -->\n'), tables)).rejects.toThrow(
      'unknown generated table "shapes"; known: colours',
    );
    await expect(generateDocuments(root, doc('<!-- generated:colours -->\n| a |\n'), tables)).rejects.toThrow(
      'docs/page.md: <!-- generated:colours --> has no <!-- /generated -->',
    );
    await expect(generateDocuments(root, doc('# No tables\n'), tables)).rejects.toThrow(
      'generated tables with no marker in the docs: colours',
    );
  });

  it('reads every marked region of a page in order', () => {
    const page = '<!-- generated:a -->\nA\n<!-- /generated -->\ntext\n<!-- generated:b -->\nB\n<!-- /generated -->\n';

    expect(regionsOf(page, 'page.md')).toEqual([
      { name: 'a', content: '\nA\n' },
      { name: 'b', content: '\nB\n' },
    ]);
  });
});
