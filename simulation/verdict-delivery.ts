/**
 * How the verdicts reach the NACL updater in the simulated deployment, as the stack builds it
 * (lib/verdict-queue.ts) from the updater's contract: the FIFO anomalies topic delivers raw to the
 * FIFO verdict queue (one message group), whose redrive policy moves a message received
 * maxReceiveCount times to the FIFO dead-letter queue; an event source mapping hands the updater
 * one message an invocation, reporting failed messages (simulation/event-source.ts).
 */
import * as updaterContract from '../functions/nacl-updater/contract';
import { SqsEventSourceStandIn, type QueueConsumer } from './event-source';
import type { SnsStandIn } from './sns';
import { SqsStandIn } from './sqs';

/** The verdict queue and its dead-letter queue, and the event source mapping, as the template sets them. */
export interface SimulatedDelivery {
  readonly queue: { readonly fifo: boolean; readonly visibilityTimeoutSeconds: number; readonly retentionSeconds: number };
  readonly deadLetterQueue: { readonly fifo: boolean; readonly retentionSeconds: number };
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
}

const { UPDATER_QUEUE } = updaterContract;

export const DELIVERY: SimulatedDelivery = {
  queue: { fifo: true, visibilityTimeoutSeconds: UPDATER_QUEUE.visibilityTimeoutSeconds, retentionSeconds: UPDATER_QUEUE.retentionSeconds },
  deadLetterQueue: { fifo: true, retentionSeconds: UPDATER_QUEUE.deadLetterRetentionSeconds },
  maxReceiveCount: UPDATER_QUEUE.maxReceiveCount,
  batchSize: UPDATER_QUEUE.batchSize,
  reportBatchItemFailures: true,
};

const QUEUE = 'flood-guard-verdicts.fifo';
const DEAD_LETTERS = 'flood-guard-verdicts-dead-letters.fifo';

export class VerdictDelivery {
  readonly sqs: SqsStandIn;
  readonly source: SqsEventSourceStandIn;
  readonly settings = DELIVERY;
  readonly queueUrl: string;

  constructor(
    sns: SnsStandIn,
    readonly topicArn: string,
    now: () => number,
    at: { readonly region: string; readonly account: string },
  ) {
    this.sqs = new SqsStandIn(now, `https://sqs.${at.region}.amazonaws.com/${at.account}/`);
    this.sqs.createQueue({ name: DEAD_LETTERS, visibilityTimeoutSeconds: 30, ...DELIVERY.deadLetterQueue });
    this.queueUrl = this.sqs.createQueue({
      name: QUEUE,
      ...DELIVERY.queue,
      redrive: { deadLetterQueue: DEAD_LETTERS, maxReceiveCount: DELIVERY.maxReceiveCount },
    });
    sns.createTopic(topicArn, { fifo: true });
    sns.subscribeQueue(topicArn, this.sqs, QUEUE);
    this.source = new SqsEventSourceStandIn(this.sqs, {
      queueName: QUEUE,
      queueArn: `arn:aws:sqs:${at.region}:${at.account}:${QUEUE}`,
      batchSize: DELIVERY.batchSize,
      reportBatchItemFailures: DELIVERY.reportBatchItemFailures,
    });
  }

  /** The event source mapping hands `consumer` every batch the queue gives out now; failed invocations go to `onError`. */
  deliver(consumer: QueueConsumer, onError: (error: unknown) => void): Promise<number> {
    return this.source.poll(consumer, onError);
  }

  /** Messages waiting in the verdict queue, in flight or not. */
  queued() {
    return this.sqs.messagesIn(QUEUE);
  }

  /** Messages on the dead-letter queue (what its alarm counts). */
  deadLetters() {
    return this.sqs.messagesIn(DEAD_LETTERS);
  }

  /** Takes every message the queue hands out now off it (received and deleted), as a consumer other than the updater. */
  takeAll(): void {
    for (let batch = this.sqs.receive(QUEUE, 10); batch.length > 0; batch = this.sqs.receive(QUEUE, 10))
      for (const message of batch) this.sqs.delete(QUEUE, message.receiptHandle);
  }
}
