/**
 * One replay, start to finish: read the flow logs, deploy the product in-process, run it over
 * simulated time, summarise. The CLI and the demo call this; tests call it too.
 */
import { readFile } from 'node:fs/promises';
import { parseDenyList } from '../../core/deny-list';
import { listenerLabel } from '../../core/listeners';
import { SimulatedDeployment } from '../../simulation/deployment';
import type { ReplayOptions } from './args';
import { deliveryLine, DeliveryDelays } from './delivery-delay';
import { ReplayInput, runReplay, type EngineOutput } from './engine';
import { FlowLogReader, resolveFlowLogInput } from './flow-log-files';
import type { ParseStats } from './flow-log-parser';
import type { ReplayNotification, ReplayResult, ReplaySummary } from './result';

/** Minutes the summarizer re-queries (the stack's default REQUERY_MINUTES). */
export const REPLAY_REQUERY_MINUTES = 10;

export interface ReplayHooks {
  /** Progress of a phase, 0..1. */
  readonly progress?: (phase: 'reading' | 'simulating', fraction: number) => void;
}

async function readList(path: string | undefined, what: string): Promise<string> {
  if (path === undefined) return '';
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

export async function replayFlowLogs(options: ReplayOptions, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const allowList = await readList(options.allowList, 'allow list');
  const denyList = await readList(options.denyList, 'deny list');
  const read = await readFlowLogs(options, hooks);
  const { input } = read;
  const requeryMinutes = Math.min(REPLAY_REQUERY_MINUTES, options.windowMinutes);
  const startMs = input.records.length > 0 ? Math.floor((input.records[0]?.start ?? 0) / 60) * 60_000 : 0;
  const deployment = await SimulatedDeployment.create({
    startMs,
    vpcCidrs: options.vpcCidrs,
    listeners: options.listeners,
    minZScore: options.minZScore,
    minPacketsPerBin: options.minPacketsPerBin,
    windowMinutes: options.windowMinutes,
    requeryMinutes,
    naclRuleLimit: options.naclRuleLimit,
    naclRuleNetworkMask: options.naclMask,
    naclRuleNetworkMaskIpv6: options.naclMaskIpv6,
    binStore: options.binStore,
    mode: options.mode,
    repeatOffenderWindowHours: options.repeatOffenderWindowHours,
    maxBlockHours: options.maxBlockHours,
    allowList,
    denyList,
  });
  try {
    const { mode, listeners, windowMinutes } = options;
    const deliveryDelays = new DeliveryDelays(options.deliveryDelay, options.seed);
    const repeatOffenders =
      options.repeatOffenderWindowHours > 0
        ? { windowHours: options.repeatOffenderWindowHours, maxBlockHours: options.maxBlockHours }
        : undefined;
    const settings = {
      listeners,
      windowMinutes,
      requeryMinutes,
      denyList: parseDenyList(denyList),
      mode,
      deliveryDelays,
      repeatOffenders,
    };
    const engine = await runReplay(input, deployment, settings, (done, total) =>
      hooks.progress?.('simulating', total <= 0 ? 1 : Math.min(1, done / total)),
    );
    const { runs, traffic, timeline, blockedEntries } = engine;
    return {
      runs,
      notifications: notificationsOf(deployment),
      summary: summarize(options, read, engine, deliveryDelays),
      traffic,
      timeline,
      blockedEntries,
      warnings: [...read.skippedFiles.map((f) => `skipped ${f.file}: ${f.reason}`), ...read.stats.warnings],
    };
  } finally {
    deployment.close();
  }
}

/** The block notifications the updater published, as the e-mail subscriber gets them (the `default` of the JSON structure). */
function notificationsOf(deployment: SimulatedDeployment): ReplayNotification[] {
  return deployment.sns.publishedTo(deployment.resources.notificationsTopicArn).map((m) => ({
    at: new Date(m.publishedAt).toISOString(),
    subject: m.subject ?? '',
    text: m.messageStructure === 'json' ? String((JSON.parse(m.message) as { default?: unknown }).default ?? '') : m.message,
  }));
}

/** What reading the flow logs gave: the records sorted for the replay, and what the reader met. */
interface FlowLogsRead {
  readonly input: ReplayInput;
  readonly files: number;
  /** Files passed over as not usable flow logs, with the reason. */
  readonly skippedFiles: readonly { readonly file: string; readonly reason: string }[];
  readonly stats: ParseStats;
  /** Unix seconds of the earliest record start and the latest record end; ±Infinity without records. */
  readonly firstStart: number;
  readonly lastEnd: number;
}

async function readFlowLogs(options: ReplayOptions, hooks: ReplayHooks): Promise<FlowLogsRead> {
  const files = await resolveFlowLogInput(options.flowLogs);
  const reader = new FlowLogReader(files, {
    vpcCidrs: options.vpcCidrs,
    onBytes: (bytes) => hooks.progress?.('reading', files.totalBytes === 0 ? 1 : bytes / files.totalBytes),
  });
  const input = new ReplayInput({ listeners: options.listeners });
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  for await (const columns of reader.columns()) {
    for (let i = 0; i < columns.length; i++) {
      if (columns.start[i]! < firstStart) firstStart = columns.start[i]!;
      if (columns.end[i]! > lastEnd) lastEnd = columns.end[i]!;
    }
    input.addColumns(columns);
  }
  input.sort();
  const skippedFiles = reader.skippedFiles;
  return { input, files: files.files.length - skippedFiles.length, skippedFiles, stats: reader.stats, firstStart, lastEnd };
}

function summarize(options: ReplayOptions, read: FlowLogsRead, engine: EngineOutput, delays: DeliveryDelays): ReplaySummary {
  const { stats } = read;
  const anomalous = new Set(engine.runs.flatMap((r) => r.anomalies.map((a) => a.sourceIp)));
  return {
    mode: options.mode,
    input: {
      files: read.files,
      skippedFiles: read.skippedFiles.length,
      skipped: read.skippedFiles,
      records: stats.records,
      skippedNoData: stats.noData,
      skippedSkipData: stats.skipData,
      malformedLines: stats.malformed,
      firstRecord: Number.isFinite(read.firstStart) ? new Date(read.firstStart * 1000).toISOString() : null,
      lastRecord: Number.isFinite(read.lastEnd) ? new Date(read.lastEnd * 1000).toISOString() : null,
    },
    runs: engine.runs.length,
    firstRun: engine.runs[0]?.at ?? null,
    lastRun: engine.runs.at(-1)?.at ?? null,
    anomalousSources: anomalous.size,
    blockedNetworks: engine.blockedEntries.length,
    neverBlocked: [...anomalous]
      .filter((ip) => !engine.runs.some((r) => r.anomalies.some((a) => a.sourceIp === ip) && !r.unblocked.includes(ip)))
      .sort(),
    maxConcurrentRules: engine.maxConcurrentRules,
    backOnOriginalAclAt: engine.backOnOriginalAclAt,
    delivery: delays.summary(),
    settings: {
      flowLogs: options.flowLogs,
      listeners: options.listeners.map(listenerLabel),
      vpcCidrs: options.vpcCidrs,
      minZScore: options.minZScore,
      minPacketsPerBin: options.minPacketsPerBin,
      windowMinutes: options.windowMinutes,
      requeryMinutes: Math.min(REPLAY_REQUERY_MINUTES, options.windowMinutes),
      naclRuleLimit: options.naclRuleLimit,
      naclMask: options.naclMask,
      naclMaskIpv6: options.naclMaskIpv6,
      allowList: options.allowList ?? '(none)',
      denyList: options.denyList ?? '(none)',
      mode: options.mode,
      deliveryDelay: delays.summary().delay,
      seed: delays.seed,
      ...(options.repeatOffenderWindowHours > 0
        ? { repeatOffenderWindowHours: options.repeatOffenderWindowHours, maxBlockHours: options.maxBlockHours }
        : {}),
    },
  };
}

/** The human-readable timeline printed on stdout. */
export function formatTimeline(result: ReplayResult): string {
  const { summary } = result;
  const report = summary.mode === 'report';
  const lines = [
    ...(report ? ['Report mode: no deny rule was written and no traffic rejected; "would block" is what block mode would have done.'] : []),
    `Read ${summary.input.records} flow records from ${summary.input.files} file(s)${summary.input.skippedFiles ? ` (${summary.input.skippedFiles} other file(s) skipped: not usable flow logs)` : ''} (${summary.input.firstRecord ?? '-'} to ${summary.input.lastRecord ?? '-'}); ` +
      `skipped ${summary.input.skippedNoData} NODATA, ${summary.input.skippedSkipData} SKIPDATA, ${summary.input.malformedLines} malformed line(s).`,
    ...result.warnings.map((w) => `  warning: ${w}`),
    deliveryLine(summary.delivery),
    `Ran the summarizer ${summary.runs} times (every 30 s of simulated time, ${summary.firstRun ?? '-'} to ${summary.lastRun ?? '-'}).`,
    '',
    ...(result.timeline.length === 0
      ? ['No source was anomalous: nothing blocked.']
      : result.timeline.map((e) => `${e.at}  ${e.kind.padEnd(12)} ${e.text}`)),
    '',
    `Summary: ${summary.anomalousSources} anomalous source(s), ${summary.blockedNetworks} network(s) ${report ? 'would have been ' : ''}blocked at some point, ` +
      `at most ${summary.maxConcurrentRules} deny rule(s) ${report ? 'would have been in place ' : ''}at once, ${summary.neverBlocked.length} never blocked${summary.neverBlocked.length ? ` (${summary.neverBlocked.join(', ')})` : ''}.`,
    summary.backOnOriginalAclAt
      ? `Subnets back on their original network ACL at ${summary.backOnOriginalAclAt}.`
      : 'Subnets never left their original network ACL.',
  ];
  return `${lines.join('\n')}\n`;
}
