/**
 * Deployment configuration: CDK context keys, their defaults and their validation.
 *
 * Pure module (no CDK import) so every rule is tested without synthesizing. Errors name the key,
 * the bad value and the fix; all problems are reported at once so one `cdk synth` shows them all.
 */
import { ConfigError } from '../core/config-error';
import { EXAMPLE_COMMAND, missingMessage } from './config-messages';
import { defaultMetricsNamespace, defaultStackName, STACK_NAME_PREFIX, stackNameProblem } from './deployment-name';
import { aggregationProblems, objectKeyProblems, repeatOffenderProblems } from './config-rules';
import type { ListenerProtocol } from '../core/insights-query';
import { DEFAULT_METRICS_NAMESPACE } from '../core/metrics';
import { ALARM_THRESHOLD_BOUNDS, DEFAULT_ALARM_THRESHOLDS, type ResolvedAlarmThresholds } from '../dashboards/alarm-defaults';
import { isUsableObjectKey, UPDATER_BOUNDS, UPDATER_DEFAULTS, type UpdaterSettings } from '../functions/nacl-updater/contract';
import {
  isCustomNamespace,
  SUBNET_ID_PATTERN,
  VPC_ID_PATTERN,
  type IntegerBounds,
  type PositiveBounds,
} from '../functions/common/contract';
import {
  BIN_STORES,
  requeryFitsWindow,
  SUMMARIZER_BOUNDS,
  SUMMARIZER_DEFAULTS,
  type BinStoreKind,
  type SummarizerSettings,
} from '../functions/summarizer/contract';
import { CONTROL_DEFAULTS, EMAIL, NOTIFY_KEYS, parseControls, type OperatorControls } from './operator-controls';
import { ListenerKeyProblem, missingKeys, readListeners } from './config-listeners';

export type { ListenerProtocol };
export { protocolName } from '../core/listeners';
import { LISTENER_PORT_BOUNDS } from '../core/listeners';
/** The product's one configuration error (core/config-error.ts), for the CDK app. */
export { ConfigError, EXAMPLE_COMMAND };

/**
 * The validated deployment configuration. The keys that reach a function are that function's
 * contract settings (named as the context keys); the others configure the stack itself.
 */
export interface FloodGuardConfig extends SummarizerSettings, UpdaterSettings, OperatorControls {
  readonly logRetentionDays: number;
  readonly operatorEmail?: string;
  /** Operator alarm thresholds (context keys alarm*). */
  readonly alarms: ResolvedAlarmThresholds;
  /** The CloudFormation stack: one per VPC (by default) or per network ACL. */
  readonly stackName: string;
}

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const REQUIRED_KEYS = ['vpcId', 'subnetIds', 'listenerPort', 'listenerProtocol'] as const;

/**
 * Every key this app reads, with its default: docs/configuration.md is generated from it. Keys
 * that reach a function take their default from that function's contract.
 */
export const DEFAULTS = {
  binStore: SUMMARIZER_DEFAULTS.binStore,
  ...CONTROL_DEFAULTS,
  minZScore: SUMMARIZER_DEFAULTS.minZScore,
  minPacketsPerBin: SUMMARIZER_DEFAULTS.minPacketsPerBin,
  windowMinutes: SUMMARIZER_DEFAULTS.windowMinutes,
  requeryMinutes: SUMMARIZER_DEFAULTS.requeryMinutes,
  naclRuleLimit: UPDATER_DEFAULTS.naclRuleLimit,
  naclRuleNetworkMask: UPDATER_DEFAULTS.naclRuleNetworkMask,
  naclRuleNetworkMaskIpv6: UPDATER_DEFAULTS.naclRuleNetworkMaskIpv6,
  maxNewBlocksPerRun: UPDATER_DEFAULTS.maxNewBlocksPerRun,
  maxBlockedNetworks: UPDATER_DEFAULTS.maxBlockedNetworks,
  allowListKey: UPDATER_DEFAULTS.allowListKey,
  denyListKey: UPDATER_DEFAULTS.denyListKey,
  repeatOffenderWindowHours: UPDATER_DEFAULTS.repeatOffenderWindowHours,
  maxBlockHours: UPDATER_DEFAULTS.maxBlockHours,
  logRetentionDays: 1,
  maxAnomalies: SUMMARIZER_DEFAULTS.maxAnomalies,
  alarmUnblockedMinutes: DEFAULT_ALARM_THRESHOLDS.unblockedMinutes,
  alarmDetectionStalledMinutes: DEFAULT_ALARM_THRESHOLDS.detectionStalledMinutes,
  alarmIncompleteMinutes: DEFAULT_ALARM_THRESHOLDS.incompleteMinutes,
  alarmUpdaterErrors: DEFAULT_ALARM_THRESHOLDS.updaterErrors,
  alarmMaxDeliveryLagSeconds: DEFAULT_ALARM_THRESHOLDS.maxDeliveryLagSeconds,
  alarmDeliveryLagMinutes: DEFAULT_ALARM_THRESHOLDS.deliveryLagMinutes,
  alarmAclStateUnknownMinutes: DEFAULT_ALARM_THRESHOLDS.aclStateUnknownMinutes,
} as const;

