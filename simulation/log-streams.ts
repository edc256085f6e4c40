import {
  CreateLogStreamCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type CreateLogStreamCommandInput,
  type PutLogEventsCommandInput,
  type PutLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Route } from './sdk-routing';

/** PutLogEvents limits: 10,000 events, 1,048,576 bytes (message bytes + 26 per event), one day span. */
const MAX_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const MAX_SPAN_MS = 24 * 3_600_000;

const metadata = { $metadata: { httpStatusCode: 400 } };

export interface StoredLogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
}

/** CloudWatch Logs stand-in for writers (the updater's audit log): CreateLogStream and PutLogEvents. */
export class LogStreamsStandIn {
  private readonly groups = new Map<string, Map<string, StoredLogEvent[]>>();

  createLogGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, new Map());
  }

  routes(): Route[] {
    return [
      [CreateLogStreamCommand, this.createLogStream],
      [PutLogEventsCommand, this.putLogEvents],
    ];
  }

  /** Every event written to a group, in write order. */
  events(logGroupName: string): StoredLogEvent[] {
    return [...(this.groups.get(logGroupName)?.values() ?? [])].flat();
  }

  readonly createLogStream = async (input: CreateLogStreamCommandInput) => {
    const group = this.requireGroup(input.logGroupName);
    const name = input.logStreamName ?? '';
    if (name.length < 1 || name.length > 512 || /[:*]/.test(name))
      throw new InvalidParameterException({ message: `invalid log stream name ${JSON.stringify(name)}`, ...metadata });
    if (group.has(name)) throw new ResourceAlreadyExistsException({ message: 'The specified log stream already exists', ...metadata });
    group.set(name, []);
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly putLogEvents = async (input: PutLogEventsCommandInput): Promise<PutLogEventsCommandOutput> => {
    const stream = this.requireGroup(input.logGroupName).get(input.logStreamName ?? '');
    if (!stream) throw new ResourceNotFoundException({ message: 'The specified log stream does not exist.', ...metadata });
    const events = input.logEvents ?? [];
    if (events.length < 1 || events.length > MAX_EVENTS)
      throw new InvalidParameterException({ message: `logEvents must hold 1-${MAX_EVENTS} events`, ...metadata });
    const bytes = events.reduce((sum, e) => sum + Buffer.byteLength(e.message ?? '', 'utf8') + EVENT_OVERHEAD_BYTES, 0);
    if (bytes > MAX_BATCH_BYTES)
      throw new InvalidParameterException({ message: `batch of ${bytes} bytes exceeds ${MAX_BATCH_BYTES}`, ...metadata });
    for (let i = 1; i < events.length; i++) {
      if ((events[i]?.timestamp ?? 0) < (events[i - 1]?.timestamp ?? 0)) {
        throw new InvalidParameterException({
          message: 'Log events in a single PutLogEvents request must be in chronological order.',
          ...metadata,
        });
      }
    }
    if ((events.at(-1)?.timestamp ?? 0) - (events[0]?.timestamp ?? 0) > MAX_SPAN_MS) {
      throw new InvalidParameterException({ message: 'A batch of log events cannot span more than 24 hours.', ...metadata });
    }
    for (const e of events) {
      if (typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message.length === 0) {
        throw new InvalidParameterException({ message: 'each log event needs a timestamp and a non-empty message', ...metadata });
      }
      stream.push({ logStreamName: input.logStreamName as string, timestamp: e.timestamp, message: e.message });
    }
    return { $metadata: { httpStatusCode: 200 } };
  };

  private requireGroup(name: string | undefined): Map<string, StoredLogEvent[]> {
    const group = name === undefined ? undefined : this.groups.get(name);
    if (!group) throw new ResourceNotFoundException({ message: 'The specified log group does not exist.', ...metadata });
    return group;
  }
}
