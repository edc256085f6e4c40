import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseNetwork } from '../../../core/addresses';
import { ANOMALY_MESSAGE_VERSION, type Anomaly, type AnomalyMessage } from '../../../core/anomaly-message';
import type { MetricName } from '../../../core/metrics';
import type { AclEntry } from '../../../core/nacl-plan';
import { DEFAULT_MAX_BLOCKED_NETWORKS, DEFAULT_MAX_NEW_BLOCKS_PER_RUN, type UpdaterConfig } from '../../../functions/nacl-updater/config';
import { createHandler, type UpdaterHandler } from '../../../functions/nacl-updater/handler';
import type { UpdaterLogger, UpdaterMetrics } from '../../../functions/nacl-updater/telemetry';
import { Ec2NetworkAclStandIn } from '../../../simulation/ec2-network-acls';

export const START = Date.parse('2026-03-01T12:00:00Z');
export const AUDIT_GROUP = '/nacl-flood-guard/audit';
export const AUDIT_STREAM = 'nacl-updater/test';
export const BUCKET = 'flood-guard-allow-list';
export const KEY = 'allow-list.txt';

/** Metric values of each flush (one flush per invocation). */
export class MetricsRecorder implements UpdaterMetrics {
  readonly flushes: Partial<Record<MetricName, number>>[] = [];
  private current: Partial<Record<MetricName, number>> = {};
  count(name: MetricName, value: number): void {
    this.current[name] = (this.current[name] ?? 0) + value;
  }
  flush(): void {
    this.flushes.push(this.current);
    this.current = {};
  }
  last(): Partial<Record<MetricName, number>> {
    return this.flushes.at(-1) ?? {};
  }
}

export class LogRecorder implements UpdaterLogger {
  readonly lines: { level: string; message: string; attributes?: Record<string, unknown> }[] = [];
  info(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, attributes });
  }
}

export interface WorldOptions {
  /** Add an IPv6 CIDR to the VPC (its ACLs then carry the IPv6 default rules). */
  readonly dualStack?: boolean;
  /** The account's real quota. @default the configured limit */
  readonly accountRuleLimit?: number;
  readonly ruleLimit?: number;
  readonly ipv4Mask?: number;
  readonly ipv6Mask?: number;
  readonly maxNewBlocksPerRun?: number;
  readonly maxBlockedNetworks?: number;
  readonly subnets?: number;
  /** Use a custom original ACL with these entries instead of the VPC's default ACL. */
  readonly originalEntries?: readonly AclEntry[];
  readonly allowList?: string;
}

/** A VPC in the EC2 stand-in, the updater wired to it through aws-sdk-client-mock, and recorders. */
export class World {
  readonly ec2 = new Ec2NetworkAclStandIn();
  readonly ec2Client = new EC2Client({ region: 'us-east-1' });
  readonly s3Client = new S3Client({ region: 'us-east-1' });
  readonly logsClient = new CloudWatchLogsClient({ region: 'us-east-1' });
  readonly ec2Mock = mockClient(this.ec2Client);
  readonly s3Mock = mockClient(this.s3Client);
  readonly logsMock = mockClient(this.logsClient);
  readonly metrics = new MetricsRecorder();
  readonly logger = new LogRecorder();
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly originalAclId: string;
  readonly blueAclId: string;
  readonly greenAclId: string;
  readonly config: UpdaterConfig;
  readonly sleeps: number[] = [];
  clock = START;
  allowListText: string;
  allowListEtag = '"v1"';
  handler: UpdaterHandler;

  constructor(options: WorldOptions = {}) {
    const cidrs = options.dualStack ? ['10.0.0.0/16', '2600:1f18:abcd:1200::/56'] : ['10.0.0.0/16'];
    this.vpcId = this.ec2.createVpc({ cidrs });
    const count = options.subnets ?? 2;
    this.subnetIds = Array.from({ length: count }, () => this.ec2.createSubnet(this.vpcId));
    this.originalAclId = this.ec2.defaultNetworkAclId(this.vpcId);
    if (options.originalEntries) {
      this.originalAclId = this.ec2.createNetworkAcl(this.vpcId);
      for (const entry of options.originalEntries) void this.seedEntry(this.originalAclId, entry);
      for (const subnet of this.subnetIds)
        void this.ec2.replaceNetworkAclAssociation({ AssociationId: this.ec2.associationIdOf(subnet), NetworkAclId: this.originalAclId });
    }
    this.blueAclId = this.ec2.createNetworkAcl(this.vpcId, { Name: 'blue' });
    this.greenAclId = this.ec2.createNetworkAcl(this.vpcId, { Name: 'green' });
    this.ec2.calls.length = 0;
    this.ec2.setRuleLimit(options.accountRuleLimit ?? options.ruleLimit ?? 20);
    this.ec2.attach(this.ec2Mock);
    this.allowListText = options.allowList ?? '# nothing allowed\n';
    this.s3Mock.on(GetObjectCommand).callsFake(async (input) => this.getAllowList(input));
    this.logsMock.on(CreateLogStreamCommand).resolves({});
    this.logsMock.on(PutLogEventsCommand).resolves({});
    this.config = {
      vpcId: this.vpcId,
      vpcNetworks: cidrs.map((c) => parseNetwork(c)!),
      subnetIds: this.subnetIds,
      originalNaclId: this.originalAclId,
      blueNaclId: this.blueAclId,
      greenNaclId: this.greenAclId,
      naclRuleLimit: options.ruleLimit ?? 20,
      ipv4Mask: options.ipv4Mask ?? 32,
      ipv6Mask: options.ipv6Mask ?? 128,
      maxNewBlocksPerRun: options.maxNewBlocksPerRun ?? DEFAULT_MAX_NEW_BLOCKS_PER_RUN,
      maxBlockedNetworks: options.maxBlockedNetworks ?? DEFAULT_MAX_BLOCKED_NETWORKS,
      allowListBucket: BUCKET,
      allowListKey: KEY,
      auditLogGroupName: AUDIT_GROUP,
      metricsNamespace: 'AutoNACL',
      serviceName: 'nacl-updater',
    };
    this.handler = this.coldStart();
  }

