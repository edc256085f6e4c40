import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DEFAULT_LAYOUT, FlowLineParser, isHeaderLine, layoutOf, type FieldLayout, type FlowRecord, type ParseStats } from './flow-log-parser';

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

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
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
 * version 2 order. Yields records in batches; unusable lines are counted in `stats`.
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
    for (const file of this.input.files) yield* this.readFile(file);
  }

  private async *readFile(file: string): AsyncGenerator<FlowRecord[]> {
    const gzip = await isGzip(file);
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const stream = gzip ? raw.pipe(createGunzip()) : raw;
    const bytesBefore = this.bytesRead;
    raw.on('error', (error) => stream.destroy(error));
    let layout: FieldLayout = DEFAULT_LAYOUT;
    let lineNumber = 0;
    let rest: Buffer | undefined;
    const where = () => `${file}:${lineNumber}`;
    const parser = this.parser;
    // Lines are parsed straight from the bytes read: no string per line (flow logs are ASCII,
    // read as latin1). Only the line split across two chunks is copied.
    const handleLine = (bytes: Buffer, from: number, to: number, out: FlowRecord[]) => {
      lineNumber++;
      const first = bytes[from]!;
      if (first >= 97 && first <= 122) {
        const text = bytes.toString('latin1', from, to);
        if (isHeaderLine(text)) {
          layout = this.header(text, where);
          return;
        }
      }
      const record = parser.parseBytes(bytes, from, to, layout, where);
      if (record) out.push(record);
    };
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        this.bytesRead = bytesBefore + raw.bytesRead;
        this.options.onBytes?.(this.bytesRead);
        const batch: FlowRecord[] = [];
        let from = 0;
        if (rest !== undefined) {
          const nl = chunk.indexOf(10);
          if (nl === -1) {
            rest = Buffer.concat([rest, chunk]);
            continue;
          }
          const joined = Buffer.concat([rest, chunk.subarray(0, nl)]);
          rest = undefined;
          handleLine(joined, 0, joined.length, batch);
          from = nl + 1;
        }
        for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
          handleLine(chunk, from, nl, batch);
          from = nl + 1;
        }
        if (from < chunk.length) rest = Buffer.from(chunk.subarray(from));
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    const last: FlowRecord[] = [];
    if (rest !== undefined) handleLine(rest, 0, rest.length, last);
    if (last.length > 0) yield last;
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
