/**
 * The NACL updater's contract with the stack and the simulation: its environment variables with
 * their bounds and defaults (one schema), how the stack writes them (toEnvironment), how the
 * handler and the simulation read them (loadConfig), how the function is deployed, and the tag
 * it writes, which the stack's IAM policy names.
 *
 * Pure: no SDK client, no environment read at import.
 */
import { z } from 'zod';
import type { AddressFamily, Network } from '../../core/addresses';
import { DEFAULT_BLOCK_CAPS } from '../../core/block-selection';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import { DEFAULT_MAX_AGGREGATE_PREFIX } from '../../core/prefix-aggregation';
import type { RepeatPolicy } from '../../core/repeat-offenders';
import {
  cidrList,
  integer,
  logGroupName,
  metricsNamespace,
  NACL_ID_PATTERN,
  readEnvironment,
  SUBNET_ID_PATTERN,
  text,
  vpcId,
  type FunctionDeployment,
  type IntegerBounds,
} from '../common/contract';
import type { CallTimeouts } from '../common/client-options';

export const UPDATER_DEPLOYMENT: FunctionDeployment = {
  // EC2 calls for up to 2 x 40 rules plus one swap per subnet, with throttling backoff.
  timeoutSeconds: 120,
  memoryMiB: 512,
  // No reserved concurrency: the FIFO queue's one message group keeps one writer (UPDATER_QUEUE).
};

/**
 * How the verdicts reach the updater: an SQS FIFO queue subscribed to the FIFO anomalies topic,
 * read by a Lambda event source mapping. All verdicts are in one message group, and SQS hands out
 * no message of a group while an earlier one is in flight: at most one updater invocation runs,
 * the only writer of the ACLs, whatever the concurrency (two updaters could pick the same inactive
 * ACL). The stack builds the queue from these values and the simulation delivers by them.
 */
export const UPDATER_QUEUE = {
  /** One verdict an invocation: an invocation fails exactly when its message does (Lambda's Errors). */
  batchSize: 1,
  /** Lambda's guidance: at least six times the function timeout, so a throttled invocation is retried before the message shows again. */
  visibilityTimeoutSeconds: 6 * UPDATER_DEPLOYMENT.timeoutSeconds,
  /** Receives before a failing message moves to the dead-letter queue; at least 5, as Lambda advises for SQS sources. */
  maxReceiveCount: 5,
  retentionSeconds: 24 * 3600,
  deadLetterRetentionSeconds: 14 * 24 * 3600,
} as const;

/**
 * Seconds a failed message stays hidden before its next attempt, by its receive count (1 for the
 * first): 10, 20, 20, 20. The updater shortens the queue's 12-minute visibility timeout to this
 * (ChangeMessageVisibility), so a passing failure holds up the message group (and the newer
 * verdicts behind it) for seconds, not 12 minutes; a message failing all 5 attempts is
 * dead-lettered after about 70 s plus its attempts.
 */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(20, 10 * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * The updater's S3 and CloudWatch Logs calls: a hung one gives up after 3 attempts of 5 s (about
 * 16 s), well inside the 2 minutes, so an allow list that cannot be read in time is a failed read
 * (the last good list stands in).
 */
export const UPDATER_CALLS: CallTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 3 };

/**
 * Its EC2 calls: one attempt each, since the updater retries throttling itself and counts it
 * (ec2-acls.ts); a hung call fails the invocation after 5 s, before any subnet moves onto an ACL
 * it did not finish writing, and its message goes back to the verdict queue.
 */
export const UPDATER_EC2_CALLS: CallTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 1 };

export const UPDATER_SERVICE_NAME = 'nacl-updater';

/** The deployment's name in block notifications when the environment gives none. */
export const DEFAULT_DEPLOYMENT_NAME = 'nacl-flood-guard';

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Tag on the stack's ACLs holding the generatedAt of the last message applied; survives cold starts. */
export const WATERMARK_TAG = 'nacl-flood-guard:last-applied-generated-at';

/**
 * Tag on both stack ACLs recording `<ISO time> <acl-id>` of the ACL the updater makes active, written
 * before the first subnet moves onto it (core/acl-state-check.ts): a read that disagrees with a
 * recent record may be stale. A separate key from the watermark, which is written only once a
 * verdict is in place.
 */
export const ACTIVE_ACL_TAG = 'nacl-flood-guard:active-acl';

/**
 * Object of the repeat-offender state (core/repeat-offenders.ts), in the allow-list bucket: written
 * by the updater only, and only when repeat offenders are on. Fixed, so the role's write names one key.
 */
