/**
 * The NACL updater in a world of its own: the real handler, built from the environment the stack
 * would set, over the simulation's stand-ins for EC2 network ACLs, S3 (the allow list) and
 * CloudWatch Logs (the audit log), on a simulated clock, with its logs and metrics captured as
 * Powertools writes them.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateNetworkAclEntryCommand, DeleteNetworkAclEntryCommand, EC2Client, ReplaceNetworkAclEntryCommand } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { AnomalyMessage } from '../../core/anomaly-message';
import type { AclEntry } from '../../core/nacl-plan';
import { loadConfig, type UpdaterConfig } from '../../functions/nacl-updater/contract';
import { createHandler, type HandlerDeps, type UpdaterHandler } from '../../functions/nacl-updater/handler';
import { Ec2NetworkAclStandIn } from '../../simulation/ec2/stand-in';
import { LogStreamsStandIn } from '../../simulation/log-streams';
import { S3StandIn } from '../../simulation/s3';
import { SnsStandIn } from '../../simulation/sns';
import type { Route } from '../../simulation/sdk-routing';
import { TelemetryCapture } from '../../simulation/telemetry-capture';
import { sqsEvent } from '../../simulation/event-source';
import { SqsStandIn } from '../../simulation/sqs';
import {
  ACCOUNT,
  ALLOW_LIST_BUCKET,
  ALLOW_LIST_KEY,
  AUDIT_LOG_GROUP,
  DENY_LIST_KEY,
  START,
  TEST_CREDENTIALS,
  VERDICT_QUEUE,
  VERDICT_QUEUE_URL,
} from './builders';
import { FaultInjector, standInClient } from './sdk';

export const AUDIT_STREAM = 'nacl-updater/test';

export interface UpdaterWorldOptions {
  /** MODE. @default block */
  readonly mode?: 'block' | 'report';
  /** Add an IPv6 CIDR to the VPC (its ACLs then carry the IPv6 default rules). */
  readonly dualStack?: boolean;
  /** NACL_RULE_LIMIT. @default 20 */
  readonly ruleLimit?: number;
  /** The account's real quota. @default ruleLimit */
  readonly accountRuleLimit?: number;
  readonly ipv4Mask?: number;
  readonly ipv6Mask?: number;
  readonly maxNewBlocksPerRun?: number;
  readonly maxBlockedNetworks?: number;
  /** NACL_MAX_AGGREGATE_PREFIX: turns adaptive aggregation on. */
  readonly maxAggregatePrefix?: number;
  /** Protected subnets. @default 2 */
  readonly subnets?: number;
  /** Use a custom original ACL with these entries instead of the VPC's default ACL. */
  readonly originalEntries?: readonly AclEntry[];
  /** The allow-list object's text; null: there is no object. @default a comment line */
  readonly allowList?: string | null;
  /** EC2 eventually consistent on the world's clock (simulation/ec2/consistency.ts). @default consistent */
  readonly consistency?: { readonly maxLagMs: number; readonly seed: number };
  /** The deny-list object's text; null: there is no object. @default a comment line */
  readonly denyList?: string | null;
  /** REPEAT_OFFENDER_WINDOW_HOURS (and MAX_BLOCK_HOURS). @default off */
  readonly repeatOffenderWindowHours?: number;
  readonly maxBlockHours?: number;
  /** Publish block notifications to NOTIFICATIONS_TOPIC_ARN on the world's SNS stand-in. @default off (no topic) */
  readonly notifications?: boolean;
}

export const NOTIFICATIONS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:flood-guard-notifications';

/** One SDK call the handler sent, whatever its outcome. */
export interface SentCall {
  readonly command: string;
  readonly input: unknown;
}

export class UpdaterWorld {
  readonly ec2: Ec2NetworkAclStandIn;
  readonly s3 = new S3StandIn();
  readonly logStreams = new LogStreamsStandIn();
  /** The notifications topic (with options.notifications). */
  readonly sns = new SnsStandIn(() => this.clock);
  /** The verdict queue the messages come from (retry delays are set on it). */
  readonly sqs = new SqsStandIn(() => this.clock);
  private deliveries = 0;
  /** Faults injected into (and observers of) the calls the handler sends. */
  readonly faults = new FaultInjector();
  /** Every call the handler sent, to any service, in order. */
  readonly sent: SentCall[] = [];
  /** Entry writes the handler made to an ACL a protected subnet was on, or to the original ACL: must stay empty. */
  readonly writesToAclsInUse: string[] = [];
  /** What the updater logged and counted (one EMF document per invocation), every container's. */
  readonly telemetry = new TelemetryCapture(() => this.clock);
  readonly sleeps: number[] = [];
  readonly env: Record<string, string>;
  readonly config: UpdaterConfig;
  clock = START;
  handler: UpdaterHandler;

