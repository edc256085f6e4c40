/**
 * SQS stand-in: FIFO and standard queues with what the NACL updater's delivery relies on, at
 * least as strict as SQS: a FIFO queue's name ends in .fifo; a message needs a MessageGroupId and
 * a deduplication id (or content-based deduplication), and a repeated id within 5 minutes is
 * accepted but not enqueued; messages of a group are received in order, and none while an earlier
 * one of the group is in flight; a received message stays hidden for the visibility timeout; a
 * message received maxReceiveCount times moves to the dead-letter queue on its next receive, which
 * must be of the same type (FIFO for a FIFO queue).
 */
import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  MessageNotInflight,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  SQSServiceException,
  type ChangeMessageVisibilityCommandInput,
} from '@aws-sdk/client-sqs';
import type { Route } from './sdk-routing';

/** SQS's fixed deduplication interval for FIFO queues. */
export const DEDUPLICATION_INTERVAL_MS = 5 * 60_000;
/** SendMessage limit: 256 KiB of body. */
export const SQS_MAX_MESSAGE_BYTES = 262_144;
/** ReceiveMessage returns 1 to 10 messages. */
export const MAX_RECEIVE_MESSAGES = 10;
const MAX_VISIBILITY_SECONDS = 43_200;

export interface QueueSpec {
  readonly name: string;
  readonly fifo: boolean;
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  readonly contentBasedDeduplication?: boolean;
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

export interface SentMessage {
  readonly body: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** A message as ReceiveMessage returns it, with the attributes Lambda passes on. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly firstReceivedAt: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
}

interface Stored {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber: string;
  receiveCount: number;
  firstReceivedAt?: number;
  invisibleUntil: number;
  receiptHandle?: string;
}

interface Queue {
  readonly spec: QueueSpec;
  readonly messages: Stored[];
  readonly sentIds: Map<string, { readonly messageId: string; readonly at: number }>;
}

const fail = (name: string, message: string) =>
  new SQSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
const meta = { $metadata: { httpStatusCode: 400 } };

export class SqsStandIn {
  private readonly queues = new Map<string, Queue>();
  private counter = 0;

  constructor(
    private readonly now: () => number,
    private readonly urlPrefix = 'https://sqs.us-east-1.amazonaws.com/123456789012/',
  ) {}

  createQueue(spec: QueueSpec): string {
    if (spec.fifo !== spec.name.endsWith('.fifo') || !/^[A-Za-z0-9_-]{1,75}(\.fifo)?$/.test(spec.name) || spec.name.length > 80)
      throw fail(
        'InvalidParameterValue',
        `Can only include alphanumeric characters, hyphens, or underscores; a FIFO queue, and only a FIFO queue, ends in .fifo: ${spec.name}`,
      );
    if (!(spec.visibilityTimeoutSeconds >= 0 && spec.visibilityTimeoutSeconds <= MAX_VISIBILITY_SECONDS))
      throw new InvalidAttribute(`VisibilityTimeout ${spec.visibilityTimeoutSeconds} is not between 0 and ${MAX_VISIBILITY_SECONDS}`);
    if (!(spec.retentionSeconds >= 60 && spec.retentionSeconds <= 1_209_600))
      throw new InvalidAttribute(`MessageRetentionPeriod ${spec.retentionSeconds} is not between 60 and 1209600`);
    if (spec.contentBasedDeduplication && !spec.fifo) throw new InvalidAttribute('ContentBasedDeduplication is only for FIFO queues');
    if (spec.redrive) {
      const target = this.queues.get(spec.redrive.deadLetterQueue);
      if (!target) throw new InvalidAttribute(`RedrivePolicy: dead-letter target ${spec.redrive.deadLetterQueue} does not exist`);
      if (target.spec.fifo !== spec.fifo)
        throw new InvalidAttribute('RedrivePolicy: Dead-letter queue must be same type of queue as the source.');
      if (!(spec.redrive.maxReceiveCount >= 1 && spec.redrive.maxReceiveCount <= 1000))
        throw new InvalidAttribute(`RedrivePolicy: maxReceiveCount ${spec.redrive.maxReceiveCount} is not between 1 and 1000`);
    }
    this.queues.set(spec.name, { spec, messages: [], sentIds: new Map() });
    return this.urlPrefix + spec.name;
  }

  /** The queue's attributes as created. */
  specOf(name: string): QueueSpec {
    return this.queue(name).spec;
  }

