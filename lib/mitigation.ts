import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ACTIVE_ACL_TAG,
  REPEAT_OFFENDER_STATE_KEY,
  toEnvironment,
  UPDATER_DEPLOYMENT,
  WATERMARK_TAG,
  type UpdaterResources,
} from '../functions/nacl-updater/contract';
import { ALLOW_LIST_SEED_TYPE, type AllowListSeedProperties, type SeededObject } from '../functions/network-facts/contract';
import type { FloodGuardConfig } from './config';
import { FloodGuardFunction } from './lambda-function';
import { acknowledge } from './nag';
import { ownedByThisStack } from './network-facts';
import { VerdictQueue } from './verdict-queue';

export interface MitigationProps {
  readonly config: FloodGuardConfig;
  readonly topic: sns.ITopic;
  /** Where the updater tells each change of the blocked set. */
  readonly notificationsTopic: sns.ITopic;
  readonly blueAcl: ec2.CfnNetworkAcl;
  readonly greenAcl: ec2.CfnNetworkAcl;
  readonly originalNetworkAclId: string;
  readonly vpcCidrs: string;
  readonly encryptionKey: kms.IKey;
  /** The deploy-time custom resource function; it also seeds the allow list and the deny list. */
  readonly deployTimeFunction: FloodGuardFunction;
  readonly operationalLogRetention: logs.RetentionDays;
}

/**
 * The mitigation path: the allow-list bucket, the audit log, the NACL updater fed by the FIFO
 * verdict queue subscribed to the anomalies topic (one invocation at a time, failed messages
 * retried and finally moved to the encrypted FIFO dead-letter queue).
 */
export class Mitigation extends Construct {
  readonly allowListBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly auditLogGroup: logs.LogGroup;
  /** The verdict queue's FIFO dead-letter queue (its alarm: dashboards/alarms.ts). */
  readonly deadLetterQueue: sqs.Queue;
  readonly verdicts: VerdictQueue;
  readonly updater: FloodGuardFunction;
  /** What the updater's environment names of the deployed resources (CloudFormation references). */
  readonly updaterResources: UpdaterResources;

