import { createHash } from 'node:crypto';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { TelemetryLogger } from '../common/telemetry';
import type { AnomalyMessage } from '../../core/anomaly-message';
import { buildBinQuery, buildMinuteStatisticsQuery, INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';
import type { BinWriteOutcome, PacketBinStore } from '../../core/packet-bin-store';
import { listenerLabel } from '../../core/listeners';
import {
  parseListenerStatisticsRows,
  parseMinuteRows,
  parseStatisticsRows,
  statisticsOfBins,
  summarizeMinute,
  type MinuteStatistics,
  type MinuteSummary,
  type PacketBin,
  type RowRejection,
} from '../../core/packet-bins';
import { BIN_MS, planRun, type RunWindow, type ScheduledRun } from '../../core/run-window';
import { buildVerdict } from '../../core/verdict';
import { longestCallMs } from '../common/client-options';
import { SUMMARIZER_CALLS, VERDICT_MESSAGE_GROUP_ID, type SummarizerConfig } from './contract';
import { queryMinutes, type MinuteQueryOutcome } from './insights';
import type { SummarizerMetricValues } from './metrics';

/**
 * Time kept back after the bin writes for the store's window reads and the publish: the longest
 * one hung call can take (contract.ts, SUMMARIZER_CALLS) plus 2 s for the calls that answer. The
 * writes end by then: none starts later, and those in flight are aborted (write-budget.ts).
 */
export const JUDGE_RESERVE_MS = longestCallMs(SUMMARIZER_CALLS) + 2_000;

/**
 * Time kept back from the Insights phase: the writes get at least 1 s, then the judging reserve.
 * A StartQuery begun just before the Insights deadline may hang the longest call and still end
 * before the reserve's last 2 s. With the stack's 25 s timeout the Insights queries get about
 * 16 s, several times what a one-minute query takes.
 */
export const POST_QUERY_RESERVE_MS = JUDGE_RESERVE_MS + 1_000;

export interface RunDeps {
  readonly config: SummarizerConfig;
  readonly logs: CloudWatchLogsClient;
  readonly store: PacketBinStore;
  readonly sns: SNSClient;
  readonly logger: TelemetryLogger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** An AbortSignal aborted when `now()` reaches `atMs`: a timer on the run's clock. */
  readonly signalAt: (atMs: number) => AbortSignal;
  /**
   * Minutes earlier runs of this container could not store (query not Complete, write failed),
   * re-queried by every run until stored or older than the re-query span. Without it the by-age
   * schedule would leave a minute missed during an outage unseen until it reaches the oldest age.
   */
  readonly retryMinutes?: Set<number>;
}

export interface RunReport {
  readonly window: RunWindow;
  /** The published message; absent when the Z-score query or the publish failed. */
  readonly message?: AnomalyMessage;
  readonly metrics: SummarizerMetricValues;
  /** Why the run could not publish a verdict; the handler rethrows it after flushing metrics. */
  readonly error?: Error;
}

interface BinsFromQueries {
  /** Minutes whose statistics are known (from their bins, or from the statistics query when capped). */
  readonly minutes: MinuteSummary[];
  readonly rejections: RowRejection[];
  readonly incompleteMinutes: number;
  readonly cappedMinutes: number;
  readonly maxLagMs: number | undefined;
  readonly bytesScanned: number;
  /** Distinct sources among the bins read, or the largest minute's count when a result was capped. */
  readonly uniqueSources: number;
}

interface ParsedOutcome {
  readonly minuteStartMs: number;
  readonly bins: readonly PacketBin[];
  readonly capped: boolean;
}

/** A minute's statistics per listener label. */
type ListenerStatistics = ReadonlyMap<string, MinuteStatistics>;

/**
 * One summary per listener of a minute (every listener, an empty one too, so a rewrite never
 * leaves an older fuller minute standing), or undefined when the statistics cannot be trusted:
 * fewer bins counted than the bin query listed for some listener.
 */
function listenerSummaries(deps: RunDeps, parsed: ParsedOutcome, stats: ListenerStatistics): MinuteSummary[] | undefined {
  const { listeners, minPacketsPerBin } = deps.config;
  const summaries: MinuteSummary[] = [];
  for (const listener of listeners) {
    const label = listenerLabel(listener);
    const bins = listeners.length === 1 ? parsed.bins : parsed.bins.filter((bin) => bin.listener === label);
    const statistics = stats.get(label);
    // Fewer bins in the statistics than rows listed: the two queries disagree; trust neither.
    if (statistics === undefined || statistics.binCount < bins.length) {
      if (statistics)
        deps.logger.warn('minute statistics count fewer bins than the bin query listed; minute left incomplete', {
          minuteStart: new Date(parsed.minuteStartMs).toISOString(),
          listener: label,
          statistics: statistics.binCount,
          listed: bins.length,
        });
      return undefined;
    }
    summaries.push(summarizeMinute(parsed.minuteStartMs, bins, statistics, minPacketsPerBin, label));
  }
  return summaries;
}

/** Statistics of an uncapped minute, from its bins: per listener. */
function statisticsFromBins(deps: RunDeps, bins: readonly PacketBin[]): ListenerStatistics {
  const { listeners } = deps.config;
  return new Map(
    listeners.map((listener) => {
      const label = listenerLabel(listener);
      return [label, statisticsOfBins(listeners.length === 1 ? bins : bins.filter((bin) => bin.listener === label))];
    }),
  );
}

/**
 * Bins only from Complete queries: a partial minute must never overwrite a fuller one. A minute
 * under the 10,000-row cap has all its bins, so its statistics are computed from them; a capped
 * one (only its largest talkers listed) gets them from the statistics query, and is incomplete if
 * that query does not complete. Each listener of a minute is summarized on its own; a minute is
 * stored for all its listeners or left incomplete.
 */
async function collectMinutes(deps: RunDeps, outcomes: readonly MinuteQueryOutcome[], deadlineMs: number): Promise<BinsFromQueries> {
  const { config } = deps;
  const rejections: RowRejection[] = [];
  const parsed: ParsedOutcome[] = [];
  let incompleteMinutes = 0;
  let bytesScanned = 0;
  let maxLagMs: number | undefined;
  for (const outcome of outcomes) {
    bytesScanned += outcome.bytesScanned;
    if (!('rows' in outcome)) {
      incompleteMinutes++;
      continue;
    }
    const minute = parseMinuteRows(outcome.rows, outcome.minuteStartMs, config.vpcNetworks, config.listeners);
    parsed.push({ minuteStartMs: outcome.minuteStartMs, bins: minute.bins, capped: outcome.rows.length >= INSIGHTS_RESULT_LIMIT });
    rejections.push(...minute.rejections);
    if (minute.maxLagMs !== undefined) maxLagMs = Math.max(maxLagMs ?? minute.maxLagMs, minute.maxLagMs);
  }
  const capped = parsed.filter((p) => p.capped);
  const statistics = await cappedMinuteStatistics(
    deps,
    capped.map((p) => p.minuteStartMs),
    deadlineMs,
  );
  bytesScanned += statistics.bytesScanned;
  const minutes: MinuteSummary[] = [];
  const largestByMinute: number[] = [];
  for (const p of parsed) {
    const stats = p.capped ? statistics.byMinute.get(p.minuteStartMs) : statisticsFromBins(deps, p.bins);
    const summaries = stats === undefined ? undefined : listenerSummaries(deps, p, stats);
    if (summaries === undefined) incompleteMinutes++;
    else {
      minutes.push(...summaries);
      largestByMinute.push(Math.max(0, ...summaries.map((m) => m.statistics.binCount)));
    }
  }
  const distinct = new Set(parsed.flatMap((p) => p.bins.map((b) => b.sourceIp))).size;
  const largestMinute = Math.max(0, ...largestByMinute);
  return {
    minutes,
    rejections,
    incompleteMinutes,
    cappedMinutes: capped.length,
    maxLagMs,
    bytesScanned,
    uniqueSources: Math.max(distinct, largestMinute),
  };
}

/** Runs the statistics query for the capped minutes; a minute without a readable Complete result is left out. */
async function cappedMinuteStatistics(deps: RunDeps, minuteStartsMs: readonly number[], deadlineMs: number) {
  const byMinute = new Map<number, ListenerStatistics>();
  if (minuteStartsMs.length === 0) return { byMinute, bytesScanned: 0 };
  const outcomes = await queryMinutes(
    { client: deps.logs, logger: deps.logger, now: deps.now, sleep: deps.sleep },
    { logGroupName: deps.config.flowLogGroupName, queryString: buildMinuteStatisticsQuery(deps.config), minuteStartsMs, deadlineMs },
  );
  let bytesScanned = 0;
  for (const outcome of outcomes) {
    bytesScanned += outcome.bytesScanned;
    if (!('rows' in outcome)) continue;
    const parsed = readStatistics(deps, outcome.rows);
    if (parsed.ok) byMinute.set(outcome.minuteStartMs, parsed.byListener);
    else
      deps.logger.warn('minute statistics unreadable; minute left incomplete', {
        minuteStart: new Date(outcome.minuteStartMs).toISOString(),
        reason: parsed.reason,
      });
  }
  return { byMinute, bytesScanned };
}

/** One statistics row with one listener; one row per listener with traffic with several. */
function readStatistics(deps: RunDeps, rows: Parameters<typeof parseStatisticsRows>[0]) {
  const { listeners } = deps.config;
  if (listeners.length > 1) return parseListenerStatisticsRows(rows, listeners);
  const parsed = parseStatisticsRows(rows);
  return parsed.ok ? { ok: true as const, byListener: new Map([[listenerLabel(listeners[0]!), parsed.statistics]]) } : parsed;
}

function logRejections(logger: TelemetryLogger, rejections: readonly RowRejection[]): void {
  if (rejections.length === 0) return;
  const byReason: Record<string, number> = {};
  for (const r of rejections) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  logger.warn('Insights rows rejected', { rejected: rejections.length, byReason, examples: rejections.slice(0, 5) });
}

const NO_WRITES: BinWriteOutcome = { accepted: 0, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 };

/**
 * One summarizer run (docs/architecture.md, Detection): query the minutes its run number and its
 * execution's start schedule, upsert the bins, judge the window, publish the verdict. Never throws: failures are in the report, with the metrics so far.
 */
export async function summarize(deps: RunDeps, remainingMs: number, scheduled: ScheduledRun): Promise<RunReport> {
  const { config, logger } = deps;
  const window = planRun(deps.now(), config, scheduled);
  const deadlineMs = window.runAtMs + remainingMs - POST_QUERY_RESERVE_MS;
  const retry = deps.retryMinutes ?? new Set<number>();
  const minuteStartsMs = withRetries(window, retry, config.requeryMinutes);
  const outcomes = await queryMinutes(
    { client: deps.logs, logger, now: deps.now, sleep: deps.sleep },
    { logGroupName: config.flowLogGroupName, queryString: buildBinQuery(config), minuteStartsMs, deadlineMs },
  );
  const collected = await collectMinutes(deps, outcomes, deadlineMs);
  logRejections(logger, collected.rejections);

  const writeDeadlineMs = window.runAtMs + remainingMs - JUDGE_RESERVE_MS;
  const writes =
    collected.minutes.length > 0
      ? await deps.store.writeMinutes(collected.minutes, window.runAtMs, {
          deadlineMs: writeDeadlineMs,
          signal: deps.signalAt(writeDeadlineMs),
        })
      : NO_WRITES;
  // A malformed row hides packets we should have counted; a VPC-internal one hides nothing.
  const malformedRows = collected.rejections.filter((r) => r.reason !== 'source inside the VPC').length;
  const sawCompleteData =
    collected.incompleteMinutes === 0 && malformedRows === 0 && writes.failedBatches === 0 && writes.rejected.length === 0;
  // A failed write cannot be traced to its minutes: then every minute of the run is retried.
  const stored =
    writes.failedBatches === 0 && writes.rejected.length === 0 ? new Set(collected.minutes.map((m) => m.minuteStartMs)) : new Set<number>();
  for (const minute of minuteStartsMs) {
    if (stored.has(minute)) retry.delete(minute);
    else retry.add(minute);
  }

  const metrics: SummarizerMetricValues = {
    UniqueSourceIPs: collected.uniqueSources,
    FlowLogDeliveryLag: Math.max(0, collected.maxLagMs ?? 0) / 1000,
    InsightsQueriesIncomplete: collected.incompleteMinutes,
    InsightsResultsCapped: collected.cappedMinutes,
    InsightsRowsRejected: collected.rejections.length,
    InsightsBytesScanned: collected.bytesScanned,
    BinRecordsRejected: writes.rejected.length,
    BinWriteFailures: writes.failedBatches,
  };
  logger.info('packet bins collected', {
    run: scheduled.run,
    minutes: minuteStartsMs.length,
    retriedMinutes: minuteStartsMs.length - window.minuteStartsMs.length,
    incompleteMinutes: collected.incompleteMinutes,
    cappedMinutes: collected.cappedMinutes,
    minutesStored: new Set(collected.minutes.map((m) => m.minuteStartMs)).size,
    candidates: collected.minutes.reduce((sum, m) => sum + m.candidates.length, 0),
    writes: { ...writes, rejected: writes.rejected.length },
  });
  return judgeAndPublish(deps, window, sawCompleteData, metrics);
}

/** The run's scheduled minutes plus the retried ones still inside the re-query span, oldest first. */
function withRetries(window: RunWindow, retry: Set<number>, requeryMinutes: number): number[] {
  const oldest = window.endMs - requeryMinutes * BIN_MS;
  for (const minute of retry) if (minute < oldest || minute >= window.endMs) retry.delete(minute);
  return [...new Set([...window.minuteStartsMs, ...retry])].sort((a, b) => a - b);
}

async function judgeAndPublish(
  deps: RunDeps,
  window: RunWindow,
  sawCompleteData: boolean,
  metrics: SummarizerMetricValues,
): Promise<RunReport> {
  const { config, logger } = deps;
  let verdict: ReturnType<typeof buildVerdict>;
  try {
    const baseline = await deps.store.baseline(window.windowStartMs);
    const anomalies = await deps.store.anomalies({
      windowStartMs: window.windowStartMs,
      minZScore: config.minZScore,
      minPacketsPerBin: config.minPacketsPerBin,
      maxAnomalies: config.maxAnomalies,
    });
    verdict = buildVerdict({
      ...config,
      runAtMs: window.runAtMs,
      windowStartMs: window.windowStartMs,
      baseline,
      anomalies,
      sawCompleteData,
    });
  } catch (error) {
    // Without a baseline there is no verdict: publish nothing, so nothing is unblocked.
    logger.error('Z-score query failed; no verdict published', { error: error as Error });
    return { window, metrics: { ...metrics, SummarizerRuns: 0, IncompleteRuns: 1 }, error: error as Error };
  }
  const { message, invalidSources } = verdict;
  if (invalidSources.length > 0) logger.warn('store returned sources that are not canonical addresses; left out', { invalidSources });
  const judged: SummarizerMetricValues = {
    ...metrics,
    OutlierSourceIPs: message.anomalies.length,
    PacketBinAverage: message.baseline.mean ?? 0,
    PacketBinStandardDeviation: message.baseline.standardDeviation ?? 0,
    PacketBinAnomalyThreshold: message.baseline.anomalyThreshold ?? 0,
    IncompleteRuns: message.complete ? 0 : 1,
  };
  try {
    await deps.sns.send(publishVerdict(config.anomaliesTopicArn, JSON.stringify(message)));
  } catch (error) {
    logger.error('publishing the verdict failed', { error: error as Error });
    return { window, metrics: { ...judged, SummarizerRuns: 0 }, error: error as Error };
  }
  logger.info('verdict published', { complete: message.complete, anomalies: message.anomalies.length, baseline: message.baseline });
  return { window, message, metrics: { ...judged, SummarizerRuns: 1 } };
}

/**
 * The verdict as the FIFO anomalies topic takes it: every verdict in one message group, so the
 * updater's queue hands them over one at a time and in order (docs/architecture.md, Ordering), and
 * a deduplication id from the body, so a publish the SDK retries after a lost answer is delivered
 * once (SNS drops a repeated id within 5 minutes).
 */
export function publishVerdict(topicArn: string, body: string): PublishCommand {
  const deduplicationId = createHash('sha256').update(body).digest('hex');
  return new PublishCommand({
    TopicArn: topicArn,
    Message: body,
    MessageGroupId: VERDICT_MESSAGE_GROUP_ID,
    MessageDeduplicationId: deduplicationId,
  });
}
