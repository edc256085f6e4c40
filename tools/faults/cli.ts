/**
 * `npm run faults`: the fault campaign (docs/failure-handling.md) on the in-process deployment. Prints one row per
 * fault (invariants checked, result) and `faults: N injected, M invariant violations`; exits 1 on
 * any violation. `npm run faults -- <text>` runs only the faults whose name contains the text;
 * `--bin-store dynamodb|timestream` runs the campaign on a deployment with that packet-bin store
 * (the faults of the other store left out); `--ec2-lag <ms>` runs it with the EC2 stand-in
 * eventually consistent, each call lagging up to that long (simulation/ec2/consistency.ts). Without it each store's own faults run on their store,
 * every other fault on the default store.
 */
import type { BinStoreKind } from '../../functions/summarizer/contract';
import { parseBinStore } from '../replay/args';
import { casesFor, runCampaign, summaryLine, type CaseResult } from './campaign';
import type { FaultCase } from './evidence';

function row(result: CaseResult, width: number): string {
  const shown = result.violations.slice(0, 3).map((v) => `${v.invariant} at ${v.at}: ${v.detail}`);
  const more = result.violations.length > 3 ? ` (+${result.violations.length - 3} more)` : '';
  const outcome = result.violations.length === 0 ? 'pass' : `FAIL: ${shown.join(' | ')}${more}`;
  return `${result.name.padEnd(width)}  ${result.invariants.join(',').padEnd(14)}  ${outcome}`;
}

/** `--bin-store <store>` and `--ec2-lag <ms>` anywhere on the command line; the other words are the name filter. */
export function parseFaultArgs(argv: readonly string[]): { binStore?: BinStoreKind; ec2LagMs?: number; filter: string } {
  const words = [...argv];
  const take = (flag: string): string | undefined => {
    const at = words.indexOf(flag);
    if (at < 0) return undefined;
    const [, value] = words.splice(at, 2);
    return value ?? '';
  };
  const store = take('--bin-store');
  const lag = take('--ec2-lag');
  const ec2LagMs = lag === undefined ? undefined : Number(lag);
  if (ec2LagMs !== undefined && !(Number.isInteger(ec2LagMs) && ec2LagMs > 0 && ec2LagMs <= 300_000))
    throw new Error(`--ec2-lag must be a whole number of milliseconds from 1 to 300000, got "${lag}"`);
  return {
    ...(store !== undefined ? { binStore: parseBinStore(store) } : {}),
    ...(ec2LagMs !== undefined ? { ec2LagMs } : {}),
    filter: words.join(' ').toLowerCase(),
  };
}

/** With `--ec2-lag`, every case runs with the EC2 stand-in eventually consistent (each call lagging up to that long); the fault-free reference does not. */
export function withEc2Lag(cases: readonly FaultCase[], ec2LagMs: number | undefined): FaultCase[] {
  if (ec2LagMs === undefined) return [...cases];
  return cases.map((c) => ({ ...c, deployment: { ...c.deployment, ec2Consistency: { maxLagMs: ec2LagMs, seed: 1 } } }));
}

async function main(): Promise<void> {
  const { binStore, ec2LagMs, filter } = parseFaultArgs(process.argv.slice(2));
  const cases = withEc2Lag(
    casesFor(binStore).filter((c) => c.name.toLowerCase().includes(filter)),
    ec2LagMs,
  );
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