/** Keys with no default: unset means the feature is off. */
export const OPTIONAL_KEYS = [
  'listeners',
  'stackName',
  'metricsNamespace',
  'operatorEmail',
  'naclMaxAggregatePrefix',
  'naclMaxAggregatePrefixIpv6',
  ...NOTIFY_KEYS,
] as const;

export const CONFIG_KEYS = [...REQUIRED_KEYS, ...Object.keys(DEFAULTS), ...OPTIONAL_KEYS] as const;

/**
 * Bounds of every numeric key, from the contract of the function it reaches (alarm thresholds:
 * from the dashboard's alarm defaults). The functions' environment schemas use the same values.
 */
export const CONTEXT_BOUNDS = {
  listenerPort: LISTENER_PORT_BOUNDS,
  minZScore: SUMMARIZER_BOUNDS.minZScore,
  minPacketsPerBin: SUMMARIZER_BOUNDS.minPacketsPerBin,
  windowMinutes: SUMMARIZER_BOUNDS.windowMinutes,
  requeryMinutes: SUMMARIZER_BOUNDS.requeryMinutes,
  maxAnomalies: SUMMARIZER_BOUNDS.maxAnomalies,
  naclRuleLimit: UPDATER_BOUNDS.naclRuleLimit,
  naclRuleNetworkMask: UPDATER_BOUNDS.naclRuleNetworkMask,
  naclRuleNetworkMaskIpv6: UPDATER_BOUNDS.naclRuleNetworkMaskIpv6,
  maxNewBlocksPerRun: UPDATER_BOUNDS.maxNewBlocksPerRun,
  maxBlockedNetworks: UPDATER_BOUNDS.maxBlockedNetworks,
  naclMaxAggregatePrefix: UPDATER_BOUNDS.naclMaxAggregatePrefix,
  naclMaxAggregatePrefixIpv6: UPDATER_BOUNDS.naclMaxAggregatePrefixIpv6,
  repeatOffenderWindowHours: UPDATER_BOUNDS.repeatOffenderWindowHours,
  maxBlockHours: UPDATER_BOUNDS.maxBlockHours,
  alarmUnblockedMinutes: ALARM_THRESHOLD_BOUNDS.unblockedMinutes,
  alarmDetectionStalledMinutes: ALARM_THRESHOLD_BOUNDS.detectionStalledMinutes,
  alarmIncompleteMinutes: ALARM_THRESHOLD_BOUNDS.incompleteMinutes,
  alarmDeliveryLagMinutes: ALARM_THRESHOLD_BOUNDS.deliveryLagMinutes,
  alarmAclStateUnknownMinutes: ALARM_THRESHOLD_BOUNDS.aclStateUnknownMinutes,
  alarmUpdaterErrors: ALARM_THRESHOLD_BOUNDS.updaterErrors,
  alarmMaxDeliveryLagSeconds: ALARM_THRESHOLD_BOUNDS.maxDeliveryLagSeconds,
} as const satisfies Record<string, IntegerBounds | PositiveBounds>;

type IntegerKey = {
  [K in keyof typeof CONTEXT_BOUNDS]: (typeof CONTEXT_BOUNDS)[K] extends IntegerBounds ? K : never;
}[keyof typeof CONTEXT_BOUNDS];

/** Reads one context value; `undefined` when the key is not set. */
export type ContextReader = (key: string) => unknown;

/**
 * Parses and validates the context. Throws ConfigError listing every problem; when required keys
 * are missing, that is the single message (other checks would only add noise).
 */
