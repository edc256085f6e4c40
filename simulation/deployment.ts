/**
 * The whole product deployed in-process: the REAL summarizer and NACL updater handlers (built
 * with their createHandler factories from the same validated environment the stack sets), over
 * stand-ins for Logs Insights, Timestream (DuckDB), SNS, S3, CloudWatch Logs streams and EC2
 * network ACLs, on a simulated clock. The replay CLI and the end-to-end tests both run on it.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client, type NetworkAclEntry } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { SNSEvent } from 'aws-lambda';
import { parseAnomalyMessage, type AnomalyMessage } from '../core/anomaly-message';
import { DEFAULT_BLOCK_CAPS } from '../core/block-selection';
import type { MetricName } from '../core/metrics';
import type { AclEntry } from '../core/nacl-plan';
import { loadConfig as loadUpdaterConfig } from '../functions/nacl-updater/config';
import { createHandler as createUpdater, type UpdaterHandler } from '../functions/nacl-updater/handler';
import { loadConfig as loadSummarizerConfig } from '../functions/summarizer/config';
import { createHandler as createSummarizer, type SummarizerHandler, type SummarizerResult } from '../functions/summarizer/handler';
import { createMetrics } from '../functions/summarizer/metrics';
import { Ec2NetworkAclStandIn } from './ec2/stand-in';
import { FaultInjector } from './faults';
import { CapturingLogger, capturingUpdaterLogger, type CapturedLog } from './log-capture';
import { LogStreamsStandIn } from './log-streams';
import type { LogEvent } from './logs-insights/log-groups';
import { LogsInsightsStandIn } from './logs-insights/stand-in';
import { S3StandIn } from './s3';
import { routeCommands } from './sdk-routing';
import { SnsStandIn, snsEvent } from './sns';
import { TimestreamStandIn } from './timestream/stand-in';

export interface DeploymentSpec {
  /** Simulated clock start, epoch ms. */
  readonly startMs: number;
  readonly vpcCidrs: readonly string[];
  readonly listenerPort: number;
  readonly listenerProtocol: 6 | 17;
  readonly minZScore?: number;
  readonly minPacketsPerBin?: number;
  readonly windowMinutes?: number;
  readonly requeryMinutes?: number;
  readonly maxAnomalies?: number;
  /** Configured quota (NACL_RULE_LIMIT). @default 20 */
  readonly naclRuleLimit?: number;
  /** The account's real quota in the EC2 stand-in. @default naclRuleLimit */
  readonly accountRuleLimit?: number;
  readonly naclMask?: number;
  readonly naclMaskIpv6?: number;
  /** Block caps (MAX_NEW_BLOCKS_PER_RUN, MAX_BLOCKED_NETWORKS). @default the stack's defaults */
  readonly maxNewBlocksPerRun?: number;
  readonly maxBlockedNetworks?: number;
  /** Allow-list object text. @default '' (the stack deploys an empty list); null: the object is missing */
  readonly allowList?: string | null;
  /** Protected subnets. @default 2 */
  readonly subnetCount?: number;
}

/** Lambda's timeout for the summarizer, as the stack sets it. */
const SUMMARIZER_TIMEOUT_MS = 60_000;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

export interface CapturedMetric {
  readonly at: number;
  readonly name: string;
  readonly value: number;
}

export class SimulatedDeployment {
  readonly insights: LogsInsightsStandIn;
  readonly sns: SnsStandIn;
  readonly s3 = new S3StandIn();
  readonly ec2: Ec2NetworkAclStandIn;
  readonly logStreams = new LogStreamsStandIn();
  readonly metrics: CapturedMetric[] = [];
  /** What both handlers logged, in order. */
  readonly logs: CapturedLog[] = [];
  /** Faults injected into (and observers of) every SDK call the handlers make. */
  readonly faults = new FaultInjector();
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly originalAclId: string;
  readonly summarizerEnv: Record<string, string>;
  readonly updaterEnv: Record<string, string>;
  readonly summarizer: SummarizerHandler;
  readonly updater: UpdaterHandler;
  /** Messages the updater has been handed, parsed. */
  readonly applied: AnomalyMessage[] = [];
  private clockMs: number;

