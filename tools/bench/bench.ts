/**
 * `npm run bench -- --json <file> [--records <n>] [--sources <n,n,...>]`: measures scale and cost,
 * ours beside the reference's choices (truncation at 10,000 rows, a 5-minute re-query every run,
 * /32 rules only, rewrite and swap every run), prints a table and writes the JSON.
 */
import { writeFile } from 'node:fs/promises';
import { measureBaseline } from './baseline';
import { costMeasures } from './cost-measures';
import { detectionSection } from './detection';
import { pipelineCheck } from './detection-pipeline';
import { simulateLateRecords } from './late-records';
import {
  scenarioEc2Calls,
  bundleSizes,
  capacityShare,
  clusteredAttack,
  duckdbBinning,
  generateFlowLogFile,
  removeDir,
  replayBinning,
  scatteredAttack,
  summarizerCoreTiming,
  updaterPlanningTiming,
} from './measures';

interface BenchArgs {
  readonly json: string | undefined;
  readonly records: number;
  readonly sources: readonly number[];
  /** Sections to measure; all when undefined. */
  readonly only?: readonly string[];
}

export const SECTIONS = ['baseline', 'lateRecords', 'detection', 'ec2', 'capacity', 'core', 'replay', 'bundles', 'cost'] as const;

export const USAGE = `usage: npm run bench -- [--json <file>] [--records <n>] [--sources <n,n,...>] [--only <section,...>]
  --records  records in the file the replay reader is timed on (default 10000000)
  --sources  sources per minute of the baseline runs and the cost estimate (default 10000,100000,1000000)
  --only     measure only these sections: ${SECTIONS.join(', ')}`;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let json: string | undefined;
  let records = 10_000_000;
  let sources = [10_000, 100_000, 1_000_000];
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--json' && value) json = value;
    else if (flag === '--records' && value && /^\d+$/.test(value)) records = Number(value);
    else if (flag === '--sources' && value && /^\d+(,\d+)*$/.test(value)) sources = value.split(',').map(Number);
    else if (flag === '--only' && value && value.split(',').every((v) => (SECTIONS as readonly string[]).includes(v)))
      only = value.split(',');
    else throw new Error(`unknown or incomplete argument ${flag ?? ''}; ${USAGE}`);
    i++;
  }
  return only ? { json, records, sources, only } : { json, records, sources };
}

const FLOODS = 1_000;

type Log = (text: string) => void;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseBenchArgs(process.argv.slice(2));
  const log: Log = (text) => process.stderr.write(`${text}\n`);
  const wanted = (section: (typeof SECTIONS)[number]) => !args.only || args.only.includes(section);
  // The order of the keys is the order of the printed table and of the JSON.
  const result: Record<string, unknown> = {};
  if (wanted('baseline')) result.baseline = await baselineMeasures(args.sources, log);
  if (wanted('lateRecords')) result.lateRecords = lateRecordMeasures(log);
  if (wanted('detection')) result.detection = await detectionMeasures(log);
  if (wanted('ec2')) result.ec2 = await ec2Measures(log);
  if (wanted('capacity')) result.capacity = capacityMeasures();
  if (wanted('core')) {
    log('core timings...');
    const core = summarizerCoreTiming();
    const planning = updaterPlanningTiming();
    result.summarizer = { coreMsFor50000Rows: core.ms, heapMbFor50000Rows: core.peakHeapMb };
    result.updater = { planningMsFor10000Anomalies: planning.ms, aggregationMsFor10000Anomalies: planning.aggregationMs };
  }
  if (wanted('replay')) result.replay = await replayMeasures(args.records, log);
  if (wanted('bundles')) {
    log('bundles...');
    result.bundleBytes = await bundleSizes();
  }

  // Monthly USD of one deployment per store at each number of sources, beside the reference (docs/costs.md).
  if (wanted('cost')) result.cost = await costMeasures(args.sources, FLOODS, log);

  process.stdout.write(table(result) + '\n');
  if (args.json) await writeFile(args.json, JSON.stringify(result, null, 2) + '\n');
}

