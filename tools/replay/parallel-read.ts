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
import { isHeaderLine } from './field-layout';
import { MAX_WARNINGS, type FlowLineParser } from './flow-log-parser';
import { RecordColumns, type ColumnArrays } from './record-columns';
import { CHUNK_BYTES, headerFields } from './line-reader';
import type { RangeResult, SourceList } from './parse-worker';
import { WorkerPool } from './worker-pool';

interface RangeOutput {
  /** Source ids as the range's own (see result.sources). */
  readonly columns: ColumnArrays[];
  readonly result: RangeResult;
}

/** The first line's field list when it is a header, else null. */
export async function firstHeader(file: string): Promise<string | null> {
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
export async function lineRanges(file: string, size: number, parts: number): Promise<[number, number][]> {
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

export interface ParallelReadOptions {
  readonly threads: number;
  readonly vpcCidrs: readonly string[];
  /** Called with the bytes of the file read so far. */
  readonly onBytes?: (bytes: number) => void;
  /** Workers to run on (default: a pool of `threads` opened and closed for this file). */
  readonly pool?: WorkerPool;
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
  const done = ranges.map(() => 0);
  const pool = options.pool ?? (await WorkerPool.open(options.threads));
  try {
    const outputs = await Promise.all(
      ranges.map(async ([start, end], k) => {
        const columns: ColumnArrays[] = [];
        const job = { file, start, end, whole: false, vpcCidrs: options.vpcCidrs, header };
        const result = await pool.run(job, (message) => {
          if (message.kind !== 'columns') return;
          columns.push(message.columns);
          done[k] = message.bytes;
          options.onBytes?.(done.reduce((a, b) => a + b, 0));
        });
        return result && { columns, result };
      }),
    );
    if (outputs.some((o) => o === undefined || o.result.headers.some((h) => h !== header))) return undefined;
    return joinRanges(file, outputs as RangeOutput[], parser);
  } finally {
    if (!options.pool) await pool.close();
  }
}

/** Ids in `parser`'s table of the sources a worker's ids stand for, in the worker's order. */
export function adoptSources(parser: FlowLineParser, sources: SourceList): Int32Array {
  const addresses = sources.addresses === '' ? [] : sources.addresses.split('\n');
  return Int32Array.from(addresses, (address, i) => parser.sourceId(address, sources.internal[i] === 1));
}

/** Adds a worker's counts to `parser`'s, and its first warnings, their lines numbered from `linesBefore` in `file`. */
export function addStats(parser: FlowLineParser, file: string, result: RangeResult, linesBefore: number): void {
  const { stats } = parser;
  for (const key of ['lines', 'records', 'headers', 'blank', 'noData', 'skipData', 'malformed'] as const) stats[key] += result.stats[key];
  for (const warning of result.stats.warnings) {
    if (stats.warnings.length >= MAX_WARNINGS) break;
    const [, line, reason] = /^#(\d+): (.*)$/s.exec(warning)!;
    stats.warnings.push(`${file}:${linesBefore + Number(line)}: ${reason}`);
  }
}

/** Renumbers the ranges' sources into `parser`'s, and their warnings' lines into the file's. */
function joinRanges(file: string, outputs: readonly RangeOutput[], parser: FlowLineParser): RecordColumns[] {
  const joined: RecordColumns[] = [];
  let linesBefore = 0;
  for (const { columns, result } of outputs) {
    const ids = adoptSources(parser, result.sources);
    for (const batch of columns) {
      const source = batch.source;
      for (let i = 0; i < batch.length; i++) source[i] = ids[source[i]!]!;
      joined.push(RecordColumns.over(parser.sources(), batch));
    }
    addStats(parser, file, result, linesBefore);
    linesBefore += result.lines;
  }
  return joined;
}
