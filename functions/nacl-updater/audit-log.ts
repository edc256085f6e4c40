import { CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AuditLine } from '../../core/audit-line';

// PutLogEvents limits: 10,000 events and 1,048,576 bytes per call, each event counted as its
// UTF-8 size plus 26 bytes.
const MAX_EVENTS_PER_CALL = 10_000;
const MAX_BYTES_PER_CALL = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;

/** Writes audit lines to the audit log group, into one log stream per container. */
export class AuditLog {
  private streamCreated = false;

  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly groupName: string,
    private readonly streamName: string,
  ) {}

  async write(lines: readonly AuditLine[], timestamp: number): Promise<void> {
    if (lines.length === 0) return;
    await this.ensureStream();
    for (const batch of batches(lines.map((line) => JSON.stringify(line)))) {
      await this.logs.send(
        new PutLogEventsCommand({
          logGroupName: this.groupName,
          logStreamName: this.streamName,
          // One timestamp for the run keeps the batch in chronological order, as the API requires.
          logEvents: batch.map((message) => ({ timestamp, message })),
        }),
      );
    }
  }

  private async ensureStream(): Promise<void> {
    if (this.streamCreated) return;
    try {
      await this.logs.send(new CreateLogStreamCommand({ logGroupName: this.groupName, logStreamName: this.streamName }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceAlreadyExistsException') throw error;
    }
    this.streamCreated = true;
  }
}

function batches(messages: readonly string[]): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    if (current.length > 0 && (current.length >= MAX_EVENTS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}
