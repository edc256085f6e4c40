/**
 * Time arithmetic of one summarizer run (docs/architecture.md, Detection), in epoch milliseconds.
 *
 * Bins are one minute wide. A run at `now` re-queries some of the last `requeryMinutes` COMPLETE
 * minutes before its execution's minute, chosen by age and by its run number (requeryAges; the
 * current, still-filling minute is never queried), and judges the baseline over
 * every bin that starts at or after `now - (window + now % bin)`: the last `windowMinutes`
 * complete minutes.
 */
export const BIN_SECONDS = 60;
export const BIN_MS = BIN_SECONDS * 1000;

/**
 * Which of the last `requeryMinutes` complete minutes a run re-queries.
 * - `every-run`: all of them, every run (the reference, with 5 minutes).
 * - `by-age`: see requeryAges; the default.
 * - `every-minute`: all of them in the first run of each minute, ages 1 and `requeryMinutes` in the
 *   second; `every-minute-once`: the same, age 1 only in the second. The benchmark's alternatives
 *   (docs/benchmark.md, Detection): a delivered minute waits at most a minute for its query.
 */
export type RequerySchedule = 'by-age' | 'every-run' | 'every-minute' | 'every-minute-once';

export interface RunWindowOptions {
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  /** @default 'by-age' */
  readonly schedule?: RequerySchedule;
}

/** Which run of its state-machine execution a summarizer run is: the first, or the one 30 s after it ended. */
export type RunNumber = 1 | 2;

/** What the state machine tells a run about itself (docs/architecture.md, Re-query of late minutes). */
export interface ScheduledRun {
  readonly run: RunNumber;
  /** When the execution started, epoch ms: both of its runs count ages from this minute. */
  readonly executionStartMs: number;
}

/**
 * The re-query schedule by age. A minute's age is how many minute boundaries had passed since it
 * ended when the run's execution started (1 = the latest complete minute). Late flow-log records
 * keep arriving for minutes, and a query of a minute scans every byte delivered for it so far, so
 * each query of an old minute re-scans what earlier queries already saw. The schedule therefore
 * queries:
 *
 * - age 1 in every run: new minutes are judged as soon as possible;
 * - ages 2, 4, 7, 11, 16, ... (gaps growing by one) below `requeryMinutes`, in first runs only:
 *   records that arrive late still reach the baseline within a few minutes;
 * - age `requeryMinutes` in every run: the last look, made twice so that a missed or delayed run
 *   never loses it. The second run starts at least 30 s after its execution (it follows a 30 s
 *   wait), so it sees the minute at least (R - 1) minutes and 30 s after the minute ended, wherever
 *   in the minute EventBridge started the execution and however long the first run took: a record
 *   is counted when it is delivered within R - 1/2 minutes of its minute's end (default R = 10:
 *   9.5 minutes, beyond the about 5 minutes flow logs usually take).
 *
 * With R = 10 a minute is queried 7 times instead of the reference's 10, and mostly when little of
 * it has arrived: see the benchmark for bytes scanned per byte ingested.
 */
export function requeryAges(requeryMinutes: number, run: RunNumber, schedule: RequerySchedule = 'by-age'): number[] {
  assertWholeMinutes('requeryMinutes', requeryMinutes);
  const all = Array.from({ length: requeryMinutes }, (_, i) => i + 1);
  if (schedule === 'every-run' || (run === 1 && schedule !== 'by-age')) return all;
  if (schedule === 'every-minute-once') return [1];
  if (schedule === 'every-minute') return [...new Set([1, requeryMinutes])];
  const ages = new Set([1, requeryMinutes]);
  if (run === 1) for (let age = 2, gap = 2; age < requeryMinutes; age += gap, gap++) ages.add(age);
  return [...ages].sort((a, b) => a - b);
}

export interface RunWindow {
  /** The run's clock reading; also the version of every bin it writes. */
  readonly runAtMs: number;
  /** Start of the current (incomplete) minute: every re-queried minute ends at or before it. */
  readonly endMs: number;
  /** Start of the minute the run's execution started in (at most endMs): ages count back from it. */
  readonly scheduleEndMs: number;
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

/**
 * The minutes one run re-queries and the window it judges. Ages count from the minute its
 * execution started in, not from the run's own clock: EventBridge starts an execution anywhere in
 * the minute and a slow first run delays the second, so both runs can fall in one half of a minute,
 * or the second in the next minute, and only the execution's minute keeps the reach above. An
 * execution start later than the run's own minute (clock skew) counts as the run's minute, so
 * every minute queried is complete.
 */
export function planRun(nowMs: number, options: RunWindowOptions, scheduled: ScheduledRun): RunWindow {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError(`now must be epoch milliseconds, got ${nowMs}`);
  if (!Number.isSafeInteger(scheduled.executionStartMs) || scheduled.executionStartMs < 0)
    throw new RangeError(`the execution start must be epoch milliseconds, got ${scheduled.executionStartMs}`);
  assertWholeMinutes('windowMinutes', options.windowMinutes);
  assertWholeMinutes('requeryMinutes', options.requeryMinutes);
  const intoMinute = nowMs % BIN_MS;
  const endMs = nowMs - intoMinute;
  const scheduleEndMs = Math.min(endMs, scheduled.executionStartMs - (scheduled.executionStartMs % BIN_MS));
  const ages = requeryAges(options.requeryMinutes, scheduled.run, options.schedule);
  const minuteStartsMs = ages.map((age) => scheduleEndMs - age * BIN_MS).sort((a, b) => a - b);
  return {
    runAtMs: nowMs,
    endMs,
    scheduleEndMs,
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