  private constructor(
    spec: DeploymentSpec,
    readonly timestream: TimestreamStandIn,
    clock: { ms: number },
  ) {
    this.clockMs = clock.ms;
    const now = () => this.clockMs;
    this.insights = new LogsInsightsStandIn({ now });
    this.sns = new SnsStandIn(now);
    const ruleLimit = spec.naclRuleLimit ?? 20;
    this.ec2 = new Ec2NetworkAclStandIn({ ruleLimit: spec.accountRuleLimit ?? ruleLimit, ownerId: ACCOUNT });
    this.vpcId = this.ec2.createVpc({ cidrs: spec.vpcCidrs });
    this.subnetIds = Array.from({ length: spec.subnetCount ?? 2 }, () => this.ec2.createSubnet(this.vpcId));
    this.originalAclId = this.ec2.defaultNetworkAclId(this.vpcId);
    const blue = this.ec2.createNetworkAcl(this.vpcId, { Name: 'flood-guard-blue' });
    const green = this.ec2.createNetworkAcl(this.vpcId, { Name: 'flood-guard-green' });
    const names = {
      flowLogs: '/flood-guard/flow-logs',
      audit: '/flood-guard/audit',
      topic: `arn:aws:sns:${REGION}:${ACCOUNT}:flood-guard-anomalies`,
      bucket: 'flood-guard-allow-list',
    };
    this.insights.createLogGroup(names.flowLogs);
    this.logStreams.createLogGroup(names.audit);
    this.sns.createTopic(names.topic);
    this.s3.createBucket(names.bucket);
    if (spec.allowList !== null) this.s3.putObject(names.bucket, 'allow-list.txt', spec.allowList ?? '');
    timestream.createTable('flood_guard', 'packet_bins');
    const common = { VPC_ID: this.vpcId, VPC_CIDRS: spec.vpcCidrs.join(','), POWERTOOLS_METRICS_NAMESPACE: 'AutoNACL' };
    this.summarizerEnv = {
      ...common,
      FLOW_LOG_GROUP_NAME: names.flowLogs,
      LISTENER_PORT: String(spec.listenerPort),
      LISTENER_PROTOCOL: String(spec.listenerProtocol),
      MIN_ZSCORE: String(spec.minZScore ?? 3),
      MIN_PACKETS_PER_BIN: String(spec.minPacketsPerBin ?? 12_000),
      WINDOW_MINUTES: String(spec.windowMinutes ?? 60),
      REQUERY_MINUTES: String(spec.requeryMinutes ?? 10),
      MAX_ANOMALIES: String(spec.maxAnomalies ?? 100),
      TIMESTREAM_DATABASE: 'flood_guard',
      TIMESTREAM_TABLE: 'packet_bins',
      ANOMALIES_TOPIC_ARN: names.topic,
      POWERTOOLS_SERVICE_NAME: 'summarizer',
    };
    this.updaterEnv = {
      ...common,
      SUBNET_IDS: this.subnetIds.join(','),
      ORIGINAL_NACL_ID: this.originalAclId,
      BLUE_NACL_ID: blue,
      GREEN_NACL_ID: green,
      NACL_RULE_LIMIT: String(ruleLimit),
      NACL_RULE_NETWORK_MASK: String(spec.naclMask ?? 32),
      NACL_RULE_NETWORK_MASK_IPV6: String(spec.naclMaskIpv6 ?? 128),
      MAX_NEW_BLOCKS_PER_RUN: String(spec.maxNewBlocksPerRun ?? DEFAULT_BLOCK_CAPS.newPerRun),
      MAX_BLOCKED_NETWORKS: String(spec.maxBlockedNetworks ?? DEFAULT_BLOCK_CAPS.total),
      ALLOW_LIST_BUCKET: names.bucket,
      ALLOW_LIST_KEY: 'allow-list.txt',
      AUDIT_LOG_GROUP_NAME: names.audit,
      POWERTOOLS_SERVICE_NAME: 'nacl-updater',
    };
    this.summarizer = this.buildSummarizer();
    this.updater = this.buildUpdater();
  }

  static async create(spec: DeploymentSpec): Promise<SimulatedDeployment> {
    const clock = { ms: spec.startMs };
    const built: { deployment?: SimulatedDeployment } = {};
    // Timestream's retention check reads the same simulated clock.
    const timestream = await TimestreamStandIn.create({ now: () => built.deployment?.now() ?? clock.ms, pageSize: 100 });
    built.deployment = new SimulatedDeployment(spec, timestream, clock);
    return built.deployment;
  }

  now(): number {
    return this.clockMs;
  }

  advanceTo(ms: number): void {
    this.clockMs = Math.max(this.clockMs, ms);
  }

  /** Time passes while a handler waits. */
  private readonly sleep = async (ms: number): Promise<void> => {
    this.clockMs += Math.max(0, ms);
  };

  deliver(events: readonly LogEvent[]): void {
    this.insights.deliver(this.summarizerEnv.FLOW_LOG_GROUP_NAME as string, events);
  }

  /** One summarizer invocation as Lambda would run it (with its timeout budget). */
  async invokeSummarizer(): Promise<SummarizerResult> {
    const started = this.now();
    return this.summarizer({}, { getRemainingTimeInMillis: () => Math.max(0, SUMMARIZER_TIMEOUT_MS - (this.now() - started)) });
  }

