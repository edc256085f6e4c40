import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { FloodGuardAlarms } from './alarms';
import { blockedIpsQueryLines } from './audit-query';
import { Metrics } from '../core/metrics';
import { listenerMetric, METRIC_PERIOD, type ProductMetrics } from './metrics';
import { protocolName } from '../core/listeners';
import type { FloodGuardMonitoringProps } from './monitoring-props';
import { DEFAULT_REQUERY_MINUTES, type ResolvedAlarmThresholds } from './thresholds';

export interface WidgetInputs {
  readonly props: FloodGuardMonitoringProps;
  readonly metrics: ProductMetrics;
  readonly thresholds: ResolvedAlarmThresholds;
  readonly alarms: FloodGuardAlarms;
}

/** Full dashboard width in grid units. */
const FULL = 24;
const HALF = 12;
const QUARTER = 6;
const GRAPH_HEIGHT = 6;

/** The dashboard, top to bottom: the reference widgets 1-6, then pipeline health (7). */
export function dashboardRows(inputs: WidgetInputs): cloudwatch.Row[] {
  return [
    new cloudwatch.Row(networkTrafficWidget(inputs), allSourceIpsWidget(inputs)),
    new cloudwatch.Row(anomalousNetworksWidget(inputs), anomalousIpsWidget(inputs)),
    new cloudwatch.Row(packetStatisticsWidget(inputs)),
    new cloudwatch.Row(blockedIpsWidget(inputs)),
    new cloudwatch.Row(pipelineHealthHeader()),
    new cloudwatch.Row(deliveryLagWidget(inputs), summarizerWidget(inputs), stateMachineWidget(inputs), detectionDataWidget(inputs)),
    new cloudwatch.Row(insightsWidget(inputs), updaterWidget(inputs), allowListWidget(inputs), aclChangesWidget(inputs)),
    new cloudwatch.Row(alarmStatusWidget(inputs)),
  ];
}

// ---- 1-6: the reference dashboard ------------------------------------------------------------

/**
 * Ingress packets to the listeners by action. With several listeners, each listener's allowed and
 * rejected packets are lines of their own (the per-listener filter metrics), stacked to the total.
 */
export function networkTrafficWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  const names = props.listeners.map((l) => `${protocolName(l.protocol)}:${l.port}`);
  const left =
    props.listeners.length === 1
      ? [
          metrics.metric(Metrics.AllowedPackets, { label: 'Allowed (ACCEPT) packets' }),
          metrics.metric(Metrics.RejectedPackets, { label: 'Rejected (REJECT) packets' }),
        ]
      : props.listeners.flatMap((listener, i) => [
          listenerMetric(metrics, Metrics.AllowedPackets, listener, `${names[i]} allowed (ACCEPT) packets`),
          listenerMetric(metrics, Metrics.RejectedPackets, listener, `${names[i]} rejected (REJECT) packets`),
        ]);
  return graph({
    title: `Network Traffic (${names.join(', ')}), packets/minute`,
    width: HALF,
    stacked: true,
    left,
    leftLabel: 'packets/minute',
  });
}

export function allSourceIpsWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'All Source IPs, distinct sources per run',
    width: HALF,
    left: [metrics.metric(Metrics.UniqueSourceIPs, { label: 'Distinct source IPs' })],
    leftLabel: 'sources',
    right: [
      metrics.metric(Metrics.OutlierSourceIPs, {
        label: `Outliers (Z > ${props.minZScore} and > ${formatCount(props.minPacketsPerBin)} packets/min)`,
      }),
    ],
    rightLabel: 'sources',
  });
}

