import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertoolsTelemetry, type TelemetryOptions } from '../../../functions/common/powertools-telemetry';
import { instrumented, type Telemetry } from '../../../functions/common/telemetry';
import { TelemetryCapture } from '../../../simulation/telemetry-capture';

const OPTIONS: TelemetryOptions = { serviceName: 'nacl-updater', metricsNamespace: 'AutoNACL', vpcId: 'vpc-0123456789abcdef0' };

/** Lines written to stdout and stderr (Powertools writes INFO and EMF to stdout, WARN and ERROR to stderr), parsed. */
function standardOutput() {
  const lines: Record<string, unknown>[] = [];
  const record = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n').filter((l) => l.trim() !== '')) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(record);
  vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return lines;
}

/** One invocation's worth of calls, made the same way on any implementation. */
function oneInvocation(telemetry: Telemetry, failure = new TypeError('stream gone')): void {
  telemetry.beginInvocation({ functionName: 'flood-guard-updater', awsRequestId: 'request-1' });
  telemetry.logger.info('anomaly message applied', { placed: 2, sources: ['198.51.100.1'] });
  telemetry.logger.warn('allow-list line skipped', { line: 4, text: 'not-an-address' });
  telemetry.logger.error('audit log write failed (the blocks are in place)', { error: failure });
  telemetry.metrics.add('BlockedSourceIPs', 18);
  telemetry.metrics.add('AclEntryChanges', 1);
  telemetry.metrics.add('AclEntryChanges', 1);
  telemetry.metrics.add('FlowLogDeliveryLag', 312.5);
  telemetry.flush();
}