async function baselineMeasures(sourceCounts: readonly number[], log: Log) {
  const relativeError: Record<string, unknown> = {};
  const recall: Record<string, number> = {};
  const referenceError: Record<string, unknown> = {};
  const referenceRecall: Record<string, number> = {};
  for (const sources of sourceCounts) {
    log(`baseline: ${sources} sources a minute (${FLOODS} flooders) through the Insights stand-in...`);
    const m = await measureBaseline(sources, FLOODS);
    relativeError[String(sources)] = m.ours.relativeError;
    recall[String(sources)] = m.ours.recall;
    referenceError[String(sources)] = m.reference.relativeError;
    referenceRecall[String(sources)] = m.reference.recall;
  }
  return { relativeError, recall, flooders: FLOODS, reference: { relativeError: referenceError, recall: referenceRecall } };
}

const LATE_OPTIONS = { minutes: 120, recordsPerMinute: 500, lagMs: [60_000, 540_000] as const, seed: 7 };

function lateRecordMeasures(log: Log) {
  log('late records: lags 1-9 minutes, 2 runs a minute, 2 hours...');
  const lateOptions = LATE_OPTIONS;
  const ours = simulateLateRecords({ ...lateOptions, requeryMinutes: 10, schedule: 'by-age' });
  const reference = simulateLateRecords({ ...lateOptions, requeryMinutes: 5, schedule: 'every-run' });
  // Records delivered within the minute after theirs: what the reference counts in full.
  const onTime = { ...lateOptions, lagMs: [0, 60_000] as const };
  const oursOnTime = simulateLateRecords({ ...onTime, requeryMinutes: 10, schedule: 'by-age' });
  const referenceOnTime = simulateLateRecords({ ...onTime, requeryMinutes: 5, schedule: 'every-run' });
  return {
    countedShare: ours.countedShare,
    scanAmplification: ours.scanAmplification,
    scansPerCountedByte: ours.scansPerCountedByte,
    onTimeScanAmplification: oursOnTime.scanAmplification,
    queriesPerMinute: ours.queries / lateOptions.minutes,
    reference: {
      countedShare: reference.countedShare,
      scanAmplification: reference.scanAmplification,
      scansPerCountedByte: reference.scansPerCountedByte,
      onTimeScanAmplification: referenceOnTime.scanAmplification,
      queriesPerMinute: reference.queries / lateOptions.minutes,
    },
  };
}

/** Time to block, ours beside the reference, and the curve of schedules against their scan amplification (docs/benchmark.md). */
async function detectionMeasures(log: Log) {
  log('detection: time to block 2,000 floods per schedule and lag model, lags 1-9 minutes...');
  const section = detectionSection({
    floods: 2_000,
    scans: (choice) => {
      const late = simulateLateRecords({ ...LATE_OPTIONS, ...choice });
      return { scanAmplification: late.scanAmplification, countedShare: late.countedShare };
    },
  });
  log('detection: the model beside the real functions, one flood at four delivery lags...');
  // The reference last: the table takes its column from it.
  const { reference, ...ours } = section;
  return { ...ours, pipelineCheck: await pipelineCheck([60_000, 270_000, 330_000, 480_000]), reference };
}

async function ec2Measures(log: Log) {
  log('EC2 calls: the blog scenario through the simulated deployment...');
  const ec2 = await scenarioEc2Calls();
  return {
    mutatingCallsPerHour: ec2.oursPerHour,
    mutatingCallsWhileNothingChanges: ec2.callsInUnchangedRuns,
    runsThatChangedNothing: ec2.unchangedRuns,
    hours: ec2.hours,
    reference: { mutatingCallsPerHour: ec2.referencePerHour, mutatingCallsWhileNothingChanges: ec2.referenceCallsInUnchangedRuns },
  };
}

