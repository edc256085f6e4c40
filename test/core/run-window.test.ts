import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BIN_MS, minuteQueryRange, planRun, requeryAges, type RunNumber } from '../../core/run-window';

const T = Date.UTC(2026, 10, 25, 12, 34, 56, 789);

describe('planRun', () => {
  it('(every-run, the reference schedule) re-queries the last complete minutes and starts the window W complete minutes back', () => {
    // Act
    const plan = planRun(T, { windowMinutes: 60, requeryMinutes: 3, schedule: 'every-run' }, { run: 1, executionStartMs: T });

    // Assess
    expect(plan.endMs).toBe(Date.UTC(2026, 10, 25, 12, 34));
    expect(plan.minuteStartsMs).toEqual([Date.UTC(2026, 10, 25, 12, 31), Date.UTC(2026, 10, 25, 12, 32), Date.UTC(2026, 10, 25, 12, 33)]);
    // now - (W + now % B): 11:34:00.000, so exactly 60 complete minutes are in the window.
    expect(plan.windowStartMs).toBe(Date.UTC(2026, 10, 25, 11, 34));
  });

  it('at an exact minute boundary the current minute is not re-queried', () => {
    const at = Date.UTC(2026, 0, 1, 0, 10);
    const plan = planRun(at, { windowMinutes: 5, requeryMinutes: 1, schedule: 'every-run' }, { run: 1, executionStartMs: at });
    expect(plan.minuteStartsMs).toEqual([Date.UTC(2026, 0, 1, 0, 9)]);
    expect(plan.windowStartMs).toBe(Date.UTC(2026, 0, 1, 0, 5));
  });

  it('rejects non-integer clocks and spans', () => {
    const first = { run: 1, executionStartMs: T } as const;
    expect(() => planRun(1.5, { windowMinutes: 60, requeryMinutes: 10 }, first)).toThrow(/now must be epoch milliseconds/);
    expect(() => planRun(T, { windowMinutes: 60, requeryMinutes: 10 }, { run: 2, executionStartMs: Number.NaN })).toThrow(
      /execution start must be epoch milliseconds/,
    );
    expect(() => planRun(T, { windowMinutes: 0, requeryMinutes: 10 }, first)).toThrow(/windowMinutes/);
    expect(() => planRun(T, { windowMinutes: 60, requeryMinutes: 2.5 }, first)).toThrow(/requeryMinutes/);
  });

  it('property: minutes are whole, consecutive, complete and inside the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 60 }),
        (now, w, r) => {
          const plan = planRun(
            now,
            { windowMinutes: Math.max(w, r), requeryMinutes: r, schedule: 'every-run' },
            { run: 1, executionStartMs: now },
          );
          expect(plan.minuteStartsMs).toHaveLength(r);
          plan.minuteStartsMs.forEach((m, i) => {
            expect(m % BIN_MS).toBe(0);
            expect(m + BIN_MS).toBeLessThanOrEqual(now);
            if (i > 0) expect(m - (plan.minuteStartsMs[i - 1] as number)).toBe(BIN_MS);
          });
          expect(plan.minuteStartsMs.at(-1)).toBe(plan.endMs - BIN_MS);
          expect(plan.windowStartMs % BIN_MS).toBe(0);
          expect(plan.minuteStartsMs[0]).toBeGreaterThanOrEqual(plan.windowStartMs);
          expect((plan.endMs - plan.windowStartMs) / BIN_MS).toBe(Math.max(w, r));
        },
      ),
    );
  });
});

describe('minuteQueryRange', () => {
  it('covers the minute with inclusive second bounds [m, m + 59]', () => {
    expect(minuteQueryRange(Date.UTC(2026, 0, 1, 0, 1))).toEqual({ startTime: 1767225660, endTime: 1767225719 });
  });

  it('rejects a time that is not a minute start', () => {
    expect(() => minuteQueryRange(Date.UTC(2026, 0, 1, 0, 1, 30))).toThrow(/not the start of a minute/);
  });
});

