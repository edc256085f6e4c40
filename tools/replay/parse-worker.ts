/**
 * A worker thread of the parallel reader: parses one byte range of an uncompressed flow-log file
 * with the layout the file's first line gives, and sends back columns, counts, warnings (with
 * line numbers counted within the range) and the sources its ids stand for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_LAYOUT, layoutOf } from './field-layout';
import { FlowLineParser, type ParseStats } from './flow-log-parser';
import type { ColumnArrays, SourceInfo } from './record-columns';
import { HeaderError, openRange, readLines, startState } from './line-reader';

export interface RangeJob {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly vpcCidrs: readonly string[];
  /** Field list of the file's first line when it is a header (see headerFields); null for the default order. */
  readonly header: string | null;
}

export interface RangeResult {
  /** Lines in the range, whatever they held. */
  readonly lines: number;
  /** Field lists of the header lines in the range. */
  readonly headers: readonly string[];
  /** What each source id of this range's columns stands for. */
  readonly sources: readonly SourceInfo[];
  readonly stats: ParseStats;
}

export type WorkerMessage =
  | { readonly kind: 'columns'; readonly columns: ColumnArrays; readonly bytes: number }
  | { readonly kind: 'done'; readonly result: RangeResult }
  /** A header the layout cannot come from: the file is read in one pass, which reports it. */
  | { readonly kind: 'unusable-header' }
  | { readonly kind: 'failed'; readonly message: string };

const MESSAGE_RECORDS = 1 << 16;

function headerLayoutOf(fields: string) {
  try {
    return layoutOf(fields.split(' '));
  } catch (error) {
    throw new HeaderError((error as Error).message, { cause: error });
  }
}

/** Warnings name lines by their number within the range; the reader turns them into file:line. */
export const rangeLine = (line: number) => `#${line}`;

export async function parseRange(job: RangeJob, post: (message: WorkerMessage, transfer?: ArrayBuffer[]) => void): Promise<void> {
  const parser = new FlowLineParser(job.vpcCidrs);
  const state = startState(job.header === null || job.start === 0 ? DEFAULT_LAYOUT : headerLayoutOf(job.header));
  const source = await openRange(job.file, job.start, job.end);
  // Few large messages, each of whole columns handed over (not copied): a message costs the
  // receiving thread more than its size.
  let pending = parser.newColumns(MESSAGE_RECORDS + (MESSAGE_RECORDS >> 2));
  const send = () => {
    const { length, source: ids, dstPort, protocol, packets, start, end, flags } = pending;
    post(
      { kind: 'columns', columns: { length, source: ids, dstPort, protocol, packets, start, end, flags }, bytes: source.rawBytesRead() },
      [ids, dstPort, protocol, packets, start, end, flags].map((a) => a.buffer as ArrayBuffer),
    );
    pending = parser.newColumns(MESSAGE_RECORDS + (MESSAGE_RECORDS >> 2));
  };
  try {
    for await (const batch of readLines(source, parser, state, rangeLine, () => pending)) {
      if (batch.length >= MESSAGE_RECORDS) send();
    }
    if (pending.length > 0) send();
  } finally {
    await source.close();
  }
  post({ kind: 'done', result: { lines: state.lineNumber, headers: state.headers, sources: parser.sources(), stats: parser.stats } });
}

if (parentPort) {
  const port = parentPort;
  parseRange(workerData as RangeJob, (message, transfer) => port.postMessage(message, transfer)).catch((error: unknown) => {
    const message: WorkerMessage =
      error instanceof HeaderError ? { kind: 'unusable-header' } : { kind: 'failed', message: (error as Error).message };
    port.postMessage(message);
  });
}
