import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { FlowRecord } from '../../core/flow-log-format';
import { FlowLineParser, type ParseStats } from './flow-log-parser';
import type { RecordColumns, SourceInfo } from './record-columns';
import { isGzip, openBytes, readLines, startState } from './line-reader';
import { readInParallel } from './parallel-read';
import { readBins } from './bin-read';
import { unusableReason } from './file-check';
import type { PacketBinTable } from './packet-bins';
import type { BinFilter } from './parse-worker';

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

export interface ReadOptions {
  readonly vpcCidrs: readonly string[];
  /** Called with the bytes read from disk so far (for a progress bar). */
  readonly onBytes?: (bytesRead: number) => void;
  /** Threads for one large uncompressed file (default: the cores, at most 4); 1 reads in one pass. */
  readonly threads?: number;
  /** Smallest uncompressed file read on several threads (default 64 MiB). */
  readonly parallelFromBytes?: number;
}

const PARALLEL_FROM_BYTES = 64 << 20;
const MAX_THREADS = 4;

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
  /** Files read on several threads so far. */
  filesReadInParallel = 0;
  /** Files passed over as not usable flow logs, each with the reason (see file-check.ts). */
  readonly skippedFiles: { readonly file: string; readonly reason: string }[] = [];
  private usable: Promise<string[]> | undefined;

  constructor(
    private readonly input: FlowLogInput,
    private readonly options: ReadOptions,
  ) {
    this.parser = new FlowLineParser(options.vpcCidrs);
  }

  get stats(): ParseStats {
    return this.parser.stats;
  }

  /** What each source id of the columns or bins read so far stands for. */
  sources(): readonly SourceInfo[] {
    return this.parser.sources();
  }

  async *batches(): AsyncGenerator<FlowRecord[]> {
    for await (const columns of this.columns()) yield columns.records();
  }

  /**
   * The packet bins of ingress ACCEPT records to the listener, binned by the worker threads while
   * they read (files in parallel, gzip too); counts and warnings as `columns()` gives them.
   */
  async bins(filter: BinFilter): Promise<PacketBinTable> {
    const { vpcCidrs, threads, parallelFromBytes, onBytes } = this.options;
    const bins = await readBins(await this.usableFiles(), this.parser, { vpcCidrs, filter, threads, parallelFromBytes, onBytes });
    this.options.onBytes?.(this.input.totalBytes);
    return bins;
  }

  /** One batch of columns per chunk read; each batch is new (callers may keep them). */
  async *columns(): AsyncGenerator<RecordColumns> {
    for (const file of await this.usableFiles()) yield* this.readFile(file);
  }

  /**
   * The files that are usable flow logs; the others are skipped, each noted in `skippedFiles`.
   * Throws when files were given and none is usable: there would be nothing to replay.
   */
  usableFiles(): Promise<string[]> {
    this.usable ??= (async () => {
      const usable: string[] = [];
      for (const file of this.input.files) {
        const reason = await unusableReason(file).catch((error: unknown) => `cannot read it: ${(error as Error).message}`);
        if (reason === undefined) usable.push(file);
        else this.skippedFiles.push({ file, reason });
      }
      if (usable.length === 0 && this.input.files.length > 0) {
        const reasons = this.skippedFiles.map((s) => `${s.file}: ${s.reason}`).join('; ');
        throw new Error(`none of the ${this.input.files.length} file(s) is a usable flow log: ${reasons}`);
      }
      return usable;
    })();
    return this.usable;
  }

  private async *readFile(file: string): AsyncGenerator<RecordColumns> {
    const joined = await this.readLargeFileInParallel(file).catch((error: unknown) => {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    });
    if (joined) {
      this.filesReadInParallel++;
      yield* joined;
      return;
    }
    const source = await openBytes(file).catch((error: unknown) => {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    });
    const bytesBefore = this.bytesRead;
    try {
      for await (const batch of readLines(source, this.parser, startState(), (line) => `${file}:${line}`)) {
        this.bytesRead = bytesBefore + source.rawBytesRead();
        this.options.onBytes?.(this.bytesRead);
        yield batch;
      }
      this.bytesRead = bytesBefore + source.rawBytesRead();
      this.options.onBytes?.(this.bytesRead);
    } catch (error) {
      // A header without the fields detection needs already names file and line.
      if ((error as Error).message.startsWith(`${file}:`)) throw error;
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
    } finally {
      await source.close();
    }
  }

  /** The file's columns read on several threads; undefined when it is to be read in one pass. */
  private async readLargeFileInParallel(file: string): Promise<RecordColumns[] | undefined> {
    const threads = this.options.threads ?? Math.min(availableParallelism(), MAX_THREADS);
    const size = (await stat(file)).size;
    if (threads < 2 || size < (this.options.parallelFromBytes ?? PARALLEL_FROM_BYTES) || (await isGzip(file))) return undefined;
    const bytesBefore = this.bytesRead;
    const onBytes = (bytes: number) => {
      this.bytesRead = bytesBefore + bytes;
      this.options.onBytes?.(this.bytesRead);
    };
    const joined = await readInParallel(file, size, this.parser, { threads, vpcCidrs: this.options.vpcCidrs, onBytes });
    if (joined) onBytes(size);
    else this.bytesRead = bytesBefore;
    return joined;
  }
}
