import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DEFAULT_LAYOUT, FlowLineParser, isHeaderLine, layoutOf, type FieldLayout, type FlowRecord, type ParseStats, type RecordColumns } from './flow-log-parser';

export interface FlowLogInput {
  readonly files: readonly string[];
  /** Sum of the files' sizes on disk (compressed bytes for .gz), for progress. */
  readonly totalBytes: number;
}

/**
 * Resolves a file or a directory (all regular files under it, recursively, in name order;
 * hidden files skipped) into the list of files to read. Throws a clear error when nothing is readable.
 */
export async function resolveFlowLogInput(path: string): Promise<FlowLogInput> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new Error(`cannot read flow logs at ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const files: { path: string; size: number }[] = [];
  if (info.isDirectory()) {
    await collectFiles(path, files);
    if (files.length === 0) throw new Error(`directory ${path} holds no flow-log files`);
  } else if (info.isFile()) {
    files.push({ path, size: info.size });
  } else {
    throw new Error(`${path} is neither a file nor a directory`);
  }
  return { files: files.map((f) => f.path), totalBytes: files.reduce((sum, f) => sum + f.size, 0) };
}

async function collectFiles(dir: string, into: { path: string; size: number }[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await collectFiles(path, into);
    else if (entry.isFile()) into.push({ path, size: (await stat(path)).size });
  }
}

const CHUNK_BYTES = 1 << 20;

/** A file's bytes, filled into the caller's buffer; gzip (by its magic bytes) inflated on the way. */
interface ByteSource {
  /** Fills `buffer` from `offset`; 0 at the end. */
  fill(buffer: Buffer, offset: number): Promise<number>;
  /** Bytes read from disk (compressed bytes for gzip), for progress. */
  rawBytesRead(): number;
  close(): Promise<void>;
}

async function openBytes(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(2);
  const { bytesRead } = await handle.read(magic, 0, 2, 0);
  if (bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    await handle.close();
    return gunzipped(path);
  }
  let raw = 0;
  return {
    async fill(buffer, offset) {
      const { bytesRead: read } = await handle.read(buffer, offset, buffer.length - offset, raw);
      raw += read;
      return read;
    },
    rawBytesRead: () => raw,
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

export interface ReadOptions {
  readonly vpcCidrs: readonly string[];
  /** Called with the bytes read from disk so far (for a progress bar). */
  readonly onBytes?: (bytesRead: number) => void;
}

/**
 * Streams flow records out of files as delivered to S3 or exported from CloudWatch Logs:
 * optional gzip (recognised by its magic bytes), an optional header line naming the fields
 * (any order; a header may recur where objects were concatenated), otherwise the default
 * version 2 order. Yields records in batches, as objects or (for millions of records) as columns;
 * unusable lines are counted in `stats`.
 */
export class FlowLogReader {
  private readonly parser: FlowLineParser;
  private bytesRead = 0;

  constructor(private readonly input: FlowLogInput, private readonly options: ReadOptions) {
    this.parser = new FlowLineParser(options.vpcCidrs);
  }

  get stats(): ParseStats {
    return this.parser.stats;
  }

  async *batches(): AsyncGenerator<FlowRecord[]> {
    for await (const columns of this.columns()) yield columns.records();
  }

  /** One batch of columns per chunk read; each batch is new (callers may keep them). */
  async *columns(): AsyncGenerator<RecordColumns> {
    for (const file of this.input.files) yield* this.readFile(file);
  }

  private async *readFile(file: string): AsyncGenerator<RecordColumns> {
    const source = await openBytes(file);
    const bytesBefore = this.bytesRead;
    let layout: FieldLayout = DEFAULT_LAYOUT;
    let lineNumber = 0;
    const where = () => `${file}:${lineNumber}`;
    const parser = this.parser;
    const handleLine = (bytes: Buffer, from: number, to: number, out: RecordColumns) => {
      lineNumber++;
      const first = bytes[from]!;
      if (first >= 97 && first <= 122) {
        const text = bytes.toString('latin1', from, to);
        if (isHeaderLine(text)) {
          layout = this.header(text, where);
          return;
        }
      }
      parser.parseInto(bytes, from, to, layout, where, out);
    };
    // Lines are parsed straight from the bytes read into one reused buffer: no string per line
    // (flow logs are ASCII, read as latin1). The unfinished last line moves to the front.
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let carried = 0;
    let skipping = false;
    try {
      for (;;) {
        if (carried === buffer.length) {
          // No newline in a whole buffer: no flow-log line is that long. Count it, skip to the next newline.
          lineNumber++;
          parser.reject(where, `line longer than ${CHUNK_BYTES} bytes`);
          carried = 0;
          skipping = true;
        }
        const read = await source.fill(buffer, carried);
        this.bytesRead = bytesBefore + source.rawBytesRead();
        this.options.onBytes?.(this.bytesRead);
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
        // Flow-log lines are about 100 bytes: size the columns to the bytes so they rarely grow.
        const batch = parser.newColumns(Math.max(64, read >> 6));
        for (let nl = view.indexOf(10, Math.max(from, carried)); nl !== -1; nl = view.indexOf(10, nl + 1)) {
          handleLine(buffer, from, nl, batch);
          from = nl + 1;
        }
        buffer.copyWithin(0, from, end);
        carried = end - from;
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    } finally {
      await source.close();
    }
    if (carried > 0 && !skipping) {
      const last = parser.newColumns(1);
      handleLine(buffer, 0, carried, last);
      if (last.length > 0) yield last;
    }
  }

  private header(line: string, where: () => string): FieldLayout {
    this.parser.stats.headers++;
    try {
      return layoutOf(line.trim().split(/[ \t]+/));
    } catch (error) {
      throw new Error(`${where()}: ${(error as Error).message}`, { cause: error });
    }
  }
}
