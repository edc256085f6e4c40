/**
 * The time one run's bin writes may take (docs/failure-handling.md, Hung calls). Writes run many
 * calls at once and in waves; a store that does not answer would make each of them wait its own
 * timeouts. So no write call starts at or after the run's write deadline, every call is aborted
 * when the deadline comes (the run's signal), and the first call that times out or is aborted
 * stops the run's other writes at once: the store is not answering, and the minutes not written
 * are counted failed and re-queried by the next runs.
 */
import type { WriteDeadline } from '../../core/packet-bin-store';

/** A write that was not made, or not finished, for want of time: its minute is counted failed. */
export class WriteStoppedError extends Error {
  override readonly name = 'WriteStoppedError';
}

/** The errors of a call that did not answer: the SDK's request timeout, or the abort of the call. */
export function isHungCallError(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

export class WriteBudget {
  private readonly stop = new AbortController();
  private reason?: string;
  /** Aborts every call in flight at the deadline, or when a call has not answered. */
  readonly signal: AbortSignal;

  constructor(
    private readonly now: () => number,
    private readonly deadline: WriteDeadline | undefined,
  ) {
    this.signal = deadline ? AbortSignal.any([deadline.signal, this.stop.signal]) : this.stop.signal;
  }

  /** Throws WriteStoppedError when no further write call may start. */
  check(): void {
    if (this.reason) throw new WriteStoppedError(this.reason);
    if (this.pastDeadline()) throw new WriteStoppedError(this.deadlineReason());
  }

  private pastDeadline(): boolean {
    return this.deadline !== undefined && (this.deadline.signal.aborted || this.now() >= this.deadline.deadlineMs);
  }

  private deadlineReason(): string {
    return `no time left: the run's write deadline ${new Date(this.deadline?.deadlineMs ?? 0).toISOString()} has passed`;
  }

  /** Whether a wait of `ms` before the next attempt still ends before the deadline. */
  fits(ms: number): boolean {
    return !this.reason && (!this.deadline || this.now() + ms < this.deadline.deadlineMs);
  }

  /** A call failed with `error`: one that did not answer stops the rest of the run's writes. */
  failed(error: unknown): void {
    if (this.reason || !isHungCallError(error)) return;
    this.reason = this.pastDeadline()
      ? this.deadlineReason()
      : `stopped: a write of this run did not answer (${(error as Error).name}: ${(error as Error).message})`;
    this.stop.abort(new WriteStoppedError(this.reason));
  }
}
