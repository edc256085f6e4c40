/**
 * The summarizer's contract with the stack and the simulation: its environment variables with
 * their bounds and defaults (one schema), how the stack writes them (toEnvironment), how the
 * handler and the simulation read them (loadConfig), and how the function is deployed.
 *
 * Pure: no SDK client, no environment read at import.
 */
import { z } from 'zod';
import type { Network } from '../../core/addresses';
import { ConfigError } from '../../core/config-error';
import { listenerLabel, parseListenerList, type Listener } from '../../core/listeners';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';
import type { ScheduledRun } from '../../core/run-window';
import type { CallTimeouts } from '../common/client-options';
import {
  boundedNumber,
  cidrList,
  integer,
  logGroupName,
  metricsNamespace,
  readEnvironment,
  text,
  vpcId,
  type FunctionDeployment,
  type IntegerBounds,
  type PositiveBounds,
} from '../common/contract';

/**
 * Both runs of a minute and the 30 s wait between them fit in the minute between executions,
 * and the run keeps back a reserve for writing bins and publishing (run.ts).
 */
export const SUMMARIZER_DEPLOYMENT: FunctionDeployment = { timeoutSeconds: 25, memoryMiB: 1024 };

/**
 * Seconds the state machine waits after the first run of an execution before the second:
 * detection runs twice a minute, and a second run's reach counts on starting at least this long
 * after its execution (core/run-window.ts). The stack's Wait state and the simulation's schedule read it.
 */
export const SECOND_RUN_DELAY_SECONDS = 30;

/**
 * The summarizer's SDK calls (Logs Insights, Timestream, DynamoDB, SNS): each answers in well under
 * a second, and a call that has not after 3 s is retried once; the longest a hung call takes
 * (about 6 s) is what the run keeps back after its Insights phase (run.ts), so a hung call
 * ends as an incomplete minute or run, or as no verdict, inside the 25 s.
 */
export const SUMMARIZER_CALLS: CallTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 };

export const SUMMARIZER_SERVICE_NAME = 'summarizer';

/**
 * The one message group of the FIFO anomalies topic and the updater's queue: one group, so at most
 * one updater invocation is in flight, the only writer of the ACLs (docs/architecture.md, Ordering).
 */
export const VERDICT_MESSAGE_GROUP_ID = 'nacl-writes';

/** Name of the packet-bin table (one record per source per minute) the stack creates. */
export const PACKET_BINS_TABLE = 'packet-bins';

/** The packet-bin stores the summarizer can use (docs/architecture.md, Packet-bin store). */
export const BIN_STORES = ['timestream', 'dynamodb'] as const;
export type BinStoreKind = (typeof BIN_STORES)[number];

/** Key schema and TTL attribute of the DynamoDB packet-bin table: the stack creates it so, the adapter writes it so. */
export const DYNAMODB_BIN_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

/**
 * How long a DynamoDB bin item is kept after its minute: the window and the re-query span (the
 * oldest minute a run still reads or rewrites) plus an hour. TTL deletes expired items within
 * days, never before; reads never reach back past the window, so a late deletion changes nothing.
 */
export function binRetentionMs(windowMinutes: number, requeryMinutes: number): number {
  return (windowMinutes + requeryMinutes + 60) * 60_000;
}

/**
 * Bounds of the operator's settings the summarizer reads. The stack's context validation and the
 * dashboard's props validation take them from here.
 */
export const SUMMARIZER_BOUNDS = {
  // With n bins in the window no Z-score exceeds (n - 1) / sqrt(n): a threshold above 1000 needs
  // a million bins to be reachable at all.
  minZScore: { above: 0, max: 1_000 },
  // Packet counts are read as whole numbers exactly up to 2^53; a floor above every real bin only
  // means nothing is ever anomalous.
  minPacketsPerBin: { min: 0, max: Number.MAX_SAFE_INTEGER },
  // At least the shortest re-query reach: every re-queried minute lies in the window. At most a
  // day: a source stays blocked until its last anomalous minute leaves the window, so the window
  // is also how long a spoofed address stays blocked after the spoofing stops
  // (docs/threat-model.md), and Timestream's memory store, its costly tier, holds all of it.
  windowMinutes: { min: 5, max: 1_440 },
  // Flow logs reach CloudWatch Logs about five minutes after their minute, and a record is counted
  // when it arrives within requeryMinutes - 1/2 minutes: below 5 most records would never be
  // counted (the reference re-queries 5). At most an hour: a first-half run then queries 12 ages,
  // already more than the 10 Insights queries it keeps running at once within its 25 s.
  requeryMinutes: { min: 5, max: 60 },
  // 1,000 anomalies keep the SNS message far below its 256 KB limit.
  maxAnomalies: { min: 1, max: 1_000 },
} as const satisfies Record<string, IntegerBounds | PositiveBounds>;

export const SUMMARIZER_DEFAULTS = {
  minZScore: 3,
  minPacketsPerBin: 12_000,
  windowMinutes: 60,
  requeryMinutes: 10,
  maxAnomalies: 100,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  binStore: 'timestream' as BinStoreKind,
} as const;