  /** SendMessage: the message id, an earlier one's for a duplicate within the deduplication interval. */
  send(name: string, message: SentMessage): string {
    const queue = this.queue(name);
    const { spec } = queue;
    if (Buffer.byteLength(message.body, 'utf8') > SQS_MAX_MESSAGE_BYTES || message.body.length === 0)
      throw fail(
        'InvalidParameterValue',
        'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes and not empty.',
      );
    if (spec.fifo && !message.groupId) throw fail('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    if (!spec.fifo && message.deduplicationId !== undefined)
      throw fail('InvalidParameterValue', 'The request include parameter that is not valid for this queue type');
    const deduplicationId = spec.fifo
      ? (message.deduplicationId ?? (spec.contentBasedDeduplication ? sha256(message.body) : undefined))
      : undefined;
    if (spec.fifo && deduplicationId === undefined)
      throw fail(
        'InvalidParameterValue',
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    const now = this.now();
    if (deduplicationId !== undefined) {
      const earlier = queue.sentIds.get(deduplicationId);
      if (earlier && now - earlier.at < DEDUPLICATION_INTERVAL_MS) return earlier.messageId;
    }
    const messageId = `00000000-0000-4000-9000-${(++this.counter).toString(16).padStart(12, '0')}`;
    queue.messages.push({
      messageId,
      body: message.body,
      sentAt: now,
      ...(spec.fifo ? { groupId: message.groupId, deduplicationId } : {}),
      sequenceNumber: String(this.counter).padStart(20, '0'),
      receiveCount: 0,
      invisibleUntil: now,
    });
    if (deduplicationId !== undefined) queue.sentIds.set(deduplicationId, { messageId, at: now });
    return messageId;
  }

  /**
   * ReceiveMessage: up to `max` visible messages, oldest first. In a FIFO queue a group with a
   * message in flight gives none, and a group gives its messages in order only. A message already
   * received maxReceiveCount times moves to the dead-letter queue instead.
   */
  receive(name: string, max: number): ReceivedMessage[] {
    if (!(Number.isInteger(max) && max >= 1 && max <= MAX_RECEIVE_MESSAGES))
      throw fail('InvalidParameterValue', `MaxNumberOfMessages ${max} is not between 1 and ${MAX_RECEIVE_MESSAGES}`);
    const queue = this.queue(name);
    const now = this.now();
    this.expire(queue, now);
    const blocked = new Set(queue.spec.fifo ? queue.messages.filter((m) => m.invisibleUntil > now).map((m) => m.groupId) : []);
    const received: ReceivedMessage[] = [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) break;
      const group = message.groupId;
      if (message.invisibleUntil > now || (queue.spec.fifo && blocked.has(group))) continue;
      if (this.deadLetter(queue, message)) continue;
      received.push(this.take(queue, message, now));
      // A FIFO group hands out its messages in order: one not taken here holds back the ones after it.
      if (queue.spec.fifo && received.length >= max) blocked.add(group);
    }
    return received;
  }

  /** DeleteMessage with the receipt handle of the message's latest receive, while it is in flight. */
  delete(name: string, receiptHandle: string): void {
    const queue = this.queue(name);
    const index = queue.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    const message = queue.messages[index];
    if (!message || message.invisibleUntil <= this.now())
      throw new ReceiptHandleIsInvalid({ message: `The receipt handle "${receiptHandle}" is not valid.`, ...meta });
    queue.messages.splice(index, 1);
  }

  routes(): Route[] {
    return [[ChangeMessageVisibilityCommand, this.changeMessageVisibility]];
  }

  readonly changeMessageVisibility = async (input: ChangeMessageVisibilityCommandInput) => {
    const name = input.QueueUrl?.startsWith(this.urlPrefix) ? input.QueueUrl.slice(this.urlPrefix.length) : undefined;
    const queue = name === undefined ? undefined : this.queues.get(name);
    if (!queue) throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', ...meta });
    const seconds = input.VisibilityTimeout ?? -1;
    if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_VISIBILITY_SECONDS))
      throw fail('InvalidParameterValue', `Value ${seconds} for parameter VisibilityTimeout is invalid.`);
    const message = queue.messages.find((m) => m.receiptHandle !== undefined && m.receiptHandle === input.ReceiptHandle);
    if (!message) throw new ReceiptHandleIsInvalid({ message: `The receipt handle "${input.ReceiptHandle}" is not valid.`, ...meta });
    const now = this.now();
    if (message.invisibleUntil <= now) throw new MessageNotInflight({ message: 'The message is not in flight.', ...meta });
    message.invisibleUntil = now + seconds * 1000;
    return { $metadata: { httpStatusCode: 200 } };
  };

  /** Messages in the queue, in flight or not (ApproximateNumberOfMessages plus NotVisible). */
  messagesIn(name: string): readonly { readonly body: string; readonly groupId?: string; readonly receiveCount: number }[] {
    const queue = this.queue(name);
    this.expire(queue, this.now());
    return queue.messages.map(({ body, groupId, receiveCount }) => ({ body, ...(groupId ? { groupId } : {}), receiveCount }));
  }

  private take(queue: Queue, message: Stored, now: number): ReceivedMessage {
    message.receiveCount++;
    message.firstReceivedAt ??= now;
    message.invisibleUntil = now + queue.spec.visibilityTimeoutSeconds * 1000;
    message.receiptHandle = `rh-${message.messageId}-${message.receiveCount}`;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      receiveCount: message.receiveCount,
      sentAt: message.sentAt,
      firstReceivedAt: message.firstReceivedAt,
      ...(message.groupId
        ? { groupId: message.groupId, deduplicationId: message.deduplicationId, sequenceNumber: message.sequenceNumber }
        : {}),
    };
  }

  /** Moves a message received maxReceiveCount times to the dead-letter queue, keeping its group; true when moved. */
  private deadLetter(queue: Queue, message: Stored): boolean {
    const redrive = queue.spec.redrive;
    if (!redrive || message.receiveCount < redrive.maxReceiveCount) return false;
    queue.messages.splice(queue.messages.indexOf(message), 1);
    const target = this.queue(redrive.deadLetterQueue);
    target.messages.push({ ...message, receiveCount: 0, invisibleUntil: this.now(), receiptHandle: undefined, firstReceivedAt: undefined });
    return true;
  }

  private expire(queue: Queue, now: number): void {
    const kept = queue.messages.filter((m) => now - m.sentAt < queue.spec.retentionSeconds * 1000);
    queue.messages.splice(0, queue.messages.length, ...kept);
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new QueueDoesNotExist({ message: `The specified queue does not exist: ${name}`, ...meta });
    return queue;
  }
}

class InvalidAttribute extends SQSServiceException {
  constructor(message: string) {
    super({ name: 'InvalidAttributeValue', message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
