import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { powertoolsTelemetry } from '../common/powertools-telemetry';
import { instrumented, type InvocationContext, type Telemetry } from '../common/telemetry';
import { AllowListSource, DenyListSource } from './allow-list-source';
import { AuditLog } from './audit-log';
import { sdkClientOptions } from '../common/client-options';
import { RepeatOffenderStateObject } from './repeat-offender-state';
import {
  loadConfig,
  REPEAT_OFFENDER_STATE_KEY,
  UPDATER_CALLS,
  UPDATER_DEPLOYMENT,
  UPDATER_EC2_CALLS,
  type UpdaterConfig,
} from './contract';
import { AclGateway, isNotFound, RETRY_RESERVE_MS, type OnRetry } from './ec2-acls';
import { NaclUpdater } from './updater';
import { handleBatch } from './verdict-queue';

export interface HandlerDeps {
  readonly config: UpdaterConfig;
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  /** Publishes the block notifications (config.notificationsTopicArn). @default none: nothing is published */
  readonly sns?: Pick<SNSClient, 'send'>;
  /** The verdict queue: sets the retry delay of a failed message. */
  readonly sqs: SQSClient;
  /** Wall clock, ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** The container's logger and metrics: Powertools on Lambda, a capture in the simulation and tests. */
  readonly telemetry: Telemetry;
  /** Audit log stream of this container. @default nacl-updater/<date>/<uuid> */
  readonly auditStreamName?: string;
}

/** Lambda's context: who runs, and the time left before the function's timeout. */
export type UpdaterContext = InvocationContext & { getRemainingTimeInMillis?(): number };

export type UpdaterHandler = (event: SQSEvent, context?: UpdaterContext) => Promise<SQSBatchResponse>;

/**
 * Builds the updater for one container. Invoked by the event source mapping of the FIFO verdict
 * queue, one invocation at a time: a failed message goes back to the queue, is tried again after
 * its retry delay and, failing maxReceiveCount times, moves to the dead-letter queue (verdict-queue.ts).
 */
export function createHandler(deps: HandlerDeps): UpdaterHandler {
  const { config, telemetry } = deps;
  let retries = 0;
  const onRetry: OnRetry = (error, delayMs) => {
    retries++;
    // A NotFound is retried because EC2 may not show a resource just created yet: say so, it is not throttling.
    if (isNotFound(error))
      telemetry.logger.warn('EC2 answered NotFound, possibly for a resource it does not show yet (eventual consistency): retrying', {
        code: (error as Error).name,
        delayMs,
      });
  };
  const acls = new AclGateway(deps.ec2, deps.sleep, onRetry, deps.now);
  const updater = new NaclUpdater({
    config,
    acls,
    allowList: new AllowListSource(deps.s3, config.allowListBucket, config.allowListKey),
    denyList: new DenyListSource(deps.s3, config.allowListBucket, config.denyListKey),
    ...(config.repeatOffenders
      ? { repeatState: new RepeatOffenderStateObject(deps.s3, config.allowListBucket, REPEAT_OFFENDER_STATE_KEY) }
      : {}),
    audit: new AuditLog(deps.logs, config.auditLogGroupName, deps.auditStreamName ?? defaultStreamName(deps.now())),
    metrics: telemetry.metrics,
    logger: telemetry.logger,
    now: deps.now,
    ...(deps.sns ? { sns: deps.sns } : {}),
  });
  return (event, context) =>
    instrumented(telemetry, context, async () => {
      const remainingMs = context?.getRemainingTimeInMillis?.() ?? UPDATER_DEPLOYMENT.timeoutSeconds * 1000;
      acls.setDeadline(deps.now() + remainingMs - RETRY_RESERVE_MS);
      try {
        return await handleBatch(event.Records ?? [], {
          updater,
          sqs: deps.sqs,
          queueUrl: config.verdictQueueUrl,
          logger: telemetry.logger,
        });
      } finally {
        // Retries are counted as they happen and reported with the run's other metrics, also when it fails.
        telemetry.metrics.add('Ec2ApiRetries', retries);
        retries = 0;
      }
    });
}

function defaultStreamName(now: number): string {
  return `nacl-updater/${new Date(now).toISOString().slice(0, 10).replaceAll('-', '/')}/${randomUUID()}`;
}

let lambdaHandler: UpdaterHandler | undefined;

function coldStart(): UpdaterHandler {
  const config = loadConfig(process.env);
  return createHandler({
    config,
    telemetry: powertoolsTelemetry(config),
    // Throttling and NotFound are retried (and counted) by the updater itself; SDK retries would hide them.
    ec2: new EC2Client(sdkClientOptions(UPDATER_EC2_CALLS)),
    s3: new S3Client(sdkClientOptions(UPDATER_CALLS)),
    logs: new CloudWatchLogsClient(sdkClientOptions(UPDATER_CALLS)),
    sns: new SNSClient(sdkClientOptions(UPDATER_CALLS)),
    // One attempt: it runs after a failure, near the end of the time budget; a lost call only delays the retry.
    sqs: new SQSClient(sdkClientOptions(UPDATER_EC2_CALLS)),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}

/** The Lambda entry: configuration is validated and clients and telemetry are built on the first (cold-start) invocation. */
export const handler: UpdaterHandler = async (event, context) => {
  lambdaHandler ??= coldStart();
  return lambdaHandler(event, context);
};