export function parseConfig(read: ContextReader, knownKeys: readonly string[] = []): FloodGuardConfig {
  const missing = missingKeys(read, REQUIRED_KEYS);
  if (missing.length > 0) throw new ConfigError([missingMessage(missing, knownKeys)]);

  const problems: string[] = [];
  const check = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof KeyProblem) && !(error instanceof ListenerKeyProblem)) throw error;
      problems.push(error.message);
      return undefined as T;
    }
  };

  const controls = parseControls(read);
  problems.push(...controls.problems);
  const vpcId = check(() => matching(read, 'vpcId', VPC_ID_PATTERN, 'a VPC id like vpc-0123456789abcdef0'));
  const name = check(() => stackName(read, vpcId));
  const config: FloodGuardConfig = {
    ...controls.controls,
    vpcId,
    stackName: name,
    subnetIds: check(() => subnetIds(read)),
    listeners: readListeners(read, check, () => integer(read, 'listenerPort', undefined)),
    binStore: check(() => binStore(read)),
    minZScore: check(() => positiveNumber(read, 'minZScore', DEFAULTS.minZScore)),
    minPacketsPerBin: check(() => integer(read, 'minPacketsPerBin', DEFAULTS.minPacketsPerBin)),
    windowMinutes: check(() => integer(read, 'windowMinutes', DEFAULTS.windowMinutes)),
    requeryMinutes: check(() => integer(read, 'requeryMinutes', DEFAULTS.requeryMinutes)),
    naclRuleLimit: check(() => integer(read, 'naclRuleLimit', DEFAULTS.naclRuleLimit)),
    naclRuleNetworkMask: check(() => integer(read, 'naclRuleNetworkMask', DEFAULTS.naclRuleNetworkMask)),
    naclRuleNetworkMaskIpv6: check(() => integer(read, 'naclRuleNetworkMaskIpv6', DEFAULTS.naclRuleNetworkMaskIpv6)),
    maxNewBlocksPerRun: check(() => integer(read, 'maxNewBlocksPerRun', DEFAULTS.maxNewBlocksPerRun)),
    maxBlockedNetworks: check(() => integer(read, 'maxBlockedNetworks', DEFAULTS.maxBlockedNetworks)),
    allowListKey: check(() => objectKey(read, 'allowListKey')),
    denyListKey: check(() => objectKey(read, 'denyListKey')),
    repeatOffenderWindowHours: check(() => integer(read, 'repeatOffenderWindowHours', DEFAULTS.repeatOffenderWindowHours)),
    maxBlockHours: check(() => integer(read, 'maxBlockHours', DEFAULTS.maxBlockHours)),
    logRetentionDays: check(() => retention(read)),
    metricsNamespace: check(() => namespace(read, name)),
    operatorEmail: check(() => email(read)),
    maxAnomalies: check(() => integer(read, 'maxAnomalies', DEFAULTS.maxAnomalies)),
    alarms: alarmThresholds(read, check),
    naclMaxAggregatePrefix: check(() => optionalInteger(read, 'naclMaxAggregatePrefix')),
    naclMaxAggregatePrefixIpv6: check(() => optionalInteger(read, 'naclMaxAggregatePrefixIpv6')),
  };
  problems.push(...aggregationProblems(config), ...objectKeyProblems(config), ...repeatOffenderProblems(config));
  if (problems.length === 0 && !requeryFitsWindow(config.requeryMinutes, config.windowMinutes)) {
    problems.push(
      `requeryMinutes (${config.requeryMinutes}) must not exceed windowMinutes (${config.windowMinutes}): ` +
        'every re-queried minute is part of the baseline window. Lower requeryMinutes or raise windowMinutes.',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

class KeyProblem extends Error {}

function alarmThresholds(read: ContextReader, check: <T>(fn: () => T) => T): ResolvedAlarmThresholds {
  const threshold = (key: IntegerKey & keyof typeof DEFAULTS) => check(() => integer(read, key, DEFAULTS[key]));
  return {
    unblockedMinutes: threshold('alarmUnblockedMinutes'),
    detectionStalledMinutes: threshold('alarmDetectionStalledMinutes'),
    incompleteMinutes: threshold('alarmIncompleteMinutes'),
    deliveryLagMinutes: threshold('alarmDeliveryLagMinutes'),
    updaterErrors: threshold('alarmUpdaterErrors'),
    maxDeliveryLagSeconds: threshold('alarmMaxDeliveryLagSeconds'),
    aclStateUnknownMinutes: threshold('alarmAclStateUnknownMinutes'),
  };
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function text(read: ContextReader, key: string, fallback?: string): string {
  const value = read(key);
  if (isUnset(value)) return fallback as string;
  if (typeof value !== 'string') throw new KeyProblem(`${key} must be text, got ${show(value)}.`);
  return value.trim();
}

function matching(read: ContextReader, key: string, pattern: RegExp, expected: string): string {
  const value = text(read, key);
  if (!pattern.test(value)) {
    throw new KeyProblem(`${key} ${show(value)} is not ${expected}. Fix: -c ${key}=<value> with the id from the VPC console.`);
  }
  return value;
}

function subnetIds(read: ContextReader): string[] {
  const raw = read('subnetIds');
  const items = Array.isArray(raw) ? raw.map(String) : text(read, 'subnetIds').split(',');
  const ids = items.map((s) => s.trim());
  const bad = ids.filter((id) => !SUBNET_ID_PATTERN.test(id));
  if (bad.length > 0) {
    throw new KeyProblem(
      `subnetIds has ${bad.map(show).join(', ')}, not a subnet id like subnet-0123456789abcdef0. ` +
        'Fix: -c subnetIds=subnet-aaa,subnet-bbb (comma-separated, no spaces).',
    );
  }
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) {
    throw new KeyProblem(`subnetIds lists ${[...new Set(duplicates)].join(', ')} more than once. Fix: list each subnet once.`);
  }
  return ids;
}

function numberOf(read: ContextReader, key: string, fallback: number | undefined): number {
  const value = read(key);
  if (isUnset(value)) return fallback as number;
  // The CLI passes every -c value as text: accept plain decimal text only (no hex, no "1e3", no "12abc").
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) throw new KeyProblem(`${key} ${show(value)} is not a number. Fix: -c ${key}=<number>.`);
  return parsed;
}

function integer(read: ContextReader, key: IntegerKey, fallback: number | undefined): number {
  const { min, max } = CONTEXT_BOUNDS[key];
  const value = numberOf(read, key, fallback);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new KeyProblem(`${key} ${show(read(key))} must be a whole number from ${min} to ${max}. Fix: -c ${key}=<${min}-${max}>.`);
  }
  return value;
}

