import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AnomalyMessage } from '../../core/anomaly-message';
import { buildBinQuery, INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';
import type { BinWriteOutcome, PacketBinStore } from '../../core/packet-bin-store';
import { parseMinuteRows, type PacketBin, type RowRejection } from '../../core/packet-bins';
import { planRun, type RunWindow } from '../../core/run-window';
import { buildVerdict } from '../../core/verdict';
import type { SummarizerConfig } from './config';
import { queryMinutes, type MinuteQueryOutcome } from './insights';
import type { SummarizerMetricValues } from './metrics';

/**
 * Time kept back from the Insights phase for writing bins (parallel batches), the two store
 * queries and the publish: a few seconds in practice. With the stack's 25 s timeout the Insights
 * queries get about 17 s, several times what a one-minute query takes.
 */
export const POST_QUERY_RESERVE_MS = 8_000;

export interface RunDeps {
  readonly config: SummarizerConfig;
  readonly logs: CloudWatchLogsClient;
  readonly store: PacketBinStore;
  readonly sns: SNSClient;
  readonly logger: Logger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
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
  readonly bins: PacketBin[];
  readonly rejections: RowRejection[];
  readonly incompleteMinutes: number;
  readonly cappedMinutes: number;
  readonly maxLagMs: number | undefined;
  readonly bytesScanned: number;
}

/** Bins only from Complete queries: a partial minute must never overwrite a fuller one. */
function collectBins(outcomes: readonly MinuteQueryOutcome[], config: SummarizerConfig): BinsFromQueries {
  const bins: PacketBin[] = [];
  const rejections: RowRejection[] = [];
  let incompleteMinutes = 0;
  let cappedMinutes = 0;
  let bytesScanned = 0;
  let maxLagMs: number | undefined;
  for (const outcome of outcomes) {
    bytesScanned += outcome.bytesScanned;
    if (!('rows' in outcome)) {
      incompleteMinutes++;
      continue;
    }
    // A capped result is counted but does not make the run incomplete: rows come largest first,
    // so only the smallest talkers (far below any flood) are missing, and a service that always
    // has more than 10,000 sources a minute would otherwise never have a block lifted.
    if (outcome.rows.length >= INSIGHTS_RESULT_LIMIT) cappedMinutes++;
    const parsed = parseMinuteRows(outcome.rows, outcome.minuteStartMs, config.vpcNetworks);
    bins.push(...parsed.bins);
    rejections.push(...parsed.rejections);
    if (parsed.maxLagMs !== undefined) maxLagMs = Math.max(maxLagMs ?? parsed.maxLagMs, parsed.maxLagMs);
  }
  return { bins, rejections, incompleteMinutes, cappedMinutes, maxLagMs, bytesScanned };
}

function logRejections(logger: Logger, rejections: readonly RowRejection[]): void {
  if (rejections.length === 0) return;
  const byReason: Record<string, number> = {};
  for (const r of rejections) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  logger.warn('Insights rows rejected', { rejected: rejections.length, byReason, examples: rejections.slice(0, 5) });
}

const NO_WRITES: BinWriteOutcome = { accepted: 0, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 };

/**
 * One summarizer run (DESIGN.md sections 2-3): query the re-query span, upsert the bins, judge the
 * window, publish the verdict. Never throws: failures are in the report, with the metrics so far.
 */
export async function summarize(deps: RunDeps, remainingMs: number): Promise<RunReport> {
  const { config, logger } = deps;
  const window = planRun(deps.now(), config);
  const outcomes = await queryMinutes(
    { client: deps.logs, logger, now: deps.now, sleep: deps.sleep },
    {
      logGroupName: config.flowLogGroupName,
      queryString: buildBinQuery(config),
      minuteStartsMs: window.minuteStartsMs,
      deadlineMs: window.runAtMs + remainingMs - POST_QUERY_RESERVE_MS,
    },
  );
  const collected = collectBins(outcomes, config);
  logRejections(logger, collected.rejections);

  const writes = collected.bins.length > 0 ? await deps.store.writeBins(collected.bins, window.runAtMs) : NO_WRITES;
  // A malformed row hides packets we should have counted; a VPC-internal one hides nothing.
  const malformedRows = collected.rejections.filter((r) => r.reason !== 'source inside the VPC').length;
  const sawCompleteData = collected.incompleteMinutes === 0 && malformedRows === 0 && writes.failedBatches === 0 && writes.rejected.length === 0;

  const metrics: SummarizerMetricValues = {
    UniqueSourceIPs: new Set(collected.bins.map((b) => b.sourceIp)).size,
    FlowLogDeliveryLag: Math.max(0, collected.maxLagMs ?? 0) / 1000,
    InsightsQueriesIncomplete: collected.incompleteMinutes,
    InsightsResultsCapped: collected.cappedMinutes,
    InsightsRowsRejected: collected.rejections.length,
    InsightsBytesScanned: collected.bytesScanned,
    BinRecordsRejected: writes.rejected.length,
    BinWriteFailures: writes.failedBatches,
  };
  logger.info('packet bins collected', {
    minutes: window.minuteStartsMs.length,
    incompleteMinutes: collected.incompleteMinutes,
    cappedMinutes: collected.cappedMinutes,
    bins: collected.bins.length,
    writes: { ...writes, rejected: writes.rejected.length },
  });
  return judgeAndPublish(deps, window, sawCompleteData, metrics);
}

async function judgeAndPublish(deps: RunDeps, window: RunWindow, sawCompleteData: boolean, metrics: SummarizerMetricValues): Promise<RunReport> {
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
    verdict = buildVerdict({ ...config, runAtMs: window.runAtMs, windowStartMs: window.windowStartMs, baseline, anomalies, sawCompleteData });
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
    await deps.sns.send(new PublishCommand({ TopicArn: config.anomaliesTopicArn, Message: JSON.stringify(message) }));
  } catch (error) {
    logger.error('publishing the verdict failed', { error: error as Error });
    return { window, metrics: { ...judged, SummarizerRuns: 0 }, error: error as Error };
  }
  logger.info('verdict published', { complete: message.complete, anomalies: message.anomalies.length, baseline: message.baseline });
  return { window, message, metrics: { ...judged, SummarizerRuns: 1 } };
}