/** Every re-queried minute is part of the baseline window. */
export function requeryFitsWindow(requeryMinutes: number, windowMinutes: number): boolean {
  return requeryMinutes <= windowMinutes;
}

/** The operator's choices the summarizer reads: the stack's context keys of the same names. */
export interface SummarizerSettings {
  readonly vpcId: string;
  /** The endpoint's listeners (context key listeners, or listenerPort and listenerProtocol), first one first. */
  readonly listeners: readonly Listener[];
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  readonly maxAnomalies: number;
  readonly metricsNamespace: string;
  /** Which packet-bin store the deployment has (and the only one it has). */
  readonly binStore: BinStoreKind;
}

/** The deployed resources the summarizer uses: CloudFormation references in the stack, plain names in the simulation. */
export interface SummarizerResources {
  /** Comma-joined IPv4 and IPv6 CIDRs of the VPC. */
  readonly vpcCidrs: string;
  readonly flowLogGroupName: string;
  /** The Timestream database and table (binStore timestream only). */
  readonly timestreamDatabase?: string;
  readonly timestreamTable?: string;
  /** The DynamoDB table (binStore dynamodb only). */
  readonly dynamoDbTable?: string;
  readonly anomaliesTopicArn: string;
}

/** Summarizer settings, read once at cold start from the environment the stack sets. */
export interface SummarizerConfig {
  readonly vpcId: string;
  readonly vpcNetworks: readonly Network[];
  readonly flowLogGroupName: string;
  readonly listeners: readonly Listener[];
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  readonly maxAnomalies: number;
  readonly binStore: BinStoreKind;
  /** Set for binStore timestream. */
  readonly timestreamDatabase?: string;
  readonly timestreamTable?: string;
  /** Set for binStore dynamodb. */
  readonly dynamoDbTable?: string;
  readonly anomaliesTopicArn: string;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

const timestreamName = text.regex(/^[A-Za-z0-9_.-]{3,256}$/, 'expected 3-256 characters of A-Z a-z 0-9 _ . -');
const dynamoDbTableName = text.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'expected 3-255 characters of A-Z a-z 0-9 _ . -');

/** The variables that name each store's resources: a deployment sets those of its store and no other. */
const STORE_VARIABLES = {
  timestream: ['TIMESTREAM_DATABASE', 'TIMESTREAM_TABLE'],
  dynamodb: ['DYNAMODB_TABLE'],
} as const satisfies Record<BinStoreKind, readonly string[]>;
const bounds = SUMMARIZER_BOUNDS;
const defaults = SUMMARIZER_DEFAULTS;

/** The summarizer's environment: every variable, its bounds and its default. */
export const summarizerEnvironment = z
  .object({
    VPC_ID: vpcId,
    VPC_CIDRS: cidrList,
    FLOW_LOG_GROUP_NAME: logGroupName,
    LISTENERS: text.transform((value, ctx) => {
      const parsed = parseListenerList(value.split(','));
      if (parsed.ok) return parsed.listeners;
      ctx.addIssue({ code: 'custom', message: `${parsed.problem}; expected e.g. 443/tcp,53/udp` });
      return z.NEVER;
    }),
    MIN_ZSCORE: boundedNumber(bounds.minZScore).default(defaults.minZScore),
    MIN_PACKETS_PER_BIN: integer(bounds.minPacketsPerBin).default(defaults.minPacketsPerBin),
    WINDOW_MINUTES: integer(bounds.windowMinutes).default(defaults.windowMinutes),
    REQUERY_MINUTES: integer(bounds.requeryMinutes).default(defaults.requeryMinutes),
    MAX_ANOMALIES: integer(bounds.maxAnomalies).default(defaults.maxAnomalies),
    BIN_STORE: z.enum(BIN_STORES, { message: `expected ${BIN_STORES.join(' or ')}` }).default(defaults.binStore),
    TIMESTREAM_DATABASE: timestreamName.optional(),
    TIMESTREAM_TABLE: timestreamName.optional(),
    DYNAMODB_TABLE: dynamoDbTableName.optional(),
    ANOMALIES_TOPIC_ARN: text.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'expected an SNS topic ARN'),
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
    POWERTOOLS_SERVICE_NAME: text.min(1).default(SUMMARIZER_SERVICE_NAME),
  })
  .refine((env) => requeryFitsWindow(env.REQUERY_MINUTES, env.WINDOW_MINUTES), {
    path: ['REQUERY_MINUTES'],
    message: 'must not exceed WINDOW_MINUTES: every re-queried minute is part of the window',
  })
  .superRefine((env, ctx) => {
    for (const [store, names] of Object.entries(STORE_VARIABLES) as [BinStoreKind, readonly (keyof typeof env)[]][]) {
      for (const name of names) {
        const own = store === env.BIN_STORE;
        if (own !== (env[name] !== undefined))
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: own ? `required with BIN_STORE ${store}` : `not used with BIN_STORE ${env.BIN_STORE}`,
          });
      }
    }
  });

