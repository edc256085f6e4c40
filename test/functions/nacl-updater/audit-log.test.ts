import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../functions/nacl-updater/audit-log';
import { mockSdk } from '../../support/sdk';

const logs = mockSdk(CloudWatchLogsClient);

describe('AuditLog', () => {
  it('splits lines into PutLogEvents calls within 10,000 events and 1 MiB, creating its stream once', async () => {
    // Prepare
    const client = new CloudWatchLogsClient({ region: 'us-east-1' });
    logs.on(CreateLogStreamCommand).rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    logs.on(PutLogEventsCommand).resolves({});
    const audit = new AuditLog(client, '/audit', 'stream');
    const lines = Array.from({ length: 12_000 }, (_, i) => ({
      ip: `192.0.2.${i % 256}`,
      network: '192.0.2.0/24',
      z_score: i,
      packets: i,
      mode: 'block' as const,
    }));

    // Act
    await audit.write(lines, 1_000);
    await audit.write(lines.slice(0, 1), 2_000);

    // Assess
    const batches = logs.commandCalls(PutLogEventsCommand).map((c) => c.args[0].input.logEvents!);
    // About 105 bytes a line: the 1 MiB bound splits before the 10,000-event one.
    expect(batches.map((b) => b.length)).toEqual([9_092, 2_908, 1]);
    for (const batch of batches)
      expect(batch.reduce((sum, e) => sum + Buffer.byteLength(e.message!) + 26, 0)).toBeLessThanOrEqual(1_048_576);
    expect(logs.commandCalls(CreateLogStreamCommand)).toHaveLength(1);
  });
});
