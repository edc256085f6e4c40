import { z } from 'zod';
import { cidrList, integer, logGroupName, readEnvironment, text, vpcId } from '../shared/environment';

export { ConfigError } from '../shared/environment';
import type { Network } from '../../core/addresses';
import type { ListenerProtocolNumber } from '../../core/insights-query';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';

/** Summarizer settings, read once at cold start from the environment the stack sets. */
export interface SummarizerConfig {
  readonly vpcId: string;
  readonly vpcNetworks: readonly Network[];
  readonly flowLogGroupName: string;
  readonly listenerPort: number;
  readonly listenerProtocol: ListenerProtocolNumber;
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  readonly maxAnomalies: number;
  readonly timestreamDatabase: string;
  readonly timestreamTable: string;
  readonly anomaliesTopicArn: string;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

const timestreamName = text.regex(/^[A-Za-z0-9_.-]{3,256}$/, 'expected 3-256 characters of A-Z a-z 0-9 _ . -');

const schema = z
  .object({
    VPC_ID: vpcId,
    VPC_CIDRS: cidrList,
    FLOW_LOG_GROUP_NAME: logGroupName,
    LISTENER_PORT: integer(1, 65_535),
    LISTENER_PROTOCOL: z
      .enum(['6', '17'], { message: 'expected 6 (TCP) or 17 (UDP)' })
      .transform((v) => Number(v) as ListenerProtocolNumber),
    MIN_ZSCORE: text
      .default('3')
      .transform(Number)
      .pipe(z.number({ message: 'expected a number' }).finite().positive()),
    MIN_PACKETS_PER_BIN: integer(0, Number.MAX_SAFE_INTEGER).default(12_000),
    WINDOW_MINUTES: integer(2, 7 * 24 * 60).default(60),
    REQUERY_MINUTES: integer(1, 60).default(10),
    // 1,000 anomalies keep the SNS message far below its 256 KB limit.
    MAX_ANOMALIES: integer(1, 1000).default(100),
    TIMESTREAM_DATABASE: timestreamName,
    TIMESTREAM_TABLE: timestreamName,
    ANOMALIES_TOPIC_ARN: text.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'expected an SNS topic ARN'),
    POWERTOOLS_METRICS_NAMESPACE: text.min(1).max(255).default(DEFAULT_METRICS_NAMESPACE),
    POWERTOOLS_SERVICE_NAME: text.min(1).default('summarizer'),
  })
  .refine((env) => env.REQUERY_MINUTES <= env.WINDOW_MINUTES, {
    path: ['REQUERY_MINUTES'],
    message: 'must not exceed WINDOW_MINUTES: re-queried minutes are part of the window',
  });

export function loadConfig(env: Record<string, string | undefined>): SummarizerConfig {
  const e = readEnvironment(schema, env, 'summarizer');
  return {
    vpcId: e.VPC_ID,
    vpcNetworks: e.VPC_CIDRS,
    flowLogGroupName: e.FLOW_LOG_GROUP_NAME,
    listenerPort: e.LISTENER_PORT,
    listenerProtocol: e.LISTENER_PROTOCOL,
    minZScore: e.MIN_ZSCORE,
    minPacketsPerBin: e.MIN_PACKETS_PER_BIN,
    windowMinutes: e.WINDOW_MINUTES,
    requeryMinutes: e.REQUERY_MINUTES,
    maxAnomalies: e.MAX_ANOMALIES,
    timestreamDatabase: e.TIMESTREAM_DATABASE,
    timestreamTable: e.TIMESTREAM_TABLE,
    anomaliesTopicArn: e.ANOMALIES_TOPIC_ARN,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
  };
}
