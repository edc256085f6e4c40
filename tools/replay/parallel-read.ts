/**
 * Reading one large uncompressed flow-log file on every core: the file is cut into byte ranges
 * at line boundaries and a worker thread parses each (see parse-worker.ts). The joined result is
 * what one pass from start to end gives: the same records in the same order, the same counts,
 * and the same warnings with the same file:line.
 *
 * A worker starts mid-file without having seen the lines before its range, so it takes the
 * layout the file's first line gives. That is right whenever every header in the file says the
 * same (the usual case: one header on top, or none); when a later header differs, or a header
 * is unusable, the caller reads the file in one pass instead.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { isHeaderLine } from './field-layout';
import { MAX_WARNINGS, type FlowLineParser } from './flow-log-parser';
import { RecordColumns, type ColumnArrays } from './record-columns';
import { CHUNK_BYTES, headerFields } from './line-reader';
import type { RangeJob, RangeResult, WorkerMessage } from './parse-worker';

interface RangeOutput {
  /** Source ids as the range's own (see result.sources). */
  readonly columns: ColumnArrays[];
  readonly result: RangeResult;
}

let workerCode: Promise<string> | undefined;

/** The worker as one script: it must load without the TypeScript loader the caller may run under. */
function bundledWorker(): Promise<string> {
  workerCode ??= build({
    entryPoints: [join(__dirname, 'parse-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then((out) => out.outputFiles[0]!.text);
  return workerCode;
}

/** The first line's field list when it is a header, else null. */
async function firstHeader(file: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, 0);
    const nl = buffer.subarray(0, bytesRead).indexOf(10);
    const text = buffer.toString('latin1', 0, nl === -1 ? bytesRead : nl);
    return isHeaderLine(text) ? headerFields(text) : null;
  } finally {
    await handle.close();
  }
}

/** Cuts [0, size) into about `parts` ranges, each starting just after a newline. */
async function lineRanges(file: string, size: number, parts: number): Promise<[number, number][]> {
  const handle = await open(file, 'r');
  const cuts = [0];
  try {
    const window = Buffer.alloc(CHUNK_BYTES);
    for (let k = 1; k < parts; k++) {
      const from = Math.max(Math.floor((size * k) / parts) - 1, cuts[cuts.length - 1]!);
      const { bytesRead } = await handle.read(window, 0, CHUNK_BYTES, from);
      const nl = window.subarray(0, bytesRead).indexOf(10);
      // No newline within a read: a line too long to take; leave it whole to the range before.
      if (nl !== -1 && from + nl + 1 < size) cuts.push(from + nl + 1);
    }
  } finally {
    await handle.close();
  }
  return cuts.map((start, i) => [start, cuts[i + 1] ?? size]);
}

function runWorker(code: string, job: RangeJob, workers: Worker[], onBytes: (bytes: number) => void): Promise<RangeOutput | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: job });
    workers.push(worker);
    const columns: ColumnArrays[] = [];
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'columns') {
        columns.push(message.columns);
        onBytes(message.bytes);
      } else {
        settled = true;
        void worker.terminate();
        if (message.kind === 'failed') reject(new Error(message.message));
        else resolve(message.kind === 'done' ? { columns, result: message.result } : undefined);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`flow-log reader thread stopped with exit code ${code}`));
    });
  });
}

export interface ParallelReadOptions {
  readonly threads: number;
  readonly vpcCidrs: readonly string[];
  /** Called with the bytes of the file read so far. */
  readonly onBytes?: (bytes: number) => void;
}

/**
 * Reads `file` (uncompressed, `size` bytes) on `threads` threads into columns resolved through
 * `parser`'s sources, adding to its counts and warnings. Undefined, with nothing changed, when the
 * file must be read in one pass (headers that differ, or an unusable one).
 */
export async function readInParallel(
  file: string,
  size: number,
  parser: FlowLineParser,
  options: ParallelReadOptions,
): Promise<RecordColumns[] | undefined> {
  const header = await firstHeader(file);
  const ranges = await lineRanges(file, size, options.threads);
  const code = await bundledWorker();
  const done = ranges.map(() => 0);
  const workers: Worker[] = [];
  const outputs = await Promise.all(
    ranges.map(([start, end], k) =>
      runWorker(code, { file, start, end, vpcCidrs: options.vpcCidrs, header }, workers, (bytes) => {
        done[k] = bytes;
        options.onBytes?.(done.reduce((a, b) => a + b, 0));
      }),
    ),
  ).catch(async (error: unknown) => {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  });
  if (outputs.some((o) => o === undefined || o.result.headers.some((h) => h !== header))) return undefined;
  return joinRanges(file, outputs as RangeOutput[], parser);
}

/** Renumbers the ranges' sources into `parser`'s, and their warnings' lines into the file's. */
function joinRanges(file: string, outputs: readonly RangeOutput[], parser: FlowLineParser): RecordColumns[] {
  const joined: RecordColumns[] = [];
  let linesBefore = 0;
  for (const { columns, result } of outputs) {
    const ids = Int32Array.from(result.sources, (s) => parser.sourceId(s.address));
    for (const batch of columns) {
      const source = batch.source;
      for (let i = 0; i < batch.length; i++) source[i] = ids[source[i]!]!;
      joined.push(RecordColumns.over(parser.sources(), batch));
    }
    const { stats } = parser;
    for (const key of ['lines', 'records', 'headers', 'blank', 'noData', 'skipData', 'malformed'] as const) stats[key] += result.stats[key];
    for (const warning of result.stats.warnings) {
      if (stats.warnings.length >= MAX_WARNINGS) break;
      const [, line, reason] = /^#(\d+): (.*)$/s.exec(warning)!;
      stats.warnings.push(`${file}:${linesBefore + Number(line)}: ${reason}`);
    }
    linesBefore += result.lines;
  }
  return joined;
}
