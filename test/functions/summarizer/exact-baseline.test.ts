/**
 * Capability: an exact baseline at any number of sources. The real handler runs over the Logs
 * Insights stand-in (executing the query text, with its 10,000-row cap) and the Timestream
 * stand-in (executing the SQL in DuckDB); the verdict must equal an independent computation over
 * EVERY bin, also when a minute has far more than 10,000 sources.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAnomalyMessage, type AnomalyMessage } from '../../../core/anomaly-message';
import { buildMinuteStatisticsQuery } from '../../../core/insights-query';
import { flowLogEvent } from '../../../simulation/flow-log-events';
import { parseInsightsQuery } from '../../../simulation/logs-insights/query-language';
import { LogsInsightsStandIn } from '../../../simulation/logs-insights/stand-in';
import { TimestreamStandIn } from '../../../simulation/timestream/stand-in';
import type { FlowRecord } from '../../../core/flow-log-format';
import { FLOW_LOG_GROUP as GROUP, flowRecord } from '../../support/builders';
import { lambdaContext, makeHandler, mockSummarizerSdk, NOW } from '../../support/summarizer';

const MINUTE_MS = 60_000;
const END = NOW - (NOW % MINUTE_MS);

const { sns } = mockSummarizerSdk();
let store: TimestreamStandIn | undefined;
afterEach(() => store?.close());

function flow(srcAddr: string, packets: number, minuteStartMs: number): FlowRecord {
  return flowRecord(minuteStartMs / 1000, { srcAddr, packets, end: minuteStartMs / 1000 + 35 });
}

/** `count` distinct sources in 100.64.0.0/10 with small, varied bins; two sources add a flood. */
function minuteOfTraffic(
  minuteStartMs: number,
  count: number,
  floods: readonly [string, number][],
): { records: FlowRecord[]; bins: Map<string, number> } {
  const bins = new Map<string, number>();
  const records: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const packets = 1 + ((i * 7919 + minuteStartMs / MINUTE_MS) % 400);
    records.push(flow(ip, packets, minuteStartMs));
    bins.set(ip, packets);
  }
  for (const [ip, packets] of floods) {
    records.push(flow(ip, packets, minuteStartMs));
    bins.set(ip, packets);
  }
  return { records, bins };
}

function reference(allBins: readonly number[]): { mean: number; sd: number } {
  const mean = allBins.reduce((s, p) => s + p, 0) / allBins.length;
  return { mean, sd: Math.sqrt(allBins.reduce((s, p) => s + (p - mean) ** 2, 0) / allBins.length) };
}

async function runOverStandIns(minutes: readonly { minuteStartMs: number; records: FlowRecord[] }[]) {
  const clock = { now: NOW };
  const insights = new LogsInsightsStandIn({ now: () => clock.now });
  insights.createLogGroup(GROUP);
  for (const m of minutes)
    insights.deliver(
      GROUP,
      m.records.map((r) => flowLogEvent(r, 1000)),
    );
  store = await TimestreamStandIn.create({ now: () => clock.now, pageSize: 1000 });
  store.createTable('floodguard', 'packet_bins');
  const h = makeHandler({ MIN_PACKETS_PER_BIN: '12000' }, { insights, timestream: store }, clock);
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  await h.handler(h.event(), lambdaContext());
  const published = parseAnomalyMessage(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message as string);
  if (!published.ok) throw new Error(published.reason);
  return { message: published.message as AnomalyMessage, insights, config: h.config };
}

describe('exact baseline beyond the 10,000-row cap', () => {
  it('25,000 sources in a minute: count, mean and sd over every bin; the floods found with their exact Z-scores', async () => {
    // Prepare: three of the re-queried minutes; 12:32 has 25,000 sources (capped), 12:30 and 12:33 3,000.
    const m30 = minuteOfTraffic(END - 4 * MINUTE_MS, 3_000, []);
    const m32 = minuteOfTraffic(END - 2 * MINUTE_MS, 25_000, [
      ['203.0.113.66', 90_000],
      ['2001:db8:ffff::9', 60_000],
    ]);
    const m33 = minuteOfTraffic(END - 1 * MINUTE_MS, 3_000, []);
    const allBins = [m30, m32, m33].flatMap((m) => [...m.bins.values()]);
    const expected = reference(allBins);

    // Act
    const { message, insights, config } = await runOverStandIns([
      { minuteStartMs: END - 4 * MINUTE_MS, records: m30.records },
      { minuteStartMs: END - 2 * MINUTE_MS, records: m32.records },
      { minuteStartMs: END - MINUTE_MS, records: m33.records },
    ]);

    // Assess
    expect(insights.startedQueries.filter((q) => q === buildMinuteStatisticsQuery(config))).toHaveLength(1);
    expect(message.baseline.binCount).toBe(allBins.length);
    expect(Math.abs((message.baseline.mean as number) - expected.mean) / expected.mean).toBeLessThan(1e-12);
    expect(Math.abs((message.baseline.standardDeviation as number) - expected.sd) / expected.sd).toBeLessThan(1e-12);
    expect(message.anomalies.map((a) => a.sourceIp)).toEqual(['203.0.113.66', '2001:db8:ffff::9']);
    expect(message.anomalies[0]?.maxZScore).toBeCloseTo((90_000 - expected.mean) / expected.sd, 9);
    expect(message.complete).toBe(true);
  });
});

describe('Logs Insights stand-in: chained stats as documented', () => {
  it('executes the minute-statistics query: count, sum and sum of squares of the per-source bins', async () => {
    // Prepare
    const h = makeHandler();
    const now = { ms: END + 5 * MINUTE_MS };
    const insights = new LogsInsightsStandIn({ now: () => now.ms });
    insights.createLogGroup(GROUP);
    const minute = END - MINUTE_MS;
    insights.deliver(
      GROUP,
      [
        flow('198.51.100.1', 100, minute),
        flow('198.51.100.1', 50, minute),
        flow('198.51.100.2', 7, minute),
        flow('10.0.0.9', 1000, minute),
      ].map((r) => flowLogEvent(r)),
    );

    // Act
    const { queryId } = await insights.startQuery({
      logGroupName: GROUP,
      startTime: minute / 1000,
      endTime: minute / 1000 + 59,
      queryString: buildMinuteStatisticsQuery(h.config),
    });
    let result = await insights.getQueryResults({ queryId });
    while (result.status !== 'Complete') result = await insights.getQueryResults({ queryId });

    // Assess: bins 150 and 7 (the VPC source excluded).
    expect(result.results).toEqual([
      [
        { field: 'binCount', value: '2' },
        { field: 'packetSum', value: '157' },
        { field: 'packetSquareSum', value: String(150 ** 2 + 7 ** 2) },
      ],
    ]);
  });

  it.each([
    ['three stats commands', 'stats count(*) as a by x | stats count(*) as b by a | stats count(*) as c'],
    ['a field the first stats did not define', 'stats sum(packets) as p by srcAddr | stats sum(bytes) as b'],
    ['sort before the second stats', 'stats sum(packets) as p by srcAddr | sort p desc | stats count(*) as n'],
    ['limit before the second stats', 'stats sum(packets) as p by srcAddr | limit 5 | stats count(*) as n'],
  ])('refuses %s', (_what, query) => {
    expect(() => parseInsightsQuery(query)).toThrow(/stand-in cannot run the query/);
  });
});
