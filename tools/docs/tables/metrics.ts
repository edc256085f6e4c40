import { METRICS_DIMENSION, Metrics, type MetricSource } from '../../../core/metrics';
import { METRIC_STATISTICS } from '../../../dashboards/metrics';
import type { Table } from '../markdown';

const EMITTED_BY: Record<MetricSource, string> = {
  summarizer: 'summarizer',
  'nacl-updater': 'NACL updater',
  'flow-log-filter': 'flow-log metric filter',
};

/** Every product metric (core/metrics.ts) with how the dashboard and alarms aggregate a minute of it. */
export function metricsTable(): Table {
  return {
    header: ['Metric', 'Unit', 'Emitted by', 'Dimension', 'Per minute', 'One data point'],
    rows: Object.values(Metrics).map((metric) => [
      `\`${metric.name}\``,
      metric.unit,
      EMITTED_BY[metric.source],
      // A metric filter takes dimension values only from the log line, which carries no VPC id.
      metric.source === 'flow-log-filter' ? 'none' : `\`${METRICS_DIMENSION}\``,
      METRIC_STATISTICS[metric.name as keyof typeof METRIC_STATISTICS],
      metric.description,
    ]),
  };
}