  constructor(scope: Construct, id: string, props: MitigationProps) {
    super(scope, id);
    const { config } = props;
    this.accessLogsBucket = this.createAccessLogsBucket();
    this.allowListBucket = new s3.Bucket(this, 'AllowList', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // A bad edit can be rolled back to any earlier version of the allow list.
      versioned: true,
      // SSE-S3: editing the list with `aws s3 cp` then needs no KMS permission.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'allow-list/',
      // Operator-edited data: kept when the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.auditLogGroup = new logs.LogGroup(this, 'AuditLog', {
      retention: props.operationalLogRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.verdicts = new VerdictQueue(this, 'Verdicts', { topic: props.topic, encryptionKey: props.encryptionKey });
    this.deadLetterQueue = this.verdicts.deadLetterQueue;
    this.updaterResources = {
      vpcCidrs: props.vpcCidrs,
      originalNaclId: props.originalNetworkAclId,
      blueNaclId: props.blueAcl.attrId,
      greenNaclId: props.greenAcl.attrId,
      allowListBucket: this.allowListBucket.bucketName,
      auditLogGroupName: this.auditLogGroup.logGroupName,
      notificationsTopicArn: props.notificationsTopic.topicArn,
      verdictQueueUrl: this.verdicts.queue.queueUrl,
    };
    this.updater = new FloodGuardFunction(this, 'NaclUpdater', {
      entry: 'functions/nacl-updater/handler.ts',
      description: 'nacl-flood-guard NACL updater: anomalies to deny rules on the inactive blue/green ACL, then swap',
      deployment: {
        ...UPDATER_DEPLOYMENT,
        // Opt-in only: the verdict queue already runs one updater at a time.
        ...(config.updaterReservedConcurrency > 0 ? { reservedConcurrency: config.updaterReservedConcurrency } : {}),
      },
      environment: toEnvironment(config, this.updaterResources),
      logRetention: props.operationalLogRetention,
      encryptionKey: props.encryptionKey,
    });
    this.verdicts.feed(this.updater);
    this.seedList(props, 'AllowListSeed', props.config.allowListKey, 'allow');
    this.seedList(props, 'DenyListSeed', props.config.denyListKey, 'deny');
    if (props.config.repeatOffenderWindowHours > 0)
      this.seedList(props, 'RepeatOffenderStateSeed', REPEAT_OFFENDER_STATE_KEY, 'repeat-offenders');
    this.grantUpdater(props);
    this.letSnsDeliver(props);
    this.acknowledgeFindings();
  }

  /**
   * An empty, commented allow list and deny list exist from the first deploy, so the updater (which
   * treats an unreadable list as a failure and then changes nothing, or lifts nothing) can block
   * from the start; so does an empty repeat-offender state from the deploy that turns the feature
   * on, so its first run does not count a missing state. The write is conditional: an edited list,
   * or a state with history, is never overwritten.
   */
  private seedList(props: MitigationProps, id: `${string}Seed`, key: string, list: SeededObject): void {
    const role = props.deployTimeFunction.role;
    const sids: Record<SeededObject, string> = {
      allow: 'SeedAllowListObject',
      deny: 'SeedDenyListObject',
      'repeat-offenders': 'SeedRepeatOffenderState',
    };
    const grant = role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: sids[list],
        actions: ['s3:PutObject'],
        resources: [this.allowListBucket.arnForObjects(key)],
      }),
    );
    const seed = new CustomResource(this, id, {
      serviceToken: props.deployTimeFunction.function.functionArn,
      resourceType: ALLOW_LIST_SEED_TYPE,
      // The allow list's resource keeps its properties as they were: no deployed stack sees a change.
      properties: {
        Bucket: this.allowListBucket.bucketName,
        Key: key,
        ...(list === 'allow' ? {} : { List: list }),
      } satisfies AllowListSeedProperties,
    });
    if (grant.policyDependable) seed.node.addDependency(grant.policyDependable);
  }

  private createAccessLogsBucket(): s3.Bucket {
    return new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Least privilege for the updater: each statement names the resources of this stack it may touch. */
  private grantUpdater(props: MitigationProps): void {
    this.grantAclChanges(props);
    this.grantAllowListRead(props);
    this.grantAudit();
  }

  /**
   * Reads every ACL; writes rules and the watermark tag on blue and green only; moves only the
   * protected subnets. In report mode it may only read: no EC2 write action at all.
   */
  private grantAclChanges(props: MitigationProps): void {
    const stack = Stack.of(this);
    const role = this.updater.role;
    const aclArn = (id: string) => stack.formatArn({ service: 'ec2', resource: 'network-acl', resourceName: id });
    const stackAcls = [aclArn(props.blueAcl.attrId), aclArn(props.greenAcl.attrId)];
    const subnets = props.config.subnetIds.map((id) => stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: id }));

    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeAcls',
        // Describe* actions support no resource-level permissions. DescribeVpcs: CIDRs associated
        // with the VPC after deploy are protected from blocking too.
        actions: ['ec2:DescribeNetworkAcls', 'ec2:DescribeVpcs'],
        resources: ['*'],
      }),
    );
    if (props.config.mode === 'report') return;
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteStackAclsOnly',
        actions: ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
        resources: stackAcls,
        conditions: { StringEquals: ownedByThisStack(stack) },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WatermarkStackAclsOnly',
        actions: ['ec2:CreateTags'],
        resources: stackAcls,
        conditions: {
          'ForAllValues:StringEquals': { 'aws:TagKeys': [WATERMARK_TAG, ACTIVE_ACL_TAG] },
          StringEquals: ownedByThisStack(stack),
        },
      }),
    );
    // ReplaceNetworkAclAssociation authorizes both the target network-acl and the subnet:
    // only the protected subnets, only onto blue, green or their original ACL.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SwapProtectedSubnets',
        actions: ['ec2:ReplaceNetworkAclAssociation'],
        resources: [...stackAcls, aclArn(props.originalNetworkAclId), ...subnets],
      }),
    );
  }

  /** The allow-list and deny-list objects only; with repeat offenders on, also the state object, the only one it may write. */
  private grantAllowListRead(props: MitigationProps): void {
    const role = this.updater.role;
    const { allowListKey, denyListKey } = props.config;
    const repeat = props.config.repeatOffenderWindowHours > 0;
    const readable = [allowListKey, denyListKey, ...(repeat ? [REPEAT_OFFENDER_STATE_KEY] : [])];
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAllowList',
        actions: ['s3:GetObject'],
        resources: readable.map((key) => this.allowListBucket.arnForObjects(key)),
      }),
    );
    if (repeat)
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'WriteRepeatOffenderState',
          actions: ['s3:PutObject'],
          resources: [this.allowListBucket.arnForObjects(REPEAT_OFFENDER_STATE_KEY)],
        }),
      );
    // Without ListBucket a missing object answers 403 instead of 404; the key-only prefixes keep it to those objects.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TellMissingAllowList',
        actions: ['s3:ListBucket'],
        resources: [this.allowListBucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': readable } },
      }),
    );
  }

  /** The audit log group. Reading the verdict queue (and its key, to decrypt) is granted with its event source mapping. */
  private grantAudit(): void {
    this.updater.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteAudit',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.auditLogGroup.logGroupArn],
      }),
    );
  }

  /** SNS delivers the verdicts, and moves undeliverable ones, to the encrypted queues: it needs the key. */
  private letSnsDeliver(props: MitigationProps): void {
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SnsDeliversFromAnomaliesTopic',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        // The topic's own ARN would make key and topic depend on each other: this account's topics in this region.
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'sns', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
        },
      }),
    );
  }

  private acknowledgeFindings(): void {
    acknowledge(
      this.updater.role,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeNetworkAcls and ec2:DescribeVpcs support no resource-level permissions (Service Authorization Reference); X-Ray PutTraceSegments/PutTelemetryRecords likewise. Every write is scoped to named ACLs and subnets.',
    );
    acknowledge(
      this.updater.function,
      'Serverless-LambdaDLQ',
      "Invoked by the event source mapping of the FIFO verdict queue, never asynchronously: a message that fails maxReceiveCount times moves to that queue's FIFO dead-letter queue (its redrive policy); a function dead-letter queue applies to asynchronous invocations only.",
    );
  }
}
