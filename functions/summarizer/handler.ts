/**
 * Summarizer Lambda: turns the last minutes of VPC flow logs into packet bins, judges the
 * baseline window and publishes the anomalous sources (docs/architecture.md, Detection).
 *
 * `handler` is the Lambda entry, built once at cold start from the validated environment.
 * `createHandler` builds the same handler from injected clients, clock and sleep, for tests and
 * the local simulation.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { Context } from 'aws-lambda';
import { powertoolsTelemetry } from '../common/powertools-telemetry';
import { instrumented, type InvocationContext, type Telemetry } from '../common/telemetry';
import { listenerLabel } from '../../core/listeners';
import type { PacketBinStore } from '../../core/packet-bin-store';
import type { TelemetryLogger } from '../common/telemetry';
import { sdkClientOptions } from '../common/client-options';
import { binRetentionMs, loadConfig, readScheduleEvent, SUMMARIZER_CALLS, type SummarizerConfig } from './contract';
import { DynamoDbBinStore } from './dynamodb-bin-store';
import { addRunMetrics } from './metrics';
import { summarize } from './run';
import { TimestreamBinStore } from './timestream-bin-store';

export interface SummarizerDeps {
  readonly config: SummarizerConfig;
  readonly logs: CloudWatchLogsClient;
  /** The clients of the configured bin store: Timestream's two, or DynamoDB's. */
  readonly timestreamWrite?: TimestreamWriteClient;
  readonly timestreamQuery?: TimestreamQueryClient;
  readonly dynamodb?: DynamoDBClient;
  readonly sns: SNSClient;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** An AbortSignal aborted when the clock reaches `atMs` (the run's write deadline). */
  readonly signalAt: (atMs: number) => AbortSignal;
  /** The container's logger and metrics: Powertools on Lambda, a capture in the simulation and tests. */
  readonly telemetry: Telemetry;
}

/** What the state machine sees of a successful run. */
export interface SummarizerResult {
  readonly generatedAt: string;
  readonly complete: boolean;
  readonly anomalies: number;
}

export type SummarizerHandler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'> & InvocationContext,
) => Promise<SummarizerResult>;

export function createHandler(deps: SummarizerDeps): SummarizerHandler {
  const { config, telemetry } = deps;
  const { logger } = telemetry;
  const store = createBinStore(deps, logger);
  // Minutes this container could not store yet: kept across invocations, re-queried until stored.
  const retryMinutes = new Set<number>();
  return (event, context) =>
    instrumented(telemetry, context, async () => {
      let scheduled: ReturnType<typeof readScheduleEvent>;
      try {
        scheduled = readScheduleEvent(event, deps.now());
      } catch (error) {
        // Nothing is queried or published: Lambda counts the failed invocation, Step Functions records it.
        logger.error('summarizer event rejected', { error: error as Error });
        throw error;
      }
      const report = await summarize(
        { config, logs: deps.logs, store, sns: deps.sns, logger, now: deps.now, sleep: deps.sleep, signalAt: deps.signalAt, retryMinutes },
        context.getRemainingTimeInMillis(),
        scheduled,
      );
      addRunMetrics(telemetry.metrics, report.metrics);
      // Thrown with the metrics added: they are flushed all the same, and Step Functions records the failed run.
      if (report.error || !report.message) throw report.error ?? new Error('run ended without a verdict');
      return { generatedAt: report.message.generatedAt, complete: report.message.complete, anomalies: report.message.anomalies.length };
    });
}

/** The store the configuration names, over its clients (docs/architecture.md, Packet-bin store). */
function createBinStore(deps: SummarizerDeps, logger: TelemetryLogger): PacketBinStore {
  const { config } = deps;
  if (config.binStore === 'dynamodb') {
    if (!deps.dynamodb || config.dynamoDbTable === undefined) throw new Error('the dynamodb bin store needs its client and DYNAMODB_TABLE');
    return new DynamoDbBinStore({
      client: deps.dynamodb,
      tableName: config.dynamoDbTable,
      listeners: config.listeners,
      retentionMs: binRetentionMs(config.windowMinutes, config.requeryMinutes),
      logger,
      now: deps.now,
      sleep: deps.sleep,
    });
  }
  const { timestreamWrite: write, timestreamQuery: query } = deps;
  const { timestreamDatabase: database, timestreamTable: table } = config;
  if (!write || !query || database === undefined || table === undefined)
    throw new Error('the timestream bin store needs its two clients, TIMESTREAM_DATABASE and TIMESTREAM_TABLE');
  return new TimestreamBinStore({
    write,
    query,
    table: { database, table },
    listeners: config.listeners.map(listenerLabel),
    logger,
    now: deps.now,
  });
}

/** Timeouts and attempts from the contract: a hung call ends inside the run's reserve (run.ts). */
const clientOptions = sdkClientOptions(SUMMARIZER_CALLS);

function coldStart(): SummarizerHandler {
  const config = loadConfig(process.env);
  return createHandler({
    config,
    telemetry: powertoolsTelemetry(config),
    logs: new CloudWatchLogsClient(clientOptions),
    // Only the configured store's clients: a deployment has one store and permissions for it alone.
    ...(config.binStore === 'dynamodb'
      ? { dynamodb: new DynamoDBClient(clientOptions) }
      : { timestreamWrite: new TimestreamWriteClient(clientOptions), timestreamQuery: new TimestreamQueryClient(clientOptions) }),
    sns: new SNSClient(clientOptions),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    signalAt: (atMs) => AbortSignal.timeout(Math.max(0, atMs - Date.now())),
  });
}

let lambdaHandler: SummarizerHandler | undefined;

/**
 * Lambda entry. The environment is validated during the first invocation's setup (a bad variable
 * fails that invocation with a message naming it), and the clients are then reused.
 */
export const handler: SummarizerHandler = async (event, context) => {
  lambdaHandler ??= coldStart();
  return lambdaHandler(event, context);
};