function capacityMeasures() {
  const clustered = capacityShare(clusteredAttack(), 'ours');
  const scattered = capacityShare(scatteredAttack(), 'ours');
  return {
    clusteredBlockedShare: clustered.blockedShare,
    scatteredBlockedShare: scattered.blockedShare,
    clusteredRules: clustered.rules,
    allowListedCovered: clustered.allowListedCovered + scattered.allowListedCovered,
    reference: {
      clusteredBlockedShare: capacityShare(clusteredAttack(), 'reference').blockedShare,
      scatteredBlockedShare: capacityShare(scatteredAttack(), 'reference').blockedShare,
    },
  };
}

const REPLAY_ROUNDS = 3;

async function replayMeasures(records: number, log: Log) {
  log(`replay throughput: generating ${records} records...`);
  const file = await generateFlowLogFile(records);
  try {
    // Alternating rounds, so neither reader is timed alone on a cold cache or a quiet machine; the
    // ratio of each round compares the two under the same load, and their spread says how noisy it was.
    let replay = { records: 0, recordsPerSecond: 0, bins: 0 };
    let duck = { recordsPerSecond: 0, bins: 0 };
    const ratios: number[] = [];
    let peakRssMb = 0;
    for (let round = 1; round <= REPLAY_ROUNDS; round++) {
      log(`replay reading and binning, run ${round} of ${REPLAY_ROUNDS}...`);
      // Peak memory of the first run only: DuckDB, once run, keeps its own memory in the process.
      const ours = await withPeakRss(() => replayBinning(file.file));
      if (round === 1) peakRssMb = ours.peakRssMb;
      if (ours.value.recordsPerSecond > replay.recordsPerSecond) replay = ours.value;
      log(`DuckDB on the same file, run ${round} of ${REPLAY_ROUNDS}...`);
      const theirs = await duckdbBinning(file.file);
      if (theirs.recordsPerSecond > duck.recordsPerSecond) duck = theirs;
      if (theirs.bins !== ours.value.bins) throw new Error(`DuckDB found ${theirs.bins} bins, the replay ${ours.value.bins}`);
      ratios.push(ours.value.recordsPerSecond / theirs.recordsPerSecond);
    }
    return {
      records: replay.records,
      fileBytes: file.bytes,
      recordsPerSecond: replay.recordsPerSecond,
      duckdbRecordsPerSecond: duck.recordsPerSecond,
      ratioOfBest: replay.recordsPerSecond / duck.recordsPerSecond,
      ratioPerRound: ratios.map((r) => r.toFixed(2)).join(' / '),
      peakRssMb,
    };
  } finally {
    await removeDir(file.dir);
  }
}

/** Runs `action`, sampling the process's resident memory (worker threads included) every 20 ms. */
async function withPeakRss<T>(action: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await action();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakRssMb: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

function fmt(value: unknown): string {
  if (typeof value !== 'number') return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e7)) return value.toExponential(2);
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/** Flattens the result into "key | ours | reference" rows. */
export function table(result: Record<string, unknown>): string {
  const rows: [string, string, string][] = [];
  const walk = (prefix: string, value: unknown, reference: unknown) => {
    if (value !== null && typeof value === 'object') {
      const ref = (value as Record<string, unknown>).reference;
      for (const [key, child] of Object.entries(value)) {
        if (key === 'reference') continue;
        walk(
          prefix ? `${prefix}.${key}` : key,
          child,
          (ref as Record<string, unknown> | undefined)?.[key] ?? (reference as Record<string, unknown> | undefined)?.[key],
        );
      }
    } else rows.push([prefix, fmt(value), reference === undefined ? '' : fmt(reference)]);
  };
  walk('', result, undefined);
  const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0), ['measure', 'ours', 'reference'][i]?.length ?? 0));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(width[i] as number)).join(' | ');
  return [line(['measure', 'ours', 'reference']), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
