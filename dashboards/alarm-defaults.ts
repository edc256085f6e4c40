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
};
