/**
 * Shared set-up of the summarizer handler tests: environment, simulated clock, SDK mocks, a
 * scripted Logs Insights, and capture of the EMF and log lines the handler writes to stdout.
 */
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand, type ResultField } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { loadConfig, type SummarizerConfig } from '../../../functions/summarizer/config';
import { createHandler, type SummarizerHandler } from '../../../functions/summarizer/handler';

export const VALID_ENV = {
  VPC_ID: 'vpc-0123456789abcdef0',
  VPC_CIDRS: '10.0.0.0/16,2001:db8:1234:1a00::/56',
  FLOW_LOG_GROUP_NAME: '/flood-guard/flow-logs',
  LISTENER_PORT: '443',
  LISTENER_PROTOCOL: '6',
  TIMESTREAM_DATABASE: 'floodguard',
  TIMESTREAM_TABLE: 'packet_bins',
  ANOMALIES_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:flood-guard-anomalies',
} as const;

/** 12:34:16.789 (a first-half run): re-queried minutes with REQUERY_MINUTES=3 are 12:31, 12:32, 12:33. */
export const NOW = Date.UTC(2026, 10, 25, 12, 34, 16, 789);
export const minute = (hh: number, mm: number): number => Date.UTC(2026, 10, 25, hh, mm);
export const M31 = minute(12, 31);
export const M32 = minute(12, 32);
export const M33 = minute(12, 33);

export const mocks = {
  logs: mockClient(CloudWatchLogsClient),
  write: mockClient(TimestreamWriteClient),
  query: mockClient(TimestreamQueryClient),
  sns: mockClient(SNSClient),
};

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) mock.reset();
}

export interface Harness {
  readonly config: SummarizerConfig;
  readonly handler: SummarizerHandler;
  readonly clock: { now: number };
  readonly sleeps: number[];
}

export function makeHandler(env: Record<string, string> = {}): Harness {
  const config = loadConfig({ ...VALID_ENV, REQUERY_MINUTES: '3', ...env });
  const clock = { now: NOW };
  const sleeps: number[] = [];
  const handler = createHandler({
    config,
    logs: new CloudWatchLogsClient({ region: 'eu-west-1' }),
    timestreamWrite: new TimestreamWriteClient({ region: 'eu-west-1' }),
    timestreamQuery: new TimestreamQueryClient({ region: 'eu-west-1' }),
    sns: new SNSClient({ region: 'eu-west-1' }),
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
  });
  return { config, handler, clock, sleeps };
}

export const lambdaContext = (remainingMs = 25_000) => ({ getRemainingTimeInMillis: () => remainingMs });

// ---- Scripted Logs Insights ------------------------------------------------------------------------

export type Row = [source: string, packets: string | undefined, lagMs?: string];

export function insightsRow([source, packets, lag]: Row): ResultField[] {
  return [
    { field: 'srcAddr', value: source },
    ...(packets === undefined ? [] : [{ field: 'binPackets', value: packets }]),
    ...(lag === undefined ? [] : [{ field: 'maxLagMs', value: lag }]),
  ];
}

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
 * Returns a log of the concurrency seen (queries started and not yet finished).
 */
export function scriptInsights(script: Record<number, MinuteScript>): { maxRunning: () => number } {
  const polls = new Map<string, number>();
  const running = new Set<string>();
  let maxRunning = 0;
  mocks.logs.on(StartQueryCommand).callsFake((input: { startTime: number; queryString: string }) => {
    const queryId = `${isStatisticsQuery(input.queryString) ? 's' : 'q'}-${input.startTime}`;
    running.add(queryId);
    maxRunning = Math.max(maxRunning, running.size);
    return { queryId };
  });
  mocks.logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => {
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
      : { ...minuteScript, results: (minuteScript.rows ?? []).map(insightsRow) };
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

// ---- stdout capture: EMF metrics and structured logs --------------------------------------------------

export interface Captured {
  readonly emf: () => Record<string, unknown>[];
  readonly logs: () => { level: string; message: string; [key: string]: unknown }[];
  readonly restore: () => void;
}

export function captureOutput(): Captured {
  const chunks: string[] = [];
  // Powertools writes metrics and INFO logs to stdout, WARN and ERROR logs to stderr.
  const record = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  const objects = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    emf: () => objects().filter((o) => '_aws' in o),
    logs: () => objects().filter((o) => 'level' in o) as ReturnType<Captured['logs']>,
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** The one EMF document a run writes, as metric name -> value, with its namespace and dimensions. */
export function runMetrics(captured: Captured): {
  namespace: unknown;
  dimensions: unknown;
  values: Record<string, number>;
  units: Record<string, string>;
} {
  const docs = captured.emf();
  if (docs.length !== 1) throw new Error(`expected one EMF document, got ${docs.length}`);
  const doc = docs[0] as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  };
  const directive = doc._aws.CloudWatchMetrics[0];
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const m of directive?.Metrics ?? []) {
    values[m.Name] = doc[m.Name] as number;
    units[m.Name] = m.Unit;
  }
  return { namespace: directive?.Namespace, dimensions: { sets: directive?.Dimensions, VpcId: doc.VpcId }, values, units };
}

/** The records of WriteRecords calls, flattened, optionally only one measure. */
export function writtenRecords(
  measure?: string,
): { MeasureName?: string; MeasureValue?: string; Time?: string; Dimensions?: { Name?: string; Value?: string }[] }[] {
  const records = mocks.write.commandCalls(WriteRecordsCommand).flatMap((c) => c.args[0].input.Records ?? []);
  return measure === undefined ? records : records.filter((r) => r.MeasureName === measure);
}
