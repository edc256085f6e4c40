import type { GetQueryResultsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseNetwork, type Network } from '../../../core/addresses';
import type { FlowRecord } from '../../../core/flow-log-format';
import { buildBinQuery, INSIGHTS_RESULT_LIMIT } from '../../../core/insights-query';
import type { AclEntry } from '../../../core/nacl-plan';
import { flowLogEvent } from '../../../simulation/flow-log-events';
import type { LogEvent } from '../../../simulation/logs-insights/log-groups';
import { LogsInsightsStandIn } from '../../../simulation/logs-insights/stand-in';
import { parseReplayArgs, UsageError } from '../../../tools/replay/args';
import { jsonDocument, runCli } from '../../../tools/replay/cli';
import { formatTimeline } from '../../../tools/replay/replay';
import { renderReport } from '../../../tools/replay/report';
import type { ReplayResult } from '../../../tools/replay/result';
import {
  batchDelayMs,
  deliveryLine,
  DeliveryDelays,
  describeDelay,
  parseDelaySpec,
  type DelaySpec,
} from '../../../tools/replay/delivery-delay';
import { deliverUntil, ReplayInput, type SimulatedPipeline } from '../../../tools/replay/engine';

const REQUIRED = ['--flow-logs', 'x.log', '--port', '443', '--protocol', 'tcp', '--vpc-cidr', '10.0.0.0/16'];

describe('delivery delay specs', () => {
  it.each([
    ['0', { kind: 'fixed', ms: 0 }, '0'],
    ['5m', { kind: 'fixed', ms: 300_000 }, '5m'],
    ['90s', { kind: 'fixed', ms: 90_000 }, '90s'],
    ['1.5m', { kind: 'fixed', ms: 90_000 }, '90s'],
    ['250ms', { kind: 'fixed', ms: 250 }, '250ms'],
    ['uniform:min=1m,max=9m', { kind: 'uniform', minMs: 60_000, maxMs: 540_000 }, 'uniform:min=1m,max=9m'],
    ['lognormal:median=5m,p99=9m', { kind: 'lognormal', medianMs: 300_000, p99Ms: 540_000 }, 'lognormal:median=5m,p99=9m'],
    ['LogNormal:p99=600s,median=300s', { kind: 'lognormal', medianMs: 300_000, p99Ms: 600_000 }, 'lognormal:median=5m,p99=10m'],
  ])('reads %s', (text, spec, canonical) => {
    // Act
    const parsed = parseDelaySpec(text);

    // Assess
    expect(parsed).toEqual(spec);
    expect(describeDelay(parsed)).toBe(canonical);
  });

  it.each([
    ['5', 'no unit'],
    ['five minutes', 'not a duration'],
    ['-5m', 'not a duration'],
    ['25h', 'more than 24h'],
    ['normal:median=5m,p99=9m', 'unknown distribution "normal"'],
    ['lognormal:median=5m', 'lacks p99'],
    ['lognormal:median=5m,p99=4m', 'p99 must be above median'],
    ['lognormal:median=0,p99=4m', 'median must be above 0'],
    ['lognormal:median=5m,p99=9m,p50=5m', '"p50=5m" is not one of median=<duration>, p99=<duration>'],
    ['uniform:min=9m,max=1m', 'max is below min'],
  ])('rejects %s, naming the value, why and the accepted forms', (text, why) => {
    // Act
    const parse = () => parseDelaySpec(text);

    // Assess
    expect(parse).toThrow(`"${text}"`);
    expect(parse).toThrow(why);
    expect(parse).toThrow('lognormal:median=<duration>,p99=<duration>');
  });

  it('turns a bad --delivery-delay or --seed into a usage error and exit status 2', async () => {
    // Arrange
    let stderr = '';
    const sink = new Writable({ write: (chunk, _enc, done) => done(void (stderr += String(chunk))) }) as unknown as NodeJS.WriteStream;

    // Act
    const code = await runCli([...REQUIRED, '--delivery-delay', 'soon'], { stdout: sink, stderr: sink } as unknown as Parameters<
      typeof runCli
    >[1]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('--delivery-delay "soon" is not a delay');
    expect(stderr).toContain('uniform:min=<duration>,max=<duration>');
    expect(() => parseReplayArgs([...REQUIRED, '--seed', 'x'])).toThrow(UsageError);
  });

  it('takes the delay and the seed from the command line, and none by default', () => {
    // Act
    const given = parseReplayArgs([...REQUIRED, '--delivery-delay', 'lognormal:median=5m,p99=9m', '--seed', '42']);
    const plain = parseReplayArgs(REQUIRED);

    // Assess
    expect(given).toMatchObject({ deliveryDelay: { kind: 'lognormal', medianMs: 300_000, p99Ms: 540_000 }, seed: 42 });
    expect(plain?.deliveryDelay).toBeUndefined();
    expect(new DeliveryDelays(plain?.deliveryDelay, plain?.seed).delayMs(1_768_467_600)).toBe(0);
  });
});

describe('delays drawn per delivery batch', () => {
  const minutes = Array.from({ length: 20_000 }, (_, i) => 29_000_000 + i);
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))] as number;

  it('draws a lognormal with the median and 99th percentile asked for', () => {
    // Arrange
    const spec = parseDelaySpec('lognormal:median=5m,p99=9m');

    // Act
    const delays = minutes.map((m) => batchDelayMs(spec, 7, m));

    // Assess
    expect(quantile(delays, 0.5) / 300_000).toBeCloseTo(1, 1);
    expect(quantile(delays, 0.99) / 540_000).toBeCloseTo(1, 1);
    expect(Math.min(...delays)).toBeGreaterThan(0);
  });

  it('draws uniform delays within their bounds', () => {
    // Act
    const delays = minutes.map((m) => batchDelayMs(parseDelaySpec('uniform:min=1m,max=9m'), 7, m));

    // Assess
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(60_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(540_000);
    expect(quantile(delays, 0.5) / 300_000).toBeCloseTo(1, 1);
  });

  it('gives every record of a minute the same delay, the same for the same seed whatever the order, another for another seed', () => {
    // Arrange
    const spec: DelaySpec = parseDelaySpec('lognormal:median=5m,p99=9m');
    const forward = new DeliveryDelays(spec, 3);
    const backward = new DeliveryDelays(spec, 3);
    const otherSeed = new DeliveryDelays(spec, 4);
    const ends = Array.from({ length: 600 }, (_, i) => 1_768_467_600 + i);

    // Act
    const a = ends.map((end) => forward.delayMs(end));
    const b = [...ends]
      .reverse()
      .map((end) => backward.delayMs(end))
      .reverse();
    const c = ends.map((end) => otherSeed.delayMs(end));

    // Assess
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(10);
    expect(new Set(a.slice(0, 60)).size).toBe(1);
    expect(c).not.toEqual(a);
    expect(forward.summary()).toMatchObject({ delay: 'lognormal:median=5m,p99=9m', seed: 3, batches: 10 });
  });
});

