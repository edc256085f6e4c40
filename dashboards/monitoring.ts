import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { createAlarms, type FloodGuardAlarms } from './alarms';
import { ProductMetrics } from './metrics';
import type { FloodGuardMonitoringProps } from './monitoring-props';
import { resolveAlarmThresholds, validateMonitoringProps } from './thresholds';
import { dashboardRows } from './widgets';

/**
 * The CloudWatch dashboard of a deployment and the alarms an operator needs, notifying an
 * operator topic that is separate from the anomalies topic.
 */
export class FloodGuardMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Receives every alarm and OK transition; subscribe on-call tooling here. */
  readonly operatorTopic: sns.Topic;
  readonly alarms: FloodGuardAlarms;

  constructor(scope: Construct, id: string, props: FloodGuardMonitoringProps) {
    super(scope, id);
    validateMonitoringProps(props);
    const thresholds = resolveAlarmThresholds(props.alarms);
    const metrics = new ProductMetrics(props.metricsNamespace, props.vpcId);

    this.operatorTopic = this.createOperatorTopic(props.operatorEmail);
    this.alarms = createAlarms(this, {
      metrics,
      thresholds,
      naclUpdater: props.naclUpdater,
      updaterDeadLetterQueue: props.updaterDeadLetterQueue,
      topic: this.operatorTopic,
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    for (const row of dashboardRows({ props, metrics, thresholds, alarms: this.alarms })) {
      this.dashboard.addWidgets(row);
    }
  }

  /**
   * An encrypted, TLS-only topic. The key is customer managed because CloudWatch alarms cannot
   * publish to a topic encrypted with the AWS managed alias/aws/sns key: its policy cannot grant
   * the CloudWatch service principal.
   */
  private createOperatorTopic(operatorEmail: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'OperatorTopicKey', {
      description: 'Encrypts the nacl-flood-guard operator alarm topic',
      enableKeyRotation: true,
      // The key only protects alarm notifications in flight: nothing to recover after deletion.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const topic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'nacl-flood-guard operator alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.allowAlarmsToPublish(key, topic);
    if (operatorEmail !== undefined) {
      const subscription = topic.addSubscription(new subscriptions.EmailSubscription(operatorEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless::Serverless-SNSRedrivePolicy',
        reason:
          'A dead-letter queue for an e-mail subscription would have no reader: an undelivered alarm e-mail ' +
          'leaves the alarm in ALARM on the dashboard, and the alarm re-notifies on its next transition.',
      });
    }
    return topic;
  }

  /** Lets this account's CloudWatch alarms, and nobody else through CloudWatch, use the key and the topic. */
  private allowAlarmsToPublish(key: kms.Key, topic: sns.Topic): void {
    const stack = Stack.of(this);
    const cloudwatchPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const fromThisAccount = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudwatchPrincipal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: fromThisAccount.StringEquals },
      }),
    );
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudwatchPrincipal],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccount,
      }),
    );
  }
}
