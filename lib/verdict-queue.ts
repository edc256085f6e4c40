import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UPDATER_QUEUE } from '../functions/nacl-updater/contract';
import type { FloodGuardFunction } from './lambda-function';
import { acknowledge } from './nag';

export interface VerdictQueueProps {
  /** The FIFO anomalies topic. */
  readonly topic: sns.ITopic;
  readonly encryptionKey: kms.IKey;
}

/**
 * How the verdicts reach the NACL updater (docs/architecture.md, Ordering): an encrypted SQS FIFO
 * queue subscribed to the FIFO anomalies topic (raw delivery), read by an event source mapping one
 * message at a time. Every verdict is in one message group, so SQS hands out nothing more while a
 * message is in flight: one updater invocation at a time, without reserved concurrency. A message
 * that fails maxReceiveCount times, or that SNS cannot deliver, goes to the FIFO dead-letter queue.
 */
export class VerdictQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: VerdictQueueProps) {
    super(scope, id);
    const encrypted = { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.encryptionKey, enforceSSL: true } as const;
    // A FIFO queue's dead-letter queue must be FIFO too, and so must the subscription's.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...encrypted,
      fifo: true,
      retentionPeriod: Duration.seconds(UPDATER_QUEUE.deadLetterRetentionSeconds),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encrypted,
      fifo: true,
      visibilityTimeout: Duration.seconds(UPDATER_QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(UPDATER_QUEUE.retentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: UPDATER_QUEUE.maxReceiveCount },
    });
    this.subscribe(props.topic);
    acknowledge(
      this.deadLetterQueue,
      'Serverless-SQSRedrivePolicy',
      'This FIFO queue is itself the dead-letter queue of the verdict queue; a redrive policy on it would have nowhere meaningful to go.',
    );
  }

  /** The updater reads the queue through an event source mapping, one message an invocation, reporting failed messages. */
  feed(updater: FloodGuardFunction): void {
    const source = new lambdaEvents.SqsEventSource(this.queue, { batchSize: UPDATER_QUEUE.batchSize, reportBatchItemFailures: true });
    updater.function.addEventSource(source);
    const mapping = updater.function.node.children.find((child) => child.node.id.startsWith('SqsEventSource:'));
    if (mapping)
      acknowledge(
        mapping,
        'Serverless-LambdaEventSourceMappingDestination',
        "An SQS event source mapping takes no on-failure destination: a message that fails maxReceiveCount times moves to the queue's FIFO dead-letter queue by its redrive policy, and its alarm fires.",
      );
  }

  /**
   * The subscription, with its queue policy limited to this topic. Not SqsSubscription: it would
   * also add a key-policy statement for SNS with no condition; the stack's own one names this
   * account's topics (mitigation.ts).
   */
  private subscribe(topic: sns.ITopic): void {
    const policy = this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AnomaliesTopicDelivers',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
      }),
    );
    const subscription = new sns.Subscription(this, 'Subscription', {
      topic,
      protocol: sns.SubscriptionProtocol.SQS,
      endpoint: this.queue.queueArn,
      // The body is the verdict itself, as the summarizer published it.
      rawMessageDelivery: true,
      deadLetterQueue: this.deadLetterQueue,
    });
    if (policy.policyDependable) subscription.node.addDependency(policy.policyDependable);
  }
}
