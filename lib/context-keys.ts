/**
 * What each context key means to an operator: the configuration page (docs/configuration.md) is
 * generated from this, the keys' defaults and their bounds (lib/config.ts). TypeScript requires
 * one entry per key the app reads.
 */
import type { DEFAULTS, OPTIONAL_KEYS, REQUIRED_KEYS } from './config';

export type ContextKey = (typeof REQUIRED_KEYS)[number] | keyof typeof DEFAULTS | (typeof OPTIONAL_KEYS)[number];

export interface ContextKeyHelp {
  readonly meaning: string;
  /** What a value must look like, for keys without numeric bounds. */
  readonly accepts?: string;
  /** A rule that involves another key, checked with the rest of the context. */
  readonly alsoRequires?: string;
  /** What leaving an optional key out means. */
  readonly whenUnset?: string;
}

export const CONTEXT_KEY_HELP: Readonly<Record<ContextKey, ContextKeyHelp>> = {
  mode: {
    meaning:
      '`block` applies the verdicts; `report` changes no ACL entry or association and reports what it would block ([report-mode.md](report-mode.md))',
    accepts: '`block` or `report` (any case)',
  },
  vpcId: { meaning: 'VPC of the endpoint', accepts: '`vpc-` + 8 or 17 hex digits' },
  subnetIds: {
    meaning: 'comma-separated public subnets of the endpoint; all must share one network ACL (checked at deploy)',
    accepts: 'each `subnet-` + 8 or 17 hex digits, no duplicates',
  },
  listenerPort: { meaning: 'endpoint port, for an endpoint with one listener (not with `listeners`)' },
  listenerProtocol: {
    meaning: 'endpoint protocol, for an endpoint with one listener (not with `listeners`)',
    accepts: '`TCP` or `UDP` (any case)',
  },
  listeners: {
    meaning:
      "the endpoint's listeners, comma-separated, e.g. `443/tcp,80/tcp,53/udp`: each has its own baseline, a source anomalous on any is blocked ([architecture.md](architecture.md#listeners))",
    accepts: '`<port>/<tcp|udp>` each, port 1-65535, no duplicates, at most 10',
    alsoRequires: 'not with `listenerPort` or `listenerProtocol`',
    whenUnset: 'the one listener of `listenerPort` and `listenerProtocol`',
  },
  binStore: {
    meaning:
      'where the packet bins are kept: `dynamodb` works in any account; `timestream` only where Timestream for LiveAnalytics is already in use ([limits.md](limits.md))',
    accepts: '`timestream` or `dynamodb` (any case)',
  },
  minZScore: { meaning: 'Z-score threshold: a bin is anomalous above mean + minZScore x sd (and above the packet floor)' },
  minPacketsPerBin: { meaning: 'packet floor per source per minute: a bin at or below it is never anomalous' },
  windowMinutes: { meaning: 'baseline window: a blocked source is lifted when its last anomalous minute leaves it' },
  requeryMinutes: {
    meaning: 'minutes re-queried each run, so late flow-log records still land in their bins',
    alsoRequires: 'at most `windowMinutes`',
  },
  naclRuleLimit: { meaning: 'the account\'s "rules per network ACL" quota' },
  naclRuleNetworkMask: { meaning: 'prefix length of IPv4 deny rules' },
  naclRuleNetworkMaskIpv6: { meaning: 'prefix length of IPv6 deny rules' },
  maxNewBlocksPerRun: { meaning: 'new deny rules one verdict may add ([threat-model.md](threat-model.md))' },
  maxBlockedNetworks: { meaning: 'deny rules in place at once, IPv4 and IPv6 together ([threat-model.md](threat-model.md))' },
  allowListKey: { meaning: 'object key of the allow list', accepts: 'at most 1024 bytes, no leading `/`, no control characters' },
  denyListKey: {
    meaning:
      'object key of the deny list, in the allow-list bucket: networks always blocked ([operator-controls.md](operator-controls.md))',
    accepts: 'at most 1024 bytes, no leading `/`, no control characters',
    alsoRequires: 'not the same as `allowListKey`',
  },
  repeatOffenderWindowHours: {
    meaning:
      'repeat offenders ([operator-controls.md](operator-controls.md#repeat-offenders)): a source blocked again within this many hours of an earlier block keeps its rule `windowMinutes` x 2^k after its last anomalous minute (k: its earlier blocks in that time); 0 is off, the reference rule',
  },
  maxBlockHours: {
    meaning: 'the longest a repeat offender is kept after its last anomalous minute',
    alsoRequires: 'at least `windowMinutes` (in hours, rounded up)',
  },
  logRetentionDays: {
    meaning: 'flow-log retention in days; function, state-machine and audit logs keep at least 30 days',
    accepts: 'a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...)',
  },
  stackName: {
    meaning:
      'CloudFormation stack of this deployment: deployments with different names never touch each other, so deploy one per VPC or network ACL',
    accepts: 'a letter, then letters, digits or hyphens; at most 128',
    whenUnset: '`NaclFloodGuard-<vpcId>` (one per VPC; name a second deployment in the same VPC yourself)',
  },
  metricsNamespace: {
    meaning: "CloudWatch namespace of every metric; each deployment's own by default",
    whenUnset: '`AutoNACL/<stackName>`',
    accepts: '1-255 of letters, digits, `. - _ / # :` and space; not starting with `AWS/` or `:`',
  },
  maxAnomalies: { meaning: 'most sources one verdict lists (highest Z-scores first)' },
  alarmUnblockedMinutes: { meaning: 'minutes with sources left unblocked before "Unblocked sources" fires' },
  alarmDetectionStalledMinutes: { meaning: 'minutes without a published verdict before "Detection not running" fires' },
  alarmIncompleteMinutes: { meaning: 'minutes of incomplete runs before "Incomplete data" fires' },
  alarmUpdaterErrors: { meaning: 'updater errors in a minute that fire "Updater errors"' },
  alarmMaxDeliveryLagSeconds: { meaning: 'flow-log delivery lag, in seconds, above which "Delivery lag" counts a minute' },
  alarmDeliveryLagMinutes: { meaning: 'minutes above the lag bound before "Delivery lag" fires' },
  alarmAclStateUnknownMinutes: { meaning: 'minutes with the network ACL in use unknown to the updater before "ACL state unknown" fires' },
  updaterReservedConcurrency: {
    meaning:
      'reserved concurrency of the NACL updater: 1 guarantees it an execution when the account runs out; the FIFO verdict queue keeps one writer of the ACLs either way. The account must keep 100 executions unreserved besides it ([preflight.md](preflight.md))',
    accepts: '`0` (none) or `1`',
  },
  operatorEmail: {
    meaning: 'address subscribed to the operator alarm topic',
    accepts: 'an e-mail address',
    whenUnset: 'none (subscribe your own tooling)',
  },
  naclMaxAggregatePrefix: {
    meaning:
      "adaptive aggregation ([limits.md](limits.md#adaptive-aggregation)): when anomalous IPv4 sources exceed the ACL's room, merge their deny rules into covering prefixes no wider than /N",
    alsoRequires: 'at most `naclRuleNetworkMask`',
    whenUnset: 'none (off)',
  },
  notifyEmail: {
    meaning:
      'address subscribed to the block notifications: one message per change of the blocked set ([operator-controls.md](operator-controls.md))',
    accepts: 'an e-mail address',
    whenUnset: 'none (the topic is there: subscribe your own tooling)',
  },
  notifySlackWorkspaceId: {
    meaning: 'Slack workspace that receives the block notifications through AWS Chatbot',
    accepts: 'the workspace id from the AWS Chatbot console (capital letters and digits)',
    alsoRequires: '`notifySlackChannelId`',
    whenUnset: 'no Slack delivery',
  },
  notifySlackChannelId: {
    meaning: 'Slack channel of those notifications',
    accepts: 'a channel id (letters and digits)',
    alsoRequires: '`notifySlackWorkspaceId`',
    whenUnset: 'no Slack delivery',
  },
  notifyTeamsTeamId: {
    meaning: 'Microsoft Teams team that receives the block notifications through AWS Chatbot',
    accepts: 'a GUID from the AWS Chatbot console',
    alsoRequires: '`notifyTeamsChannelId` and `notifyTeamsTenantId`',
    whenUnset: 'no Teams delivery',
  },
  notifyTeamsChannelId: {
    meaning: 'Microsoft Teams channel of those notifications',
    accepts: 'the URL-encoded channel id the console shows (`19%3a...%40thread.tacv2`)',
    alsoRequires: '`notifyTeamsTeamId` and `notifyTeamsTenantId`',
    whenUnset: 'no Teams delivery',
  },
  notifyTeamsTenantId: {
    meaning: 'Microsoft Teams tenant of that team',
    accepts: 'a GUID',
    alsoRequires: '`notifyTeamsTeamId` and `notifyTeamsChannelId`',
    whenUnset: 'no Teams delivery',
  },
  naclMaxAggregatePrefixIpv6: {
    meaning: 'the same for IPv6 sources',
    alsoRequires: 'at most `naclRuleNetworkMaskIpv6`',
    whenUnset: 'none (off)',
  },
};
