/**
 * `npm run faults`: the fault campaign (docs/failure-handling.md) on the in-process deployment. Prints one row per
 * fault (invariants checked, result) and `faults: N injected, M invariant violations`; exits 1 on
 * any violation. `npm run faults -- <text>` runs only the faults whose name contains the text.
 */
import { FAULT_CASES } from './cases';
import { runCampaign, summaryLine, type CaseResult } from './campaign';

function row(result: CaseResult, width: number): string {
  const shown = result.violations.slice(0, 3).map((v) => `${v.invariant} at ${v.at}: ${v.detail}`);
  const more = result.violations.length > 3 ? ` (+${result.violations.length - 3} more)` : '';
  const outcome = result.violations.length === 0 ? 'pass' : `FAIL: ${shown.join(' | ')}${more}`;
  return `${result.name.padEnd(width)}  ${result.invariants.join(',').padEnd(14)}  ${outcome}`;
}

async function main(): Promise<void> {
  const filter = process.argv.slice(2).join(' ').toLowerCase();
  const cases = FAULT_CASES.filter((c) => c.name.toLowerCase().includes(filter));
  if (cases.length === 0) throw new Error(`no fault matches "${filter}"`);
  const width = Math.max(...cases.map((c) => c.name.length), 'fault'.length);
  console.log(`${'fault'.padEnd(width)}  ${'invariants'.padEnd(14)}  result`);
  console.log(`${'-'.repeat(width)}  ${'-'.repeat(14)}  ------`);
  const results = await runCampaign(cases, (result) => console.log(row(result, width)));
  console.log(summaryLine(results));
  if (results.some((r) => r.violations.length > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
