/**
 * A Lambda event source mapping on an SQS queue, as Lambda runs one: it receives up to `batchSize`
 * messages, invokes the function with them and deletes the batch when the invocation succeeds.
 * With `reportBatchItemFailures` it deletes all but the messages the function names as failed, and
 * a response naming a message not in the batch fails the whole batch. A failed message stays in the
 * queue, hidden until its visibility timeout ends (or the function shortened it). What keeps one
 * invocation per FIFO message group is the queue: it hands out nothing of a group in flight.
 *
 * Lambda polls continuously; the simulation polls when the deployment delivers (after each run),
 * so a message that shows again between two polls is received at the next one.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ReceivedMessage, SqsStandIn } from './sqs';

export interface EventSourceSettings {
  readonly queueName: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
}

export type QueueConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export class SqsEventSourceStandIn {
  constructor(
    private readonly sqs: SqsStandIn,
    readonly settings: EventSourceSettings,
  ) {
    if (!(
      Number.isInteger(settings.batchSize) &&
      settings.batchSize >= 1 &&
      settings.batchSize <= (settings.queueName.endsWith('.fifo') ? 10 : 10_000)
    ))
      throw new Error(`InvalidParameterValueException: BatchSize ${settings.batchSize} is out of range for this queue`);
  }

  /**
   * Invokes `consumer` with every batch the queue hands out now, one after another; a failed
   * invocation is passed to `onError` and its messages stay in flight. Returns the invocations made.
   */
  async poll(consumer: QueueConsumer, onError: (error: unknown) => void): Promise<number> {
    let invocations = 0;
    for (;;) {
      const batch = this.sqs.receive(this.settings.queueName, this.settings.batchSize);
      if (batch.length === 0) return invocations;
      invocations++;
      let failed: ReadonlySet<string>;
      try {
        failed = this.failedOf(batch, await consumer(sqsEvent(batch, this.settings.queueArn)));
      } catch (error) {
        onError(error);
        continue;
      }
      for (const message of batch) if (!failed.has(message.messageId)) this.deleteQuietly(message);
    }
  }

  /** The messages the response reports failed: none without the setting, all for a response Lambda cannot read. */
  private failedOf(batch: readonly ReceivedMessage[], response: SQSBatchResponse | void): ReadonlySet<string> {
    if (!this.settings.reportBatchItemFailures || !response || !Array.isArray(response.batchItemFailures)) return new Set();
    const ids = new Set(batch.map((m) => m.messageId));
    const named = response.batchItemFailures.map((f) => f.itemIdentifier);
    return named.every((id) => typeof id === 'string' && ids.has(id)) ? new Set(named) : ids;
  }

  /** A receipt handle no longer valid (the message showed again) leaves the message to be received again. */
  private deleteQuietly(message: ReceivedMessage): void {
    try {
      this.sqs.delete(this.settings.queueName, message.receiptHandle);
    } catch {
      // Lambda logs nothing the function could see; the message comes back.
    }
  }
}

/** The event Lambda hands the function for a batch. */
export function sqsEvent(batch: readonly ReceivedMessage[], queueArn: string): SQSEvent {
  return { Records: batch.map((message) => sqsRecord(message, queueArn)) };
}

function sqsRecord(message: ReceivedMessage, queueArn: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDASIMULATEDSNS',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      ...(message.groupId
        ? { MessageGroupId: message.groupId, MessageDeduplicationId: message.deduplicationId, SequenceNumber: message.sequenceNumber }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}
