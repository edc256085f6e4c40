import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DuckDBInstance } from '@duckdb/node-api';
import { build } from 'esbuild';
import { networksOverlap, parseNetwork, type Network } from '../../core/addresses';
import type { Anomaly } from '../../core/anomaly-message';
import { selectBlocks } from '../../core/block-selection';
import { parseMinuteRows, statisticsOfBins, summarizeMinute, type InsightsRow } from '../../core/packet-bins';
import { aggregateSources, DEFAULT_MAX_AGGREGATE_PREFIX, type WeightedSource } from '../../core/prefix-aggregation';
import { BLOG_STORY } from '../../scenarios/blog-story';
import { FLOW_LOG_HEADER, flowLogLine, scenarioRecords, type ScenarioSpec } from '../../scenarios/generator';
import { SimulatedDeployment } from '../../simulation/deployment';
import { ReplayInput, runReplay } from '../replay/engine';
import { resolveFlowLogInput, FlowLogReader } from '../replay/flow-log-files';

const VPC_CIDRS = ['10.0.0.0/16', '2600:1f18:4a3:6900::/56'];
/** Deny rules the default quota of 20 leaves: minus the default deny and the mirrored allow-all. */
export const DENY_RULES_AT_QUOTA_20 = 18;

// ---- Capacity: share of anomalous packets blocked ---------------------------------------------

export function clusteredAttack(): WeightedSource[] {
  return Array.from({ length: 200 }, (_, i) => ({
    sourceIp: `198.51.${100 + (i % 10)}.${10 + Math.floor(i / 10)}`,
    packets: 20_000 + 137 * i,
  }));
}

export function scatteredAttack(): WeightedSource[] {
  return Array.from({ length: 200 }, (_, i) => ({
    sourceIp: `${11 + (i % 100)}.${10 + Math.floor(i / 100)}.7.9`,
    packets: 20_000 + 137 * i,
  }));
}

export interface CapacityResult {
  readonly blockedShare: number;
  readonly rules: number;
  readonly allowListedCovered: number;
}

/** Ours: adaptive aggregation. Reference: the 18 strongest hosts as /32 rules. An allow-listed partner sits inside the first cluster. */
export function capacityShare(sources: readonly WeightedSource[], mode: 'ours' | 'reference'): CapacityResult {
  const partner = parseNetwork('198.51.100.250/32') as Network;
  const total = sources.reduce((s, x) => s + x.packets, 0);
  const protectedNetworks = [partner, ...VPC_CIDRS.map((c) => parseNetwork(c) as Network)];
  if (mode === 'reference') {
    const top = [...sources].sort((a, b) => b.packets - a.packets).slice(0, DENY_RULES_AT_QUOTA_20);
    return { blockedShare: top.reduce((s, x) => s + x.packets, 0) / total, rules: top.length, allowListedCovered: 0 };
  }
  const result = aggregateSources(sources, {
    family: 'ipv4',
    capacity: DENY_RULES_AT_QUOTA_20,
    maxPrefixLength: DEFAULT_MAX_AGGREGATE_PREFIX.ipv4,
    protectedNetworks,
  });
  const blocked = result.rules.reduce((s, r) => s + r.packets, 0);
  const covered = result.rules.filter((r) => networksOverlap(r.network, partner)).length;
  return { blockedShare: blocked / total, rules: result.rules.length, allowListedCovered: covered };
}

// ---- Core timings ------------------------------------------------------------------------------

export function summarizerCoreTiming(rows = 50_000): { ms: number; peakHeapMb: number } {
  const insightsRows: InsightsRow[] = Array.from({ length: rows }, (_, i) => [
    { field: 'srcAddr', value: `${11 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.1` },
    { field: 'binPackets', value: String(1 + ((i * 7919) % 30_000)) },
    { field: 'maxLagMs', value: '240000' },
  ]);
  const vpc = VPC_CIDRS.map((c) => parseNetwork(c) as Network);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const parsed = parseMinuteRows(insightsRows, 0, vpc);
  const summary = summarizeMinute(0, parsed.bins, statisticsOfBins(parsed.bins), 12_000);
  const ms = performance.now() - started;
  const peakHeapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  if (summary.statistics.binCount !== rows) throw new Error('summarizer core lost rows');
  return { ms, peakHeapMb: Math.max(0, peakHeapMb) };
}