  /** A new container: fresh caches and memory, same AWS state. */
  coldStart(): UpdaterHandler {
    this.handler = createHandler({
      config: this.config,
      ec2: this.ec2Client,
      s3: this.s3Client,
      logs: this.logsClient,
      now: () => this.clock,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.clock += ms;
      },
      metrics: this.metrics,
      logger: this.logger,
      auditStreamName: AUDIT_STREAM,
    });
    return this.handler;
  }

  /** Delivers messages as one SNS event, advancing the clock. */
  async deliver(...messages: (AnomalyMessage | string)[]): Promise<void> {
    this.clock += 1000;
    await this.handler(snsEvent(messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))));
  }

  /** Entries of the ACL the protected subnets use (all must be on the same one). */
  activeAclId(): string {
    const acls = new Set(this.subnetIds.map((s) => this.ec2.aclOf(s)));
    if (acls.size !== 1) throw new Error(`subnets split over ${[...acls].join(', ')}`);
    return [...acls][0]!;
  }

  /** CIDRs of the deny rules of the ACL in use. */
  deniedCidrs(): string[] {
    return this.ec2
      .entriesOf(this.activeAclId())
      .filter((e) => e.RuleAction === 'deny' && (e.RuleNumber ?? 0) < 32767)
      .map((e) => e.CidrBlock ?? e.Ipv6CidrBlock!)
      .sort();
  }

  private async seedEntry(aclId: string, entry: AclEntry): Promise<void> {
    await this.ec2.createNetworkAclEntry({
      NetworkAclId: aclId,
      RuleNumber: entry.ruleNumber,
      Egress: entry.egress,
      Protocol: entry.protocol,
      RuleAction: entry.ruleAction,
      CidrBlock: entry.cidrBlock,
      Ipv6CidrBlock: entry.ipv6CidrBlock,
      PortRange: entry.portRange ? { From: entry.portRange.from, To: entry.portRange.to } : undefined,
      IcmpTypeCode: entry.icmpTypeCode ? { Type: entry.icmpTypeCode.type, Code: entry.icmpTypeCode.code } : undefined,
    });
  }

  private async getAllowList(input: { IfNoneMatch?: string }): Promise<GetObjectCommandOutput> {
    if (input.IfNoneMatch !== undefined && input.IfNoneMatch === this.allowListEtag) throw notModified();
    const bytes = new TextEncoder().encode(this.allowListText);
    return {
      $metadata: { httpStatusCode: 200 },
      ETag: this.allowListEtag,
      ContentLength: bytes.byteLength,
      Body: { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'],
    };
  }
}

/** What S3 (through SDK v3) raises for a conditional GET whose ETag still matches. */
export function notModified(): S3ServiceException {
  return new S3ServiceException({ name: '304', $fault: 'client', $metadata: { httpStatusCode: 304 }, message: 'UnknownError' });
}

export function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

export function snsEvent(bodies: readonly string[]): SNSEvent {
  return {
    Records: bodies.map((Message, index) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:anomalies:sub',
      Sns: {
        Type: 'Notification',
        MessageId: `m-${index}`,
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:anomalies',
        Subject: '',
        Message,
        Timestamp: new Date(START).toISOString(),
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    })),
  };
}

let messageClock = START;

/** A valid message; each call is generated one minute after the previous one unless `generatedAt` is given. */
export function message(
  vpcId: string,
  anomalies: readonly Anomaly[],
  options: { generatedAt?: number; complete?: boolean } = {},
): AnomalyMessage {
  messageClock += 60_000;
  const generatedAt = options.generatedAt ?? messageClock;
  return {
    version: ANOMALY_MESSAGE_VERSION,
    generatedAt: new Date(generatedAt).toISOString(),
    vpcId,
    window: { start: new Date(generatedAt - 3_600_000).toISOString(), minutes: 60, binSeconds: 60 },
    thresholds: { minZScore: 3, minPacketsPerBin: 12_000 },
    baseline: { mean: 100, standardDeviation: 50, binCount: 1000, anomalyThreshold: 250 },
    anomalies: [...anomalies],
    complete: options.complete ?? true,
  };
}

/** `count` anomalous sources 198.51.100.1.. / 203.0.113.1.., Z-scores descending from `topZ`. */
export function flooders(count: number, options: { prefix?: string; topZ?: number } = {}): Anomaly[] {
  const prefix = options.prefix ?? '198.51.100.';
  const topZ = options.topZ ?? 50;
  return Array.from({ length: count }, (_, i) => ({ sourceIp: `${prefix}${i + 1}`, maxZScore: topZ - i, maxPackets: 50_000 - i * 100 }));
}