/**
 * The variables as the stack writes them: every one, defaults included, so the template shows each
 * value; of the store variables only those of the deployment's store.
 */
export type SummarizerEnvironment = Partial<Record<keyof z.input<typeof summarizerEnvironment>, string>>;

function storeEnvironment(store: BinStoreKind, resources: SummarizerResources): Partial<SummarizerEnvironment> {
  const missing = (name: string) => new Error(`summarizer resources: the ${store} bin store needs ${name}`);
  if (store === 'dynamodb') {
    if (resources.dynamoDbTable === undefined) throw missing('dynamoDbTable');
    return { DYNAMODB_TABLE: resources.dynamoDbTable };
  }
  if (resources.timestreamDatabase === undefined || resources.timestreamTable === undefined)
    throw missing('timestreamDatabase and timestreamTable');
  return { TIMESTREAM_DATABASE: resources.timestreamDatabase, TIMESTREAM_TABLE: resources.timestreamTable };
}

/** The environment for these settings and resources; the stack deploys it and the simulation runs with it. */
export function toEnvironment(settings: SummarizerSettings, resources: SummarizerResources): SummarizerEnvironment {
  return {
    VPC_ID: settings.vpcId,
    VPC_CIDRS: resources.vpcCidrs,
    FLOW_LOG_GROUP_NAME: resources.flowLogGroupName,
    LISTENERS: settings.listeners.map(listenerLabel).join(','),
    MIN_ZSCORE: String(settings.minZScore),
    MIN_PACKETS_PER_BIN: String(settings.minPacketsPerBin),
    WINDOW_MINUTES: String(settings.windowMinutes),
    REQUERY_MINUTES: String(settings.requeryMinutes),
    MAX_ANOMALIES: String(settings.maxAnomalies),
    BIN_STORE: settings.binStore,
    ...storeEnvironment(settings.binStore, resources),
    ANOMALIES_TOPIC_ARN: resources.anomaliesTopicArn,
    POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
    POWERTOOLS_SERVICE_NAME: SUMMARIZER_SERVICE_NAME,
  };
}

/** Reads and validates the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): SummarizerConfig {
  const e = readEnvironment(summarizerEnvironment, env, 'summarizer');
  return {
    vpcId: e.VPC_ID,
    vpcNetworks: e.VPC_CIDRS,
    flowLogGroupName: e.FLOW_LOG_GROUP_NAME,
    listeners: e.LISTENERS,
    minZScore: e.MIN_ZSCORE,
    minPacketsPerBin: e.MIN_PACKETS_PER_BIN,
    windowMinutes: e.WINDOW_MINUTES,
    requeryMinutes: e.REQUERY_MINUTES,
    maxAnomalies: e.MAX_ANOMALIES,
    binStore: e.BIN_STORE,
    ...(e.BIN_STORE === 'dynamodb'
      ? { dynamoDbTable: e.DYNAMODB_TABLE }
      : { timestreamDatabase: e.TIMESTREAM_DATABASE, timestreamTable: e.TIMESTREAM_TABLE }),
    anomaliesTopicArn: e.ANOMALIES_TOPIC_ARN,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
  };
}

/** The `source` of the events the stack's state machine invokes the summarizer with. */
export const SCHEDULE_EVENT_SOURCE = 'nacl-flood-guard.schedule';

/** Express executions last at most 5 minutes: a run of an execution started earlier is no scheduled run. */
export const MAX_EXECUTION_AGE_MS = 5 * 60_000;

/**
 * The event the state machine sends each run: which run of the execution it is and when the
 * execution started (`$$.Execution.StartTime`). The run plans its minutes from these, never from
 * the half of the minute it wakes in (core/run-window.ts).
 */
export const scheduleEvent = z.object({
  source: z.literal(SCHEDULE_EVENT_SOURCE),
  run: z.union([z.literal(1), z.literal(2)], { message: 'expected 1 or 2' }),
  executionStartTime: z
    .string()
    .transform(Date.parse)
    .pipe(z.number({ message: 'expected an ISO 8601 time' }).int()),
});

export type ScheduleEvent = z.input<typeof scheduleEvent>;

/** The scheduled run an event names; throws one ConfigError naming every bad field, or a stale execution. */
export function readScheduleEvent(event: unknown, nowMs: number): ScheduledRun {
  const result = scheduleEvent.safeParse(event);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${String(issue.path[0] ?? '(event)')}: ${issue.message}`);
    throw new ConfigError(
      [...problems, `got ${JSON.stringify(event)?.slice(0, 200)}`],
      'summarizer event (the schedule sends {source, run, executionStartTime})',
    );
  }
  const { run, executionStartTime } = result.data;
  if (nowMs - executionStartTime > MAX_EXECUTION_AGE_MS)
    throw new ConfigError(
      [
        `executionStartTime: ${new Date(executionStartTime).toISOString()} is more than 5 minutes ago, older than any running Express execution`,
      ],
      'summarizer event',
    );
  return { run, executionStartMs: executionStartTime };
}
