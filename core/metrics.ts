/**
 * Every CloudWatch metric the product emits or shows: the single list that the handlers
 * (through Powertools Metrics / EMF), the flow-log metric filters and the dashboard and
 * alarms all use. Names of the reference implementation are kept so its alarms keep working.
 */
export const DEFAULT_METRICS_NAMESPACE = 'AutoNACL';
/**
 * Every metric the handlers emit carries this one dimension, valued with the protected VPC's id.
 * The flow-log metric filters publish without it: a filter takes dimension values only from the
 * log line, and the flow-log format carries no VPC id (each stack protects one VPC anyway).
 */
export const METRICS_DIMENSION = 'VpcId';

/**
 * With several listeners, the flow-log metric filters also publish each listener's packets under
 * these dimensions, taken from the record's own fields (a metric filter's dimension values can
 * only come from the log event): the listener's port and protocol number.
 */
export const LISTENER_METRIC_DIMENSIONS = { port: 'Port', protocol: 'Protocol' } as const;

export type MetricSource = 'summarizer' | 'nacl-updater' | 'flow-log-filter';
export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'Bytes' | 'None';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly source: MetricSource;
  /** What one data point means: shown in docs/dashboard-and-alarms.md and as the dashboard's label help. */
  readonly description: string;
}

function metric(name: string, unit: MetricUnit, source: MetricSource, description: string): MetricDefinition {
  return { name, unit, source, description };
}

