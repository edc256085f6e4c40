import {
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';
import type { Route } from './sdk-routing';

/** SNS Publish limit: 256 KB of message (UTF-8 bytes). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

export interface PublishedMessage {
  readonly topicArn: string;
  readonly messageId: string;
  readonly message: string;
  readonly subject?: string;
  readonly publishedAt: number;
}

const metadata = { $metadata: { httpStatusCode: 400 } };

/**
 * SNS stand-in: Publish to known topics with the documented size limit and errors. Messages
 * queue for delivery; the simulation drains them and invokes subscribers, as SNS's
 * asynchronous Lambda invocation would, after the publisher returns.
 */
export class SnsStandIn {
  private readonly topics = new Set<string>();
  private readonly queue: PublishedMessage[] = [];
  readonly published: PublishedMessage[] = [];
  private counter = 0;

  constructor(private readonly now: () => number) {}

  createTopic(arn: string): void {
    this.topics.add(arn);
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
    if (Buffer.byteLength(input.Message, 'utf8') > SNS_MAX_MESSAGE_BYTES) {
      throw new InvalidParameterException({ message: 'Invalid parameter: Message too long', ...metadata });
    }
    const messageId = `00000000-0000-4000-8000-${(++this.counter).toString(16).padStart(12, '0')}`;
    const message: PublishedMessage = {
      topicArn: input.TopicArn,
      messageId,
      message: input.Message,
      subject: input.Subject,
      publishedAt: this.now(),
    };
    this.queue.push(message);
    this.published.push(message);
    return { MessageId: messageId, $metadata: { httpStatusCode: 200 } };
  };

  /** Messages published since the last drain, oldest first. */
  drain(): PublishedMessage[] {
    return this.queue.splice(0, this.queue.length);
  }
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
          Message: message.message,
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
