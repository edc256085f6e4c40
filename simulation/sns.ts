import { createHash } from 'node:crypto';
import {
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';
import type { Route } from './sdk-routing';
import { DEDUPLICATION_INTERVAL_MS, type SqsStandIn } from './sqs';

/** SNS Publish limit: 256 KB of message (UTF-8 bytes); the subject counts towards it here too. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** Publish: a subject is ASCII text starting with a letter, digit or punctuation, no line break or control character, less than 100 characters. */
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]{0,98}$/;

export interface PublishedMessage {
  readonly topicArn: string;
  readonly messageId: string;
  readonly message: string;
  readonly subject?: string;
  /** 'json': `message` holds one text per protocol, `default` for the others. */
  readonly messageStructure?: 'json';
  readonly publishedAt: number;
  /** FIFO topics only. */
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

export interface TopicOptions {
  /** A FIFO topic: its name ends in .fifo; each publish needs a MessageGroupId and a deduplication id. */
  readonly fifo?: boolean;
  readonly contentBasedDeduplication?: boolean;
  /** false: the topic's subscribers are outside the simulation; its messages are only recorded, never drained. */
  readonly delivered?: boolean;
}

interface Topic {
  readonly options: TopicOptions;
  readonly queues: { readonly sqs: SqsStandIn; readonly name: string }[];
  readonly sentIds: Map<string, { readonly messageId: string; readonly at: number }>;
}

const metadata = { $metadata: { httpStatusCode: 400 } };

/**
 * SNS stand-in: Publish to known topics with the documented size limit and errors. A FIFO topic
 * requires a MessageGroupId and a deduplication id (or content-based deduplication), accepts a
 * repeated id within 5 minutes without delivering it, and delivers to its SQS subscriptions, raw,
 * with the group and deduplication ids; a standard topic cannot have a FIFO queue subscribed.
 * Published messages are also kept for the simulation to read (drain).
 */
export class SnsStandIn {
  private readonly topics = new Map<string, Topic>();
  private readonly queue: PublishedMessage[] = [];
  readonly published: PublishedMessage[] = [];
  private counter = 0;

  constructor(private readonly now: () => number) {}

  /** `delivered: false`: a topic whose subscribers are outside the simulation (e-mail, chat): its messages are only recorded. */
  createTopic(arn: string, options: TopicOptions = {}): string {
    if (Boolean(options.fifo) !== arn.endsWith('.fifo'))
      throw new InvalidParameterException({
        message: 'Invalid parameter: Topic Name (a FIFO topic, and only one, ends in .fifo)',
        ...metadata,
      });
    if (options.contentBasedDeduplication && !options.fifo)
      throw new InvalidParameterException({ message: 'Invalid parameter: ContentBasedDeduplication is only for FIFO topics', ...metadata });
    this.topics.set(arn, { options, queues: [], sentIds: new Map() });
    return arn;
  }

  /** An SQS subscription with raw message delivery. */
  subscribeQueue(topicArn: string, sqs: SqsStandIn, queueName: string): void {
    const topic = this.topics.get(topicArn);
    if (!topic) throw new NotFoundException({ message: `Topic does not exist: ${topicArn}`, ...metadata });
    if (sqs.specOf(queueName).fifo && !topic.options.fifo)
      throw new InvalidParameterException({
        message: 'Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
        ...metadata,
      });
    topic.queues.push({ sqs, name: queueName });
  }

  routes(): Route[] {
    return [[PublishCommand, this.publish]];
  }