export function updaterPlanningTiming(anomalies = 10_000): { ms: number; aggregationMs: number } {
  const list: Anomaly[] = Array.from({ length: anomalies }, (_, i) => ({
    sourceIp: `${11 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.3`,
    maxZScore: 1000 - i / 100,
    maxPackets: 20_000 + i,
  }));
  const vpc = VPC_CIDRS.map((c) => parseNetwork(c) as Network);
  let started = performance.now();
  selectBlocks({ anomalies: list, allowList: [], vpcCidrs: vpc, ipv4Mask: 32, ipv6Mask: 128, capacity: { ipv4: 18, ipv6: 18 } });
  const ms = performance.now() - started;
  started = performance.now();
  aggregateSources(
    list.map((a) => ({ sourceIp: a.sourceIp, packets: a.maxPackets })),
    { family: 'ipv4', capacity: 18, maxPrefixLength: 16, protectedNetworks: vpc },
  );
  return { ms, aggregationMs: performance.now() - started };
}

// ---- EC2 calls in the blog scenario --------------------------------------------------------------

/** How the story's deployment is set: the blog's 60-minute window, re-querying 10 minutes back. */
export interface StoryDeployment {
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
}
export const BLOG_DEPLOYMENT: StoryDeployment = { windowMinutes: 60, requeryMinutes: 10 };

/**
 * Ours: the real handlers over the simulated deployment, counting mutating EC2 calls. Reference
 * (rewrite every run): per run with anything listed, one CreateNetworkAclEntry per deny rule and
 * for the allow-all rule, as many deletes of the previous entries, and one association
 * replacement per subnet (its update_nacl rebuilt the inactive ACL and swapped every run).
 */
