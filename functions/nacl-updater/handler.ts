import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { SNSEvent } from 'aws-lambda';
import { AllowListSource } from './allow-list-source';
import { AuditLog } from './audit-log';
import { loadConfig, type UpdaterConfig } from './contract';
import { AclGateway } from './ec2-acls';
import { powertoolsLogger, powertoolsMetrics, type UpdaterLogger, type UpdaterMetrics } from './telemetry';
import { NaclUpdater } from './updater';

export interface HandlerDeps {
  readonly config: UpdaterConfig;
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  /** Wall clock, ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default Powertools Metrics (EMF) with the VpcId dimension */
  readonly metrics?: UpdaterMetrics;
  /** @default Powertools Logger */
  readonly logger?: UpdaterLogger;
  /** Audit log stream of this container. @default nacl-updater/<date>/<uuid> */
  readonly auditStreamName?: string;
}

export type UpdaterHandler = (event: SNSEvent) => Promise<void>;

/**
 * Builds the updater for one container. Invoked asynchronously by SNS: a thrown error makes
 * Lambda retry the event and finally send it to the dead-letter queue.
 */
export function createHandler(deps: HandlerDeps): UpdaterHandler {
  const { config } = deps;
  const metrics = deps.metrics ?? powertoolsMetrics(config.metricsNamespace, config.serviceName, config.vpcId);
  const logger = deps.logger ?? powertoolsLogger(config.serviceName);
  let retries = 0;
  const updater = new NaclUpdater({
    config,
    acls: new AclGateway(deps.ec2, deps.sleep, () => {
      retries++;
    }),
    allowList: new AllowListSource(deps.s3, config.allowListBucket, config.allowListKey),
    audit: new AuditLog(deps.logs, config.auditLogGroupName, deps.auditStreamName ?? defaultStreamName(deps.now())),
    metrics: {
      count: (name, value) => metrics.count(name, value),
      // Retries are counted as they happen and reported with the run's other metrics.
      flush: () => {
        metrics.count('Ec2ApiRetries', retries);
        retries = 0;
        metrics.flush();
      },
    },
    logger,
    now: deps.now,
  });
  return async (event) => {
    const bodies = (event.Records ?? []).map((record) => record.Sns?.Message ?? '');
    await updater.handle(bodies);
  };
}

function defaultStreamName(now: number): string {
  return `nacl-updater/${new Date(now).toISOString().slice(0, 10).replaceAll('-', '/')}/${randomUUID()}`;
}

let coldStart: UpdaterHandler | undefined;

/** The Lambda entry: configuration is validated and clients are built on the first (cold-start) invocation. */
export const handler: UpdaterHandler = async (event) => {
  coldStart ??= createHandler({
    config: loadConfig(process.env),
    // Throttling is retried (and counted) by the updater itself; SDK retries would hide it.
    ec2: new EC2Client({ maxAttempts: 1 }),
    s3: new S3Client({}),
    logs: new CloudWatchLogsClient({}),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  return coldStart(event);
};
