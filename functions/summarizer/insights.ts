import {
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type CloudWatchLogsClient,
  type GetQueryResultsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { TelemetryLogger } from '../common/telemetry';
import { INSIGHTS_RESULT_LIMIT, MAX_CONCURRENT_INSIGHTS_QUERIES } from '../../core/insights-query';
import type { InsightsRow } from '../../core/packet-bins';
import { minuteQueryRange } from '../../core/run-window';

/** First wait before polling; it grows by half each round up to the maximum. */
export const FIRST_POLL_DELAY_MS = 500;
export const MAX_POLL_DELAY_MS = 4000;
/** GetQueryResults pages of a Complete query are followed up to the product's row cap. */
const MAX_RESULT_PAGES = 20;

export type MinuteQueryOutcome =
  | { readonly minuteStartMs: number; readonly status: 'Complete'; readonly rows: readonly InsightsRow[]; readonly bytesScanned: number }
  | {
      readonly minuteStartMs: number;
      /** Failed, Cancelled, Timeout, Unknown as Insights reports them; Stopped (our deadline); NotStarted (StartQuery refused). */
      readonly status: string;
      readonly reason: string;
      readonly bytesScanned: number;
    };

export interface MinuteQueryDeps {
  readonly client: CloudWatchLogsClient;
  readonly logger: TelemetryLogger;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface MinuteQueryRequest {
  readonly logGroupName: string;
  readonly queryString: string;
  readonly minuteStartsMs: readonly number[];
  /** Queries still running at this clock reading are stopped and count as incomplete. */
  readonly deadlineMs: number;
}

const RUNNING_STATES = new Set(['Scheduled', 'Running']);

/**
 * Runs one Insights query per minute, at most MAX_CONCURRENT_INSIGHTS_QUERIES at once, polling with
 * a growing delay until every query ended or the deadline passed. Never throws: every minute ends
 * with an outcome, and only a Complete one carries rows.
 */
export async function queryMinutes(deps: MinuteQueryDeps, request: MinuteQueryRequest): Promise<MinuteQueryOutcome[]> {
  const outcomes = new Map<number, MinuteQueryOutcome>();
  const pending = [...request.minuteStartsMs];
  const running = new Map<string, number>(); // queryId -> minute
  let delay = FIRST_POLL_DELAY_MS;

  for (;;) {
    await startPending(deps, request, pending, running, outcomes);
    if (running.size === 0 && pending.length === 0) break;
    const left = request.deadlineMs - deps.now();
    if (left <= 0) {
      await stopAll(deps, running, outcomes);
      for (const minute of pending.splice(0))
        outcomes.set(minute, { minuteStartMs: minute, status: 'NotStarted', reason: 'no time left to start the query', bytesScanned: 0 });
      break;
    }
    await deps.sleep(Math.min(delay, left));
    delay = Math.min(Math.round(delay * 1.5), MAX_POLL_DELAY_MS);
    await pollRunning(deps, running, outcomes);
  }
  return request.minuteStartsMs.map((minute) => outcomes.get(minute) as MinuteQueryOutcome);
}

async function startPending(
  deps: MinuteQueryDeps,
  request: MinuteQueryRequest,
  pending: number[],
  running: Map<string, number>,
  outcomes: Map<number, MinuteQueryOutcome>,
): Promise<void> {
  while (pending.length > 0 && running.size < MAX_CONCURRENT_INSIGHTS_QUERIES && deps.now() < request.deadlineMs) {
    const minute = pending.shift() as number;
    try {
      const { queryId } = await deps.client.send(
        new StartQueryCommand({
          logGroupName: request.logGroupName,
          ...minuteQueryRange(minute),
          queryString: request.queryString,
          limit: INSIGHTS_RESULT_LIMIT,
        }),
      );
      if (!queryId) throw new Error('StartQuery returned no queryId');
      running.set(queryId, minute);
    } catch (error) {
      // LimitExceededException (account-wide concurrent-query quota) and any other refusal: this
      // minute is incomplete for this run; the next run re-queries it.
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      deps.logger.warn('Insights query not started', { minuteStart: new Date(minute).toISOString(), reason });
      outcomes.set(minute, { minuteStartMs: minute, status: 'NotStarted', reason, bytesScanned: 0 });
    }
  }
}

async function pollRunning(deps: MinuteQueryDeps, running: Map<string, number>, outcomes: Map<number, MinuteQueryOutcome>): Promise<void> {
  for (const [queryId, minute] of [...running]) {
    let response: GetQueryResultsCommandOutput;
    try {
      response = await deps.client.send(new GetQueryResultsCommand({ queryId }));
    } catch (error) {
      // A failed poll is not a failed query: poll again next round (or stop it at the deadline).
      deps.logger.warn('GetQueryResults failed; will poll again', { queryId, error: error as Error });
      continue;
    }
    const status = response.status ?? 'Unknown';
    if (RUNNING_STATES.has(status)) continue;
    running.delete(queryId);
    const bytesScanned = response.statistics?.bytesScanned ?? 0;
    if (status === 'Complete') {
      outcomes.set(minute, await completeOutcome(deps, queryId, minute, response));
    } else {
      deps.logger.warn('Insights query did not complete', { queryId, minuteStart: new Date(minute).toISOString(), status });
      outcomes.set(minute, { minuteStartMs: minute, status, reason: `query ended ${status}`, bytesScanned });
    }
  }
}

/** Collects every result page of a Complete query; a page that cannot be read makes the minute incomplete. */
async function completeOutcome(
  deps: MinuteQueryDeps,
  queryId: string,
  minute: number,
  first: GetQueryResultsCommandOutput,
): Promise<MinuteQueryOutcome> {
  const rows: InsightsRow[] = [...(first.results ?? [])];
  const bytesScanned = first.statistics?.bytesScanned ?? 0;
  let nextToken = first.nextToken;
  try {
    for (let page = 1; nextToken && rows.length < INSIGHTS_RESULT_LIMIT; page++) {
      if (page > MAX_RESULT_PAGES) throw new Error(`more than ${MAX_RESULT_PAGES} result pages`);
      const next = await deps.client.send(new GetQueryResultsCommand({ queryId, nextToken }));
      rows.push(...(next.results ?? []));
      nextToken = next.nextToken;
    }
  } catch (error) {
    deps.logger.warn('could not read all results of a Complete query', { queryId, error: error as Error });
    return { minuteStartMs: minute, status: 'Unreadable', reason: `result pages unreadable: ${(error as Error).message}`, bytesScanned };
  }
  return { minuteStartMs: minute, status: 'Complete', rows, bytesScanned };
}

async function stopAll(deps: MinuteQueryDeps, running: Map<string, number>, outcomes: Map<number, MinuteQueryOutcome>): Promise<void> {
  // All at once: past the deadline, hung StopQuery calls must cost one call's timeout, not one each.
  await Promise.all(
    [...running].map(async ([queryId, minute]) => {
      try {
        await deps.client.send(new StopQueryCommand({ queryId }));
      } catch (error) {
        // It may have just finished; either way this run does not use it.
        deps.logger.info('StopQuery failed', { queryId, error: error as Error });
      }
      deps.logger.warn('Insights query stopped at the deadline', { queryId, minuteStart: new Date(minute).toISOString() });
      outcomes.set(minute, { minuteStartMs: minute, status: 'Stopped', reason: 'still running at the deadline', bytesScanned: 0 });
    }),
  );
  running.clear();
}
