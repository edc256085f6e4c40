/**
 * Reading flow logs straight into packet bins on every core: each file is a job (gzip inflated
 * in the worker), a large uncompressed one is cut into ranges, and the workers bin while they
 * read, so what crosses between threads is bins and distinct sources, not records. Results merge
 * in file order: the counts, warnings and bins are those of reading the files one after the other.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { FlowLineParser } from './flow-log-parser';
import { isGzip } from './line-reader';
import { PacketBinTable } from './packet-bins';
import type { BinFilter, RangeJob, RangeResult } from './parse-worker';
import { addStats, adoptSources, firstHeader, lineRanges } from './parallel-read';
import { WorkerPool } from './worker-pool';

export interface BinReadOptions {
  readonly vpcCidrs: readonly string[];
  readonly filter: BinFilter;
  /** Worker threads (default: the cores, at most 4). */
  readonly threads?: number;
  /** Smallest uncompressed file cut into ranges (default 64 MiB). */
  readonly parallelFromBytes?: number;
  /** Called with the bytes read from disk so far (compressed bytes for gzip). */
  readonly onBytes?: (bytesRead: number) => void;
}

const PARALLEL_FROM_BYTES = 64 << 20;
const MAX_THREADS = 4;

interface FilePlan {
  readonly file: string;
  readonly jobs: RangeJob[];
}

async function planFile(file: string, threads: number, options: BinReadOptions): Promise<FilePlan> {
  const size = (await stat(file)).size;
  const base = { file, vpcCidrs: options.vpcCidrs, bins: options.filter };
  const whole: RangeJob = { ...base, start: 0, end: Number.POSITIVE_INFINITY, whole: true, header: null };
  if (threads < 2 || size < (options.parallelFromBytes ?? PARALLEL_FROM_BYTES) || (await isGzip(file))) return { file, jobs: [whole] };
  const header = await firstHeader(file);
  const ranges = await lineRanges(file, size, threads);
  return { file, jobs: ranges.map(([start, end]) => ({ ...base, start, end, whole: false, header })) };
}

/** A file's results in order; a file whose ranges met a header unlike the first is read again as one job. */
async function runPlan(pool: WorkerPool, plan: FilePlan, onBytes: (job: RangeJob, bytes: number) => void): Promise<RangeResult[]> {
  const run = (job: RangeJob) =>
    pool.run(job, (message) => {
      if (message.kind === 'progress') onBytes(job, message.bytes);
    });
  const results = await Promise.all(plan.jobs.map(run));
  const first = plan.jobs[0]!;
  const consistent = (r: RangeResult | undefined) => r !== undefined && (first.whole || r.headers.every((h) => h === first.header));
  if (results.every(consistent)) return results as RangeResult[];
  if (first.whole) throw new Error(`${plan.file} has a header that lacks what detection needs`);
  const again = await run({ ...first, start: 0, end: Number.POSITIVE_INFINITY, whole: true, header: null });
  if (!again) throw new Error(`${plan.file} has a header that lacks what detection needs`);
  return [again];
}

/**
 * Bins of the ingress ACCEPT records to the listener in `files`, by start minute and source (ids
 * of `parser`'s sources), with the parser's counts and warnings brought up to date.
 */
export async function readBins(files: readonly string[], parser: FlowLineParser, options: BinReadOptions): Promise<PacketBinTable> {
  const threads = options.threads ?? Math.min(availableParallelism(), MAX_THREADS);
  const pool = await WorkerPool.open(Math.max(1, threads));
  const read = new Map<RangeJob, number>();
  let total = 0;
  const onBytes = (job: RangeJob, bytes: number) => {
    total += bytes - (read.get(job) ?? 0);
    read.set(job, bytes);
    options.onBytes?.(total);
  };
  try {
    const plans = await Promise.all(files.map((file) => planFile(file, threads, options)));
    const running = plans.map((plan) => runPlan(pool, plan, onBytes));
    // Every file is under way before the first merge; a failure is reported for the first file it hits.
    running.forEach((p) => p.catch(() => {}));
    const bins = new PacketBinTable();
    for (const [k, plan] of plans.entries()) {
      const results = await running[k]!.catch((error: unknown) => {
        throw new Error(`cannot read ${plan.file}: ${(error as Error).message}`, { cause: error });
      });
      let linesBefore = 0;
      for (const result of results) {
        bins.merge(result.bins!, adoptSources(parser, result.sources));
        addStats(parser, plan.file, result, linesBefore);
        linesBefore += result.lines;
      }
    }
    return bins;
  } finally {
    await pool.close();
  }
}
