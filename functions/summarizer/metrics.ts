import type { MetricName } from '../../core/metrics';
import type { TelemetryMetrics } from '../common/telemetry';

/** The metrics the summarizer emits: every one in core/metrics.ts whose source is the summarizer (a test keeps them equal). */
export const SUMMARIZER_METRIC_NAMES = [
  'UniqueSourceIPs',
  'OutlierSourceIPs',
  'PacketBinAverage',
  'PacketBinStandardDeviation',
  'PacketBinAnomalyThreshold',
  'SummarizerRuns',
  'IncompleteRuns',
  'FlowLogDeliveryLag',
  'InsightsQueriesIncomplete',
  'InsightsResultsCapped',
  'InsightsRowsRejected',
  'InsightsBytesScanned',
  'BinRecordsRejected',
  'BinWriteFailures',
] as const satisfies readonly MetricName[];

export type SummarizerMetricName = (typeof SUMMARIZER_METRIC_NAMES)[number];

export type SummarizerMetricValues = Partial<Record<SummarizerMetricName, number>>;

/** Adds the run's values, in the order above (the order of the EMF document); a value the run did not reach is left out. */
export function addRunMetrics(metrics: TelemetryMetrics, values: SummarizerMetricValues): void {
  for (const name of SUMMARIZER_METRIC_NAMES) {
    const value = values[name];
    if (value !== undefined) metrics.add(name, value);
  }
}
