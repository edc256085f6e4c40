import {
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';
import type { Route } from './sdk-routing';

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
}

const metadata = { $metadata: { httpStatusCode: 400 } };

/**
 * SNS stand-in: Publish to known topics with the documented size limit and errors. Messages
 * queue for delivery; the simulation drains them and invokes subscribers, as SNS's
 * asynchronous Lambda invocation would, after the publisher returns.
 */
export class SnsStandIn {
  /** Each topic, and whether a simulated subscriber (the updater) takes its messages from the delivery queue. */
  private readonly topics = new Map<string, boolean>();
  private readonly queue: PublishedMessage[] = [];
  readonly published: PublishedMessage[] = [];
  private counter = 0;

  constructor(private readonly now: () => number) {}

  /** `delivered: false`: a topic whose subscribers are outside the simulation (e-mail, chat): its messages are only recorded. */
  createTopic(arn: string, options: { readonly delivered?: boolean } = {}): string {
    this.topics.set(arn, options.delivered ?? true);
    return arn;
  }

  routes(): Route[] {
    return [[PublishCommand, this.publish]];
  }

  readonly publish = async (input: PublishCommandInput): Promise<PublishCommandOutput> => {
    if (!input.TopicArn || !this.topics.has(input.TopicArn)) {
      throw new NotFoundException({ message: `Topic does not exist: ${input.TopicArn}`, ...metadata });
    }
    if (input.Message === undefined || input.Message.length === 0) {
      throw new InvalidParameterException({ message: 'Invalid parameter: Empty message', ...metadata });
    }
    const problem = publishProblem(input);
    if (problem !== undefined) throw new InvalidParameterException({ message: `Invalid parameter: ${problem}`, ...metadata });
    const messageId = `00000000-0000-4000-8000-${(++this.counter).toString(16).padStart(12, '0')}`;
    const message: PublishedMessage = {
      topicArn: input.TopicArn,
      messageId,
      message: input.Message,
      subject: input.Subject,
      ...(input.MessageStructure === 'json' ? { messageStructure: 'json' as const } : {}),
      publishedAt: this.now(),
    };
    if (this.topics.get(input.TopicArn)) this.queue.push(message);
    this.published.push(message);
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
