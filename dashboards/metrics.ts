import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Listener } from '../core/listeners';
import { LISTENER_METRIC_DIMENSIONS, METRICS_DIMENSION, Metrics, type MetricDefinition, type MetricName } from '../core/metrics';

/** Every product metric is graphed and alarmed at the resolution the pipeline runs at. */
export const METRIC_PERIOD = Duration.minutes(1);

/**
 * How one minute of each product metric is aggregated. Gauges that every run reports in full
 * (a run's view of the state) use Maximum or Average, so the two runs a minute do not add up;
 * counters of events use Sum.
 */
export const METRIC_STATISTICS: Record<MetricName, string> = {
  AllowedPackets: cloudwatch.Stats.SUM,
  RejectedPackets: cloudwatch.Stats.SUM,
  UniqueSourceIPs: cloudwatch.Stats.MAXIMUM,
  OutlierSourceIPs: cloudwatch.Stats.MAXIMUM,
  // Average keeps threshold = mean + MinZScore x sd true of the plotted points as well.
  PacketBinAverage: cloudwatch.Stats.AVERAGE,
  PacketBinStandardDeviation: cloudwatch.Stats.AVERAGE,
  PacketBinAnomalyThreshold: cloudwatch.Stats.AVERAGE,
  SummarizerRuns: cloudwatch.Stats.SUM,
  IncompleteRuns: cloudwatch.Stats.SUM,
  FlowLogDeliveryLag: cloudwatch.Stats.MAXIMUM,
  InsightsQueriesIncomplete: cloudwatch.Stats.SUM,
  InsightsResultsCapped: cloudwatch.Stats.SUM,
  InsightsRowsRejected: cloudwatch.Stats.SUM,
  InsightsBytesScanned: cloudwatch.Stats.SUM,
  BinRecordsRejected: cloudwatch.Stats.SUM,
  BinWriteFailures: cloudwatch.Stats.SUM,
  BlockedSourceIPs: cloudwatch.Stats.MAXIMUM,
  UnblockedSourceIPs: cloudwatch.Stats.MAXIMUM,
  BlockedSourceNetworks: cloudwatch.Stats.MAXIMUM,
  UnblockedSourceNetworks: cloudwatch.Stats.MAXIMUM,
  WouldBlockSourceIPs: cloudwatch.Stats.MAXIMUM,
  WouldBlockSourceNetworks: cloudwatch.Stats.MAXIMUM,
  MessagesRejected: cloudwatch.Stats.SUM,
  MessagesIgnored: cloudwatch.Stats.SUM,
  // Every updater run re-reads the whole list: the count of bad lines is a state, not events.
  AllowListInvalidLines: cloudwatch.Stats.MAXIMUM,
  AllowListReadFailures: cloudwatch.Stats.SUM,
  // The deny list is re-read every run too: its counts are states, like the allow list's.
  DenyListInvalidLines: cloudwatch.Stats.MAXIMUM,
  DenyListReadFailures: cloudwatch.Stats.SUM,
  DenyListEntriesNotApplied: cloudwatch.Stats.MAXIMUM,
  DenyListedNetworks: cloudwatch.Stats.MAXIMUM,
  // Each run reports the holds in place: a state. Failures are events.
  RepeatOffenderHolds: cloudwatch.Stats.MAXIMUM,
  RepeatOffenderStateReadFailures: cloudwatch.Stats.SUM,
  RepeatOffenderStateWriteFailures: cloudwatch.Stats.SUM,
  Ec2ApiRetries: cloudwatch.Stats.SUM,
  AclSwaps: cloudwatch.Stats.SUM,
  AclEntryLimitExceeded: cloudwatch.Stats.SUM,
  AclEntryChanges: cloudwatch.Stats.SUM,
  AclStaleReads: cloudwatch.Stats.SUM,
  AclStateUnknown: cloudwatch.Stats.SUM,
  // Each run reports the anomalous sources it spared: a run's view, like the blocked counts.
  AllowListedSourcesSkipped: cloudwatch.Stats.MAXIMUM,
  AuditLogWriteFailures: cloudwatch.Stats.SUM,
  NotificationsPublished: cloudwatch.Stats.SUM,
  NotificationPublishFailures: cloudwatch.Stats.SUM,
};

/**
 * Metrics of core/metrics.ts that no widget or alarm shows, each with the reason. The metric
 * coverage test fails when a metric is neither shown nor listed here.
 */
export const METRICS_NOT_SHOWN: Partial<Record<MetricName, string>> = {};

export interface ProductMetricOptions {
  /** Legend text; state the unit when the widget mixes units. @default the metric name (CloudWatch's own) */
  readonly label?: string;
  /** @default METRIC_STATISTICS[name] */
  readonly statistic?: string;
}

/**
 * Turns the metric definitions of core/metrics.ts into CloudWatch metrics of one deployment:
 * the product namespace and the VpcId dimension, so widgets and alarms never spell a name.
 */
export class ProductMetrics {
  constructor(
    private readonly namespace: string,
    private readonly vpcId: string,
  ) {}

  metric(definition: MetricDefinition, options: ProductMetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: definition.name,
      dimensionsMap: metricDimensions(definition, this.vpcId),
      statistic: options.statistic ?? defaultStatistic(definition),
      period: METRIC_PERIOD,
      label: options.label,
    });
  }
}

/**
 * One listener's share of a flow-log filter metric (several listeners only): the filter publishes
 * it under the listener's port and protocol (lib/flow-logs.ts).
 */
export function listenerMetric(
  metrics: ProductMetrics,
  definition: MetricDefinition,
  listener: Listener,
  label: string,
): cloudwatch.Metric {
  if (definition.source !== 'flow-log-filter') throw new Error(`${definition.name} is not published per listener`);
  return metrics.metric(definition, { label }).with({
    dimensionsMap: {
      [LISTENER_METRIC_DIMENSIONS.port]: String(listener.port),
      [LISTENER_METRIC_DIMENSIONS.protocol]: String(listener.protocol),
    },
  });
}

function defaultStatistic(definition: MetricDefinition): string {
  if (!Object.hasOwn(Metrics, definition.name)) {
    throw new Error(`metric ${definition.name} is not in core/metrics.ts: add it there before graphing it`);
  }
  return METRIC_STATISTICS[definition.name as MetricName];
}

/**
 * The dimensions a metric is published with. The handlers add VpcId to every metric they emit;
 * a flow-log metric filter can only take dimension values from fields of the log event, and the
 * flow-log format carries no VPC id, so the filter metrics have no dimension at all.
 */
export function metricDimensions(definition: MetricDefinition, vpcId: string): Record<string, string> | undefined {
  return definition.source === 'flow-log-filter' ? undefined : { [METRICS_DIMENSION]: vpcId };
}
