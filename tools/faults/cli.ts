/**
 * `npm run faults`: the fault campaign (docs/failure-handling.md) on the in-process deployment. Prints one row per
 * fault (invariants checked, result) and `faults: N injected, M invariant violations`; exits 1 on
 * any violation. `npm run faults -- <text>` runs only the faults whose name contains the text;
 * `--bin-store dynamodb|timestream` runs the campaign on a deployment with that packet-bin store
 * (the faults of the other store left out). Without it each store's own faults run on their store,
 * every other fault on the default store.
 */
import type { BinStoreKind } from '../../functions/summarizer/contract';
import { parseBinStore } from '../replay/args';
import { casesFor, runCampaign, summaryLine, type CaseResult } from './campaign';

function row(result: CaseResult, width: number): string {
  const shown = result.violations.slice(0, 3).map((v) => `${v.invariant} at ${v.at}: ${v.detail}`);
  const more = result.violations.length > 3 ? ` (+${result.violations.length - 3} more)` : '';
  const outcome = result.violations.length === 0 ? 'pass' : `FAIL: ${shown.join(' | ')}${more}`;
  return `${result.name.padEnd(width)}  ${result.invariants.join(',').padEnd(14)}  ${outcome}`;
}

/** `--bin-store <store>` anywhere on the command line; the other words are the name filter. */
export function parseFaultArgs(argv: readonly string[]): { binStore?: BinStoreKind; filter: string } {
  const at = argv.indexOf('--bin-store');
  if (at < 0) return { filter: argv.join(' ').toLowerCase() };
  const binStore = parseBinStore(argv[at + 1] ?? '');
  return { binStore, filter: [...argv.slice(0, at), ...argv.slice(at + 2)].join(' ').toLowerCase() };
}

async function main(): Promise<void> {
  const { binStore, filter } = parseFaultArgs(process.argv.slice(2));
  const cases = casesFor(binStore).filter((c) => c.name.toLowerCase().includes(filter));
  if (cases.length === 0) throw new Error(`no fault matches "${filter}"`);
  const width = Math.max(...cases.map((c) => c.name.length), 'fault'.length);
  console.log(`${'fault'.padEnd(width)}  ${'invariants'.padEnd(14)}  result`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(14)}  ------`);
  const results = await runCampaign(cases, (result) => console.log(row(result, width)), binStore);
  console.log(summaryLine(results));
  if (results.some((r) => r.violations.length > 0)) process.exitCode = 1;
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