export async function scenarioEc2Calls(
  story: ScenarioSpec = BLOG_STORY,
  settings: StoryDeployment = BLOG_DEPLOYMENT,
): Promise<{
  oursPerHour: number;
  referencePerHour: number;
  hours: number;
  /** Runs after which the denied networks differ from those before (the first run: from none). */
  changedRuns: number;
  unchangedRuns: number;
  callsInUnchangedRuns: number;
  referenceCallsInUnchangedRuns: number;
}> {
  const listeners = [{ port: story.listenerPort, protocol: story.listenerProtocol }];
  const input = new ReplayInput({ listeners });
  input.add([...scenarioRecords(story)]);
  input.sort();
  const subnets = 2;
  const deployment = await SimulatedDeployment.create({
    startMs: story.startEpoch * 1000,
    vpcCidrs: story.vpcCidrs,
    listeners,
    ...settings,
    subnetCount: subnets,
  });
  try {
    // The engine reports progress after each run: the calls made since the last report are that run's.
    const callsAfterRun: number[] = [];
    const out = await runReplay(input, deployment, { listeners, ...settings }, () => {
      callsAfterRun.push(deployment.ec2.mutatingCalls().length);
    });
    const hours = out.runs.length / 120;
    const ours = deployment.ec2.mutatingCalls().length;
    const referenceCalls = (run: (typeof out.runs)[number]) =>
      run.anomalies.length === 0 ? 0 : 2 * (Math.min(run.anomalies.length, DENY_RULES_AT_QUOTA_20) + 1) + subnets;
    const reference = out.runs.reduce((calls, r) => calls + referenceCalls(r), 0);
    // A run changes nothing when the networks denied after it are those denied before it.
    const unchanged = out.runs.map((run, i) => i > 0 && sameSet(run.blocked, out.runs[i - 1]!.blocked));
    const changedRuns = out.runs.filter((run, i) => !sameSet(run.blocked, i > 0 ? out.runs[i - 1]!.blocked : [])).length;
    const sumWhere = (values: number[]) => values.reduce((sum, v, i) => sum + (unchanged[i] ? v : 0), 0);
    return {
      oursPerHour: ours / hours,
      referencePerHour: reference / hours,
      hours,
      changedRuns,
      unchangedRuns: unchanged.filter(Boolean).length,
      callsInUnchangedRuns: sumWhere(callsAfterRun.map((calls, i) => calls - (callsAfterRun[i - 1] ?? 0))),
      referenceCallsInUnchangedRuns: sumWhere(out.runs.map(referenceCalls)),
    };
  } finally {
    deployment.close();
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

// ---- Replay throughput ---------------------------------------------------------------------------

/** Writes `records` flow-log lines (v5 header) to a temp file: 50,000 sources over consecutive minutes. */
export async function generateFlowLogFile(records: number): Promise<{ dir: string; file: string; bytes: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'flood-guard-bench-'));
  const file = join(dir, 'flow-logs.txt');
  const out = createWriteStream(file);
  out.write(FLOW_LOG_HEADER + '\n');
  const start = BLOG_STORY.startEpoch;
  let chunk: string[] = [];
  for (let i = 0; i < records; i++) {
    const minute = Math.floor(i / 50_000);
    const s = start + minute * 60 + (i % 60);
    chunk.push(
      flowLogLine({
        srcAddr: `${11 + ((i % 50_000) >> 16)}.${((i % 50_000) >> 8) & 255}.${i & 255}.4`,
        dstAddr: '10.0.1.10',
        srcPort: 40_000 + (i % 20_000),
        dstPort: 443,
        protocol: 6,
        packets: 1 + (i % 97),
        start: s,
        end: s + 30,
        action: 'ACCEPT',
        flowDirection: 'ingress',
      }),
    );
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  // Both readers are timed on a file at rest, not one the kernel is still writing back to disk.
  const handle = await open(file, 'r+');
  await handle.sync();
  await handle.close();
  return { dir, file, bytes: (await stat(file)).size };
}

/** Our replay's reading and binning: the reader's threads bin ingress ACCEPT records to the listener by start minute and source. */
export async function replayBinning(file: string): Promise<{ records: number; recordsPerSecond: number; bins: number }> {
  const started = performance.now();
  const reader = new FlowLogReader(await resolveFlowLogInput(file), { vpcCidrs: VPC_CIDRS });
  const bins = await reader.bins({ listeners: [{ port: 443, protocol: 6 }] });
  const { records } = reader.stats;
  return { records, recordsPerSecond: records / ((performance.now() - started) / 1000), bins: bins.size };
}

/** DuckDB computing the same bins from the same file. */
export async function duckdbBinning(file: string): Promise<{ recordsPerSecond: number; bins: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const started = performance.now();
  const reader = await connection.runAndReadAll(
    `SELECT COUNT(*) AS bins, SUM(n) AS records FROM (
       SELECT COUNT(*) AS n FROM read_csv('${file.replaceAll("'", "''")}', delim = ' ', header = true, all_varchar = false)
       WHERE dstport = 443 AND protocol = 6 AND action = 'ACCEPT' AND "flow-direction" = 'ingress'
       GROUP BY "start" // 60, srcaddr)`,
  );
  const seconds = (performance.now() - started) / 1000;
  const [bins, records] = reader.getRowsJS()[0] as [bigint, bigint];
  connection.closeSync();
  return { recordsPerSecond: Number(records) / seconds, bins: Number(bins) };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

// ---- Bundle sizes --------------------------------------------------------------------------------

/** The Lambda bundles as the stack builds them (esbuild, minified, everything bundled). */
export async function bundleSizes(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const [name, entry] of [
    ['summarizer', 'functions/summarizer/handler.ts'],
    ['naclUpdater', 'functions/nacl-updater/handler.ts'],
  ] as const) {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      write: false,
      format: 'cjs',
      logLevel: 'silent',
    });
    sizes[name] = result.outputFiles.reduce((total, f) => total + f.contents.length, 0);
  }
  return sizes;
}
