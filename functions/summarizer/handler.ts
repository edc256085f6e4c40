/**
 * Summarizer Lambda: turns the last minutes of VPC flow logs into packet bins, judges the
 * baseline window and publishes the anomalous sources (docs/architecture.md, Detection).
 *
 * `handler` is the Lambda entry, built once at cold start from the validated environment.
 * `createHandler` builds the same handler from injected clients, clock and sleep, for tests and
 * the local simulation.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig, type SummarizerConfig } from './contract';
import { createMetrics, publishRunMetrics } from './metrics';
import { summarize } from './run';
import { TimestreamBinStore } from './timestream-bin-store';

export interface SummarizerDeps {
  readonly config: SummarizerConfig;
  readonly logs: CloudWatchLogsClient;
  readonly timestreamWrite: TimestreamWriteClient;
  readonly timestreamQuery: TimestreamQueryClient;
  readonly sns: SNSClient;
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger?: Logger;
  readonly metrics?: PowertoolsMetrics;
}

/** What the state machine sees of a successful run. */
export interface SummarizerResult {
  readonly generatedAt: string;
  readonly complete: boolean;
  readonly anomalies: number;
}

export type SummarizerHandler = (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SummarizerResult>;

export function createHandler(deps: SummarizerDeps): SummarizerHandler {
  const { config } = deps;
  const logger = deps.logger ?? new Logger({ serviceName: config.serviceName, persistentKeys: { vpcId: config.vpcId } });
  const metrics = deps.metrics ?? createMetrics(config.metricsNamespace, config.serviceName, config.vpcId);
  const store = new TimestreamBinStore({
    write: deps.timestreamWrite,
    query: deps.timestreamQuery,
    table: { database: config.timestreamDatabase, table: config.timestreamTable },
    logger,
    now: deps.now,
  });
  // Minutes this container could not store yet: kept across invocations, re-queried until stored.
  const retryMinutes = new Set<number>();
  return async (_event, context) => {
    const report = await summarize(
      { config, logs: deps.logs, store, sns: deps.sns, logger, now: deps.now, sleep: deps.sleep, retryMinutes },
      context.getRemainingTimeInMillis(),
    );
    publishRunMetrics(metrics, report.metrics);
    // Thrown after the metrics are out, so Step Functions records the failed run.
    if (report.error || !report.message) throw report.error ?? new Error('run ended without a verdict');
    return { generatedAt: report.message.generatedAt, complete: report.message.complete, anomalies: report.message.anomalies.length };
  };
}

/** SDK clients retry throttling (standard mode); a few more attempts ride out short bursts. */
const clientOptions = { maxAttempts: 5 } as const;

function coldStart(): SummarizerHandler {
  const config = loadConfig(process.env);
  return createHandler({
    config,
    logs: new CloudWatchLogsClient(clientOptions),
    timestreamWrite: new TimestreamWriteClient(clientOptions),
    timestreamQuery: new TimestreamQueryClient(clientOptions),
    sns: new SNSClient(clientOptions),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