export function anomalousNetworksWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  const capacity = denyRuleCapacityUpperBound(props.naclRuleLimit);
  return graph({
    title: `Anomalous Source Networks (/${props.naclRuleNetworkMask} IPv4, /${props.naclRuleNetworkMaskIpv6} IPv6), deny rules`,
    width: HALF,
    stacked: true,
    left: [
      metrics.metric(Metrics.BlockedSourceNetworks, { label: 'Blocked networks (deny rules)' }),
      metrics.metric(Metrics.UnblockedSourceNetworks, { label: 'Unblocked networks (no room in the ACL)' }),
      metrics.metric(Metrics.WouldBlockSourceNetworks, { label: 'Would block networks (report mode: no rule written)' }),
    ],
    leftLabel: 'networks',
    leftAnnotations: [
      {
        value: capacity,
        label: `Deny-rule capacity per IP family, at most ${capacity} (quota ${props.naclRuleLimit} - default deny - mirrored rules)`,
        color: cloudwatch.Color.RED,
      },
    ],
  });
}

export function anomalousIpsWidget({ metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Anomalous Source IPs, sources',
    width: HALF,
    stacked: true,
    left: [
      metrics.metric(Metrics.BlockedSourceIPs, { label: 'Blocked sources' }),
      metrics.metric(Metrics.UnblockedSourceIPs, { label: 'Unblocked sources (no room in the ACL)' }),
      metrics.metric(Metrics.WouldBlockSourceIPs, { label: 'Would block sources (report mode: no rule written)' }),
    ],
    leftLabel: 'sources',
  });
}

export function packetStatisticsWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title:
      `Packet Statistics, packets/minute per source over ${props.windowMinutes} min ` +
      `(anomalous: Z > ${props.minZScore} and > ${formatCount(props.minPacketsPerBin)} packets/min)`,
    width: FULL,
    left: [
      metrics.metric(Metrics.PacketBinAverage, { label: 'Mean packets/minute per source' }),
      metrics.metric(Metrics.PacketBinStandardDeviation, { label: 'Standard deviation (population), packets/minute' }),
      metrics.metric(Metrics.PacketBinAnomalyThreshold, { label: `Anomaly threshold: mean + ${props.minZScore} x sd, packets/minute` }),
    ],
    leftLabel: 'packets/minute',
    leftAnnotations: [
      {
        value: props.minPacketsPerBin,
        label: `Packet floor MinPacketsPerBin: ${formatCount(props.minPacketsPerBin)} packets/minute`,
        color: cloudwatch.Color.ORANGE,
      },
    ],
  });
}

export function blockedIpsWidget({ props }: WidgetInputs): cloudwatch.LogQueryWidget {
  return new cloudwatch.LogQueryWidget({
    title: 'Blocked IPs per hour and source: max Z-score, max packets/minute, last block time (mode report: would block)',
    logGroupNames: [props.auditLogGroup.logGroupName],
    queryLines: blockedIpsQueryLines(),
    view: cloudwatch.LogQueryVisualizationType.TABLE,
    width: FULL,
    height: 8,
  });
}

// ---- 7: pipeline health (ours) ---------------------------------------------------------------

function pipelineHealthHeader(): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({
    markdown:
      '## Pipeline health\n' +
      'Detection runs twice a minute. Every graph below is flat at zero when all is well, except runs (2 per minute), ' +
      'duration, delivery lag and bytes scanned. See docs/dashboard-and-alarms.md.',
    width: FULL,
    height: 2,
  });
}

export function deliveryLagWidget({ props, metrics, thresholds }: WidgetInputs): cloudwatch.GraphWidget {
  const reachSeconds = (props.requeryMinutes ?? DEFAULT_REQUERY_MINUTES) * 60;
  return graph({
    title: `Flow-log delivery lag, seconds (alarm > ${thresholds.maxDeliveryLagSeconds} s for ${thresholds.deliveryLagMinutes} min)`,
    width: QUARTER,
    left: [metrics.metric(Metrics.FlowLogDeliveryLag, { label: 'Largest lag seen by a run, seconds' })],
    leftLabel: 'seconds',
    leftAnnotations: [
      { value: thresholds.maxDeliveryLagSeconds, label: `Alarm bound ${thresholds.maxDeliveryLagSeconds} s`, color: cloudwatch.Color.RED },
      { value: reachSeconds, label: `Re-query reach ${reachSeconds} s: later records are never counted`, color: cloudwatch.Color.ORANGE },
    ],
  });
}

