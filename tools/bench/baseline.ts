import type { GetQueryResultsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { parseNetwork, type Network } from '../../core/addresses';
import { buildBinQuery, buildMinuteStatisticsQuery, INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';
import { parseMinuteRows, parseStatisticsRows, statisticsOfBins, type InsightsRow, type MinuteStatistics } from '../../core/packet-bins';
import { flowLogEvent } from '../../simulation/flow-log-events';
import { LogsInsightsStandIn } from '../../simulation/logs-insights/stand-in';

/**
 * Baseline accuracy at a given number of sources in one minute, through the Logs Insights
 * stand-in with its 10,000-row cap: ours (minute statistics from the chained-stats query when
 * capped, candidates from the bin query) and the reference (mean and sd of the rows it got).
 */
export interface BaselineMeasurement {
  readonly sources: number;
  readonly truth: { readonly mean: number; readonly sd: number; readonly anomalous: number };
  readonly ours: { readonly relativeError: { readonly mean: number; readonly sd: number }; readonly recall: number };
  readonly reference: { readonly relativeError: { readonly mean: number; readonly sd: number }; readonly recall: number };
}

const GROUP = '/bench/flow-logs';
const MINUTE_MS = Date.UTC(2026, 0, 15, 9, 0);
const VPC: Network[] = [parseNetwork('10.0.0.0/16') as Network];
const QUERY_OPTIONS = { listeners: [{ port: 443, protocol: 6 as const }], vpcNetworks: VPC };
export const MIN_Z = 3;
export const FLOOR = 12_000;

function sourceAddress(i: number): string {
  return `${11 + Math.floor(i / 65_536)}.${(i >> 8) & 255}.${i & 255}.7`;
}

/** Steady bins of 1-400 packets; `floods` sources at 13,000-20,000. */
export function minuteBins(sources: number, floods: number): Map<string, number> {
  const bins = new Map<string, number>();
  for (let i = 0; i < sources; i++)
    bins.set(sourceAddress(i), i < floods ? 13_000 + Math.floor((7_000 * i) / Math.max(1, floods - 1)) : 1 + ((i * 7919) % 400));
  return bins;
}

function moments(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

/** Mean and sd from count, sum and sum of squares, exactly (bigint), as the store's SQL does. */
export function momentsOfStatistics(stats: MinuteStatistics): { mean: number; sd: number } {
  const n = BigInt(stats.binCount);
  const s = BigInt(stats.packetSum);
  const scale = 10n ** 12n;
  const mean = Number((s * scale) / n) / 1e12;
  const variance = Number(((n * stats.packetSquareSum - s * s) * scale) / (n * n)) / 1e12;
  return { mean, sd: Math.sqrt(variance) };
}

function anomalousSources(bins: Iterable<[string, number]>, mean: number, sd: number): Set<string> {
  const out = new Set<string>();
  if (sd > 0) for (const [ip, p] of bins) if ((p - mean) / sd > MIN_Z && p > FLOOR) out.add(ip);
  return out;
}

async function runQuery(insights: LogsInsightsStandIn, queryString: string): Promise<InsightsRow[]> {
  const { queryId } = await insights.startQuery({
    logGroupName: GROUP,
    startTime: MINUTE_MS / 1000,
    endTime: MINUTE_MS / 1000 + 59,
    queryString,
    limit: INSIGHTS_RESULT_LIMIT,
  });
  let result: GetQueryResultsCommandOutput;
  do result = await insights.getQueryResults({ queryId });
  while (result.status === 'Running' || result.status === 'Scheduled');
  if (result.status !== 'Complete') throw new Error(`query ended ${result.status}`);
  return result.results ?? [];
}

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

export async function measureBaseline(sources: number, floods: number): Promise<BaselineMeasurement> {
  const bins = minuteBins(sources, floods);
  const insights = new LogsInsightsStandIn({ now: () => MINUTE_MS + 10 * 60_000 });
  insights.createLogGroup(GROUP);
  const start = MINUTE_MS / 1000 + 5;
  insights.deliver(
    GROUP,
    [...bins].map(([srcAddr, packets]) =>
      flowLogEvent(
        { srcAddr, dstPort: 443, protocol: 6, packets, start, end: start + 30, action: 'ACCEPT', flowDirection: 'ingress' },
        1000,
      ),
    ),
  );
  const truth = moments([...bins.values()]);
  const trulyAnomalous = anomalousSources(bins, truth.mean, truth.sd);

  const rows = await runQuery(insights, buildBinQuery(QUERY_OPTIONS));
  const listed = parseMinuteRows(rows, MINUTE_MS, VPC).bins;
  // Reference: the rows it got are all it knows.
  const ref = moments(listed.map((b) => b.packets));
  const refFound = anomalousSources(
    listed.map((b) => [b.sourceIp, b.packets]),
    ref.mean,
    ref.sd,
  );
  // Ours: exact statistics (from the statistics query when capped); candidates from the rows.
  const capped = rows.length >= INSIGHTS_RESULT_LIMIT;
  const parsed = capped
    ? parseStatisticsRows(await runQuery(insights, buildMinuteStatisticsQuery(QUERY_OPTIONS)))
    : { ok: true as const, statistics: statisticsOfBins(listed) };
  if (!parsed.ok) throw new Error(parsed.reason);
  const ours = momentsOfStatistics(parsed.statistics);
  const ourFound = anomalousSources(
    listed.filter((b) => b.packets > FLOOR).map((b) => [b.sourceIp, b.packets]),
    ours.mean,
    ours.sd,
  );
  const recall = (found: Set<string>) =>
    trulyAnomalous.size === 0 ? 1 : [...trulyAnomalous].filter((ip) => found.has(ip)).length / trulyAnomalous.size;
  return {
    sources,
    truth: { ...truth, anomalous: trulyAnomalous.size },
    ours: { relativeError: { mean: relative(ours.mean, truth.mean), sd: relative(ours.sd, truth.sd) }, recall: recall(ourFound) },
    reference: { relativeError: { mean: relative(ref.mean, truth.mean), sd: relative(ref.sd, truth.sd) }, recall: recall(refFound) },
  };
}
