import { ANOMALY_MESSAGE_VERSION, type Anomaly, type AnomalyMessage } from './anomaly-message';
import { parseAddress } from './addresses';
import { BIN_SECONDS } from './run-window';
import { anomalyThreshold, type Baseline, type ZScoreAnomaly } from './zscore-query';

export interface VerdictInput {
  readonly vpcId: string;
  readonly runAtMs: number;
  readonly windowStartMs: number;
  readonly windowMinutes: number;
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly baseline: Baseline;
  readonly anomalies: readonly ZScoreAnomaly[];
  /** Whether every re-queried minute was Complete and every bin write was accepted. */
  readonly sawCompleteData: boolean;
}

export interface Verdict {
  readonly message: AnomalyMessage;
  /** Store rows whose source is not a canonical address: left out, and the run marked incomplete. */
  readonly invalidSources: readonly string[];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The message a run publishes. A source the store returns in a non-canonical spelling cannot be
 * blocked reliably, so it is left out and the run reports incomplete data: the updater then
 * keeps existing blocks rather than lifting one because of the omission.
 */
export function buildVerdict(input: VerdictInput): Verdict {
  const anomalies: Anomaly[] = [];
  const invalidSources: string[] = [];
  for (const anomaly of input.anomalies) {
    if (parseAddress(anomaly.sourceIp)?.address === anomaly.sourceIp) anomalies.push({ ...anomaly });
    else invalidSources.push(anomaly.sourceIp);
  }
  const message: AnomalyMessage = {
    version: ANOMALY_MESSAGE_VERSION,
    generatedAt: iso(input.runAtMs),
    vpcId: input.vpcId,
    window: { start: iso(input.windowStartMs), minutes: input.windowMinutes, binSeconds: BIN_SECONDS },
    thresholds: { minZScore: input.minZScore, minPacketsPerBin: input.minPacketsPerBin },
    baseline: {
      mean: input.baseline.mean,
      standardDeviation: input.baseline.standardDeviation,
      binCount: input.baseline.binCount,
      anomalyThreshold: anomalyThreshold(input.baseline, input.minZScore),
    },
    anomalies,
    complete: input.sawCompleteData && invalidSources.length === 0,
  };
  return { message, invalidSources };
}
