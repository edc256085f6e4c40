/**
 * A worker thread of the parallel reader: parses jobs, each a byte range of an uncompressed
 * flow-log file (with the layout the file's first line gives) or a whole file (gzip inflated, its
 * headers read as they come), and sends back either columns or the job's packet bins, with
 * counts, warnings (with line numbers counted within the job) and the sources its ids stand for.
 * One worker takes job after job, so a folder of small files costs no thread start per file.
 */
import { parentPort } from 'node:worker_threads';
import { DEFAULT_LAYOUT, layoutOf } from './field-layout';
import { FlowLineParser, type ParseStats } from './flow-log-parser';
import { ACCEPTED, INGRESS_FLAG, type ColumnArrays } from './record-columns';
import { HeaderError, openBytes, openRange, readLines, startState, type ByteSource } from './line-reader';
import { PacketBinTable, type BinArrays } from './packet-bins';

/** What goes into a bin: ingress ACCEPT records to a listener, by `start` minute and listener (its index here). */
export interface BinFilter {
  readonly listeners: readonly { readonly port: number; readonly protocol: number }[];
}

export interface RangeJob {
  readonly file: string;
  readonly start: number;
  /** Exclusive; for a whole file, Infinity. */
  readonly end: number;
  /** The whole file from its first byte, inflated when it is gzip. */
  readonly whole: boolean;
  readonly vpcCidrs: readonly string[];
  /** Field list of the file's first line when it is a header (see headerFields); null for the default order. */
  readonly header: string | null;
  /** Bin the records rather than send them. */
  readonly bins?: BinFilter;
}

/** Sources as compact arrays: one message field each rather than an object per source. */
export interface SourceList {
  /** Canonical addresses joined by newlines. */
  readonly addresses: string;
  /** 1 where the source lies inside the VPC. */
  readonly internal: Uint8Array;
}

export interface RangeResult {
  /** Lines in the range, whatever they held. */
  readonly lines: number;
  /** Field lists of the header lines in the range. */
  readonly headers: readonly string[];
  /** What each source id of this range's columns or bins stands for. */
  readonly sources: SourceList;
  readonly stats: ParseStats;
  readonly bins?: BinArrays;
}

export type WorkerMessage =
  | { readonly kind: 'columns'; readonly columns: ColumnArrays; readonly bytes: number }
  | { readonly kind: 'progress'; readonly bytes: number }
  | { readonly kind: 'done'; readonly result: RangeResult }
  /** A header the layout cannot come from: the file is read in one pass, which reports it. */
  | { readonly kind: 'unusable-header'; readonly message: string }
  | { readonly kind: 'failed'; readonly message: string };

type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

const MESSAGE_RECORDS = 1 << 16;
const BINNED = ACCEPTED | INGRESS_FLAG;

function headerLayoutOf(fields: string) {
  try {
    return layoutOf(fields.split(' '));
  } catch (error) {
    throw new HeaderError((error as Error).message, { cause: error });
  }
}

/** Warnings name lines by their number within the range; the reader turns them into file:line. */
export const rangeLine = (line: number) => `#${line}`;

export async function parseRange(job: RangeJob, post: Post): Promise<void> {
  const parser = new FlowLineParser(job.vpcCidrs);
  const state = startState(job.header === null || job.start === 0 ? DEFAULT_LAYOUT : headerLayoutOf(job.header));
  const source = job.whole ? await openBytes(job.file) : await openRange(job.file, job.start, job.end);
  let bins: BinArrays | undefined;
  try {
    if (job.bins) bins = await binRecords(source, parser, state, job.bins, post);
    else await sendColumns(source, parser, state, post);
  } finally {
    await source.close();
  }
  const infos = parser.sources();
  const sources = { addresses: infos.map((s) => s.address).join('\n'), internal: Uint8Array.from(infos, (s) => (s.internal ? 1 : 0)) };
  const result: RangeResult = { lines: state.lineNumber, headers: state.headers, sources, stats: parser.stats, bins };
  const transfer = (bins ?? []).flatMap((m) => [m.sources.buffer as ArrayBuffer, m.totals.buffer as ArrayBuffer]);
  post({ kind: 'done', result }, [sources.internal.buffer as ArrayBuffer, ...transfer]);
}

/** Few large messages, each of whole columns handed over (not copied): a message costs the receiving thread more than its size. */
async function sendColumns(source: ByteSource, parser: FlowLineParser, state: ReturnType<typeof startState>, post: Post): Promise<void> {
  let pending = parser.newColumns(MESSAGE_RECORDS + (MESSAGE_RECORDS >> 2));
  const send = () => {
    const { length, source: ids, dstPort, protocol, packets, start, end, flags } = pending;
    post(
      { kind: 'columns', columns: { length, source: ids, dstPort, protocol, packets, start, end, flags }, bytes: source.rawBytesRead() },
      [ids, dstPort, protocol, packets, start, end, flags].map((a) => a.buffer as ArrayBuffer),
    );
    pending = parser.newColumns(MESSAGE_RECORDS + (MESSAGE_RECORDS >> 2));
  };
  for await (const batch of readLines(source, parser, state, rangeLine, () => pending)) {
    if (batch.length >= MESSAGE_RECORDS) send();
  }
  if (pending.length > 0) send();
}

/** Bins while reading: one set of columns is parsed into and emptied again, read after read. */
async function binRecords(
  source: ByteSource,
  parser: FlowLineParser,
  state: ReturnType<typeof startState>,
  filter: BinFilter,
  post: Post,
): Promise<BinArrays> {
  const table = new PacketBinTable();
  const columns = parser.newColumns(1 << 15);
  const [{ port: listenerPort, protocol: listenerProtocol } = { port: -1, protocol: -1 }] = filter.listeners;
  // Listener index by protocol x 65536 + port, for several listeners; one listener keeps the two comparisons.
  const several = filter.listeners.length > 1 ? new Map(filter.listeners.map((l, k) => [l.protocol * 65_536 + l.port, k])) : undefined;
  let reported = 0;
  for await (const batch of readLines(source, parser, state, rangeLine, () => columns)) {
    const { dstPort, protocol, flags, start, source: ids, packets } = batch;
    if (several === undefined) {
      for (let i = 0; i < batch.length; i++) {
        if (dstPort[i] !== listenerPort || protocol[i] !== listenerProtocol || flags[i] !== BINNED) continue;
        table.add(Math.floor(start[i]! / 60), ids[i]!, packets[i]!);
      }
    } else {
      for (let i = 0; i < batch.length; i++) {
        if (flags[i] !== BINNED) continue;
        const listener = several.get(protocol[i]! * 65_536 + dstPort[i]!);
        if (listener !== undefined) table.add(Math.floor(start[i]! / 60), ids[i]!, packets[i]!, listener);
      }
    }
    batch.length = 0;
    if (source.rawBytesRead() - reported >= 16 << 20) post({ kind: 'progress', bytes: (reported = source.rawBytesRead()) });
  }
  return table.export();
}

async function runJob(job: RangeJob, post: Post): Promise<void> {
  try {
    await parseRange(job, post);
  } catch (error) {
    post(
      error instanceof HeaderError
        ? { kind: 'unusable-header', message: error.message }
        : { kind: 'failed', message: (error as Error).message },
    );
  }
}

if (parentPort) {
  const port = parentPort;
  // Jobs arrive one at a time: the next is sent once this one reported done (or failed).
  port.on('message', (job: RangeJob) => void runJob(job, (message, transfer) => port.postMessage(message, transfer)));
}