export function summarizerWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Summarizer runs and errors, count/minute; duration, ms',
    width: QUARTER,
    left: [
      metrics.metric(Metrics.SummarizerRuns, { label: 'Runs that published a verdict' }),
      props.summarizer.metricErrors({ period: METRIC_PERIOD, statistic: cloudwatch.Stats.SUM, label: 'Errors' }),
    ],
    leftLabel: 'count/minute',
    right: [props.summarizer.metricDuration({ period: METRIC_PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'Max duration, ms' })],
    rightLabel: 'milliseconds',
  });
}

export function stateMachineWidget({ props }: WidgetInputs): cloudwatch.GraphWidget {
  const options = { period: METRIC_PERIOD, statistic: cloudwatch.Stats.SUM };
  return graph({
    title: 'Detection state machine, executions/minute',
    width: QUARTER,
    left: [
      props.stateMachine.metricFailed({ ...options, label: 'Failed executions' }),
      props.stateMachine.metricTimedOut({ ...options, label: 'Timed-out executions' }),
    ],
    leftLabel: 'executions/minute',
  });
}

export function detectionDataWidget({ metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Incomplete detection data, count/minute',
    width: QUARTER,
    left: [
      metrics.metric(Metrics.IncompleteRuns, { label: 'Incomplete runs (may add blocks, never lifts one)' }),
      metrics.metric(Metrics.InsightsQueriesIncomplete, { label: 'Insights queries not Complete' }),
      metrics.metric(Metrics.BinWriteFailures, { label: 'Failed bin write batches' }),
      metrics.metric(Metrics.BinRecordsRejected, { label: 'Bin records rejected by the store' }),
    ],
    leftLabel: 'count/minute',
  });
}

export function insightsWidget({ metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Logs Insights: capped results and rejected rows, count/minute; bytes scanned/minute',
    width: QUARTER,
    left: [
      metrics.metric(Metrics.InsightsResultsCapped, { label: 'Results capped at 10,000 rows' }),
      metrics.metric(Metrics.InsightsRowsRejected, { label: 'Malformed rows skipped' }),
    ],
    leftLabel: 'count/minute',
    right: [metrics.metric(Metrics.InsightsBytesScanned, { label: 'Bytes scanned (billed)' })],
    rightLabel: 'bytes/minute',
  });
}

export function updaterWidget({ props, metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'NACL updater: errors, dead letters, rejected messages, audit-log and notification failures, count/minute',
    width: QUARTER,
    left: [
      props.naclUpdater.metricErrors({ period: METRIC_PERIOD, statistic: cloudwatch.Stats.SUM, label: 'Errors' }),
      props.updaterDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: METRIC_PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
        label: 'Messages on the dead-letter queue',
      }),
      metrics.metric(Metrics.MessagesRejected, { label: 'Messages rejected (malformed, unknown version)' }),
      metrics.metric(Metrics.MessagesIgnored, { label: 'Messages ignored (older than the last applied)' }),
      metrics.metric(Metrics.AuditLogWriteFailures, { label: 'Audit-log writes failed (blocks still in place)' }),
      metrics.metric(Metrics.NotificationPublishFailures, { label: 'Block notifications not published (blocks still in place)' }),
    ],
    leftLabel: 'count/minute',
  });
}

