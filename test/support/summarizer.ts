/**
 * The summarizer handler under test: its environment, a simulated clock, its four SDK clients
 * (stubbed with aws-sdk-client-mock, or routed to the simulation's stand-ins where a test says so),
 * a scripted Logs Insights for the stubbed case, and its telemetry captured.
 */
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { onTestFinished } from 'vitest';
import type { RunNumber } from '../../core/run-window';
import { loadConfig, SUMMARIZER_BOUNDS, type ScheduleEvent, type SummarizerConfig } from '../../functions/summarizer/contract';
import { createHandler, type SummarizerHandler } from '../../functions/summarizer/handler';
import type { LogsInsightsStandIn } from '../../simulation/logs-insights/stand-in';
import { scheduleEvent } from '../../simulation/schedule';
import { ClockSignals } from '../../simulation/clock-signals';
import type { HangClock } from '../../simulation/hung-calls';
import type { Route } from '../../simulation/sdk-routing';
import { TelemetryCapture } from '../../simulation/telemetry-capture';
import { TimestreamStandIn } from '../../simulation/timestream/stand-in';
import { insightsRow, SUMMARIZER_ENV, summarizerEnv, TEST_CREDENTIALS } from './builders';
import { mockSdk, standInClient, type FaultInjector } from './sdk';

/**
 * The re-query reach of the handler tests: the shortest a deployment may have (the contract's
 * bounds), so a first-half run re-queries four minutes: ages 1, 2, 4 and 5 (core/run-window.ts).
 */
export const TEST_REQUERY_MINUTES = SUMMARIZER_BOUNDS.requeryMinutes.min;

/** 12:34:16.789 (a first-half run): re-queried minutes with a reach of 5 are 12:29, 12:30, 12:32 and 12:33. */
export const NOW = Date.UTC(2026, 10, 25, 12, 34, 16, 789);
export const minute = (hh: number, mm: number): number => Date.UTC(2026, 10, 25, hh, mm);
export const M29 = minute(12, 29);
export const M30 = minute(12, 30);
export const M32 = minute(12, 32);
export const M33 = minute(12, 33);
/** The minutes a first run at NOW re-queries, oldest first. */
export const REQUERIED = [M29, M30, M32, M33];

/** Stubs of the summarizer's four clients for the calling test file; reset after each test. */
export function mockSummarizerSdk() {
  return {
    logs: mockSdk(CloudWatchLogsClient),
    write: mockSdk(TimestreamWriteClient),
    query: mockSdk(TimestreamQueryClient),
    sns: mockSdk(SNSClient),
  };
}
export type SummarizerSdk = ReturnType<typeof mockSummarizerSdk>;

export interface Harness {
  readonly config: SummarizerConfig;
  readonly handler: SummarizerHandler;
  readonly clock: { now: number };
  readonly sleeps: number[];
  /** The log lines and EMF documents the handler wrote, as Powertools serializes them. */
  readonly telemetry: TelemetryCapture;
  /** The state machine's event for a run now: the first run of an execution starting now, or the second of one 30 s ago. */
  readonly event: (run?: RunNumber) => ScheduleEvent;
  /** The clock calls hung by FaultInjector.hang wait on (their waits are not the handler's sleeps). */
  readonly hangClock: HangClock;
}

/** Stand-ins to route clients to instead of the stubs, and the faults to inject into their calls. */
export interface StandIns {
  readonly timestream?: TimestreamStandIn;
  readonly insights?: LogsInsightsStandIn;
  readonly faults?: FaultInjector;
}

/**
 * The handler with `env` over the example environment, on `clock` (from NOW); its re-query reach
 * is TEST_REQUERY_MINUTES unless `env` sets REQUERY_MINUTES.
 */
export function makeHandler(env: Record<string, string> = {}, standIns: StandIns = {}, clock = { now: NOW }): Harness {
  const config = loadConfig(summarizerEnv({ REQUERY_MINUTES: String(TEST_REQUERY_MINUTES), ...env }));
  const sleeps: number[] = [];
  const client = <C extends object>(instance: C, standIn?: { routes(): Route[] }): C =>
    standIn ? standInClient(instance, standIn.routes(), standIns.faults) : instance;
  const options = { region: 'eu-west-1', credentials: TEST_CREDENTIALS };
  const telemetry = new TelemetryCapture(() => clock.now);
  const signals = new ClockSignals(() => clock.now);
  const advance = (ms: number) => {
    clock.now += ms;
    signals.fire();
  };
  const handler = createHandler({
    config,
    telemetry: telemetry.telemetry(config),
    logs: client(new CloudWatchLogsClient(options), standIns.insights),
    timestreamWrite: client(new TimestreamWriteClient(options), standIns.timestream),
    timestreamQuery: client(new TimestreamQueryClient(options), standIns.timestream),
    sns: new SNSClient(options),
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      advance(ms);
    },
    signalAt: signals.signalAt,
  });
  const event = (run: RunNumber = 1) => scheduleEvent(run, run === 1 ? clock.now : clock.now - 30_000);
  return { config, handler, clock, sleeps, telemetry, event, hangClock: { now: () => clock.now, sleep: async (ms) => advance(ms) } };
}

