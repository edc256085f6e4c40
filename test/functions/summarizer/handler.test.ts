import { createHash } from 'node:crypto';
import { GetQueryResultsCommand, LimitExceededException, StartQueryCommand, StopQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { QueryCommand, ThrottlingException as QueryThrottlingException } from '@aws-sdk/client-timestream-query';
import { RejectedRecordsException, ThrottlingException, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { parseAnomalyMessage, type AnomalyMessage } from '../../../core/anomaly-message';
import { buildBinQuery, buildMinuteStatisticsQuery } from '../../../core/insights-query';
import { buildAnomalyQuery, buildBaselineQuery } from '../../../core/zscore-query';
import { SUMMARIZER_METRIC_NAMES } from '../../../functions/summarizer/metrics';
import { JUDGE_RESERVE_MS, POST_QUERY_RESERVE_MS } from '../../../functions/summarizer/run';
import { HANG_STEP_MS } from '../../../simulation/hung-calls';
import type { TimestreamStandIn } from '../../../simulation/timestream/stand-in';
import { statisticsOfBins } from '../../../core/packet-bins';
import { logLines, runMetrics } from '../../support/output';
import { FaultInjector } from '../../support/sdk';
import {
  lambdaContext,
  M29,
  M30,
  M32,
  M33,
  REQUERIED,
  makeHandler,
  minute,
  mockSummarizerSdk,
  NOW,
  packetBinStore,
  scriptInsights,
  writtenRecords,
  type Row,
} from '../../support/summarizer';

const WINDOW_START = minute(11, 34);
const QUIET: Row[] = Array.from({ length: 30 }, (_, i) => [`198.51.100.${i}`, String(100 + ((i * 17) % 60)), '240000']);

const mocks = mockSummarizerSdk();

function publishedMessage(): AnomalyMessage {
  const calls = mocks.sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const parsed = parseAnomalyMessage(calls[0]?.args[0].input.Message as string);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.message;
}

const baselinePage = (binCount: string, mean: string | null, sd: string | null) => ({
  QueryId: 'b',
  ColumnInfo: [
    { Name: 'bin_count', Type: { ScalarType: 'BIGINT' as const } },
    { Name: 'mean', Type: { ScalarType: 'DOUBLE' as const } },
    { Name: 'standard_deviation', Type: { ScalarType: 'DOUBLE' as const } },
  ],
  Rows: [
    {
      Data: [
        { ScalarValue: binCount },
        mean === null ? { NullValue: true } : { ScalarValue: mean },
        sd === null ? { NullValue: true } : { ScalarValue: sd },
      ],
    },
  ],
});

const anomalyColumns = [
  { Name: 'source_ip', Type: { ScalarType: 'VARCHAR' as const } },
  { Name: 'max_z_score', Type: { ScalarType: 'DOUBLE' as const } },
  { Name: 'max_packets', Type: { ScalarType: 'BIGINT' as const } },
];

/** Stores one minute as a run would: its statistics, and its bins above the floor as candidates. */
async function storeMinute(store: TimestreamStandIn, minuteMs: number, rows: readonly Row[], floor = 12_000): Promise<void> {
  const bins = rows.map(([ip, p]) => ({ sourceIp: ip, minuteStartMs: minuteMs, packets: Number(p) }));
  const stats = statisticsOfBins(bins);
  const record = (source: string, measure: string, value: string) => ({
    Dimensions: [{ Name: 'source_ip', Value: source }],
    MeasureName: measure,
    MeasureValueType: 'BIGINT' as const,
    MeasureValue: value,
    Time: String(minuteMs),
    Version: 1,
  });
  const records = [
    record('*', 'bin_count', String(stats.binCount)),
    record('*', 'packet_sum', String(stats.packetSum)),
    record('*', 'packet_square_sum', String(stats.packetSquareSum)),
    ...bins.filter((b) => b.packets > floor).map((b) => record(b.sourceIp, 'packets', String(b.packets))),
  ];
  await store.writeRecords({ DatabaseName: 'floodguard', TableName: 'packet_bins', Records: records });
}

/** Timestream answers for runs whose store behaviour is not under test. */
function quietStore(h: ReturnType<typeof makeHandler>): void {
  mocks.write.on(WriteRecordsCommand).resolves({ RecordsIngested: { Total: 1 } });
  mocks.query
    .on(QueryCommand, { QueryString: buildBaselineQuery({ database: 'floodguard', table: 'packet_bins', windowStartMs: WINDOW_START }) })
    .resolves(baselinePage('1800', '120.0', '15.0'));
  mocks.query
    .on(QueryCommand, {
      QueryString: buildAnomalyQuery({
        database: 'floodguard',
        table: 'packet_bins',
        windowStartMs: WINDOW_START,
        minZScore: h.config.minZScore,
        minPacketsPerBin: h.config.minPacketsPerBin,
        maxAnomalies: h.config.maxAnomalies,
      }),
    })
    .resolves({ QueryId: 'a', ColumnInfo: anomalyColumns, Rows: [] });
}

describe('summarizer handler, end to end over the Timestream stand-in', () => {
  it('bins the re-queried minutes, upserts them, judges the window and publishes the verdict', async () => {
    // Prepare: 56 quiet minutes already stored, then the four re-queried minutes of flow logs with two floods.
    const clock = { now: NOW };
    const store = await packetBinStore(clock, 7);
    const h = makeHandler({}, { timestream: store }, clock);
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    for (let m = minute(11, 34); m < M33; m += 60_000) if (!REQUERIED.includes(m)) await storeMinute(store, m, QUIET);
    scriptInsights(mocks.logs, {
      [M29]: { rows: QUIET },
      [M30]: { statuses: ['Running', 'Complete'], rows: QUIET },
      [M32]: { statuses: ['Scheduled', 'Running', 'Complete'], rows: [['2001:db8:ffff::9', '60000', '301000'], ...QUIET] },
      [M33]: { rows: [['203.0.113.66', '90000', '280000'], ...QUIET] },
    });

    // Act
    const result = await h.handler(h.event(), lambdaContext());

    // Assess: the message
    const message = publishedMessage();
    expect(result).toEqual({ generatedAt: new Date(NOW).toISOString(), complete: true, anomalies: 2 });
    expect(message).toMatchObject({
      version: 1,
      generatedAt: '2026-11-25T12:34:16.789Z',
      vpcId: 'vpc-0123456789abcdef0',
      window: { start: '2026-11-25T11:34:00.000Z', minutes: 60, binSeconds: 60 },
      thresholds: { minZScore: 3, minPacketsPerBin: 12_000 },
      complete: true,
    });
    expect(message.anomalies.map((a) => [a.sourceIp, a.maxPackets])).toEqual([
      ['203.0.113.66', 90_000],
      ['2001:db8:ffff::9', 60_000],
    ]);
    // Baseline recomputed independently from every bin of the window (60 quiet minutes, two floods).
    const packets = [...Array.from({ length: 60 }, () => QUIET.map(([, p]) => Number(p))).flat(), 60_000, 90_000];
    const mean = packets.reduce((s, p) => s + p, 0) / packets.length;
    const sd = Math.sqrt(packets.reduce((s, p) => s + (p - mean) ** 2, 0) / packets.length);
    expect(message.baseline.binCount).toBe(30 * 60 + 2);
    expect(message.baseline.mean).toBeCloseTo(mean, 9);
    expect(message.baseline.standardDeviation).toBeCloseTo(sd, 9);
    expect(message.baseline.anomalyThreshold).toBeCloseTo(mean + 3 * sd, 6);
    expect(message.anomalies[0]?.maxZScore).toBeCloseTo((90_000 - mean) / sd, 9);

    // Assess: the stored values carry the run time as their version: the candidate bin and the
    // minute's statistics over all its bins; quiet bins (under the floor) are not stored one by one.
    const stored = store.storedRecords('floodguard', 'packet_bins').filter((r) => r.timeMs === M33);
    const quietSum = QUIET.reduce((sum, [, p]) => sum + Number(p), 0);
    const quietSquares = QUIET.reduce((sum, [, p]) => sum + BigInt(p as string) ** 2n, 0n);
    expect(stored).toEqual([
      { dimensions: { source_ip: '*' }, measureName: 'bin_count', timeMs: M33, value: 31n, version: NOW },
      { dimensions: { source_ip: '*' }, measureName: 'packet_sum', timeMs: M33, value: BigInt(quietSum + 90_000), version: NOW },
      { dimensions: { source_ip: '*' }, measureName: 'packet_square_sum', timeMs: M33, value: quietSquares + 90_000n ** 2n, version: NOW },
      { dimensions: { source_ip: '203.0.113.66' }, measureName: 'packets', timeMs: M33, value: 90_000n, version: NOW },
    ]);

    // Assess: the Insights queries
    expect(mocks.logs.commandCalls(StartQueryCommand).map((c) => c.args[0].input)).toEqual(
      REQUERIED.map((m) => ({
        logGroupName: '/flood-guard/flow-logs',
        startTime: m / 1000,
        endTime: m / 1000 + 59,
        queryString: buildBinQuery(h.config),
        limit: 10_000,
      })),
    );
    expect(mocks.logs.commandCalls(StopQueryCommand)).toHaveLength(0);

    // Assess: the metrics, every summarizer metric with VpcId as the only dimension
    const metrics = runMetrics(h.telemetry);
    expect(metrics.namespace).toBe('AutoNACL');
    expect(metrics.dimensions).toEqual({ sets: [['VpcId']], VpcId: 'vpc-0123456789abcdef0' });
    expect(Object.keys(metrics.values).sort()).toEqual([...SUMMARIZER_METRIC_NAMES].sort());
    expect(metrics.values).toMatchObject({
      UniqueSourceIPs: 32,
      OutlierSourceIPs: 2,
      SummarizerRuns: 1,
      IncompleteRuns: 0,
      FlowLogDeliveryLag: 301,
      InsightsQueriesIncomplete: 0,
      InsightsResultsCapped: 0,
      InsightsRowsRejected: 0,
      InsightsBytesScanned: 4000,
      BinRecordsRejected: 0,
      BinWriteFailures: 0,
    });
    expect(metrics.values.PacketBinAverage).toBeCloseTo(mean, 6);
    expect(metrics.units).toMatchObject({ FlowLogDeliveryLag: 'Seconds', InsightsBytesScanned: 'Bytes', UniqueSourceIPs: 'Count' });
  });

  it('a later run re-writes a bin that grew with late records, with a newer version', async () => {
    // Prepare
    const clock = { now: NOW };
    const store = await packetBinStore(clock);
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '1000' }, { timestream: store }, clock);
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm' });
    scriptInsights(mocks.logs, { [M33]: { rows: [['203.0.113.66', '5000']] } });
    await h.handler(h.event(), lambdaContext());
    mocks.logs.reset();
    scriptInsights(mocks.logs, { [M33]: { rows: [['203.0.113.66', '7500']] } });

    // Act: 30 s later, more of minute 12:33 has been delivered.
    h.clock.now = NOW + 30_000;
    await h.handler(h.event(), lambdaContext());

    // Assess
    const atM33 = store.storedRecords('floodguard', 'packet_bins').filter((r) => r.timeMs === M33);
    expect(atM33).toEqual([
      { dimensions: { source_ip: '*' }, measureName: 'bin_count', timeMs: M33, value: 1n, version: NOW + 30_000 },
      { dimensions: { source_ip: '*' }, measureName: 'packet_sum', timeMs: M33, value: 7500n, version: NOW + 30_000 },
      { dimensions: { source_ip: '*' }, measureName: 'packet_square_sum', timeMs: M33, value: 7500n ** 2n, version: NOW + 30_000 },
      { dimensions: { source_ip: '203.0.113.66' }, measureName: 'packets', timeMs: M33, value: 7500n, version: NOW + 30_000 },
    ]);
  });
});

