/**
 * AbortSignal.timeout on a simulated clock: each signal is aborted, with the reason the real one
 * gives (a TimeoutError DOMException), once the clock reaches its time. Whoever moves the clock
 * calls `fire` after each move.
 */
export class ClockSignals {
  private pending: { readonly atMs: number; readonly controller: AbortController }[] = [];

  constructor(private readonly now: () => number) {}

  /** A signal aborted when the clock reaches `atMs` (at once if it already has). */
  readonly signalAt = (atMs: number): AbortSignal => {
    const controller = new AbortController();
    this.pending.push({ atMs, controller });
    this.fire();
    return controller.signal;
  };

  /** Aborts every signal whose time has come. */
  fire(): void {
    const now = this.now();
    const due = this.pending.filter((p) => p.atMs <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((p) => p.atMs > now);
    for (const { controller } of due) controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }
}
