/**
 * Time arithmetic of one summarizer run (DESIGN.md section 3), in epoch milliseconds.
 *
 * Bins are one minute wide. A run at `now` re-queries the last `requeryMinutes` COMPLETE
 * minutes (the current, still-filling minute is never queried) and judges the baseline over
 * every bin that starts at or after `now - (window + now % bin)`: the last `windowMinutes`
 * complete minutes.
 */
export const BIN_SECONDS = 60;
export const BIN_MS = BIN_SECONDS * 1000;

export interface RunWindowOptions {
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
}

export interface RunWindow {
  /** The run's clock reading; also the version of every bin it writes. */
  readonly runAtMs: number;
  /** Start of the current (incomplete) minute: every re-queried minute ends at or before it. */
  readonly endMs: number;
  /** Starts of the re-queried minutes, oldest first. */
  readonly minuteStartsMs: readonly number[];
  /** First bin start included in the baseline. */
  readonly windowStartMs: number;
}

function assertWholeMinutes(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number of minutes >= 1, got ${value}`);
  }
}

export function planRun(nowMs: number, options: RunWindowOptions): RunWindow {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError(`now must be epoch milliseconds, got ${nowMs}`);
  assertWholeMinutes('windowMinutes', options.windowMinutes);
  assertWholeMinutes('requeryMinutes', options.requeryMinutes);
  const intoMinute = nowMs % BIN_MS;
  const endMs = nowMs - intoMinute;
  const minuteStartsMs = Array.from({ length: options.requeryMinutes }, (_, i) => endMs - (options.requeryMinutes - i) * BIN_MS);
  return {
    runAtMs: nowMs,
    endMs,
    minuteStartsMs,
    windowStartMs: nowMs - (options.windowMinutes * BIN_MS + intoMinute),
  };
}

/**
 * The StartQuery time range of one minute bin, in epoch seconds. StartQuery documents both
 * bounds as inclusive, so the range is [m, m + 59]: flow-log events carry whole-second
 * timestamps, hence adjacent minutes never share an event.
 */
export function minuteQueryRange(minuteStartMs: number): { startTime: number; endTime: number } {
  if (minuteStartMs % BIN_MS !== 0) throw new RangeError(`${minuteStartMs} is not the start of a minute`);
  const startTime = minuteStartMs / 1000;
  return { startTime, endTime: startTime + BIN_SECONDS - 1 };
}
