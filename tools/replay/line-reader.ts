/**
 * The bytes of a flow-log file, or of a range of one, turned into record columns line by line.
 * Both the one-thread reader and the parallel reader's workers go through `readLines`, so a
 * range read by a worker gives what the same lines give when read in one pass.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DEFAULT_LAYOUT, isHeaderLine, layoutOf, type FieldLayout } from './field-layout';
import type { FlowLineParser } from './flow-log-parser';
import type { RecordColumns } from './record-columns';

/** Bytes per read; also the longest line taken (no flow-log line comes near it). */
export const CHUNK_BYTES = 1 << 20;

/** A file's bytes, filled into the caller's buffer; gzip inflated on the way. */
export interface ByteSource {
  /** Fills `buffer` from `offset`; 0 at the end. */
  fill(buffer: Buffer, offset: number): Promise<number>;
  /** Bytes read from disk (compressed bytes for gzip), for progress. */
  rawBytesRead(): number;
  close(): Promise<void>;
}

export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The whole file, inflated when it is gzip (recognised by its magic bytes). */
export async function openBytes(path: string): Promise<ByteSource> {
  return (await isGzip(path)) ? gunzipped(path) : openRange(path, 0, Number.POSITIVE_INFINITY);
}

/** Bytes [start, end) of an uncompressed file. */
export async function openRange(path: string, start: number, end: number): Promise<ByteSource> {
  const handle = await open(path, 'r');
  let read = 0;
  return {
    async fill(buffer, offset) {
      const wanted = Math.min(buffer.length - offset, end - start - read);
      if (wanted <= 0) return 0;
      const { bytesRead } = await handle.read(buffer, offset, wanted, start + read);
      read += bytesRead;
      return bytesRead;
    },
    rawBytesRead: () => read,
    close: () => handle.close(),
  };
}

function gunzipped(path: string): ByteSource {
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const inflated = raw.pipe(createGunzip());
  raw.on('error', (error) => inflated.destroy(error));
  const pieces = (inflated as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let piece: Buffer | undefined;
  let used = 0;
  return {
    async fill(buffer, offset) {
      while (piece === undefined || used === piece.length) {
        const next = await pieces.next();
        if (next.done) return 0;
        piece = next.value;
        used = 0;
      }
      const copied = piece.copy(buffer, offset, used);
      used += copied;
      return copied;
    },
    rawBytesRead: () => raw.bytesRead,
    async close() {
      raw.destroy();
      inflated.destroy();
    },
  };
}

/** A header line's field names, spaced the one way, to compare headers by what they say. */
export function headerFields(text: string): string {
  return text
    .trim()
    .split(/[ \t]+/)
    .join(' ');
}

/** Where a read is: the layout in force, lines seen (for line numbers) and the headers met. */
export interface LineState {
  layout: FieldLayout;
  lineNumber: number;
  /** Field lists of the header lines met, in order (see headerFields). */
  readonly headers: string[];
}

export function startState(layout: FieldLayout = DEFAULT_LAYOUT): LineState {
  return { layout, lineNumber: 0, headers: [] };
}

/**
 * Parses the lines of `source` into columns, one batch per read. Lines are parsed straight from
 * the bytes read into one reused buffer: no string per line (flow logs are ASCII, read as
 * latin1); the unfinished last line moves to the front. `where` names a line for warnings and
 * errors. Each read's records go to `batchFor(bytes)` (default: new columns) and are yielded
 * when there are any. Throws on a header that lacks what detection needs.
 */
export async function* readLines(
  source: ByteSource,
  parser: FlowLineParser,
  state: LineState,
  where: (line: number) => string,
  batchFor: (bytes: number) => RecordColumns = (bytes) => parser.newColumns(Math.max(64, bytes >> 6)),
): AsyncGenerator<RecordColumns> {
  const here = () => where(state.lineNumber);
  const handleLine = (bytes: Buffer, from: number, to: number, out: RecordColumns) => readLine(bytes, from, to, out, parser, state, here);
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let carried = 0;
  let skipping = false;
  for (;;) {
    if (carried === buffer.length) {
      // No newline in a whole buffer: no flow-log line is that long. Count it, skip to the next newline.
      state.lineNumber++;
      parser.reject(here, `line longer than ${CHUNK_BYTES} bytes`);
      carried = 0;
      skipping = true;
    }
    const read = await source.fill(buffer, carried);
    if (read === 0) break;
    const end = carried + read;
    const view = buffer.subarray(0, end);
    let from = 0;
    if (skipping) {
      const nl = view.indexOf(10, carried);
      if (nl === -1) {
        carried = 0;
        continue;
      }
      skipping = false;
      from = nl + 1;
    }
    // Flow-log lines are about 100 bytes: the default columns fit the bytes read without growing.
    const batch = batchFor(read);
    const before = batch.length;
    for (let nl = view.indexOf(10, Math.max(from, carried)); nl !== -1; nl = view.indexOf(10, nl + 1)) {
      handleLine(buffer, from, nl, batch);
      from = nl + 1;
    }
    buffer.copyWithin(0, from, end);
    carried = end - from;
    if (batch.length > before) yield batch;
  }
  if (carried > 0 && !skipping) {
    const last = batchFor(carried);
    const before = last.length;
    handleLine(buffer, 0, carried, last);
    if (last.length > before) yield last;
  }
}

/** One line `bytes[from, to)`: a header sets the layout of the lines after it; any other line is parsed into `out`. */
function readLine(
  bytes: Buffer,
  from: number,
  to: number,
  out: RecordColumns,
  parser: FlowLineParser,
  state: LineState,
  here: () => string,
) {
  state.lineNumber++;
  // Only a line starting with a lower-case letter can be a header: decode nothing for data lines.
  const first = bytes[from]!;
  if (first >= 97 && first <= 122) {
    const text = bytes.toString('latin1', from, to);
    if (isHeaderLine(text)) {
      state.layout = headerLayout(text, parser, state, here);
      return;
    }
  }
  parser.parseInto(bytes, from, to, state.layout, here, out);
}

/** A header line that lacks what detection needs, or names a field twice. */
export class HeaderError extends Error {}

function headerLayout(text: string, parser: FlowLineParser, state: LineState, here: () => string): FieldLayout {
  parser.stats.headers++;
  const fields = headerFields(text);
  state.headers.push(fields);
  try {
    return layoutOf(fields.split(' '));
  } catch (error) {
    throw new HeaderError(`${here()}: ${(error as Error).message}`, { cause: error });
  }
}
