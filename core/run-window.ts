/**
 * Time arithmetic of one summarizer run (docs/architecture.md, Detection), in epoch milliseconds.
 *
 * Bins are one minute wide. A run at `now` re-queries some of the last `requeryMinutes` COMPLETE
 * minutes, chosen by age (requeryAges; the current, still-filling minute is never queried), and judges the baseline over
 * every bin that starts at or after `now - (window + now % bin)`: the last `windowMinutes`
 * complete minutes.
 */
export const BIN_SECONDS = 60;
export const BIN_MS = BIN_SECONDS * 1000;

/**
 * Which of the last `requeryMinutes` complete minutes a run re-queries.
 * - `every-run`: all of them, every run (the reference, with 5 minutes).
 * - `by-age`: see requeryAges; the default.
 */
export type RequerySchedule = 'by-age' | 'every-run';

export interface RunWindowOptions {
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  /** @default 'by-age' */
  readonly schedule?: RequerySchedule;
}

/** Runs in the first half of a minute query the intermediate ages (the schedule runs twice a minute, at about :00 and :30). */
export const FIRST_HALF_MS = 30_000;

/**
 * The re-query schedule by age. A minute's age is how many minute boundaries have passed since it
 * ended (1 = the latest complete minute). Late flow-log records keep arriving for minutes, and a
 * query of a minute scans every byte delivered for it so far, so each query of an old minute
 * re-scans what earlier queries already saw. The schedule therefore queries:
 *
 * - age 1 in every run: new minutes are judged as soon as possible;
 * - ages 2, 4, 7, 11, 16, ... (gaps growing by one) below `requeryMinutes`, in first-half runs only:
 *   records that arrive late still reach the baseline within a few minutes;
 * - age `requeryMinutes` in every run: the last look, made twice so that a missed or delayed run
 *   never loses it. The second-half run then sees the minute (R - 1) minutes and at least 30 s
 *   after it ended: a record is counted when it is delivered within R - 1/2 minutes of its
 *   minute's end (default R = 10: 9.5 minutes, beyond the about 5 minutes flow logs usually take).
 *
 * With R = 10 a minute is queried 7 times instead of the reference's 10, and mostly when little of
 * it has arrived: see the benchmark for bytes scanned per byte ingested.
 */
export function requeryAges(requeryMinutes: number, firstHalf: boolean, schedule: RequerySchedule = 'by-age'): number[] {
  assertWholeMinutes('requeryMinutes', requeryMinutes);
  if (schedule === 'every-run') return Array.from({ length: requeryMinutes }, (_, i) => i + 1);
  const ages = new Set([1, requeryMinutes]);
  if (firstHalf) for (let age = 2, gap = 2; age < requeryMinutes; age += gap, gap++) ages.add(age);
  return [...ages].sort((a, b) => a - b);
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
  const ages = requeryAges(options.requeryMinutes, intoMinute < FIRST_HALF_MS, options.schedule);
  const minuteStartsMs = ages.map((age) => endMs - age * BIN_MS).sort((a, b) => a - b);
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
