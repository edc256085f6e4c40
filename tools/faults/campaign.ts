/** Runs every fault case against the fault-free story and reports the invariants (docs/failure-handling.md). */
import { SUMMARIZER_DEFAULTS, type BinStoreKind } from '../../functions/summarizer/contract';
import type { DeploymentSpec } from '../../simulation/deployment';
import { FAULT_CASES } from './cases';
import { evidenceSeen, type FaultCase } from './evidence';
import { label, runWorld, type Invariant, type RunState, type Violation } from './world';

export const INVARIANTS: readonly Invariant[] = ['I1', 'I2', 'I3', 'I4', 'I5'];

export interface CaseResult {
  readonly name: string;
  readonly handling: string;
  readonly invariants: readonly Invariant[];
  readonly violations: readonly Violation[];
  /** Calls the injected fault answered (0 for faults that change the world instead). */
  readonly injectedCalls: number;
}

/**
 * The fault-free outcome to converge to. A fault that is a property of the account (a lower
 * rules-per-ACL quota) is compared with a deployment configured with that quota.
 */
function referenceSpec(spec: Partial<DeploymentSpec>): Partial<DeploymentSpec> {
  return {
    ...(spec.accountRuleLimit !== undefined ? { naclRuleLimit: spec.accountRuleLimit } : {}),
    ...(spec.binStore !== undefined ? { binStore: spec.binStore } : {}),
  };
}

/**
 * The cases that apply to a deployment with `binStore`: every case but those of the other store's
 * own faults (a case that names a store in its deployment). Without a store: every case.
 */
export function casesFor(binStore: BinStoreKind | undefined, cases: readonly FaultCase[] = FAULT_CASES): FaultCase[] {
  return cases.filter((c) => binStore === undefined || c.deployment?.binStore === undefined || c.deployment.binStore === binStore);
}

export class Campaign {
  private readonly references = new Map<string, Promise<readonly RunState[]>>();

  reference(spec: Partial<DeploymentSpec>): Promise<readonly RunState[]> {
    // One reference per deployment: a spec naming the default store is the spec that names none.
    const settings = { binStore: SUMMARIZER_DEFAULTS.binStore, ...spec } as Record<string, unknown>;
    const key = JSON.stringify(
      Object.keys(settings)
        .sort()
        .map((k) => [k, settings[k]]),
    );
    let found = this.references.get(key);
    if (!found) {
      found = runWorld({ deployment: spec, arm: () => undefined }).then((run) => {
        if (run.violations.length > 0)
          throw new Error(`the fault-free run itself breaks an invariant: ${JSON.stringify(run.violations[0])}`);
        return run.states;
      });
      this.references.set(key, found);
    }
    return found;
  }

  /** Runs one case; on `binStore` unless the case names its own store (the default store when neither does). */
  async run(fault: FaultCase, binStore?: BinStoreKind): Promise<CaseResult> {
    const spec: Partial<DeploymentSpec> = { ...(binStore ? { binStore } : {}), ...fault.deployment };
    const reference = await this.reference(referenceSpec(spec));
    const run = await runWorld({ ...fault, deployment: spec }, reference, fault.protectedAddresses);
    const violations = [...run.violations];
    const missing = evidenceSeen(
      fault.evidence,
      run.deployment.telemetry.logs,
      run.deployment.telemetry.metrics,
      run.platformErrors,
      run.armedAt,
      run.disarmedAt + 30_000,
    );
    if (missing) violations.push({ invariant: 'I4', at: 'fault window', detail: missing });
    const timedOut = run.platformErrors.find((e) => e.message.startsWith('Task timed out'));
    if (fault.endsBeforeLambdaTimeouts && timedOut)
      violations.push({
        invariant: 'I4',
        at: label(timedOut.at),
        detail: `${timedOut.fn} ran into its Lambda timeout: ${timedOut.message}`,
      });
    return {
      name: fault.name,
      handling: fault.handling,
      invariants: INVARIANTS,
      violations,
      injectedCalls: run.deployment.faults.firedCount(),
    };
  }
}

export async function runCampaign(
  cases: readonly FaultCase[] = FAULT_CASES,
  onResult?: (result: CaseResult) => void,
  binStore?: BinStoreKind,
): Promise<CaseResult[]> {
  const campaign = new Campaign();
  const results: CaseResult[] = [];
  for (const fault of cases) {
    const result = await campaign.run(fault, binStore);
    results.push(result);
    onResult?.(result);
  }
  return results;
}

/** The closing line of the campaign. */
export function summaryLine(results: readonly CaseResult[]): string {
  return `faults: ${results.length} injected, ${results.reduce((n, r) => n + r.violations.length, 0)} invariant violations`;
}