describe('summarizer handler: Logs Insights', () => {
  it.each(['Failed', 'Timeout', 'Cancelled', 'Unknown'])(
    'a query that ends %s contributes no bins and makes the run incomplete',
    async (status) => {
      // Prepare
      const h = makeHandler();
      quietStore(h);
      mocks.sns.on(PublishCommand).resolves({});
      scriptInsights(mocks.logs, {
        [M29]: { rows: QUIET },
        [M30]: { rows: QUIET },
        [M32]: { statuses: ['Running', status], rows: [['203.0.113.66', '90000']] },
        [M33]: { rows: QUIET },
      });

      // Act
      await h.handler(h.event(), lambdaContext());

      // Assess
      const written = writtenRecords(mocks.write);
      expect(written.map((r) => r.Time)).not.toContain(String(M32));
      expect(written.map((r) => [r.MeasureName, r.Time])).toEqual(
        [M29, M30, M33].flatMap((m) => ['bin_count', 'packet_sum', 'packet_square_sum'].map((measure) => [measure, String(m)])),
      );
      expect(publishedMessage().complete).toBe(false);
      expect(runMetrics(h.telemetry).values).toMatchObject({ InsightsQueriesIncomplete: 1, IncompleteRuns: 1, SummarizerRuns: 1 });
      expect(logLines(h.telemetry).filter((l) => l.message === 'Insights query did not complete')).toEqual([
        expect.objectContaining({ level: 'WARN', queryId: `q-${M32 / 1000}`, minuteStart: new Date(M32).toISOString(), status }),
      ]);
    },
  );

  it('stops queries still running at the deadline; their minutes are incomplete', async () => {
    // Prepare: 13 s left, 9.1 s of it reserved for writing, judging and publishing: 3.9 s for Insights.
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    mocks.logs.on(StopQueryCommand).resolves({ success: true });
    scriptInsights(mocks.logs, { [M30]: { rows: QUIET }, [M32]: { statuses: ['Running'] }, [M33]: { statuses: ['Scheduled'] } });

    // Act
    await h.handler(h.event(), lambdaContext(13_000));

    // Assess
    expect(mocks.logs.commandCalls(StopQueryCommand).map((c) => c.args[0].input)).toEqual([
      { queryId: `q-${M32 / 1000}` },
      { queryId: `q-${M33 / 1000}` },
    ]);
    // Polls back off (500, 750, 1125 ms ...) and the last wait ends exactly at the deadline.
    expect(h.sleeps.slice(0, 3)).toEqual([500, 750, 1125]);
    expect(h.clock.now - NOW).toBe(13_000 - POST_QUERY_RESERVE_MS);
    expect(publishedMessage().complete).toBe(false);
    expect(runMetrics(h.telemetry).values.InsightsQueriesIncomplete).toBe(2);
  });

  it('a StartQuery refused with LimitExceededException leaves that minute incomplete, counted', async () => {
    // Prepare
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, { [M30]: { rows: QUIET }, [M33]: { rows: QUIET } });
    mocks.logs
      .on(StartQueryCommand, { startTime: M32 / 1000 })
      .rejects(new LimitExceededException({ message: 'Account maximum query concurrency limit of [30] reached.', $metadata: {} }));

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(mocks.logs.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.queryId)).not.toContain(`q-${M32 / 1000}`);
    expect(runMetrics(h.telemetry).values).toMatchObject({ InsightsQueriesIncomplete: 1, IncompleteRuns: 1 });
    expect(logLines(h.telemetry).find((l) => l.message === 'Insights query not started')?.reason).toMatch(/LimitExceededException/);
  });

  it('keeps at most 10 queries running at once', async () => {
    // Prepare: a reach of 60 minutes: 12 minutes to re-query in this first-half run (ages 1, 2, 4,
    // 7, 11, 16, 22, 29, 37, 46, 56, 60), each needing two polls.
    const h = makeHandler({ REQUERY_MINUTES: '60' });
    mocks.write.on(WriteRecordsCommand).resolves({});
    mocks.query.on(QueryCommand).resolves({ QueryId: 'x', ColumnInfo: [], Rows: [] });
    mocks.sns.on(PublishCommand).resolves({});
    const script: Record<number, { statuses: string[] }> = {};
    for (let i = 1; i <= 60; i++) script[minute(12, 34) - i * 60_000] = { statuses: ['Running', 'Complete'] };
    const insights = scriptInsights(mocks.logs, script);

    // Act
    await h.handler(h.event(), lambdaContext(120_000));

    // Assess
    expect(mocks.logs.commandCalls(StartQueryCommand)).toHaveLength(12);
    expect(insights.maxRunning()).toBe(10);
    expect(runMetrics(h.telemetry).values.InsightsQueriesIncomplete).toBe(0);
  });

  it("a result at the 10,000-row cap: the minute's statistics come from the statistics query, its largest talkers are the candidates", async () => {
    // Prepare: 25,000 sources at 12:32, of which Insights lists the 10,000 largest.
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    const capped: Row[] = Array.from({ length: 10_000 }, (_, i) => [
      `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      String(100_000 - i),
    ]);
    const statistics = { binCount: '25000', packetSum: '1012345678', packetSquareSum: '987654321012345' };
    scriptInsights(mocks.logs, {
      [M29]: { rows: QUIET },
      [M30]: { rows: QUIET },
      [M32]: { rows: capped, statistics: { statuses: ['Running', 'Complete'], row: statistics, bytesScanned: 5000 } },
      [M33]: { rows: QUIET },
    });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess: one statistics query, for the capped minute only, over the same time range.
    const starts = mocks.logs.commandCalls(StartQueryCommand).map((c) => c.args[0].input);
    expect(starts.filter((i) => i.queryString === buildMinuteStatisticsQuery(h.config))).toEqual([
      {
        logGroupName: '/flood-guard/flow-logs',
        startTime: M32 / 1000,
        endTime: M32 / 1000 + 59,
        queryString: buildMinuteStatisticsQuery(h.config),
        limit: 10_000,
      },
    ]);
    const atM32 = writtenRecords(mocks.write).filter((r) => r.Time === String(M32));
    expect(atM32.filter((r) => r.MeasureName !== 'packets').map((r) => [r.MeasureName, r.MeasureValue])).toEqual([
      ['bin_count', '25000'],
      ['packet_sum', '1012345678'],
      ['packet_square_sum', '987654321012345'],
    ]);
    expect(atM32.filter((r) => r.MeasureName === 'packets')).toHaveLength(10_000);
    const metrics = runMetrics(h.telemetry).values;
    // Four bin queries of 1,000 bytes each and the statistics query's 5,000.
    expect(metrics).toMatchObject({ InsightsResultsCapped: 1, IncompleteRuns: 0, UniqueSourceIPs: 25_000, InsightsBytesScanned: 9000 });
    expect(publishedMessage().complete).toBe(true);
  });

  it.each([
    ['ends Failed', { statuses: ['Failed'] }],
    ['has an inexact sum of squares', { row: { binCount: '25000', packetSum: '10', packetSquareSum: '1.5E17' } }],
    ['counts fewer bins than were listed', { row: { binCount: '9000', packetSum: '10', packetSquareSum: '100' } }],
  ])('a capped minute whose statistics query %s is incomplete: nothing of it is written', async (_what, statistics) => {
    // Prepare
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    const capped: Row[] = Array.from({ length: 10_000 }, (_, i) => [
      `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      String(100_000 - i),
    ]);
    scriptInsights(mocks.logs, { [M32]: { rows: capped, statistics } });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(writtenRecords(mocks.write).filter((r) => r.Time === String(M32))).toEqual([]);
    expect(writtenRecords(mocks.write, 'bin_count').map((r) => r.Time)).toEqual([M29, M30, M33].map(String));
    expect(runMetrics(h.telemetry).values).toMatchObject({ InsightsResultsCapped: 1, IncompleteRuns: 1 });
    expect(publishedMessage().complete).toBe(false);
  });

  it('follows nextToken pages of a Complete result', async () => {
    // Prepare
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, { [M30]: { rows: [] }, [M33]: { rows: [] } });
    const id = `q-${M32 / 1000}`;
    mocks.logs.on(GetQueryResultsCommand, { queryId: id }).resolves({
      status: 'Complete',
      results: [
        [
          { field: 'srcAddr', value: '192.0.2.1' },
          { field: 'binPackets', value: '5' },
        ],
      ],
      nextToken: 'page-2',
      statistics: { bytesScanned: 10 },
    });
    mocks.logs.on(GetQueryResultsCommand, { queryId: id, nextToken: 'page-2' }).resolves({
      status: 'Complete',
      results: [
        [
          { field: 'srcAddr', value: '192.0.2.2' },
          { field: 'binPackets', value: '6' },
        ],
      ],
    });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(
      mocks.logs
        .commandCalls(GetQueryResultsCommand)
        .map((c) => c.args[0].input)
        .filter((i) => i.queryId === id),
    ).toEqual([{ queryId: id }, { queryId: id, nextToken: 'page-2' }]);
    expect(writtenRecords(mocks.write, 'packets').map((r) => r.Dimensions?.[0]?.Value)).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('rejects malformed rows (missing field, non-numeric packets, invalid address): logged, counted, run incomplete', async () => {
    // Prepare
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, {
      [M30]: { rows: QUIET },
      [M32]: {
        rows: [
          ['203.0.113.1', undefined],
          ['203.0.113.2', 'many'],
          ['999.1.2.3', '500'],
          ['203.0.113.3', '700'],
        ],
      },
      [M33]: { rows: QUIET },
    });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(
      writtenRecords(mocks.write, 'packets')
        .filter((r) => r.Time === String(M32))
        .map((r) => [r.Dimensions?.[0]?.Value, r.MeasureValue]),
    ).toEqual([['203.0.113.3', '700']]);
    expect(runMetrics(h.telemetry).values).toMatchObject({ InsightsRowsRejected: 3, IncompleteRuns: 1 });
    const log = logLines(h.telemetry).find((l) => l.message === 'Insights rows rejected');
    expect(log).toMatchObject({
      level: 'WARN',
      rejected: 3,
      byReason: { 'missing packets': 1, 'invalid packets': 1, 'invalid source address': 1 },
    });
    expect(publishedMessage().complete).toBe(false);
  });

  it('drops VPC-internal sources (IPv4 and IPv6) the query should have excluded, without calling the data incomplete', async () => {
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, {
      [M30]: {
        rows: [
          ['10.0.7.7', '90000'],
          ['2001:db8:1234:1aff::1', '90000'],
          ['192.0.2.9', '5'],
        ],
      },
    });

    await h.handler(h.event(), lambdaContext());

    expect(writtenRecords(mocks.write, 'packets').map((r) => r.Dimensions?.[0]?.Value)).toEqual(['192.0.2.9']);
    expect(
      writtenRecords(mocks.write, 'bin_count')
        .filter((r) => r.Time === String(M30))
        .map((r) => r.MeasureValue),
    ).toEqual(['1']);
    expect(runMetrics(h.telemetry).values).toMatchObject({ InsightsRowsRejected: 2, IncompleteRuns: 0 });
  });
});

