/**
 * What every preflight check returns and what it reads: small pure functions over SDK responses,
 * one per thing a deploy can trip on (docs/preflight.md), so each outcome is tested without AWS.
 */
import type { FloodGuardConfig } from '../../../lib/config';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Short name of what was checked, the same for every outcome of one check. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found, with the figures that decided the outcome. */
  readonly detail: string;
  /** What to do about a warning or failure. */
  readonly fix?: string;
}

/** What the app would deploy with this context, read from the stack the CDK app builds (tools/preflight/plan.ts). */
export interface DeploymentPlan {
  readonly config: FloodGuardConfig;
  readonly stackName: string;
  readonly description: string | undefined;
  /** Concurrent executions the stack's functions reserve, summed. */
  readonly reservedConcurrency: number;
  /** Whether the stack holds Timestream resources (the Timestream bin store). */
  readonly usesTimestream: boolean;
  /** Flow logs the stack creates, per subnet id. */
  readonly flowLogsPerSubnet: ReadonlyMap<string, number>;
  /** Bootstrap qualifier the stack's synthesizer expects. */
  readonly bootstrapQualifier: string;
}

/**
 * An SDK read: its answer, or why it failed (the error's name and message). Gathering turns the
 * "does not exist" answers into values, so a failed read is one the check could not make.
 */
export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function pass(check: string, detail: string): CheckResult {
  return { check, status: 'pass', detail };
}

export function warn(check: string, detail: string, fix: string): CheckResult {
  return { check, status: 'warn', detail, fix };
}

export function fail(check: string, detail: string, fix: string): CheckResult {
  return { check, status: 'fail', detail, fix };
}

/** A check that could not read what it needs: a warning, since the deploy may still succeed. */
export function unreadable(check: string, what: string, error: string, permission: string): CheckResult {
  return warn(check, `could not read ${what}: ${error}`, `allow ${permission} to the credentials running the preflight, then run it again`);
}

/** `a, b and c` */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The CloudFormation tag that names the stack a resource belongs to (set on every resource of a stack that supports tags). */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

export function tagValue(tags: readonly { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