/** Drops what differs between two writes of the same call: the wall-clock times. */
function withoutTimes(line: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(line);
  delete copy.timestamp;
  if (typeof copy._aws === 'object' && copy._aws !== null) delete (copy._aws as Record<string, unknown>).Timestamp;
  return copy;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('Powertools telemetry', () => {
  it('writes one EMF document per flush, in the namespace, with VpcId as the only dimension and the units of core/metrics.ts', () => {
    // Prepare
    const written = standardOutput();

    // Act
    oneInvocation(powertoolsTelemetry(OPTIONS));

    // Assess
    const documents = written.filter((line) => '_aws' in line);
    expect(documents).toHaveLength(1);
    expect((documents[0]!._aws as Record<string, unknown>).CloudWatchMetrics).toEqual([
      {
        Namespace: 'AutoNACL',
        Dimensions: [['VpcId']],
        Metrics: [
          { Name: 'BlockedSourceIPs', Unit: 'Count' },
          { Name: 'AclEntryChanges', Unit: 'Count' },
          { Name: 'FlowLogDeliveryLag', Unit: 'Seconds' },
        ],
      },
    ]);
    expect(documents[0]).toMatchObject({ VpcId: OPTIONS.vpcId, BlockedSourceIPs: 18, AclEntryChanges: [1, 1], FlowLogDeliveryLag: 312.5 });
    expect(documents[0]!.service).toBeUndefined();
  });

  it('writes each log line as JSON with level, message, service, the vpcId key, the Lambda context and the fields', () => {
    // Prepare
    const written = standardOutput();

    // Act
    oneInvocation(powertoolsTelemetry(OPTIONS));

    // Assess
    const logs = written.filter((line) => 'level' in line);
    expect(logs.map((line) => [line.level, line.message])).toEqual([
      ['INFO', 'anomaly message applied'],
      ['WARN', 'allow-list line skipped'],
      ['ERROR', 'audit log write failed (the blocks are in place)'],
    ]);
    expect(logs[0]).toMatchObject({
      service: 'nacl-updater',
      vpcId: OPTIONS.vpcId,
      function_name: 'flood-guard-updater',
      function_request_id: 'request-1',
      placed: 2,
      sources: ['198.51.100.1'],
    });
    expect(logs[2]!.error).toMatchObject({ name: 'TypeError', message: 'stream gone', stack: expect.stringContaining('stream gone') });
  });

  it('writes nothing at a flush when the invocation added no metric', () => {
    // Prepare
    const written = standardOutput();
    const telemetry = powertoolsTelemetry({ serviceName: 'network-facts', metricsNamespace: 'AutoNACL' });

    // Act
    telemetry.beginInvocation();
    telemetry.flush();

    // Assess
    expect(written).toEqual([]);
  });

  it('marks the first invocation of an on-demand container as the cold start, and only that one', () => {
    // Prepare: Powertools reads the initialization type when the telemetry is created (at cold start)
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const capture = new TelemetryCapture();
    const telemetry = capture.telemetry(OPTIONS);

    // Act
    for (const awsRequestId of ['request-1', 'request-2']) {
      telemetry.beginInvocation({ functionName: 'flood-guard-updater', awsRequestId });
      telemetry.logger.info('run');
    }

    // Assess
    expect(capture.logs.map((log) => [log.entry.function_request_id, log.entry.cold_start])).toEqual([
      ['request-1', true],
      ['request-2', false],
    ]);
  });
});

describe('telemetry capture', () => {
  it('records exactly the JSON Powertools writes to standard output, log lines and EMF documents alike', () => {
    // Prepare
    const written = standardOutput();
    const capture = new TelemetryCapture();

    // Act
    const failure = new TypeError('stream gone');
    oneInvocation(powertoolsTelemetry(OPTIONS), failure);
    oneInvocation(capture.telemetry(OPTIONS), failure);

    // Assess
    const recorded = [...capture.logs.map((log) => log.entry), ...capture.flushes.map((flush) => flush.document)];
    expect(recorded.map(withoutTimes)).toEqual(written.map(withoutTimes));
    expect(written).toHaveLength(4);
  });

  it('gives every value of a metric as a data point, and sums them per invocation', () => {
    // Prepare
    const capture = new TelemetryCapture(() => 1_000);
    const telemetry = capture.telemetry(OPTIONS);

    // Act
    oneInvocation(telemetry);
    telemetry.metrics.add('AclEntryChanges', 3);
    telemetry.flush();

    // Assess
    expect(capture.metrics.filter((m) => m.name === 'AclEntryChanges').map((m) => [m.at, m.value, m.dimensions])).toEqual([
      [1_000, 1, { VpcId: OPTIONS.vpcId }],
      [1_000, 1, { VpcId: OPTIONS.vpcId }],
      [1_000, 3, { VpcId: OPTIONS.vpcId }],
    ]);
    expect(capture.metricValues()).toEqual([
      { BlockedSourceIPs: 18, AclEntryChanges: 2, FlowLogDeliveryLag: 312.5 },
      { AclEntryChanges: 3 },
    ]);
    expect(capture.lastMetricValues()).toEqual({ AclEntryChanges: 3 });
  });
});

describe('telemetry capture lines', () => {
  it('gives each line as level, message and the fields of the call, without the keys added to every line', () => {
    // Prepare
    const capture = new TelemetryCapture();

    // Act
    oneInvocation(capture.telemetry(OPTIONS));

    // Assess
    expect(capture.lines()).toEqual([
      { level: 'INFO', message: 'anomaly message applied', fields: { placed: 2, sources: ['198.51.100.1'] } },
      { level: 'WARN', message: 'allow-list line skipped', fields: { line: 4, text: 'not-an-address' } },
      {
        level: 'ERROR',
        message: 'audit log write failed (the blocks are in place)',
        fields: { error: { name: 'TypeError', location: expect.any(String), message: 'stream gone', stack: expect.any(String) } },
      },
    ]);
  });
});

describe('instrumented', () => {
  it('flushes the metrics of an invocation that throws, and rethrows', async () => {
    // Prepare
    const capture = new TelemetryCapture();
    const telemetry = capture.telemetry(OPTIONS);

    // Act
    const run = instrumented(telemetry, undefined, async () => {
      telemetry.metrics.add('AllowListReadFailures', 1);
      throw new Error('allow list unavailable');
    });

    // Assess
    await expect(run).rejects.toThrow('allow list unavailable');
    expect(capture.metricValues()).toEqual([{ AllowListReadFailures: 1 }]);
  });

  it('returns what the invocation returns, with its metrics flushed once', async () => {
    const capture = new TelemetryCapture();
    const telemetry = capture.telemetry(OPTIONS);

    const result = await instrumented(telemetry, { awsRequestId: 'request-9' }, async () => {
      telemetry.metrics.add('MessagesIgnored', 2);
      telemetry.logger.info('done');
      return 'applied';
    });

    expect(result).toBe('applied');
    expect(capture.metricValues()).toEqual([{ MessagesIgnored: 2 }]);
    expect(capture.logs[0]?.entry.function_request_id).toBe('request-9');
  });
});
