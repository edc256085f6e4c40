/**
 * `npm run docs`: regenerates the tables in the docs that mirror the code, between
 * `<!-- generated:<name> -->` and `<!-- /generated -->` markers, formatted as prettier formats
 * the file. `npm run docs -- --check` changes nothing and exits 1 naming every stale table.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { fillRegions, regionsOf, renderTable, type Table } from './markdown';
import { alarmsTable } from './tables/alarms';
import { contextKeysTable } from './tables/context-keys';
import { faultCasesTable } from './tables/fault-cases';
import { metricsTable } from './tables/metrics';
import { summarizerBudgetTable } from './tables/summarizer-budget';

export const DOCS_COMMAND = 'npm run docs';

/** Every generated table by marker name. */
export const TABLES: Readonly<Record<string, () => Table>> = {
  'context-keys': contextKeysTable,
  metrics: metricsTable,
  alarms: alarmsTable,
  'fault-cases': faultCasesTable,
  'summarizer-budget': summarizerBudgetTable,
};

/** One documentation file: its text now and as generated. */
export interface DocumentResult {
  readonly file: string;
  readonly current: string;
  readonly generated: string;
  /** Names of the tables whose generated text differs from the file's. */
  readonly stale: readonly string[];
}

/** README.md and every Markdown file under docs/. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(root, 'docs', name));
  return [join(root, 'README.md'), ...docs];
}

/** Regenerates every marked table of the given files; throws on an unknown or unused table name. */
export async function generateDocuments(root: string, files: readonly string[], tables = TABLES): Promise<DocumentResult[]> {
  const rendered = new Map<string, string>();
  const tableText = (name: string) => {
    const make = tables[name];
    if (!make) throw new Error(`unknown generated table "${name}"; known: ${Object.keys(tables).join(', ')}`);
    if (!rendered.has(name)) rendered.set(name, renderTable(make()));
    return rendered.get(name)!;
  };
  const results: DocumentResult[] = [];
  for (const path of files) {
    const file = relative(root, path);
    const current = readFileSync(path, 'utf8');
    const filled = fillRegions(current, file, tableText);
    if (filled === current && regionsOf(current, file).length === 0) {
      results.push({ file, current, generated: current, stale: [] });
      continue;
    }
    const options = await prettier.resolveConfig(path);
    const generated = await prettier.format(filled, { ...options, filepath: path });
    results.push({ file, current, generated, stale: staleTables(current, generated, file) });
  }
  const unused = Object.keys(tables).filter((name) => !rendered.has(name));
  if (unused.length > 0) throw new Error(`generated tables with no marker in the docs: ${unused.join(', ')}`);
  return results;
}

function staleTables(current: string, generated: string, file: string): string[] {
  const before = regionsOf(current, file);
  const after = regionsOf(generated, file);
  return after.filter((region, i) => before[i]?.content !== region.content).map((region) => region.name);
}

/** One line per stale table, naming the file, the table and the command that fixes it. */
export function staleMessages(results: readonly DocumentResult[]): string[] {
  return results.flatMap((result) =>
    result.stale.map((name) => `${result.file}: table "${name}" is stale; run \`${DOCS_COMMAND}\` and commit the result`),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const root = join(__dirname, '..', '..');
  const results = await generateDocuments(root, documentationFiles(root));
  const messages = staleMessages(results);
  if (argv.includes('--check')) {
    for (const message of messages) console.error(message);
    return messages.length > 0 ? 1 : 0;
  }
  for (const result of results) {
    if (result.generated !== result.current) writeFileSync(join(root, result.file), result.generated);
  }
  console.log(messages.length > 0 ? `updated: ${messages.length} table(s)` : 'every generated table is up to date');
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