export const REPEAT_OFFENDER_STATE_KEY = 'repeat-offenders.json';

/** S3 object keys are at most 1024 bytes of UTF-8. */
export const ALLOW_LIST_KEY_MAX_BYTES = 1_024;

/**
 * Bounds of the operator's settings the updater reads. The stack's context validation and the
 * dashboard's props validation take them from here.
 */
export const UPDATER_BOUNDS = {
  // The account's "rules per network ACL" quota is 20 unless raised, at most 40. It includes the
  // default rule, so 2 is the least that leaves room for one deny rule; a value below the real
  // quota only leaves rules unused, and the simulation models small quotas with it.
  naclRuleLimit: { min: 2, max: 40 },
  naclRuleNetworkMask: { min: 0, max: 32 },
  naclRuleNetworkMaskIpv6: { min: 0, max: 128 },
  // Caps on what a (possibly spoofed) flood can make the stack block (docs/threat-model.md).
  maxNewBlocksPerRun: { min: 1, max: 100 },
  maxBlockedNetworks: { min: 1, max: 100 },
  // A merged rule blocks every address it covers: never wider than a /8 (IPv4) or a /16 (IPv6).
  naclMaxAggregatePrefix: { min: 8, max: 32 },
  naclMaxAggregatePrefixIpv6: { min: 16, max: 128 },
  // Repeat offenders: 0 is off; 30 days of history at most (the state object stays small).
  repeatOffenderWindowHours: { min: 0, max: 720 },
  // The longest hold after the last anomalous minute: one week at most.
  maxBlockHours: { min: 1, max: 168 },
} as const satisfies Record<string, IntegerBounds>;

/**
 * Opt-in reserved concurrency (a stack setting, no environment variable): 0 is none. The verdict
 * queue never runs more than one updater, so reserving more than one execution would only take
 * from the account.
 */
export const UPDATER_RESERVED_CONCURRENCY_BOUNDS: IntegerBounds = { min: 0, max: 1 };

/**
 * `block` applies the verdicts; `report` runs everything but never changes an ACL entry or an
 * association, and reports what it would have blocked (docs/report-mode.md).
 */
export const UPDATER_MODES = ['block', 'report'] as const;
export type UpdaterMode = (typeof UPDATER_MODES)[number];

export const UPDATER_DEFAULTS = {
  mode: 'block' as UpdaterMode,
  naclRuleLimit: 20,
  naclRuleNetworkMask: 32,
  naclRuleNetworkMaskIpv6: 128,
  maxNewBlocksPerRun: DEFAULT_BLOCK_CAPS.newPerRun,
  maxBlockedNetworks: DEFAULT_BLOCK_CAPS.total,
  allowListKey: 'allow-list.txt',
  denyListKey: 'deny-list.txt',
  repeatOffenderWindowHours: 0,
  maxBlockHours: 24,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
} as const;

/** An S3 object key the allow list can live under and `aws s3 cp` can address: no leading "/", no control characters. */
export function isUsableObjectKey(key: string): boolean {
  const control = [...key].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  return key.length > 0 && Buffer.byteLength(key, 'utf8') <= ALLOW_LIST_KEY_MAX_BYTES && !key.startsWith('/') && !control;
}

/** The operator's choices the updater reads: the stack's context keys of the same names. */
export interface UpdaterSettings {
  /** Block (apply the verdicts) or report only (never change an ACL or an association). */
  readonly mode: UpdaterMode;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly naclRuleLimit: number;
  readonly naclRuleNetworkMask: number;
  readonly naclRuleNetworkMaskIpv6: number;
  /** New deny rules one verdict may add (docs/threat-model.md: spoofed sources). */
  readonly maxNewBlocksPerRun: number;
  /** Deny rules in place at once, IPv4 and IPv6 together. */
  readonly maxBlockedNetworks: number;
  /**
   * Adaptive aggregation (opt-in): when anomalous sources exceed the ACL's room, merge host deny
   * rules into covering prefixes no wider than /N. Unset: off for that family.
   */
  readonly naclMaxAggregatePrefix?: number;
  readonly naclMaxAggregatePrefixIpv6?: number;
  readonly allowListKey: string;
  /** Object of the deny list, in the allow list's bucket (core/deny-list.ts). */
  readonly denyListKey: string;
  /** Repeat offenders (core/repeat-offenders.ts): earlier blocks within this many hours lengthen a hold; 0 is off. */
  readonly repeatOffenderWindowHours: number;
  /** The longest repeat-offender hold after the last anomalous minute. */
  readonly maxBlockHours: number;
  readonly metricsNamespace: string;
  /** The deployment's stack: block notifications name it. @default nacl-flood-guard */
  readonly stackName?: string;
}