function optionalInteger(read: ContextReader, key: IntegerKey): number | undefined {
  if (isUnset(read(key))) return undefined;
  try {
    return integer(read, key, undefined);
  } catch (error) {
    if (!(error instanceof KeyProblem)) throw error;
    throw new KeyProblem(`${error.message.replace(/\.$/, '')}, or leave it out (aggregation off).`);
  }
}

function positiveNumber(read: ContextReader, key: 'minZScore', fallback: number): number {
  const { above, max } = CONTEXT_BOUNDS[key];
  const value = numberOf(read, key, fallback);
  if (!(value > above) || value > max) {
    throw new KeyProblem(
      `${key} ${show(read(key))} must be greater than ${above} (and at most ${max}). Fix: -c ${key}=${fallback} (the default).`,
    );
  }
  return value;
}

function binStore(read: ContextReader): BinStoreKind {
  const value = text(read, 'binStore', DEFAULTS.binStore).toLowerCase();
  const store = BIN_STORES.find((kind) => kind === value);
  if (store === undefined) {
    throw new KeyProblem(
      `binStore ${show(read('binStore'))} is not a packet-bin store. Fix: -c binStore=dynamodb (any account) or -c binStore=timestream ` +
        '(accounts that already use Timestream for LiveAnalytics).',
    );
  }
  return store;
}

function objectKey(read: ContextReader, key: 'allowListKey' | 'denyListKey'): string {
  const value = text(read, key, DEFAULTS[key]);
  if (!isUsableObjectKey(value)) {
    throw new KeyProblem(
      `${key} ${show(value)} is not a usable S3 object key (at most 1024 bytes, no leading "/", no control characters). ` +
        `Fix: -c ${key}=${DEFAULTS[key]}.`,
    );
  }
  return value;
}

function retention(read: ContextReader): number {
  const value = numberOf(read, 'logRetentionDays', DEFAULTS.logRetentionDays);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
    throw new KeyProblem(
      `logRetentionDays ${show(read('logRetentionDays'))} is not a retention CloudWatch Logs accepts. ` +
        `Fix: one of ${LOG_RETENTION_DAYS.join(', ')}.`,
    );
  }
  return value;
}

/** The stack name; by default one per VPC (lib/deployment-name.ts). */
function stackName(read: ContextReader, vpcId: string | undefined): string {
  const value = text(read, 'stackName', vpcId === undefined ? undefined : defaultStackName(vpcId));
  const problem = value === undefined ? undefined : stackNameProblem(value);
  if (problem !== undefined) throw new KeyProblem(problem);
  return value;
}

function namespace(read: ContextReader, name: string | undefined): string {
  const value = text(read, 'metricsNamespace', defaultMetricsNamespace(name ?? STACK_NAME_PREFIX));
  if (!isCustomNamespace(value)) {
    throw new KeyProblem(
      `metricsNamespace ${show(value)} is not a valid custom CloudWatch namespace (1-255 letters, digits, . - _ / # : or spaces; ` +
        `not starting with "AWS/" or ":"). Fix: -c metricsNamespace=${DEFAULT_METRICS_NAMESPACE}.`,
    );
  }
  return value;
}

function email(read: ContextReader): string | undefined {
  const value = read('operatorEmail');
  if (isUnset(value)) return undefined;
  const address = text(read, 'operatorEmail');
  if (!EMAIL.test(address)) {
    throw new KeyProblem(`operatorEmail ${show(value)} is not an e-mail address. Fix: -c operatorEmail=ops@example.com, or leave it out.`);
  }
  return address;
}
