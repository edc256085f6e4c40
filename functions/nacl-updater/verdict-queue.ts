/**
 * The updater's side of the FIFO verdict queue (docs/architecture.md, Ordering): which messages of
 * a batch succeed or fail, and when a failed one is tried again.
 */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { TelemetryLogger } from '../common/telemetry';
import { retryDelaySeconds } from './contract';
import type { NaclUpdater } from './updater';

export interface VerdictQueueDeps {
  readonly updater: Pick<NaclUpdater, 'newestValid' | 'apply'>;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly logger: TelemetryLogger;
}

/**
 * Applies the newest valid verdict of a batch. Rejected and superseded messages succeed: they are
 * deleted, never retried or dead-lettered. When the verdict fails, it and every message after it
 * in the batch go back to the queue (Lambda's rule for FIFO partial batch responses), each to be
 * tried again after its retry delay; when that is the whole batch the invocation fails with the
 * error, as Lambda counts it (Errors, the updater alarm).
 */
export async function handleBatch(records: readonly SQSRecord[], deps: VerdictQueueDeps): Promise<SQSBatchResponse> {
  const newest = deps.updater.newestValid(records.map((record) => record.body ?? ''));
  if (!newest) return { batchItemFailures: [] };
  try {
    await deps.updater.apply(newest.message);
    return { batchItemFailures: [] };
  } catch (error) {
    const failed = records.slice(newest.index);
    await retryLater(failed, deps);
    if (failed.length === records.length) throw error;
    deps.logger.error('anomaly message failed: it and the messages after it go back to the queue', {
      error: error as Error,
      messageIds: failed.map((record) => record.messageId),
    });
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  }
}

/**
 * Shortens each failed message's visibility timeout to its retry delay, so a passing failure holds
 * up the message group for seconds, not the queue's 12 minutes. Called after the ACL work has
 * stopped: the message can show again only once this invocation writes nothing more. Should it
 * fail, the message is tried again when the queue's visibility timeout ends.
 */
async function retryLater(records: readonly SQSRecord[], deps: VerdictQueueDeps): Promise<void> {
  for (const record of records) {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    const delaySeconds = retryDelaySeconds(Number.isFinite(receiveCount) ? receiveCount : 1);
    try {
      await deps.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: deps.queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: delaySeconds,
        }),
      );
    } catch (error) {
      deps.logger.warn('could not set the retry delay of a failed message: it is tried again after the visibility timeout', {
        error: error as Error,
        messageId: record.messageId,
      });
    }
  }
}
