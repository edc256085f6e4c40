import { Token } from 'aws-cdk-lib';
import type { FloodGuardAlarmThresholds, FloodGuardMonitoringProps } from './monitoring-props';

import { DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds } from './alarm-defaults';

export { DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds };

export const DEFAULT_REQUERY_MINUTES = 10;

/** CloudWatch evaluates at most one day of one-minute periods. */
const MAX_EVALUATION_MINUTES = 1440;

/** Applies defaults and rejects values CloudWatch would refuse or that could never fire. */
export function resolveAlarmThresholds(input: FloodGuardAlarmThresholds = {}): ResolvedAlarmThresholds {
  const resolved = { ...DEFAULT_ALARM_THRESHOLDS, ...withoutUndefined(input) };
  for (const key of ['unblockedMinutes', 'deliveryLagMinutes', 'detectionStalledMinutes', 'incompleteMinutes'] as const) {
    requireInteger(`alarms.${key}`, resolved[key], 1, MAX_EVALUATION_MINUTES, 'minutes');
  }
  requireInteger('alarms.maxDeliveryLagSeconds', resolved.maxDeliveryLagSeconds, 1, 86_400, 'seconds');
  requireInteger('alarms.updaterErrors', resolved.updaterErrors, 1, 1_000_000, 'errors per minute');
  return resolved;
}

/** Checks the props the dashboard turns into titles and annotations, naming the bad value and the fix. */
export function validateMonitoringProps(props: FloodGuardMonitoringProps): void {
  requireInteger('listenerPort', props.listenerPort, 0, 65_535, 'port');
  requireFinite('minZScore', props.minZScore);
  requireInteger('minPacketsPerBin', props.minPacketsPerBin, 0, Number.MAX_SAFE_INTEGER, 'packets');
  requireInteger('windowMinutes', props.windowMinutes, 1, MAX_EVALUATION_MINUTES, 'minutes');
  // One rule of each family is the default deny: a limit below 2 leaves no room for a deny rule.
  requireInteger('naclRuleLimit', props.naclRuleLimit, 2, 40, 'rules');
  requireInteger('naclRuleNetworkMask', props.naclRuleNetworkMask, 0, 32, 'prefix length');
  requireInteger('naclRuleNetworkMaskIpv6', props.naclRuleNetworkMaskIpv6, 0, 128, 'prefix length');
  requireInteger('requeryMinutes', props.requeryMinutes ?? DEFAULT_REQUERY_MINUTES, 1, MAX_EVALUATION_MINUTES, 'minutes');
  if (
    props.operatorEmail !== undefined &&
    !Token.isUnresolved(props.operatorEmail) &&
    !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.operatorEmail)
  ) {
    throw new Error(
      `operatorEmail ${JSON.stringify(props.operatorEmail)} is not an e-mail address: pass one like ops@example.com, or leave it out`,
    );
  }
}

function requireInteger(name: string, value: number, min: number, max: number, unit: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number of ${unit} from ${min} to ${max} (got ${value})`);
  }
}

function requireFinite(name: string, value: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number (got ${value})`);
  }
}

function withoutUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}
