import type { FloodGuardAlarmThresholds } from './monitoring-props';

/** Alarm thresholds with every default applied. */
export type ResolvedAlarmThresholds = Required<FloodGuardAlarmThresholds>;

/**
 * Defaults of every alarm threshold. Kept free of CDK imports: the stack's configuration module
 * (pure) reads its context-key defaults from here.
 */
export const DEFAULT_ALARM_THRESHOLDS: ResolvedAlarmThresholds = {
  unblockedMinutes: 5,
  maxDeliveryLagSeconds: 600,
  deliveryLagMinutes: 3,
  detectionStalledMinutes: 3,
  incompleteMinutes: 5,
  updaterErrors: 1,
  aclStateUnknownMinutes: 5,
};

/** CloudWatch evaluates at most one day of one-minute periods. */
const MAX_EVALUATION_MINUTES = 1_440;

/**
 * Bounds of every alarm threshold: the stack's context keys (alarm*) and the monitoring
 * construct's props are validated against these.
 */
export const ALARM_THRESHOLD_BOUNDS: Readonly<Record<keyof ResolvedAlarmThresholds, { readonly min: number; readonly max: number }>> = {
  unblockedMinutes: { min: 1, max: MAX_EVALUATION_MINUTES },
  detectionStalledMinutes: { min: 1, max: MAX_EVALUATION_MINUTES },
  incompleteMinutes: { min: 1, max: MAX_EVALUATION_MINUTES },
  deliveryLagMinutes: { min: 1, max: MAX_EVALUATION_MINUTES },
  aclStateUnknownMinutes: { min: 1, max: MAX_EVALUATION_MINUTES },
  updaterErrors: { min: 1, max: 1_000_000 },
  // The lag runs from a record's start (@timestamp), and a record is published only after its
  // one-minute aggregation interval: a bound below a minute would always fire. At most a day.
  maxDeliveryLagSeconds: { min: 60, max: 86_400 },
};