describe('summarizer handler: writing bins to Timestream', () => {
  it("writes each minute's statistics and its candidate bins as BIGINT records, versioned by run time, at most 100 per request", async () => {
    // Prepare: 250 sources in one minute, all above a floor of 0; the three other minutes are empty.
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    const rows: Row[] = Array.from({ length: 250 }, (_, i) => [`192.0.2.${i}`, String(1000 + i)]);
    scriptInsights(mocks.logs, { [M33]: { rows } });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    const calls = mocks.write.commandCalls(WriteRecordsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Records?.length)).toEqual([100, 100, 62]);
    const statistic = (m: number, measure: string, value: string) => ({
      Dimensions: [{ Name: 'source_ip', Value: '*' }],
      MeasureName: measure,
      MeasureValue: value,
      Time: String(m),
    });
    const sum = rows.reduce((total, [, p]) => total + Number(p), 0);
    const squares = rows.reduce((total, [, p]) => total + BigInt(p as string) ** 2n, 0n);
    expect(calls[0]).toEqual({
      DatabaseName: 'floodguard',
      TableName: 'packet_bins',
      CommonAttributes: { MeasureValueType: 'BIGINT', TimeUnit: 'MILLISECONDS', Version: NOW },
      Records: [
        ...[M29, M30, M32].flatMap((m) => [
          statistic(m, 'bin_count', '0'),
          statistic(m, 'packet_sum', '0'),
          statistic(m, 'packet_square_sum', '0'),
        ]),
        statistic(M33, 'bin_count', '250'),
        statistic(M33, 'packet_sum', String(sum)),
        statistic(M33, 'packet_square_sum', String(squares)),
        ...rows.slice(0, 88).map(([ip, p]) => ({
          Dimensions: [{ Name: 'source_ip', Value: ip }],
          MeasureName: 'packets',
          MeasureValue: p,
          Time: String(M33),
        })),
      ],
    });
  });

  it('writes at most 8 requests at a time', async () => {
    // Prepare: 1,988 candidate bins and 12 statistics = 20 requests, each held open until the test lets go.
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    let inFlight = 0;
    let maxInFlight = 0;
    mocks.write.on(WriteRecordsCommand).callsFake(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return {};
    });
    scriptInsights(mocks.logs, { [M33]: { rows: Array.from({ length: 1988 }, (_, i): Row => [`100.64.${i >> 8}.${i & 255}`, '1']) } });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(mocks.write.commandCalls(WriteRecordsCommand)).toHaveLength(20);
    expect(maxInFlight).toBe(8);
  });

  it('a request still throttled after the SDK retries is a failed batch: counted, logged, run incomplete, verdict still published', async () => {
    // Prepare
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    mocks.write
      .on(WriteRecordsCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }))
      .resolves({});
    scriptInsights(mocks.logs, { [M30]: { rows: QUIET }, [M32]: { rows: QUIET } });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(runMetrics(h.telemetry).values).toMatchObject({
      BinWriteFailures: 1,
      BinRecordsRejected: 0,
      IncompleteRuns: 1,
      SummarizerRuns: 1,
    });
    expect(logLines(h.telemetry).filter((l) => l.level === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'packet-bin write failed',
        records: 12,
        error: expect.objectContaining({ name: 'ThrottlingException' }),
      }),
    ]);
    expect(publishedMessage().complete).toBe(false);
  });

  it('RejectedRecords: losing to a newer version is fine; any other rejection is counted and logged', async () => {
    // Prepare: records 0-11 are the statistics of the four minutes, 12-14 the candidate bins.
    const h = makeHandler({ MIN_PACKETS_PER_BIN: '0' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    const rows: Row[] = [
      ['192.0.2.1', '10'],
      ['192.0.2.2', '20'],
      ['192.0.2.3', '30'],
    ];
    scriptInsights(mocks.logs, { [M33]: { rows } });
    mocks.write.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        message: 'One or more records have been rejected.',
        $metadata: {},
        RejectedRecords: [
          { RecordIndex: 12, Reason: 'A record with a higher version exists', ExistingVersion: NOW + 30_000 },
          { RecordIndex: 14, Reason: 'The record timestamp is outside the time range of the memory store.' },
        ],
      }),
    );

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(runMetrics(h.telemetry).values).toMatchObject({ BinRecordsRejected: 1, BinWriteFailures: 0, IncompleteRuns: 1 });
    expect(logLines(h.telemetry).find((l) => l.message === 'packet-bin record rejected')).toMatchObject({
      measure: 'packets',
      sourceIp: '192.0.2.3',
      value: '30',
      reason: expect.stringMatching(/memory store/),
    });
  });

  it('only version losses: the run is still complete', async () => {
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, { [M33]: { rows: [['192.0.2.1', '10']] } });
    mocks.write.on(WriteRecordsCommand).rejects(
      new RejectedRecordsException({
        message: 'rejected',
        $metadata: {},
        RejectedRecords: [{ RecordIndex: 0, Reason: 'version', ExistingVersion: NOW }],
      }),
    );

    await h.handler(h.event(), lambdaContext());

    expect(runMetrics(h.telemetry).values).toMatchObject({ BinRecordsRejected: 0, IncompleteRuns: 0 });
    expect(publishedMessage().complete).toBe(true);
  });
});

