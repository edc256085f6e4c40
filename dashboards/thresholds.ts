import { Token } from 'aws-cdk-lib';
import { ConfigError } from '../core/config-error';
import { LISTENER_PORT_BOUNDS, listenerLabel, MAX_LISTENERS } from '../core/listeners';
import { UPDATER_BOUNDS } from '../functions/nacl-updater/contract';
import type { IntegerBounds, PositiveBounds } from '../functions/common/contract';
import { SUMMARIZER_BOUNDS, SUMMARIZER_DEFAULTS } from '../functions/summarizer/contract';
import type { FloodGuardAlarmThresholds, FloodGuardMonitoringProps } from './monitoring-props';

import { ALARM_THRESHOLD_BOUNDS, DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds } from './alarm-defaults';

export { DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds };

/** The summarizer's default re-query reach (its contract), shown when the props leave it out. */
export const DEFAULT_REQUERY_MINUTES = SUMMARIZER_DEFAULTS.requeryMinutes;

/** Applies defaults and rejects values CloudWatch would refuse or that could never fire. */
export function resolveAlarmThresholds(input: FloodGuardAlarmThresholds = {}): ResolvedAlarmThresholds {
  const resolved = { ...DEFAULT_ALARM_THRESHOLDS, ...withoutUndefined(input) };
  const units: Record<keyof ResolvedAlarmThresholds, string> = {
    unblockedMinutes: 'minutes',
    deliveryLagMinutes: 'minutes',
    detectionStalledMinutes: 'minutes',
    incompleteMinutes: 'minutes',
    aclStateUnknownMinutes: 'minutes',
    maxDeliveryLagSeconds: 'seconds',
    updaterErrors: 'errors per minute',
  };
  const problems = Object.entries(units).flatMap(([key, unit]) => {
    const name = key as keyof ResolvedAlarmThresholds;
    return integerProblems(`alarms.${name}`, resolved[name], ALARM_THRESHOLD_BOUNDS[name], unit);
  });
  if (problems.length > 0) throw new ConfigError(problems, 'nacl-flood-guard monitoring props');
  return resolved;
}

/**
 * Checks the props the dashboard turns into titles and annotations, naming the bad value and the
 * fix. The bounds are the functions' (their contracts): the dashboard shows what they run with.
 */
export function validateMonitoringProps(props: FloodGuardMonitoringProps): void {
  const problems = [
    ...listenerProblems(props.listeners),
    ...numberProblems('minZScore', props.minZScore, SUMMARIZER_BOUNDS.minZScore),
    ...integerProblems('minPacketsPerBin', props.minPacketsPerBin, SUMMARIZER_BOUNDS.minPacketsPerBin, 'packets'),
    ...integerProblems('windowMinutes', props.windowMinutes, SUMMARIZER_BOUNDS.windowMinutes, 'minutes'),
    ...integerProblems('requeryMinutes', props.requeryMinutes ?? DEFAULT_REQUERY_MINUTES, SUMMARIZER_BOUNDS.requeryMinutes, 'minutes'),
    ...integerProblems('naclRuleLimit', props.naclRuleLimit, UPDATER_BOUNDS.naclRuleLimit, 'rules'),
    ...integerProblems('naclRuleNetworkMask', props.naclRuleNetworkMask, UPDATER_BOUNDS.naclRuleNetworkMask, 'prefix length'),
    ...integerProblems('naclRuleNetworkMaskIpv6', props.naclRuleNetworkMaskIpv6, UPDATER_BOUNDS.naclRuleNetworkMaskIpv6, 'prefix length'),
  ];
  if (
    props.operatorEmail !== undefined &&
    !Token.isUnresolved(props.operatorEmail) &&
    !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.operatorEmail)
  ) {
    problems.push(
      `operatorEmail ${JSON.stringify(props.operatorEmail)} is not an e-mail address: pass one like ops@example.com, or leave it out`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems, 'nacl-flood-guard monitoring props');
}

function listenerProblems(listeners: FloodGuardMonitoringProps['listeners']): string[] {
  const [min, max] = [1, MAX_LISTENERS];
  const count =
    listeners.length < min || listeners.length > max ? [`listeners must list ${min} to ${max} listeners (got ${listeners.length})`] : [];
  const labels = listeners.map(listenerLabel);
  const twice = labels.filter((label, i) => labels.indexOf(label) !== i);
  return [
    ...count,
    ...listeners.flatMap((l, i) => integerProblems(`listeners[${i}].port`, l.port, LISTENER_PORT_BOUNDS, 'port')),
    ...(twice.length > 0 ? [`listeners lists ${[...new Set(twice)].join(', ')} more than once: list each listener once`] : []),
  ];
}

function integerProblems(name: string, value: number, { min, max }: IntegerBounds, unit: string): string[] {
  if (Token.isUnresolved(value) || (Number.isInteger(value) && value >= min && value <= max)) return [];
  return [`${name} must be a whole number of ${unit} from ${min} to ${max} (got ${value})`];
}

function numberProblems(name: string, value: number, { above, max }: PositiveBounds): string[] {
  if (Token.isUnresolved(value) || (Number.isFinite(value) && value > above && value <= max)) return [];
  return [`${name} must be a number greater than ${above} and at most ${max} (got ${value})`];
}

function withoutUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}