  /** Hands every message published so far to the updater, one asynchronous invocation each, as SNS does. */
  async deliverNotifications(): Promise<void> {
    for (const message of this.sns.drain()) {
      const parsed = parseAnomalyMessage(message.message);
      if (parsed.ok) this.applied.push(parsed.message);
      await this.updater(snsEvent(message) as unknown as SNSEvent);
    }
  }

  /** One scheduled run: summarizer, then the updater for what it published. */
  async tick(): Promise<{ message?: AnomalyMessage; error?: string }> {
    const before = this.applied.length;
    let error: string | undefined;
    try {
      await this.invokeSummarizer();
    } catch (e) {
      error = (e as Error).message;
    }
    try {
      await this.deliverNotifications();
    } catch (e) {
      error = `${error ? `${error}; ` : ''}updater: ${(e as Error).message}`;
    }
    return { message: this.applied.length > before ? this.applied.at(-1) : undefined, error };
  }

  /** The network ACL the protected subnets are on (they always share one). */
  activeAclId(): string {
    return this.ec2.aclOf(this.subnetIds[0] as string);
  }

  activeAclEntries(): AclEntry[] {
    return this.ec2.entriesOf(this.activeAclId()).map(toAclEntry);
  }

  onOriginalAcl(): boolean {
    return this.subnetIds.every((id) => this.ec2.aclOf(id) === this.originalAclId);
  }

  close(): void {
    this.timestream.close();
  }

  private client<C extends object>(client: C, routes: Parameters<typeof routeCommands>[1]): C {
    return routeCommands(client, this.faults.wrap(routes));
  }

  /** A second NACL updater container (a cold start): same configuration, no in-memory state. */
  coldStartUpdater(): UpdaterHandler {
    return this.buildUpdater();
  }

  private buildSummarizer(): SummarizerHandler {
    const config = loadSummarizerConfig(this.summarizerEnv);
    const metrics = createMetrics(config.metricsNamespace, config.serviceName, config.vpcId);
    // EMF goes to stdout on Lambda; here the values are kept for the report instead.
    metrics.publishStoredMetrics = () => {
      const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
      for (const [name, value] of Object.entries(emf)) {
        if (typeof value === 'number' && name !== '_aws') this.metrics.push({ at: this.now(), name, value });
      }
      metrics.clearMetrics();
      return metrics;
    };
    return createSummarizer({
      config,
      logs: this.client(new CloudWatchLogsClient({ region: REGION, credentials }), this.insights.routes()),
      timestreamWrite: this.client(new TimestreamWriteClient({ region: REGION, credentials }), this.timestream.routes()),
      timestreamQuery: this.client(new TimestreamQueryClient({ region: REGION, credentials }), this.timestream.routes()),
      sns: this.client(new SNSClient({ region: REGION, credentials }), this.sns.routes()),
      now: () => this.now(),
      sleep: this.sleep,
      logger: new CapturingLogger(config.serviceName, this.logs, () => this.now()),
      metrics,
    });
  }

  private buildUpdater(): UpdaterHandler {
    const config = loadUpdaterConfig(this.updaterEnv);
    return createUpdater({
      config,
      ec2: this.client(new EC2Client({ region: REGION, credentials }), this.ec2.routes()),
      s3: this.client(new S3Client({ region: REGION, credentials }), this.s3.routes()),
      logs: this.client(new CloudWatchLogsClient({ region: REGION, credentials }), this.logStreams.routes()),
      now: () => this.now(),
      sleep: this.sleep,
      metrics: {
        count: (name: MetricName, value: number) => this.metrics.push({ at: this.now(), name, value }),
        flush: () => undefined,
      },
      logger: capturingUpdaterLogger(this.logs, () => this.now()),
      auditStreamName: 'nacl-updater/simulated',
    });
  }
}

function toAclEntry(entry: NetworkAclEntry): AclEntry {
  return {
    ruleNumber: entry.RuleNumber ?? 0,
    egress: entry.Egress ?? false,
    protocol: entry.Protocol ?? '-1',
    ruleAction: entry.RuleAction === 'deny' ? 'deny' : 'allow',
    ...(entry.CidrBlock !== undefined ? { cidrBlock: entry.CidrBlock } : {}),
    ...(entry.Ipv6CidrBlock !== undefined ? { ipv6CidrBlock: entry.Ipv6CidrBlock } : {}),
    ...(entry.PortRange ? { portRange: { from: entry.PortRange.From ?? 0, to: entry.PortRange.To ?? 65535 } } : {}),
    ...(entry.IcmpTypeCode ? { icmpTypeCode: { type: entry.IcmpTypeCode.Type ?? -1, code: entry.IcmpTypeCode.Code ?? -1 } } : {}),
  };
}