describe('summarizer handler: the Z-score query', () => {
  it('follows NextToken through every page with the same query string', async () => {
    // Prepare
    const h = makeHandler();
    mocks.write.on(WriteRecordsCommand).resolves({});
    mocks.sns.on(PublishCommand).resolves({});
    scriptInsights(mocks.logs, {});
    const opts = { database: 'floodguard', table: 'packet_bins', windowStartMs: WINDOW_START };
    const baselineSql = buildBaselineQuery(opts);
    const anomalySql = buildAnomalyQuery({ ...opts, minZScore: 3, minPacketsPerBin: 12_000, maxAnomalies: 100 });
    mocks.query.on(QueryCommand, { QueryString: baselineSql }).resolves(baselinePage('5000', '150.0', '4000.0'));
    mocks.query
      .on(QueryCommand, { QueryString: anomalySql })
      .resolvesOnce({ QueryId: 'a', ColumnInfo: anomalyColumns, Rows: [], NextToken: 't1' })
      .resolvesOnce({
        QueryId: 'a',
        ColumnInfo: anomalyColumns,
        Rows: [{ Data: [{ ScalarValue: '203.0.113.66' }, { ScalarValue: '22.4625' }, { ScalarValue: '90000' }] }],
        NextToken: 't2',
      })
      .resolvesOnce({
        QueryId: 'a',
        ColumnInfo: anomalyColumns,
        Rows: [{ Data: [{ ScalarValue: '2001:db8::9' }, { ScalarValue: '14.9625' }, { ScalarValue: '60000' }] }],
      });

    // Act
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(mocks.query.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      { QueryString: baselineSql },
      { QueryString: anomalySql },
      { QueryString: anomalySql, NextToken: 't1' },
      { QueryString: anomalySql, NextToken: 't2' },
    ]);
    const message = publishedMessage();
    expect(message.anomalies).toEqual([
      { sourceIp: '203.0.113.66', maxZScore: 22.4625, maxPackets: 90_000 },
      { sourceIp: '2001:db8::9', maxZScore: 14.9625, maxPackets: 60_000 },
    ]);
    expect(message.baseline).toEqual({ mean: 150, standardDeviation: 4000, binCount: 5000, anomalyThreshold: 12_150 });
    const input = mocks.sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:flood-guard-anomalies.fifo');
    // The FIFO topic's one message group, and a deduplication id from the body: a retried publish is delivered once.
    expect(input?.MessageGroupId).toBe('nacl-writes');
    expect(input?.MessageDeduplicationId).toBe(
      createHash('sha256')
        .update(input?.Message ?? '')
        .digest('hex'),
    );
  });

  it('an empty store means "no anomalies": null baseline, zero metrics, no crash', async () => {
    // Prepare
    const h = makeHandler();
    mocks.sns.on(PublishCommand).resolves({});
    mocks.query.on(QueryCommand).resolves({ QueryId: 'x', ColumnInfo: [], Rows: [] });
    mocks.query
      .on(QueryCommand, { QueryString: buildBaselineQuery({ database: 'floodguard', table: 'packet_bins', windowStartMs: WINDOW_START }) })
      .resolves(baselinePage('0', null, null));
    scriptInsights(mocks.logs, {});

    // Act
    const result = await h.handler(h.event(), lambdaContext());

    // Assess
    expect(result.anomalies).toBe(0);
    expect(publishedMessage()).toMatchObject({
      baseline: { mean: null, standardDeviation: null, binCount: 0, anomalyThreshold: null },
      anomalies: [],
      complete: true,
    });
    // Four empty minutes: their statistics say so (nothing else to write).
    expect(writtenRecords(mocks.write).map((r) => [r.MeasureName, r.MeasureValue])).toEqual(
      REQUERIED.flatMap(() => [
        ['bin_count', '0'],
        ['packet_sum', '0'],
        ['packet_square_sum', '0'],
      ]),
    );
    expect(runMetrics(h.telemetry).values).toMatchObject({
      PacketBinAverage: 0,
      PacketBinStandardDeviation: 0,
      PacketBinAnomalyThreshold: 0,
      OutlierSourceIPs: 0,
      UniqueSourceIPs: 0,
      FlowLogDeliveryLag: 0,
    });
  });

  it('a failed Z-score query publishes nothing and fails the invocation after the metrics are written', async () => {
    // Prepare
    const h = makeHandler();
    mocks.write.on(WriteRecordsCommand).resolves({});
    mocks.query.on(QueryCommand).rejects(new QueryThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    scriptInsights(mocks.logs, { [M33]: { rows: QUIET } });

    // Act
    const invocation = h.handler(h.event(), lambdaContext());

    // Assess
    await expect(invocation).rejects.toThrow(/Rate exceeded/);
    expect(mocks.sns.commandCalls(PublishCommand)).toHaveLength(0);
    const metrics = runMetrics(h.telemetry).values;
    expect(metrics).toMatchObject({ SummarizerRuns: 0, IncompleteRuns: 1, UniqueSourceIPs: 30 });
    expect(metrics).not.toHaveProperty('PacketBinAverage');
    expect(logLines(h.telemetry).filter((l) => l.level === 'ERROR')).toEqual([
      expect.objectContaining({
        message: 'Z-score query failed; no verdict published',
        error: expect.objectContaining({ name: 'ThrottlingException', message: 'Rate exceeded' }),
      }),
    ]);
  });

  it('a result without the expected columns is a failed Z-score query, not a guess', async () => {
    const h = makeHandler();
    mocks.write.on(WriteRecordsCommand).resolves({});
    mocks.query.on(QueryCommand).resolves({
      QueryId: 'x',
      ColumnInfo: [{ Name: 'avg', Type: { ScalarType: 'DOUBLE' } }],
      Rows: [{ Data: [{ ScalarValue: '1.0' }] }],
    });
    scriptInsights(mocks.logs, {});

    await expect(h.handler(h.event(), lambdaContext())).rejects.toThrow(/no column bin_count/);
    expect(mocks.sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('a failed publish fails the invocation, with SummarizerRuns 0', async () => {
    const h = makeHandler();
    quietStore(h);
    mocks.sns.on(PublishCommand).rejects(new Error('SNS unavailable'));
    scriptInsights(mocks.logs, {});

    await expect(h.handler(h.event(), lambdaContext())).rejects.toThrow('SNS unavailable');
    expect(runMetrics(h.telemetry).values).toMatchObject({ SummarizerRuns: 0, OutlierSourceIPs: 0 });
  });
});

describe('summarizer handler: a brand-new Timestream table', () => {
  /** The handler over a Timestream stand-in whose table has never received a record; WriteRecords calls counted. */
  async function freshStore(): Promise<{
    h: ReturnType<typeof makeHandler>;
    store: TimestreamStandIn;
    faults: FaultInjector;
    writes: () => number;
  }> {
    const clock = { now: NOW };
    const store = await packetBinStore(clock);
    const faults = new FaultInjector();
    let writes = 0;
    faults.observe(() => writes++, WriteRecordsCommand);
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm' });
    return { h: makeHandler({}, { timestream: store, faults }, clock), store, faults, writes: () => writes };
  }

  it('before any bin was written, a run writes the schema record once and still publishes a verdict', async () => {
    // Prepare: a table that has never received a record, and Insights queries that all fail, so
    // the runs write no minute statistics that would create the columns.
    const { h, store, writes } = await freshStore();
    scriptInsights(mocks.logs, Object.fromEntries([...REQUERIED, minute(12, 34)].map((m) => [m, { statuses: ['Failed'] }])));

    // Act: two runs of the same container.
    const first = await h.handler(h.event(), lambdaContext());
    h.clock.now = NOW + 30_000;
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(first).toEqual({ generatedAt: new Date(NOW).toISOString(), complete: false, anomalies: 0 });
    expect(store.storedRecords('floodguard', 'packet_bins')).toEqual([
      { dimensions: { source_ip: '0.0.0.0' }, measureName: 'schema', timeMs: minute(12, 34), value: 0n, version: 1 },
    ]);
    expect(writes()).toBe(1);
    const calls = mocks.sns.commandCalls(PublishCommand).map((c) => parseAnomalyMessage(c.args[0].input.Message as string));
    expect(calls.map((c) => c.ok && c.message.baseline)).toEqual([
      { mean: null, standardDeviation: null, binCount: 0, anomalyThreshold: null },
      { mean: null, standardDeviation: null, binCount: 0, anomalyThreshold: null },
    ]);
  });

  it('the schema record is never counted as a bin', async () => {
    // Prepare: the schema record exists, then real bins arrive.
    const { h } = await freshStore();
    scriptInsights(mocks.logs, {});
    await h.handler(h.event(), lambdaContext());
    mocks.logs.reset();
    mocks.sns.resetHistory();
    scriptInsights(mocks.logs, { [M33]: { rows: QUIET } });

    // Act
    h.clock.now = NOW + 30_000;
    await h.handler(h.event(), lambdaContext());

    // Assess
    expect(publishedMessage().baseline.binCount).toBe(QUIET.length);
  });

  it('when the schema record cannot be written, the ValidationException fails the run and nothing is published', async () => {
    // Prepare
    const { h, faults } = await freshStore();
    faults.fail(WriteRecordsCommand, () => new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));
    scriptInsights(mocks.logs, {});

    // Act
    const invocation = h.handler(h.event(), lambdaContext());

    // Assess
    await expect(invocation).rejects.toThrow(/Query failed/);
    expect(mocks.sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(logLines(h.telemetry).filter((l) => l.message.startsWith('schema record write failed'))).toEqual([
      expect.objectContaining({ level: 'WARN', error: expect.objectContaining({ name: 'ThrottlingException', message: 'slow down' }) }),
    ]);
  });
});

describe('summarizer handler: a bin write that never answers', () => {
  it("is aborted at the run's write deadline, counted failed, and the run still publishes an incomplete verdict", async () => {
    // Prepare: a client without timeouts (the deadline alone ends the call); the one batch of the run hangs
    const clock = { now: NOW };
    const store = await packetBinStore(clock);
    const faults = new FaultInjector();
    const h = makeHandler({}, { timestream: store, faults }, clock);
    faults.hang(WriteRecordsCommand, h.hangClock, 1);
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm' });
    scriptInsights(mocks.logs, { [M30]: { rows: QUIET }, [M32]: { rows: QUIET }, [M33]: { rows: QUIET } });

    // Act
    const result = await h.handler(h.event(), lambdaContext());

    // Assess
    const writeDeadline = NOW + 25_000 - JUDGE_RESERVE_MS;
    const failed = h.telemetry.logs.filter((l) => l.message === 'packet-bin write failed');
    expect(failed.map((l) => (l.fields.error as Error).name)).toEqual(['AbortError']);
    expect(failed[0]?.at).toBeGreaterThanOrEqual(writeDeadline);
    expect(failed[0]?.at).toBeLessThan(writeDeadline + HANG_STEP_MS);
    expect(result.complete).toBe(false);
    expect(runMetrics(h.telemetry).values).toMatchObject({ BinWriteFailures: 1, IncompleteRuns: 1, SummarizerRuns: 1 });
  });
});

describe('summarizer handler: the event the schedule sends', () => {
  it('plans a second run from its run number and its execution start, though it wakes in the first half of the next minute', async () => {
    // Prepare: the execution started at 12:33:40; its first run took 6 s, so the second wakes at 12:34:16.789
    const h = makeHandler({ REQUERY_MINUTES: '5', WINDOW_MINUTES: '60' });
    quietStore(h);
    mocks.sns.on(PublishCommand).resolves({ MessageId: 'm' });
    scriptInsights(mocks.logs, {});

    // Act
    await h.handler({ source: 'nacl-flood-guard.schedule', run: 2, executionStartTime: '2026-11-25T12:33:40.000Z' }, lambdaContext());

    // Assess: ages 1 and 5 from 12:33 (12:32 and 12:28), not the first-run ages from 12:34
    const started = mocks.logs.commandCalls(StartQueryCommand).map((c) => (c.args[0].input.startTime as number) * 1000);
    expect(started.sort()).toEqual([minute(12, 28), minute(12, 32)]);
  });

  it.each([
    [{}, /source: .*\n.*run: expected 1 or 2\n.*executionStartTime/],
    [{ source: 'nacl-flood-guard.schedule', run: 3, executionStartTime: '2026-11-25T12:34:00Z' }, /run: expected 1 or 2/],
    [{ source: 'nacl-flood-guard.schedule', run: 1, executionStartTime: 'noon' }, /executionStartTime: expected an ISO 8601 time/],
    [{ source: 'nacl-flood-guard.schedule', run: 1, executionStartTime: '2026-11-25T12:29:00Z' }, /more than 5 minutes ago/],
  ])('rejects %j with a clear error, logged, before any query', async (event, message) => {
    // Prepare
    const h = makeHandler();
    scriptInsights(mocks.logs, {});

    // Act / Assess
    await expect(h.handler(event, lambdaContext())).rejects.toThrow(message);
    expect(
      logLines(h.telemetry)
        .filter((l) => l.level === 'ERROR')
        .map((l) => l.message),
    ).toEqual(['summarizer event rejected']);
    expect(mocks.logs.commandCalls(StartQueryCommand)).toHaveLength(0);
    expect(mocks.sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
