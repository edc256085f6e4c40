import { ArnFormat, Aws, CfnMapping, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FloodGuardMonitoring } from '../dashboards/monitoring';
import type { FloodGuardConfig } from './config';
import { Detection } from './detection';
import { FlowLogs } from './flow-logs';
import { Mitigation } from './mitigation';
import { BlockNotifications } from './notifications';
import { acknowledge } from './nag';
import { CONSOLE_HOSTS, regionalServiceHost } from './partition';
import { StackNetworkAcls } from './network-facts';
import { ReportModeRestore } from './report-mode';

export interface FloodGuardStackProps extends StackProps {
  /** Validated deployment configuration (see lib/config.ts). */
  readonly config: FloodGuardConfig;
}

/** Operational logs (functions, state machine, audit) are kept at least this long, whatever the flow-log retention. */
export const MIN_OPERATIONAL_LOG_DAYS = 30;

/**
 * The whole pipeline for one VPC endpoint: flow logs, detection (summarizer twice a minute),
 * mitigation (blue/green ACL updater), deploy-time network facts, dashboard and alarms.
 */
export class FloodGuardStack extends Stack {
  readonly key: kms.Key;
  readonly flowLogs: FlowLogs;
  readonly acls: StackNetworkAcls;
  readonly detection: Detection;
  readonly mitigation: Mitigation;
  readonly notifications: BlockNotifications;
  readonly monitoring: FloodGuardMonitoring;

  constructor(scope: Construct, id: string, props: FloodGuardStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.key = this.createKey();
    const flowLogRetention = config.logRetentionDays as logs.RetentionDays;
    const operationalLogRetention = Math.max(config.logRetentionDays, MIN_OPERATIONAL_LOG_DAYS) as logs.RetentionDays;

    this.flowLogs = new FlowLogs(this, 'FlowLogs', {
      subnetIds: config.subnetIds,
      listeners: config.listeners,
      retention: flowLogRetention,
      encryptionKey: this.key,
      metricsNamespace: config.metricsNamespace,
    });
    this.acls = new StackNetworkAcls(this, 'NetworkAcls', {
      vpcId: config.vpcId,
      subnetIds: config.subnetIds,
      logRetention: operationalLogRetention,
      encryptionKey: this.key,
    });
    this.detection = new Detection(this, 'Detection', {
      config,
      flowLogGroup: this.flowLogs.logGroup,
      vpcCidrs: this.acls.vpcCidrs,
      encryptionKey: this.key,
      operationalLogRetention,
    });
    this.notifications = new BlockNotifications(this, 'Notifications', {
      stackName: config.stackName,
      targets: config.notify,
      encryptionKey: this.key,
    });
    this.mitigation = new Mitigation(this, 'Mitigation', {
      config,
      topic: this.detection.topic,
      notificationsTopic: this.notifications.topic,
      blueAcl: this.acls.blue,
      greenAcl: this.acls.green,
      originalNetworkAclId: this.acls.originalNetworkAclId,
      vpcCidrs: this.acls.vpcCidrs,
      encryptionKey: this.key,
      operationalLogRetention,
      deployTimeFunction: this.acls.factsFunction,
    });
    this.notifications.allowOnly(this.mitigation.updater.role);
    if (config.mode === 'report') {
      new ReportModeRestore(this, 'ReportMode', {
        blueAcl: this.acls.blue,
        greenAcl: this.acls.green,
        originalNetworkAclId: this.acls.originalNetworkAclId,
        deployTimeFunction: this.acls.factsFunction,
        updater: this.mitigation.updater,
      });
    }
    this.monitoring = this.createMonitoring(config);
    this.addOutputs(config);
    this.acknowledgeFindings();
  }

