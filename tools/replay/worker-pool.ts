/**
 * Parse workers (parse-worker.ts) kept for a whole read: jobs queue until a worker is free, and
 * each worker takes job after job, so reading many small files costs no thread start per file.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { RangeJob, RangeResult, WorkerMessage } from './parse-worker';

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

/** What a job's messages are handed to while it runs (columns, progress). */
export type JobListener = (message: WorkerMessage) => void;

interface Queued {
  readonly job: RangeJob;
  readonly listener: JobListener;
  readonly resolve: (result: RangeResult | undefined) => void;
  readonly reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Queued[] = [];
  private closed = false;

  private constructor(
    private readonly code: string,
    private readonly threads: number,
  ) {}

  static async open(threads: number): Promise<WorkerPool> {
    return new WorkerPool(await bundledWorker(), threads);
  }

  /** Runs a job; its result, or undefined when its header is unusable (the caller reads the file in one pass). */
  run(job: RangeJob, listener: JobListener = () => {}): Promise<RangeResult | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, listener, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    if (this.queue.length === 0 || this.closed) return;
    let worker = this.idle.pop();
    if (!worker && this.all.length < this.threads) {
      worker = new Worker(this.code, { eval: true });
      this.all.push(worker);
    }
    if (!worker) return;
    const next = this.queue.shift();
    if (!next) {
      this.idle.push(worker);
      return;
    }
    this.start(worker, next);
  }

  private start(worker: Worker, queued: Queued): void {
    const finish = (settle: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      settle();
      this.idle.push(worker);
      this.dispatch();
    };
    const onMessage = (message: WorkerMessage) => {
      if (message.kind === 'done') finish(() => queued.resolve(message.result));
      else if (message.kind === 'unusable-header') finish(() => queued.resolve(undefined));
      else if (message.kind === 'failed') finish(() => queued.reject(new Error(message.message)));
      else queued.listener(message);
    };
    const onError = (error: Error) => queued.reject(error);
    const onExit = (code: number) => {
      if (!this.closed) queued.reject(new Error(`flow-log reader thread stopped with exit code ${code}`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(queued.job);
  }
}
