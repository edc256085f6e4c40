/**
 * One replay, start to finish: read the flow logs, deploy the product in-process, run it over
 * simulated time, summarise. The CLI and the demo call this; tests call it too.
 */
import { readFile } from 'node:fs/promises';
import { SimulatedDeployment } from '../../simulation/deployment';
import type { ReplayOptions } from './args';
import { ReplayInput, runReplay } from './engine';
import { FlowLogReader, resolveFlowLogInput } from './flow-log-files';
import type { ReplayResult, ReplaySummary } from './result';

/** Minutes the summarizer re-queries (the stack's default REQUERY_MINUTES). */
export const REPLAY_REQUERY_MINUTES = 10;

export interface ReplayHooks {
  /** Progress of a phase, 0..1. */
  readonly progress?: (phase: 'reading' | 'simulating', fraction: number) => void;
}

async function readAllowList(path: string | undefined): Promise<string> {
  if (path === undefined) return '';
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read allow list ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

export async function replayFlowLogs(options: ReplayOptions, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const allowList = await readAllowList(options.allowList);
  const files = await resolveFlowLogInput(options.flowLogs);
  const reader = new FlowLogReader(files, {
    vpcCidrs: options.vpcCidrs,
    onBytes: (bytes) => hooks.progress?.('reading', files.totalBytes === 0 ? 1 : bytes / files.totalBytes),
  });
  const input = new ReplayInput({ listenerPort: options.listenerPort, listenerProtocol: options.listenerProtocol });
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
  const startMs = input.records.length > 0 ? Math.floor((input.records[0]?.start ?? 0) / 60) * 60_000 : 0;
  const deployment = await SimulatedDeployment.create({
    startMs,
    vpcCidrs: options.vpcCidrs,
    listenerPort: options.listenerPort,
    listenerProtocol: options.listenerProtocol,
    minZScore: options.minZScore,
    minPacketsPerBin: options.minPacketsPerBin,
    windowMinutes: options.windowMinutes,
    requeryMinutes: Math.min(REPLAY_REQUERY_MINUTES, options.windowMinutes),
    naclRuleLimit: options.naclRuleLimit,
    naclMask: options.naclMask,
    naclMaskIpv6: options.naclMaskIpv6,
    allowList,
  });
  try {
    const engine = await runReplay(
      input,
      deployment,
      {
        listenerPort: options.listenerPort,
        listenerProtocol: options.listenerProtocol,
        windowMinutes: options.windowMinutes,
        requeryMinutes: Math.min(REPLAY_REQUERY_MINUTES, options.windowMinutes),
      },
      (done, total) => hooks.progress?.('simulating', total <= 0 ? 1 : Math.min(1, done / total)),
    );
    const stats = reader.stats;
    const anomalous = new Set(engine.runs.flatMap((r) => r.anomalies.map((a) => a.sourceIp)));
    const everBlocked = engine.blockedEntries;
    const summary: ReplaySummary = {
      input: {
        files: files.files.length,
        records: stats.records,
        skippedNoData: stats.noData,
        skippedSkipData: stats.skipData,
        malformedLines: stats.malformed,
        firstRecord: Number.isFinite(firstStart) ? new Date(firstStart * 1000).toISOString() : null,
        lastRecord: Number.isFinite(lastEnd) ? new Date(lastEnd * 1000).toISOString() : null,
      },
      runs: engine.runs.length,
      firstRun: engine.runs[0]?.at ?? null,
      lastRun: engine.runs.at(-1)?.at ?? null,
      anomalousSources: anomalous.size,
      blockedNetworks: everBlocked.length,
      neverBlocked: [...anomalous]
        .filter((ip) => !engine.runs.some((r) => r.anomalies.some((a) => a.sourceIp === ip) && !r.unblocked.includes(ip)))
        .sort(),
      maxConcurrentRules: engine.maxConcurrentRules,
      backOnOriginalAclAt: engine.backOnOriginalAclAt,
      settings: {
        flowLogs: options.flowLogs,
        listenerPort: options.listenerPort,
        listenerProtocol: options.listenerProtocol,
        vpcCidrs: options.vpcCidrs,
        minZScore: options.minZScore,
        minPacketsPerBin: options.minPacketsPerBin,
        windowMinutes: options.windowMinutes,
        requeryMinutes: Math.min(REPLAY_REQUERY_MINUTES, options.windowMinutes),
        naclRuleLimit: options.naclRuleLimit,
        naclMask: options.naclMask,
        naclMaskIpv6: options.naclMaskIpv6,
        allowList: options.allowList ?? '(none)',
      },
    };
    return {
      runs: engine.runs,
      summary,
      traffic: engine.traffic,
      timeline: engine.timeline,
      blockedEntries: engine.blockedEntries,
      warnings: stats.warnings,
    };
  } finally {
    deployment.close();
  }
}

/** The human-readable timeline printed on stdout. */
export function formatTimeline(result: ReplayResult): string {
  const { summary } = result;
  const lines = [
    `Read ${summary.input.records} flow records from ${summary.input.files} file(s) (${summary.input.firstRecord ?? '-'} to ${summary.input.lastRecord ?? '-'}); ` +
      `skipped ${summary.input.skippedNoData} NODATA, ${summary.input.skippedSkipData} SKIPDATA, ${summary.input.malformedLines} malformed line(s).`,
    ...result.warnings.map((w) => `  warning: ${w}`),
    `Ran the summarizer ${summary.runs} times (every 30 s of simulated time, ${summary.firstRun ?? '-'} to ${summary.lastRun ?? '-'}).`,
    '',
    ...(result.timeline.length === 0
      ? ['No source was anomalous: nothing blocked.']
      : result.timeline.map((e) => `${e.at}  ${e.kind.padEnd(12)} ${e.text}`)),
    '',
    `Summary: ${summary.anomalousSources} anomalous source(s), ${summary.blockedNetworks} network(s) blocked at some point, ` +
      `at most ${summary.maxConcurrentRules} deny rule(s) at once, ${summary.neverBlocked.length} never blocked${summary.neverBlocked.length ? ` (${summary.neverBlocked.join(', ')})` : ''}.`,
    summary.backOnOriginalAclAt
      ? `Subnets back on their original network ACL at ${summary.backOnOriginalAclAt}.`
      : 'Subnets never left their original network ACL.',
  ];
  return `${lines.join('\n')}\n`;
}