export function allowListWidget({ metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Allow list and deny list: failed reads/minute, invalid lines, spared sources, deny rules',
    width: QUARTER,
    left: [
      metrics.metric(Metrics.AllowListReadFailures, { label: 'Failed reads (ACL left as it was)' }),
      metrics.metric(Metrics.AllowListInvalidLines, { label: 'Invalid lines skipped' }),
      metrics.metric(Metrics.AllowListedSourcesSkipped, { label: 'Anomalous sources spared (allow list or VPC)' }),
      metrics.metric(Metrics.DenyListReadFailures, { label: 'Deny list: failed reads (no block lifted)' }),
      metrics.metric(Metrics.DenyListInvalidLines, { label: 'Deny list: invalid lines skipped' }),
      metrics.metric(Metrics.DenyListEntriesNotApplied, { label: 'Deny list: entries over allow-listed or VPC networks' }),
      metrics.metric(Metrics.DenyListedNetworks, { label: 'Deny list: networks blocked' }),
      metrics.metric(Metrics.RepeatOffenderHolds, { label: 'Repeat offenders: rules kept past one window' }),
      metrics.metric(Metrics.RepeatOffenderStateReadFailures, { label: 'Repeat offenders: failed state reads (reference rule)' }),
      metrics.metric(Metrics.RepeatOffenderStateWriteFailures, { label: 'Repeat offenders: failed state writes' }),
    ],
    leftLabel: 'count',
  });
}

export function aclChangesWidget({ metrics }: WidgetInputs): cloudwatch.GraphWidget {
  return graph({
    title: 'Network ACL changes and EC2 API trouble, count/minute',
    width: QUARTER,
    left: [
      metrics.metric(Metrics.AclSwaps, { label: 'Subnets moved to another ACL' }),
      metrics.metric(Metrics.AclEntryChanges, { label: 'ACL entries created, replaced or deleted' }),
      metrics.metric(Metrics.NotificationsPublished, { label: 'Block notifications published' }),
      metrics.metric(Metrics.Ec2ApiRetries, { label: 'EC2 calls retried after throttling' }),
      metrics.metric(Metrics.AclEntryLimitExceeded, { label: 'NetworkAclEntryLimitExceeded (quota below naclRuleLimit)' }),
      metrics.metric(Metrics.AclStaleReads, { label: 'ACL reads behind the last swap or write (read again)' }),
      metrics.metric(Metrics.AclStateUnknown, { label: 'Runs with the ACL in use unknown (no verdict applied)' }),
    ],
    leftLabel: 'count/minute',
  });
}

function alarmStatusWidget({ alarms }: WidgetInputs): cloudwatch.AlarmStatusWidget {
  return new cloudwatch.AlarmStatusWidget({
    title: 'Operator alarms',
    alarms: Object.values(alarms),
    width: FULL,
    height: 3,
  });
}

// ---- helpers ---------------------------------------------------------------------------------

interface GraphSpec {
  readonly title: string;
  readonly width: number;
  readonly stacked?: boolean;
  readonly left: cloudwatch.IMetric[];
  readonly leftLabel: string;
  readonly leftAnnotations?: cloudwatch.HorizontalAnnotation[];
  readonly right?: cloudwatch.IMetric[];
  readonly rightLabel?: string;
}

/** Every graph: one-minute points, units on the axis labels, y from zero so small counts show as small. */
function graph(spec: GraphSpec): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: spec.title,
    width: spec.width,
    height: GRAPH_HEIGHT,
    stacked: spec.stacked ?? false,
    left: spec.left,
    leftYAxis: { label: spec.leftLabel, showUnits: false, min: 0 },
    leftAnnotations: spec.leftAnnotations,
    right: spec.right,
    rightYAxis: spec.right ? { label: spec.rightLabel, showUnits: false, min: 0 } : undefined,
    period: METRIC_PERIOD,
  });
}

/**
 * Deny rules one IP family can hold: the quota counts the default deny rule and every mirrored
 * original rule, and the number of mirrored rules is only known when the updater runs, so the
 * dashboard can only show the upper bound.
 */
export function denyRuleCapacityUpperBound(naclRuleLimit: number): number {
  return naclRuleLimit - 1;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
