import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Metrics, METRICS_DIMENSION, type MetricName, type MetricUnit as ProductMetricUnit } from '../../core/metrics';

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

const UNITS: Record<ProductMetricUnit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Bytes: MetricUnit.Bytes,
  None: MetricUnit.NoUnit,
};

/** Powertools Metrics with the product namespace and VpcId as the ONLY dimension (no `service`). */
export function createMetrics(namespace: string, serviceName: string, vpcId: string): PowertoolsMetrics {
  const metrics = new PowertoolsMetrics({ namespace, serviceName });
  // Powertools adds a `service` dimension by default; the reference's alarms expect VpcId alone.
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions({ [METRICS_DIMENSION]: vpcId });
  return metrics;
}

/** Adds the run's values (names and units from core/metrics.ts) and writes the EMF line. */
export function publishRunMetrics(metrics: PowertoolsMetrics, values: SummarizerMetricValues): void {
  for (const name of SUMMARIZER_METRIC_NAMES) {
    const value = values[name];
    if (value === undefined) continue;
    const definition = Metrics[name];
    metrics.addMetric(definition.name, UNITS[definition.unit], value);
  }
  metrics.publishStoredMetrics();
}