export const Metrics = {
  // Flow-log metric filters (reference names).
  AllowedPackets: metric('AllowedPackets', 'Count', 'flow-log-filter', 'Accepted ingress packets to the listener port and protocol'),
  RejectedPackets: metric('RejectedPackets', 'Count', 'flow-log-filter', 'Rejected ingress packets to the listener port and protocol'),

  // Summarizer (reference names).
  UniqueSourceIPs: metric('UniqueSourceIPs', 'Count', 'summarizer', 'Distinct sources seen in the re-queried minutes'),
  OutlierSourceIPs: metric('OutlierSourceIPs', 'Count', 'summarizer', 'Sources above the Z-score threshold and the packet floor'),
  PacketBinAverage: metric('PacketBinAverage', 'Count', 'summarizer', 'Mean packets per source per minute over the window'),
  PacketBinStandardDeviation: metric(
    'PacketBinStandardDeviation',
    'Count',
    'summarizer',
    'Population standard deviation of the packet bins over the window',
  ),
  PacketBinAnomalyThreshold: metric(
    'PacketBinAnomalyThreshold',
    'Count',
    'summarizer',
    'mean + MinZScore x sd: a bin above this (and above the packet floor) is anomalous',
  ),

  // Summarizer health (ours).
  SummarizerRuns: metric('SummarizerRuns', 'Count', 'summarizer', 'Summarizer runs that published a verdict'),
  IncompleteRuns: metric(
    'IncompleteRuns',
    'Count',
    'summarizer',
    'Runs that could not see complete data (may add blocks, never removes one)',
  ),
  FlowLogDeliveryLag: metric('FlowLogDeliveryLag', 'Seconds', 'summarizer', 'Largest @ingestionTime - @timestamp seen by a run'),
  InsightsQueriesIncomplete: metric(
    'InsightsQueriesIncomplete',
    'Count',
    'summarizer',
    'Logs Insights queries that ended other than Complete or were stopped',
  ),
  InsightsResultsCapped: metric('InsightsResultsCapped', 'Count', 'summarizer', 'Logs Insights results that hit the 10,000-row cap'),
  InsightsRowsRejected: metric('InsightsRowsRejected', 'Count', 'summarizer', 'Malformed Insights rows skipped'),
  InsightsBytesScanned: metric(
    'InsightsBytesScanned',
    'Bytes',
    'summarizer',
    "Bytes scanned by the run's Insights queries (what Insights bills)",
  ),
  BinRecordsRejected: metric(
    'BinRecordsRejected',
    'Count',
    'summarizer',
    'Packet-bin records the store rejected for a reason other than a newer version',
  ),
  BinWriteFailures: metric('BinWriteFailures', 'Count', 'summarizer', 'Packet-bin write batches that failed'),

  // NACL updater (reference names).
  BlockedSourceIPs: metric('BlockedSourceIPs', 'Count', 'nacl-updater', 'Anomalous sources covered by a deny rule'),
  UnblockedSourceIPs: metric('UnblockedSourceIPs', 'Count', 'nacl-updater', 'Anomalous sources left unblocked (no capacity left)'),
  BlockedSourceNetworks: metric('BlockedSourceNetworks', 'Count', 'nacl-updater', 'Deny rules in place'),
  UnblockedSourceNetworks: metric('UnblockedSourceNetworks', 'Count', 'nacl-updater', 'Networks that needed a deny rule but got none'),

  // NACL updater in report mode (ours).
  WouldBlockSourceIPs: metric(
    'WouldBlockSourceIPs',
    'Count',
    'nacl-updater',
    'Report mode: anomalous sources block mode would cover with a deny rule (none is written)',
  ),
  WouldBlockSourceNetworks: metric(
    'WouldBlockSourceNetworks',
    'Count',
    'nacl-updater',
    'Report mode: deny rules block mode would hold (none is written)',
  ),

  // NACL updater health (ours).
  MessagesRejected: metric('MessagesRejected', 'Count', 'nacl-updater', 'Anomaly messages rejected as malformed or of an unknown version'),
  MessagesIgnored: metric('MessagesIgnored', 'Count', 'nacl-updater', 'Anomaly messages older than the one last applied'),
  AllowListInvalidLines: metric('AllowListInvalidLines', 'Count', 'nacl-updater', 'Allow-list lines skipped as invalid'),
  AllowListReadFailures: metric('AllowListReadFailures', 'Count', 'nacl-updater', 'Allow-list reads that failed'),
  DenyListInvalidLines: metric('DenyListInvalidLines', 'Count', 'nacl-updater', 'Deny-list lines skipped as invalid'),
  DenyListReadFailures: metric('DenyListReadFailures', 'Count', 'nacl-updater', 'Deny-list reads that failed'),
  DenyListEntriesNotApplied: metric(
    'DenyListEntriesNotApplied',
    'Count',
    'nacl-updater',
    'Deny-list entries in force not applied because they overlap an allow-listed or VPC network',
  ),
  DenyListedNetworks: metric('DenyListedNetworks', 'Count', 'nacl-updater', 'Deny rules in place for deny-listed networks'),
  RepeatOffenderHolds: metric(
    'RepeatOffenderHolds',
    'Count',
    'nacl-updater',
    'Deny rules kept past the reference rule for repeat offenders (emitted while repeat offenders are on)',
  ),
  RepeatOffenderStateReadFailures: metric(
    'RepeatOffenderStateReadFailures',
    'Count',
    'nacl-updater',
    'Repeat-offender state reads that failed: missing, unreadable or corrupt (no block is shortened below the reference)',
  ),
  RepeatOffenderStateWriteFailures: metric(
    'RepeatOffenderStateWriteFailures',
    'Count',
    'nacl-updater',
    'Repeat-offender state writes that failed (the container keeps the state and writes it again)',
  ),
  Ec2ApiRetries: metric(
    'Ec2ApiRetries',
    'Count',
    'nacl-updater',
    'EC2 API calls retried after throttling or a NotFound (eventual consistency)',
  ),
  AclSwaps: metric('AclSwaps', 'Count', 'nacl-updater', 'Times the protected subnets were moved to another network ACL'),
  AclEntryLimitExceeded: metric(
    'AclEntryLimitExceeded',
    'Count',
    'nacl-updater',
    'NetworkAclEntryLimitExceeded answers: the account quota is below the configured one',
  ),
  AclStaleReads: metric(
    'AclStaleReads',
    'Count',
    'nacl-updater',
    'Network ACL reads that disagreed with the swap or the entries the updater last made (EC2 eventual consistency): read again or set aside',
  ),
  AclStateUnknown: metric(
    'AclStateUnknown',
    'Count',
    'nacl-updater',
    'Runs that applied no verdict because the ACL in use stayed unknown (reads still disagreeing, or a stale association id)',
  ),
  AclEntryChanges: metric('AclEntryChanges', 'Count', 'nacl-updater', 'Create/Replace/DeleteNetworkAclEntry calls that succeeded'),
  AllowListedSourcesSkipped: metric(
    'AllowListedSourcesSkipped',
    'Count',
    'nacl-updater',
    'Anomalous sources not blocked because the allow list or a VPC CIDR covers them',
  ),
  AuditLogWriteFailures: metric(
    'AuditLogWriteFailures',
    'Count',
    'nacl-updater',
    'Audit log writes that failed (the blocks themselves are in place)',
  ),
  NotificationsPublished: metric(
    'NotificationsPublished',
    'Count',
    'nacl-updater',
    'Block notifications published: one per change of the blocked set',
  ),
  NotificationPublishFailures: metric(
    'NotificationPublishFailures',
    'Count',
    'nacl-updater',
    'Block notifications that could not be published (the blocks themselves are in place)',
  ),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof Metrics;