describe('re-query schedule by age', () => {
  const minute = (mm: number, ss = 0) => Date.UTC(2026, 10, 25, 12, mm, ss);
  const options = { windowMinutes: 60, requeryMinutes: 10 };

  it('R = 10: ages 1, 2, 4, 7 and 10 in a first run; 1 and 10 in a second run', () => {
    expect(requeryAges(10, 1)).toEqual([1, 2, 4, 7, 10]);
    expect(requeryAges(10, 2)).toEqual([1, 10]);
    expect(planRun(minute(34, 5), options, { run: 1, executionStartMs: minute(34, 5) }).minuteStartsMs).toEqual([
      minute(24),
      minute(27),
      minute(30),
      minute(32),
      minute(33),
    ]);
    expect(planRun(minute(34, 35), options, { run: 2, executionStartMs: minute(34, 5) }).minuteStartsMs).toEqual([minute(24), minute(33)]);
  });

  it('plans by the run number, not by the half of the minute the run wakes in', () => {
    // An execution started at 12:34:29 whose first run took 1 s: both runs wake in one half of 12:34... and 12:35.
    expect(planRun(minute(34, 59), options, { run: 2, executionStartMs: minute(34, 29) }).minuteStartsMs).toEqual([minute(24), minute(33)]);
    // A second run woken in the first half of the next minute still counts ages from its execution's minute.
    const late = planRun(minute(35, 20), options, { run: 2, executionStartMs: minute(34, 40) });
    expect(late.minuteStartsMs).toEqual([minute(24), minute(33)]);
    expect(late).toMatchObject({ endMs: minute(35), scheduleEndMs: minute(34), runAtMs: minute(35, 20), windowStartMs: minute(-25) });
    // A first run woken in the second half queries the intermediate ages all the same.
    expect(planRun(minute(34, 59), options, { run: 1, executionStartMs: minute(34, 59) }).minuteStartsMs).toHaveLength(5);
  });

  it('counts an execution start later than the run (clock skew) as the run own minute: every minute queried is complete', () => {
    const plan = planRun(minute(34, 59), options, { run: 1, executionStartMs: minute(35, 0) + 3 });
    expect(plan.scheduleEndMs).toBe(minute(34));
    expect(plan.minuteStartsMs.at(-1)).toBe(minute(33));
  });

  it('R < 4 has no intermediate ages; R = 1 queries only the latest minute', () => {
    expect(requeryAges(1, 1)).toEqual([1]);
    expect(requeryAges(2, 2)).toEqual([1, 2]);
    expect(requeryAges(3, 1)).toEqual([1, 2, 3]);
    expect(requeryAges(3, 2)).toEqual([1, 3]);
  });

  /**
   * The schedule as AWS runs it: execution k starts s_k into minute k (EventBridge fires anywhere in
   * the minute), its first run takes d_k (up to the 25 s timeout), the second starts 30 s after the
   * first ended. Returns, for minute 0, how long after it ended each query of it ran.
   */
  function lookTimes(r: number, executions: readonly (readonly [number, number])[]): number[] {
    const looks: number[] = [];
    executions.forEach(([startOffset, firstRunMs], k) => {
      const executionStartMs = 10 * BIN_MS + k * BIN_MS + startOffset;
      for (const [run, at] of [
        [1, executionStartMs],
        [2, executionStartMs + firstRunMs + 30_000],
      ] as const) {
        const plan = planRun(at, { windowMinutes: 60, requeryMinutes: r }, { run: run as RunNumber, executionStartMs });
        for (const m of plan.minuteStartsMs) expect(m + BIN_MS).toBeLessThanOrEqual(at);
        if (plan.minuteStartsMs.includes(10 * BIN_MS)) looks.push(at - 11 * BIN_MS);
      }
    });
    return looks;
  }

  it.each([0, 25, 29, 59])(
    'rule firing %i s into the minute, first run instant or slow (20 s): the last look comes R - 1/2 minutes after the minute or later',
    (seconds) => {
      for (const firstRunMs of [0, 20_000]) {
        const looks = lookTimes(
          10,
          Array.from({ length: 12 }, () => [seconds * 1000, firstRunMs] as const),
        );
        expect(Math.max(...looks)).toBe(9 * BIN_MS + seconds * 1000 + firstRunMs + 30_000);
        expect(Math.max(...looks)).toBeGreaterThanOrEqual(9.5 * BIN_MS);
        expect(looks).toHaveLength(7);
      }
    },
  );

  it('property: every minute is looked at last at least R - 1/2 minutes after it ended, and within a minute of its end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 59_999 }), fc.integer({ min: 0, max: 25_000 })), { minLength: 61, maxLength: 61 }),
        (r, executions) => {
          const looks = lookTimes(r, executions);
          expect(Math.max(...looks)).toBeGreaterThanOrEqual((r - 0.5) * BIN_MS);
          expect(Math.min(...looks)).toBeLessThan(BIN_MS);
          // The last look is the second run of the execution R minutes on: at most 60 + 25 + 30 s into it.
          expect(Math.max(...looks)).toBeLessThan((r - 1) * BIN_MS + 115_000);
        },
      ),
    );
  });

  it('property: a minute is queried fewer times than every-run would (2R), and about sqrt(2R) times per run at most', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), (r) => {
        const queries = requeryAges(r, 1).length + requeryAges(r, 2).length;
        expect(queries).toBeLessThan(2 * r);
        expect(queries).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(2 * r)) + 4);
        expect(requeryAges(r, 1, 'every-run').length + requeryAges(r, 2, 'every-run').length).toBe(2 * r);
      }),
    );
  });

  it('every-minute schedules query every age in the first run; the second run ages 1 and R, or age 1 only', () => {
    // Act
    const first = requeryAges(10, 1, 'every-minute');
    const second = requeryAges(10, 2, 'every-minute');
    const secondOnce = requeryAges(10, 2, 'every-minute-once');

    // Assess
    expect(first).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(requeryAges(10, 1, 'every-minute-once')).toEqual(first);
    expect(second).toEqual([1, 10]);
    expect(secondOnce).toEqual([1]);
    expect(requeryAges(1, 2, 'every-minute')).toEqual([1]);
  });

  it('property: ages are distinct, ascending, within 1..R, always with 1 and R', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.constantFrom<RunNumber>(1, 2), (r, run) => {
        const ages = requeryAges(r, run);
        expect(ages).toEqual([...new Set(ages)].sort((a, b) => a - b));
        expect(ages[0]).toBe(1);
        expect(ages.at(-1)).toBe(r);
      }),
    );
  });
});