describe('visibility of delayed records to Logs Insights', () => {
  const MINUTE_MS = Date.UTC(2026, 0, 15, 9, 0);
  const GROUP = '/replay/flow-logs';
  const VPC: Network[] = [parseNetwork('10.0.0.0/16') as Network];
  const record: FlowRecord = {
    srcAddr: '203.0.113.9',
    dstPort: 443,
    protocol: 6,
    packets: 20_000,
    start: MINUTE_MS / 1000 + 5,
    end: MINUTE_MS / 1000 + 55,
    action: 'ACCEPT',
    flowDirection: 'ingress',
  };

  /** A pipeline that only delivers to a Logs Insights stand-in whose clock the test sets. */
  function world(delays?: DeliveryDelays) {
    let now = MINUTE_MS;
    const insights = new LogsInsightsStandIn({ now: () => now });
    insights.createLogGroup(GROUP);
    const pipeline = { deliver: (events: readonly LogEvent[]) => insights.deliver(GROUP, events) } as unknown as SimulatedPipeline;
    const input = new ReplayInput({ listeners: [{ port: 443, protocol: 6 }] });
    input.add([record]);
    // The subnets' own ACL: everything allowed, so the record is delivered as ACCEPT.
    const allowAll: AclEntry[] = [{ ruleNumber: 100, egress: false, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' }];
    deliverUntil(input, pipeline, allowAll, 0, record.start * 1000, delays);
    const packetsAt = async (atMs: number): Promise<number> => {
      now = atMs;
      const { queryId } = await insights.startQuery({
        logGroupName: GROUP,
        startTime: MINUTE_MS / 1000,
        endTime: MINUTE_MS / 1000 + 59,
        queryString: buildBinQuery({ listeners: [{ port: 443, protocol: 6 }], vpcNetworks: VPC }),
        limit: INSIGHTS_RESULT_LIMIT,
      });
      let result: GetQueryResultsCommandOutput;
      do result = await insights.getQueryResults({ queryId });
      while (result.status === 'Running' || result.status === 'Scheduled');
      const row = result.results?.[0];
      return Number(row?.find((f) => f.field === 'binPackets')?.value ?? 0);
    };
    return { packetsAt };
  }

  it('keeps a record out of every query until its delay after its end has passed', async () => {
    // Arrange
    const { packetsAt } = world(new DeliveryDelays(parseDelaySpec('3m')));
    const arrival = record.end * 1000 + 180_000;

    // Act
    const before = await packetsAt(arrival - 1_000);
    const at = await packetsAt(arrival);

    // Assess
    expect(before).toBe(0);
    expect(at).toBe(20_000);
  });

  it('without a delay, delivers the record as before: visible once its end has passed', async () => {
    // Arrange
    const { packetsAt } = world();
    const { packetsAt: zero } = world(new DeliveryDelays(parseDelaySpec('0')));

    // Act
    const counts = [await packetsAt(record.end * 1000 - 1_000), await packetsAt(record.end * 1000)];
    const zeroCounts = [await zero(record.end * 1000 - 1_000), await zero(record.end * 1000)];

    // Assess
    expect(counts).toEqual([0, 20_000]);
    expect(zeroCounts).toEqual(counts);
    expect(flowLogEvent(record, new DeliveryDelays().delayMs(record.end))).toEqual(flowLogEvent(record));
  });
});

describe('the delay that applied, as the outputs state it', () => {
  const delays = new DeliveryDelays(parseDelaySpec('lognormal:median=5m,p99=9m'), 5);
  for (let end = 1_768_467_600; end < 1_768_467_600 + 600; end += 60) delays.delayMs(end);
  const result: ReplayResult = {
    runs: [],
    notifications: [],
    traffic: [],
    timeline: [],
    warnings: [],
    blockedEntries: [],
    summary: {
      mode: 'block',
      input: {
        files: 1,
        skippedFiles: 0,
        skipped: [],
        records: 10,
        skippedNoData: 0,
        skippedSkipData: 0,
        malformedLines: 0,
        firstRecord: null,
        lastRecord: null,
      },
      runs: 0,
      firstRun: null,
      lastRun: null,
      anomalousSources: 0,
      blockedNetworks: 0,
      neverBlocked: [],
      maxConcurrentRules: 0,
      backOnOriginalAclAt: null,
      delivery: delays.summary(),
      settings: { deliveryDelay: delays.summary().delay, seed: 5 },
    },
  };

  it('names the delay, the seed and the delays drawn in the timeline, the JSON and the HTML report', async () => {
    // Act
    const timeline = formatTimeline(result);
    const json = JSON.parse(jsonDocument(result)) as { summary: ReplayResult['summary'] };
    const html = await renderReport(result);

    // Assess
    expect(timeline).toMatch(
      /Flow-log delivery delay: lognormal:median=5m,p99=9m, one draw per minute of records \(10 batches: \d+-\d+ s, median \d+ s, seed 5\)/,
    );
    expect(json.summary.delivery).toMatchObject({ delay: 'lognormal:median=5m,p99=9m', seed: 5, batches: 10 });
    expect(json.summary.delivery?.minSeconds).toBeLessThanOrEqual(json.summary.delivery?.maxSeconds ?? 0);
    expect(html).toContain('<p id="delivery">Flow-log delivery delay: lognormal:median=5m,p99=9m');
  });

  it('says when no delay applied', () => {
    // Act
    const line = deliveryLine(new DeliveryDelays().summary());

    // Assess
    expect(line).toBe('Flow-log delivery delay: 0 (records visible to Logs Insights once their aggregation interval ends).');
  });
});