  readonly publish = async (input: PublishCommandInput): Promise<PublishCommandOutput> => {
    const topic = input.TopicArn ? this.topics.get(input.TopicArn) : undefined;
    if (!input.TopicArn || !topic) {
      throw new NotFoundException({ message: `Topic does not exist: ${input.TopicArn}`, ...metadata });
    }
    if (input.Message === undefined || input.Message.length === 0) {
      throw new InvalidParameterException({ message: 'Invalid parameter: Empty message', ...metadata });
    }
    const problem = publishProblem(input);
    if (problem !== undefined) throw new InvalidParameterException({ message: `Invalid parameter: ${problem}`, ...metadata });
    const fifo = fifoIds(topic, input);
    const earlier = fifo?.deduplicationId === undefined ? undefined : topic.sentIds.get(fifo.deduplicationId);
    if (earlier && this.now() - earlier.at < DEDUPLICATION_INTERVAL_MS)
      return { MessageId: earlier.messageId, $metadata: { httpStatusCode: 200 } };
    const messageId = `00000000-0000-4000-8000-${(++this.counter).toString(16).padStart(12, '0')}`;
    const message: PublishedMessage = {
      topicArn: input.TopicArn,
      messageId,
      message: input.Message,
      subject: input.Subject,
      ...(input.MessageStructure === 'json' ? { messageStructure: 'json' as const } : {}),
      publishedAt: this.now(),
      ...fifo,
    };
    if (fifo) topic.sentIds.set(fifo.deduplicationId, { messageId, at: message.publishedAt });
    if (topic.options.delivered ?? true) this.queue.push(message);
    this.published.push(message);
    for (const { sqs, name } of topic.queues) {
      sqs.send(name, {
        body: deliveredText(message, 'sqs'),
        ...(fifo ? { groupId: fifo.groupId, deduplicationId: fifo.deduplicationId } : {}),
      });
    }
    return { MessageId: messageId, $metadata: { httpStatusCode: 200 } };
  };

  /** Every message published to one topic, oldest first. */
  publishedTo(topicArn: string | undefined): PublishedMessage[] {
    return this.published.filter((m) => m.topicArn === topicArn);
  }

  /** Messages published since the last drain, oldest first. */
  drain(): PublishedMessage[] {
    return this.queue.splice(0, this.queue.length);
  }
}

/** What SNS refuses in a Publish besides an unknown topic or an empty message, as its error message words it. */
function publishProblem(input: PublishCommandInput): string | undefined {
  const bytes = Buffer.byteLength(input.Message ?? '', 'utf8') + Buffer.byteLength(input.Subject ?? '', 'utf8');
  if (bytes > SNS_MAX_MESSAGE_BYTES) return 'Message too long';
  if (input.Subject !== undefined && !SUBJECT.test(input.Subject)) return 'Subject';
  if (input.MessageStructure === undefined) return undefined;
  if (input.MessageStructure !== 'json') return 'MessageStructure';
  let structure: unknown;
  try {
    structure = JSON.parse(input.Message ?? '');
  } catch {
    return 'Message Structure - JSON message body failed to parse';
  }
  const record = structure as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof record.default !== 'string')
    return 'Message Structure - No default entry in JSON message body';
  return undefined;
}

/** The text a subscriber of `protocol` receives: its own entry of a MessageStructure=json message, else `default`. */
export function deliveredText(message: PublishedMessage, protocol: 'email' | 'https' | 'lambda' | 'sqs'): string {
  if (message.messageStructure !== 'json') return message.message;
  const structure = JSON.parse(message.message) as Record<string, unknown>;
  const own = structure[protocol];
  return typeof own === 'string' ? own : (structure.default as string);
}

/** A FIFO topic's group and deduplication ids for a publish, or its error; undefined for a standard topic. */
function fifoIds(topic: Topic, input: PublishCommandInput): { groupId: string; deduplicationId: string } | undefined {
  if (!topic.options.fifo) {
    if (input.MessageDeduplicationId !== undefined)
      throw new InvalidParameterException({
        message: 'Invalid parameter: MessageDeduplicationId applies only to FIFO topics',
        ...metadata,
      });
    return undefined;
  }
  if (!input.MessageGroupId)
    throw new InvalidParameterException({
      message: 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics',
      ...metadata,
    });
  const deduplicationId =
    input.MessageDeduplicationId ??
    (topic.options.contentBasedDeduplication
      ? createHash('sha256')
          .update(input.Message ?? '')
          .digest('hex')
      : undefined);
  if (deduplicationId === undefined)
    throw new InvalidParameterException({
      message:
        'Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      ...metadata,
    });
  return { groupId: input.MessageGroupId, deduplicationId };
}

/** The SNS event a subscribed Lambda receives for one message. */
export function snsEvent(message: PublishedMessage) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${message.topicArn}:00000000-0000-4000-8000-000000000001`,
        Sns: {
          Type: 'Notification',
          MessageId: message.messageId,
          TopicArn: message.topicArn,
          Subject: message.subject ?? null,
          Message: deliveredText(message, 'lambda'),
          Timestamp: new Date(message.publishedAt).toISOString(),
          SignatureVersion: '1',
          Signature: 'simulated',
          SigningCertUrl: 'https://sns.invalid/cert.pem',
          UnsubscribeUrl: 'https://sns.invalid/unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}