  /** The dashboard and the operator alarms, over the resources of detection and mitigation. */
  private createMonitoring(config: FloodGuardConfig): FloodGuardMonitoring {
    return new FloodGuardMonitoring(this, 'Monitoring', {
      vpcId: config.vpcId,
      metricsNamespace: config.metricsNamespace,
      listeners: config.listeners,
      minZScore: config.minZScore,
      minPacketsPerBin: config.minPacketsPerBin,
      windowMinutes: config.windowMinutes,
      requeryMinutes: config.requeryMinutes,
      naclRuleLimit: config.naclRuleLimit,
      naclRuleNetworkMask: config.naclRuleNetworkMask,
      naclRuleNetworkMaskIpv6: config.naclRuleNetworkMaskIpv6,
      auditLogGroup: this.mitigation.auditLogGroup,
      summarizer: this.detection.summarizer.function,
      naclUpdater: this.mitigation.updater.function,
      stateMachine: this.detection.stateMachine,
      updaterDeadLetterQueue: this.mitigation.deadLetterQueue,
      operatorEmail: config.operatorEmail,
      alarms: config.alarms,
    });
  }

  /** One customer-managed key for the stack's logs, topic, queue and packet-bin database. */
  private createKey(): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'nacl-flood-guard: flow logs, function and audit logs, anomalies and notifications topics, dead letters, packet bins',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch Logs encrypts with the key only for log groups of this account and region.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(regionalServiceHost('logs'))],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    return key;
  }

  private addOutputs(config: FloodGuardConfig): void {
    const bucket = this.mitigation.allowListBucket.bucketName;
    const dashboardName = this.monitoring.dashboard.dashboardName;
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of this deployment',
      value: `https://${this.consoleHost()}/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${dashboardName}`,
    });
    new CfnOutput(this, 'AllowListBucketName', { description: 'Bucket holding the allow list', value: bucket });
    new CfnOutput(this, 'AllowListKey', {
      description: 'Object key of the allow list (one IP or CIDR per line, # comments)',
      value: config.allowListKey,
    });
    new CfnOutput(this, 'AllowListEditCommand', {
      description: 'Upload an edited allow list (versioned: earlier versions stay restorable)',
      value: `aws s3 cp allow-list.txt s3://${bucket}/${config.allowListKey}`,
    });
    new CfnOutput(this, 'DenyListEditCommand', {
      description: 'Upload an edited deny list (same bucket, versioned)',
      value: `aws s3 cp deny-list.txt s3://${bucket}/${config.denyListKey}`,
    });
    new CfnOutput(this, 'AnomaliesTopicArn', {
      description: 'Topic the summarizer publishes verdicts to',
      value: this.detection.topic.topicArn,
    });
    new CfnOutput(this, 'NotificationsTopicArn', {
      description: 'Topic of the block notifications: one message per change of the blocked set',
      value: this.notifications.topic.topicArn,
    });
    new CfnOutput(this, 'BlueNetworkAclId', { description: 'Stack-owned ACL (blue)', value: this.acls.blue.attrId });
    new CfnOutput(this, 'GreenNetworkAclId', { description: 'Stack-owned ACL (green)', value: this.acls.green.attrId });
    new CfnOutput(this, 'OriginalNetworkAclId', {
      description: "The protected subnets' own ACL, mirrored and restored",
      value: this.acls.originalNetworkAclId,
    });
  }

  /**
   * The console's host name in the deployment's partition: it is not derived from the URL suffix
   * (aws-us-gov shares amazonaws.com with aws), so it is looked up by AWS::Partition at deploy time.
   */
  private consoleHost(): string {
    const hosts = new CfnMapping(this, 'ConsoleHosts', {
      mapping: Object.fromEntries(Object.entries(CONSOLE_HOSTS).map(([partition, host]) => [partition, { host }])),
    });
    return hosts.findInMap(Aws.PARTITION, 'host');
  }

  private acknowledgeFindings(): void {
    for (const acl of [this.acls.blue, this.acls.green]) {
      acknowledge(
        acl,
        'AwsSolutions-VPC3',
        "Network ACL deny rules are this product's mitigation: these blue/green ACLs mirror the subnets' own rules after the deny rules.",
      );
    }
  }
}