/** A Timestream stand-in holding the example packet_bins table, on `clock`; closed when the calling test ends. */
export async function packetBinStore(clock: { now: number }, pageSize = 2): Promise<TimestreamStandIn> {
  const store = await TimestreamStandIn.create({ now: () => clock.now, pageSize });
  onTestFinished(() => store.close());
  store.createTable(SUMMARIZER_ENV.TIMESTREAM_DATABASE, SUMMARIZER_ENV.TIMESTREAM_TABLE);
  return store;
}

export const lambdaContext = (remainingMs = 25_000) => ({ getRemainingTimeInMillis: () => remainingMs });

// ---- Scripted Logs Insights ------------------------------------------------------------------------

export type Row = [source: string, packets: string | undefined, lagMs?: string];

export interface MinuteScript {
  /** Statuses returned by successive GetQueryResults polls; the last one repeats. */
  readonly statuses?: readonly string[];
  readonly rows?: readonly Row[];
  readonly bytesScanned?: number;
  /** The minute-statistics query's answer (run only for a capped minute). */
  readonly statistics?: { readonly statuses?: readonly string[]; readonly row?: Record<string, string>; readonly bytesScanned?: number };
}

/** Whether a StartQuery input is the minute-statistics query (two chained stats) rather than the bin query. */
const isStatisticsQuery = (queryString: string): boolean => queryString.includes('packetSquareSum');

/**
 * Answers StartQuery with `q-<startTime>` and GetQueryResults from the script of that minute.
 * Returns the largest number of queries seen running at once (started and not yet ended).
 */
export function scriptInsights(logs: SummarizerSdk['logs'], script: Record<number, MinuteScript>): { maxRunning: () => number } {
  const polls = new Map<string, number>();
  const running = new Set<string>();
  let maxRunning = 0;
  logs.on(StartQueryCommand).callsFake((input: { startTime: number; queryString: string }) => {
    const queryId = `${isStatisticsQuery(input.queryString) ? 's' : 'q'}-${input.startTime}`;
    running.add(queryId);
    maxRunning = Math.max(maxRunning, running.size);
    return { queryId };
  });
  logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => {
    const minuteMs = Number(input.queryId.slice(2)) * 1000;
    const minuteScript = script[minuteMs] ?? {};
    const forStatistics = input.queryId.startsWith('s-');
    const statisticsRow = minuteScript.statistics?.row;
    const entry = forStatistics
      ? {
          statuses: minuteScript.statistics?.statuses,
          bytesScanned: minuteScript.statistics?.bytesScanned,
          results: statisticsRow ? [Object.entries(statisticsRow).map(([field, value]) => ({ field, value }))] : [],
        }
      : { ...minuteScript, results: (minuteScript.rows ?? []).map(([source, packets, lag]) => insightsRow(source, packets, lag)) };
    const statuses = entry.statuses ?? ['Complete'];
    const n = polls.get(input.queryId) ?? 0;
    polls.set(input.queryId, n + 1);
    const status = statuses[Math.min(n, statuses.length - 1)] as string;
    if (status !== 'Running' && status !== 'Scheduled') running.delete(input.queryId);
    return {
      status,
      results: status === 'Complete' ? entry.results : [],
      statistics: { bytesScanned: entry.bytesScanned ?? 1000, recordsMatched: entry.results.length, recordsScanned: 10 },
    };
  });
  return { maxRunning: () => maxRunning };
}

/** The records of the stubbed WriteRecords calls, flattened, optionally only one measure. */
export function writtenRecords(
  write: SummarizerSdk['write'],
  measure?: string,
): { MeasureName?: string; MeasureValue?: string; Time?: string; Dimensions?: { Name?: string; Value?: string }[] }[] {
  const records = write.commandCalls(WriteRecordsCommand).flatMap((c) => c.args[0].input.Records ?? []);
  return measure === undefined ? records : records.filter((r) => r.MeasureName === measure);
}