  private constructor(
    readonly vpcId: string,
    readonly subnetIds: readonly string[],
    readonly originalAclId: string,
    readonly blueAclId: string,
    readonly greenAclId: string,
    ec2: Ec2NetworkAclStandIn,
    options: UpdaterWorldOptions,
    cidrs: readonly string[],
  ) {
    this.ec2 = ec2;
    this.s3.createBucket(ALLOW_LIST_BUCKET);
    if (options.allowList !== null) this.s3.putObject(ALLOW_LIST_BUCKET, ALLOW_LIST_KEY, options.allowList ?? '# nothing allowed\n');
    if (options.denyList !== null) this.s3.putObject(ALLOW_LIST_BUCKET, DENY_LIST_KEY, options.denyList ?? '# nothing denied\n');
    this.logStreams.createLogGroup(AUDIT_LOG_GROUP);
    this.sns.createTopic(NOTIFICATIONS_TOPIC_ARN, { delivered: false });
    this.sqs.createQueue({ name: VERDICT_QUEUE, fifo: true, visibilityTimeoutSeconds: 720, retentionSeconds: 86_400 });
    this.env = environment(options, { vpcId, cidrs, subnetIds, originalAclId, blueAclId, greenAclId });
    this.config = loadConfig(this.env);
    this.handler = this.coldStart();
    for (const command of [CreateNetworkAclEntryCommand, ReplaceNetworkAclEntryCommand, DeleteNetworkAclEntryCommand])
      this.faults.observe((name, input) => this.checkWrite(name, (input as { NetworkAclId?: string }).NetworkAclId), command);
  }

  // An entry write leaves associations as they were: checking right after the write is checking at the write.
  private checkWrite(command: string, aclId: string | undefined): void {
    const inUse = this.subnetIds.some((s) => this.ec2.aclOf(s) === aclId);
    if (inUse || aclId === this.originalAclId) this.writesToAclsInUse.push(`${command} on ${aclId}${inUse ? ' (in use)' : ' (original)'}`);
  }

  /** A VPC with two (or `subnets`) protected subnets, its original ACL and the stack's blue and green ACLs. */
  static async create(options: UpdaterWorldOptions = {}): Promise<UpdaterWorld> {
    const ruleLimit = options.ruleLimit ?? 20;
    const built: { world?: UpdaterWorld } = {};
    const ec2 = new Ec2NetworkAclStandIn({
      ruleLimit: Math.max(ruleLimit, options.accountRuleLimit ?? ruleLimit),
      ...(options.consistency ? { consistency: { ...options.consistency, now: () => built.world?.clock ?? START } } : {}),
    });
    const cidrs = options.dualStack ? ['10.0.0.0/16', '2600:1f18:abcd:1200::/56'] : ['10.0.0.0/16'];
    const vpcId = ec2.createVpc({ cidrs });
    const subnetIds = Array.from({ length: options.subnets ?? 2 }, () => ec2.createSubnet(vpcId));
    let originalAclId = ec2.defaultNetworkAclId(vpcId);
    if (options.originalEntries) {
      originalAclId = ec2.createNetworkAcl(vpcId);
      for (const entry of options.originalEntries) await ec2.createNetworkAclEntry(entryInput(originalAclId, entry));
      for (const subnet of subnetIds)
        await ec2.replaceNetworkAclAssociation({ AssociationId: ec2.associationIdOf(subnet), NetworkAclId: originalAclId });
    }
    const blueAclId = ec2.createNetworkAcl(vpcId, { Name: 'blue' });
    const greenAclId = ec2.createNetworkAcl(vpcId, { Name: 'green' });
    ec2.setRuleLimit(options.accountRuleLimit ?? ruleLimit);
    ec2.calls.length = 0;
    built.world = new UpdaterWorld(vpcId, subnetIds, originalAclId, blueAclId, greenAclId, ec2, options, cidrs);
    return built.world;
  }