/** The deployed resources the updater uses: CloudFormation references in the stack, plain names in the simulation. */
export interface UpdaterResources {
  /** Comma-joined IPv4 and IPv6 CIDRs of the VPC, recorded at deploy time. */
  readonly vpcCidrs: string;
  /** The protected subnets' own ACL, found at deploy time. */
  readonly originalNaclId: string;
  readonly blueNaclId: string;
  readonly greenNaclId: string;
  readonly allowListBucket: string;
  readonly auditLogGroupName: string;
  /** Topic of the block notifications (docs/operator-controls.md); absent: none are sent. */
  readonly notificationsTopicArn?: string;
  /** The FIFO queue the verdicts reach the updater through (UPDATER_QUEUE). */
  readonly verdictQueueUrl: string;
}

/** NACL updater settings, read once at cold start from the environment the stack sets. */
export interface UpdaterConfig {
  readonly mode: UpdaterMode;
  readonly vpcId: string;
  readonly vpcNetworks: readonly Network[];
  readonly subnetIds: readonly string[];
  readonly originalNaclId: string;
  readonly blueNaclId: string;
  readonly greenNaclId: string;
  /** The "rules per network ACL" quota configured for the account (per direction and family). */
  readonly naclRuleLimit: number;
  readonly ipv4Mask: number;
  readonly ipv6Mask: number;
  /** New deny rules one verdict may add, and deny rules in place at once (both families). */
  readonly maxNewBlocksPerRun: number;
  readonly maxBlockedNetworks: number;
  /**
   * Adaptive aggregation: widest prefix per family that host rules may be merged into when they do
   * not fit (NACL_MAX_AGGREGATE_PREFIX, NACL_MAX_AGGREGATE_PREFIX_IPV6; setting either turns it on,
   * the other then defaults to /16 or /48). Absent: off, the highest Z-scores get host rules.
   */
  readonly aggregation?: Readonly<Record<AddressFamily, number>>;
  readonly allowListBucket: string;
  readonly allowListKey: string;
  readonly denyListKey: string;
  /** Repeat offenders (REPEAT_OFFENDER_WINDOW_HOURS above 0, MAX_BLOCK_HOURS). Absent: off, the reference rule. */
  readonly repeatOffenders?: RepeatPolicy;
  readonly auditLogGroupName: string;
  /** Where a change of the blocked set is told; absent: nowhere. */
  readonly notificationsTopicArn?: string;
  /** The deployment's name in those notifications. */
  readonly deploymentName: string;
  readonly verdictQueueUrl: string;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

const naclId = text.regex(NACL_ID_PATTERN, 'expected a network ACL id like acl-0123456789abcdef0');

const subnetList = text.min(1, 'expected at least one subnet id').transform((value, ctx) => {
  const ids = value.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !SUBNET_ID_PATTERN.test(id));
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not a subnet id like subnet-0123456789abcdef0` });
    return z.NEVER;
  }
  return [...new Set(ids)];
});

const objectKey = text.refine(
  isUsableObjectKey,
  `expected an S3 object key of at most ${ALLOW_LIST_KEY_MAX_BYTES} bytes, no leading "/", no control characters`,
);

const bounds = UPDATER_BOUNDS;
const defaults = UPDATER_DEFAULTS;

/** The updater's environment: every variable, its bounds and its default. */
export const updaterEnvironment = z
  .object({
    MODE: z.enum(UPDATER_MODES, { message: `expected ${UPDATER_MODES.join(' or ')}` }).default(defaults.mode),
    VPC_ID: vpcId,
    VPC_CIDRS: cidrList,
    SUBNET_IDS: subnetList,
    ORIGINAL_NACL_ID: naclId,
    BLUE_NACL_ID: naclId,
    GREEN_NACL_ID: naclId,
    NACL_RULE_LIMIT: integer(bounds.naclRuleLimit).default(defaults.naclRuleLimit),
    NACL_RULE_NETWORK_MASK: integer(bounds.naclRuleNetworkMask).default(defaults.naclRuleNetworkMask),
    NACL_RULE_NETWORK_MASK_IPV6: integer(bounds.naclRuleNetworkMaskIpv6).default(defaults.naclRuleNetworkMaskIpv6),
    MAX_NEW_BLOCKS_PER_RUN: integer(bounds.maxNewBlocksPerRun).default(defaults.maxNewBlocksPerRun),
    MAX_BLOCKED_NETWORKS: integer(bounds.maxBlockedNetworks).default(defaults.maxBlockedNetworks),
    NACL_MAX_AGGREGATE_PREFIX: integer(bounds.naclMaxAggregatePrefix).optional(),
    NACL_MAX_AGGREGATE_PREFIX_IPV6: integer(bounds.naclMaxAggregatePrefixIpv6).optional(),
    ALLOW_LIST_BUCKET: text.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    ALLOW_LIST_KEY: objectKey.default(defaults.allowListKey),
    DENY_LIST_KEY: objectKey.default(defaults.denyListKey),
    REPEAT_OFFENDER_WINDOW_HOURS: integer(bounds.repeatOffenderWindowHours).default(defaults.repeatOffenderWindowHours),
    MAX_BLOCK_HOURS: integer(bounds.maxBlockHours).default(defaults.maxBlockHours),
    AUDIT_LOG_GROUP_NAME: logGroupName,
    NOTIFICATIONS_TOPIC_ARN: text.regex(SNS_TOPIC_ARN, 'expected an SNS topic ARN').optional(),
    DEPLOYMENT_NAME: text
      .regex(/^[\x21-\x7e][\x20-\x7e]{0,127}$/, 'expected at most 128 printable ASCII characters')
      .default(DEFAULT_DEPLOYMENT_NAME),
    VERDICT_QUEUE_URL: text.regex(/^https:\/\/\S+\/\d{12}\/[A-Za-z0-9_-]{1,75}\.fifo$/, 'expected the URL of an SQS FIFO queue'),
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
    POWERTOOLS_SERVICE_NAME: text.min(1).default(UPDATER_SERVICE_NAME),
  })
  .refine((env) => new Set([env.ORIGINAL_NACL_ID, env.BLUE_NACL_ID, env.GREEN_NACL_ID]).size === 3, {
    path: ['BLUE_NACL_ID'],
    message: 'ORIGINAL_NACL_ID, BLUE_NACL_ID and GREEN_NACL_ID must be three different ACLs: the updater only ever writes blue or green',
  })
  .refine((env) => env.REPEAT_OFFENDER_WINDOW_HOURS === 0 || ![env.ALLOW_LIST_KEY, env.DENY_LIST_KEY].includes(REPEAT_OFFENDER_STATE_KEY), {
    path: ['REPEAT_OFFENDER_WINDOW_HOURS'],
    message: `${REPEAT_OFFENDER_STATE_KEY} holds the repeat-offender state: ALLOW_LIST_KEY and DENY_LIST_KEY must name other objects`,
  })
  .refine((env) => env.ALLOW_LIST_KEY !== env.DENY_LIST_KEY, {
    path: ['DENY_LIST_KEY'],
    message: 'ALLOW_LIST_KEY and DENY_LIST_KEY must name two different objects: one list cannot both spare and block',
  });

type Variables = z.input<typeof updaterEnvironment>;
type AggregationVariable = 'NACL_MAX_AGGREGATE_PREFIX' | 'NACL_MAX_AGGREGATE_PREFIX_IPV6';
type RepeatVariable = 'REPEAT_OFFENDER_WINDOW_HOURS' | 'MAX_BLOCK_HOURS';
type NotificationVariable = 'NOTIFICATIONS_TOPIC_ARN' | 'DEPLOYMENT_NAME';

/**
 * The variables as the stack writes them: every one, defaults included, so the template shows
 * each value; the aggregation pair only when the operator opted in.
 */
export type UpdaterEnvironment = Record<Exclude<keyof Variables, AggregationVariable | RepeatVariable | NotificationVariable>, string> &
  Partial<Record<AggregationVariable | RepeatVariable | NotificationVariable, string>>;

/** The environment for these settings and resources; the stack deploys it and the simulation runs with it. */
export function toEnvironment(settings: UpdaterSettings, resources: UpdaterResources): UpdaterEnvironment {
  return {
    MODE: settings.mode,
    VPC_ID: settings.vpcId,
    VPC_CIDRS: resources.vpcCidrs,
    SUBNET_IDS: settings.subnetIds.join(','),
    ORIGINAL_NACL_ID: resources.originalNaclId,
    BLUE_NACL_ID: resources.blueNaclId,
    GREEN_NACL_ID: resources.greenNaclId,
    NACL_RULE_LIMIT: String(settings.naclRuleLimit),
    NACL_RULE_NETWORK_MASK: String(settings.naclRuleNetworkMask),
    NACL_RULE_NETWORK_MASK_IPV6: String(settings.naclRuleNetworkMaskIpv6),
    MAX_NEW_BLOCKS_PER_RUN: String(settings.maxNewBlocksPerRun),
    MAX_BLOCKED_NETWORKS: String(settings.maxBlockedNetworks),
    ...aggregationEnvironment(settings),
    ALLOW_LIST_BUCKET: resources.allowListBucket,
    ALLOW_LIST_KEY: settings.allowListKey,
    DENY_LIST_KEY: settings.denyListKey,
    ...repeatEnvironment(settings),
    AUDIT_LOG_GROUP_NAME: resources.auditLogGroupName,
    ...(resources.notificationsTopicArn === undefined ? {} : { NOTIFICATIONS_TOPIC_ARN: resources.notificationsTopicArn }),
    ...(settings.stackName === undefined ? {} : { DEPLOYMENT_NAME: settings.stackName }),
    VERDICT_QUEUE_URL: resources.verdictQueueUrl,
    POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
    POWERTOOLS_SERVICE_NAME: UPDATER_SERVICE_NAME,
  };
}

/**
 * Adaptive aggregation variables, only when the operator opted in. The updater turns aggregation
 * on for both families as soon as either variable is set (the unset one defaulting to /16 or
 * /48), so a family left unset here gets its host prefix (/32, /128): no merging, as configured.
 */
function aggregationEnvironment(settings: UpdaterSettings): Partial<Record<AggregationVariable, string>> {
  const { naclMaxAggregatePrefix: ipv4, naclMaxAggregatePrefixIpv6: ipv6 } = settings;
  if (ipv4 === undefined && ipv6 === undefined) return {};
  return {
    NACL_MAX_AGGREGATE_PREFIX: String(ipv4 ?? bounds.naclMaxAggregatePrefix.max),
    NACL_MAX_AGGREGATE_PREFIX_IPV6: String(ipv6 ?? bounds.naclMaxAggregatePrefixIpv6.max),
  };
}

/** Repeat-offender variables, only when the operator turned it on: a deployment without it keeps its environment. */
function repeatEnvironment(settings: UpdaterSettings): Partial<Record<RepeatVariable, string>> {
  if (settings.repeatOffenderWindowHours === 0) return {};
  return { REPEAT_OFFENDER_WINDOW_HOURS: String(settings.repeatOffenderWindowHours), MAX_BLOCK_HOURS: String(settings.maxBlockHours) };
}

/** Reads and validates the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): UpdaterConfig {
  const e = readEnvironment(updaterEnvironment, env, 'nacl-updater');
  return {
    mode: e.MODE,
    vpcId: e.VPC_ID,
    vpcNetworks: e.VPC_CIDRS,
    subnetIds: e.SUBNET_IDS,
    originalNaclId: e.ORIGINAL_NACL_ID,
    blueNaclId: e.BLUE_NACL_ID,
    greenNaclId: e.GREEN_NACL_ID,
    naclRuleLimit: e.NACL_RULE_LIMIT,
    ipv4Mask: e.NACL_RULE_NETWORK_MASK,
    ipv6Mask: e.NACL_RULE_NETWORK_MASK_IPV6,
    maxNewBlocksPerRun: e.MAX_NEW_BLOCKS_PER_RUN,
    maxBlockedNetworks: e.MAX_BLOCKED_NETWORKS,
    ...(e.NACL_MAX_AGGREGATE_PREFIX === undefined && e.NACL_MAX_AGGREGATE_PREFIX_IPV6 === undefined
      ? {}
      : {
          aggregation: {
            ipv4: e.NACL_MAX_AGGREGATE_PREFIX ?? DEFAULT_MAX_AGGREGATE_PREFIX.ipv4,
            ipv6: e.NACL_MAX_AGGREGATE_PREFIX_IPV6 ?? DEFAULT_MAX_AGGREGATE_PREFIX.ipv6,
          },
        }),
    allowListBucket: e.ALLOW_LIST_BUCKET,
    allowListKey: e.ALLOW_LIST_KEY,
    denyListKey: e.DENY_LIST_KEY,
    ...(e.REPEAT_OFFENDER_WINDOW_HOURS === 0
      ? {}
      : { repeatOffenders: { windowHours: e.REPEAT_OFFENDER_WINDOW_HOURS, maxBlockHours: e.MAX_BLOCK_HOURS } }),
    auditLogGroupName: e.AUDIT_LOG_GROUP_NAME,
    ...(e.NOTIFICATIONS_TOPIC_ARN === undefined ? {} : { notificationsTopicArn: e.NOTIFICATIONS_TOPIC_ARN }),
    deploymentName: e.DEPLOYMENT_NAME,
    verdictQueueUrl: e.VERDICT_QUEUE_URL,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
  };
}