  /** A new container: fresh caches and memory, same AWS state; `overrides` replace the world's dependencies. */
  coldStart(overrides: Partial<HandlerDeps> = {}): UpdaterHandler {
    this.handler = createHandler({
      config: this.config,
      ec2: this.client(new EC2Client({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), this.ec2.routes()),
      s3: this.client(new S3Client({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), this.s3.routes()),
      logs: this.client(new CloudWatchLogsClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), this.logStreams.routes()),
      sqs: this.client(new SQSClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), this.sqs.routes()),
      now: () => this.clock,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.clock += ms;
      },
      telemetry: this.telemetry.telemetry(this.config),
      auditStreamName: AUDIT_STREAM,
      sns: this.client(new SNSClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), this.sns.routes()),
      ...overrides,
    });
    return this.handler;
  }

  /**
   * Delivers messages as one batch of the verdict queue, in order, advancing the clock; deletes
   * those the response does not name as failed, as the event source mapping does. Each delivery
   * has a message group of its own, so one left in flight by a failure holds up no later one.
   */
  async deliver(...messages: (AnomalyMessage | string)[]): Promise<SQSBatchResponse> {
    this.clock += 1000;
    const group = `g-${++this.deliveries}`;
    for (const [i, m] of messages.entries()) {
      const body = typeof m === 'string' ? m : JSON.stringify(m);
      this.sqs.send(VERDICT_QUEUE, { body: body === '' ? ' ' : body, groupId: group, deduplicationId: `${group}-${i}` });
    }
    const batch = messages.length === 0 ? [] : this.sqs.receive(VERDICT_QUEUE, Math.min(10, messages.length));
    const response = await this.handler(sqsEvent(batch, `arn:aws:sqs:us-east-1:${ACCOUNT}:${VERDICT_QUEUE}`));
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const message of batch) if (!failed.has(message.messageId)) this.sqs.delete(VERDICT_QUEUE, message.receiptHandle);
    return response;
  }

  /** Inputs of the calls of one command the handler sent (e.g. 'GetObjectCommand'). */
  inputsOf(command: { name: string }): unknown[] {
    return this.sent.filter((c) => c.command === command.name).map((c) => c.input);
  }

  /** The ACL the protected subnets use (all must be on the same one). */
  activeAclId(): string {
    const acls = new Set(this.subnetIds.map((s) => this.ec2.aclOf(s)));
    if (acls.size !== 1) throw new Error(`subnets split over ${[...acls].join(', ')}`);
    return [...acls][0]!;
  }

  /** CIDRs of the deny rules of the ACL in use, sorted. */
  deniedCidrs(): string[] {
    return this.ec2
      .entriesOf(this.activeAclId())
      .filter((e) => e.RuleAction === 'deny' && (e.RuleNumber ?? 0) < 32767)
      .map((e) => e.CidrBlock ?? e.Ipv6CidrBlock!)
      .sort();
  }

  /** The audit lines written so far, parsed. */
  auditLines(): { timestamp: number; logStreamName: string; line: unknown }[] {
    return this.logStreams
      .events(AUDIT_LOG_GROUP)
      .map((e) => ({ timestamp: e.timestamp, logStreamName: e.logStreamName, line: JSON.parse(e.message) as unknown }));
  }

  private client<C extends object>(client: C, routes: readonly Route[]): C {
    const recorded = routes.map(
      ([command, answer]) =>
        [
          command,
          (input: never) => {
            this.sent.push({ command: command.name, input: structuredClone(input) });
            return (answer as (i: never) => unknown)(input);
          },
        ] as Route,
    );
    return standInClient(client, this.faults.wrap(recorded));
  }
}

function environment(
  options: UpdaterWorldOptions,
  ids: {
    vpcId: string;
    cidrs: readonly string[];
    subnetIds: readonly string[];
    originalAclId: string;
    blueAclId: string;
    greenAclId: string;
  },
): Record<string, string> {
  const optional: Record<string, number | undefined> = {
    NACL_RULE_LIMIT: options.ruleLimit,
    NACL_RULE_NETWORK_MASK: options.ipv4Mask,
    NACL_RULE_NETWORK_MASK_IPV6: options.ipv6Mask,
    MAX_NEW_BLOCKS_PER_RUN: options.maxNewBlocksPerRun,
    MAX_BLOCKED_NETWORKS: options.maxBlockedNetworks,
    NACL_MAX_AGGREGATE_PREFIX: options.maxAggregatePrefix,
    REPEAT_OFFENDER_WINDOW_HOURS: options.repeatOffenderWindowHours,
    MAX_BLOCK_HOURS: options.maxBlockHours,
  };
  return {
    VPC_ID: ids.vpcId,
    VPC_CIDRS: ids.cidrs.join(','),
    SUBNET_IDS: ids.subnetIds.join(','),
    ORIGINAL_NACL_ID: ids.originalAclId,
    BLUE_NACL_ID: ids.blueAclId,
    GREEN_NACL_ID: ids.greenAclId,
    ALLOW_LIST_BUCKET,
    ALLOW_LIST_KEY,
    AUDIT_LOG_GROUP_NAME: AUDIT_LOG_GROUP,
    VERDICT_QUEUE_URL,
    ...(options.mode ? { MODE: options.mode } : {}),
    ...(options.notifications ? { NOTIFICATIONS_TOPIC_ARN } : {}),
    ...Object.fromEntries(Object.entries(optional).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]]))),
  };
}

function entryInput(aclId: string, entry: AclEntry) {
  return {
    NetworkAclId: aclId,
    RuleNumber: entry.ruleNumber,
    Egress: entry.egress,
    Protocol: entry.protocol,
    RuleAction: entry.ruleAction,
    CidrBlock: entry.cidrBlock,
    Ipv6CidrBlock: entry.ipv6CidrBlock,
    PortRange: entry.portRange ? { From: entry.portRange.from, To: entry.portRange.to } : undefined,
    IcmpTypeCode: entry.icmpTypeCode ? { Type: entry.icmpTypeCode.type, Code: entry.icmpTypeCode.code } : undefined,
  };
}
