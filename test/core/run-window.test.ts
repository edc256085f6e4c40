import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BIN_MS, minuteQueryRange, planRun, requeryAges } from '../../core/run-window';

const T = Date.UTC(2026, 10, 25, 12, 34, 56, 789);

describe('planRun', () => {
  it('(every-run, the reference schedule) re-queries the last complete minutes and starts the window W complete minutes back', () => {
    // Act
    const plan = planRun(T, { windowMinutes: 60, requeryMinutes: 3, schedule: 'every-run' });

    // Assess
    expect(plan.endMs).toBe(Date.UTC(2026, 10, 25, 12, 34));
    expect(plan.minuteStartsMs).toEqual([Date.UTC(2026, 10, 25, 12, 31), Date.UTC(2026, 10, 25, 12, 32), Date.UTC(2026, 10, 25, 12, 33)]);
    // now - (W + now % B): 11:34:00.000, so exactly 60 complete minutes are in the window.
    expect(plan.windowStartMs).toBe(Date.UTC(2026, 10, 25, 11, 34));
  });

  it('at an exact minute boundary the current minute is not re-queried', () => {
    const plan = planRun(Date.UTC(2026, 0, 1, 0, 10), { windowMinutes: 5, requeryMinutes: 1, schedule: 'every-run' });
    expect(plan.minuteStartsMs).toEqual([Date.UTC(2026, 0, 1, 0, 9)]);
    expect(plan.windowStartMs).toBe(Date.UTC(2026, 0, 1, 0, 5));
  });

  it('rejects non-integer clocks and spans', () => {
    expect(() => planRun(1.5, { windowMinutes: 60, requeryMinutes: 10 })).toThrow(/epoch milliseconds/);
    expect(() => planRun(T, { windowMinutes: 0, requeryMinutes: 10 })).toThrow(/windowMinutes/);
    expect(() => planRun(T, { windowMinutes: 60, requeryMinutes: 2.5 })).toThrow(/requeryMinutes/);
  });

  it('property: minutes are whole, consecutive, complete and inside the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 60 }),
        (now, w, r) => {
          const plan = planRun(now, { windowMinutes: Math.max(w, r), requeryMinutes: r, schedule: 'every-run' });
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

  it('R = 10: ages 1, 2, 4, 7 and 10 in a first-half run; 1 and 10 in a second-half run', () => {
    expect(requeryAges(10, true)).toEqual([1, 2, 4, 7, 10]);
    expect(requeryAges(10, false)).toEqual([1, 10]);
    expect(planRun(minute(34, 5), { windowMinutes: 60, requeryMinutes: 10 }).minuteStartsMs).toEqual([
      minute(24),
      minute(27),
      minute(30),
      minute(32),
      minute(33),
    ]);
    expect(planRun(minute(34, 35), { windowMinutes: 60, requeryMinutes: 10 }).minuteStartsMs).toEqual([minute(24), minute(33)]);
  });

  it('small reaches keep the first and last looks', () => {
    expect(requeryAges(1, true)).toEqual([1]);
    expect(requeryAges(2, false)).toEqual([1, 2]);
    expect(requeryAges(3, true)).toEqual([1, 2, 3]);
    expect(requeryAges(3, false)).toEqual([1, 3]);
  });

  /** Two runs a minute, the first 0-15 s into the minute, the second 30-45 s; which ages of minute m get queried, and when. */
  function lookTimes(r: number, jitter: readonly [number, number][]): number[] {
    const looks: number[] = [];
    const minuteEnd = 0;
    jitter.forEach(([first, second], k) => {
      for (const [offset, firstHalf] of [
        [first, true],
        [30_000 + second, false],
      ] as const) {
        const now = minuteEnd + k * BIN_MS + offset;
        const age = k + 1; // minute boundaries passed since the minute ended, at this run
        if (requeryAges(r, firstHalf).includes(age)) looks.push(now - minuteEnd);
      }
    });
    return looks;
  }

  it('property: every minute is looked at last at least R - 1/2 minutes after it ended, and right after it ended', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15_000 }), fc.integer({ min: 0, max: 15_000 })), { minLength: 61, maxLength: 61 }),
        (r, jitter) => {
          const looks = lookTimes(r, jitter);
          expect(Math.max(...looks)).toBeGreaterThanOrEqual((r - 1) * BIN_MS + FIRST_HALF);
          expect(Math.min(...looks)).toBeLessThan(BIN_MS);
          expect(Math.max(...looks)).toBeLessThan(r * BIN_MS);
        },
      ),
    );
  });

  it('property: a minute is queried fewer times than every-run would (2R), and about sqrt(2R) times per half at most', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), (r) => {
        const queries = requeryAges(r, true).length + requeryAges(r, false).length;
        expect(queries).toBeLessThan(2 * r);
        expect(queries).toBeLessThanOrEqual(2 * Math.ceil(Math.sqrt(2 * r)) + 4);
        expect(requeryAges(r, true, 'every-run').length + requeryAges(r, false, 'every-run').length).toBe(2 * r);
      }),
    );
  });

  it('property: ages are distinct, ascending, within 1..R, always with 1 and R', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.boolean(), (r, firstHalf) => {
        const ages = requeryAges(r, firstHalf);
        expect(ages).toEqual([...new Set(ages)].sort((a, b) => a - b));
        expect(ages[0]).toBe(1);
        expect(ages.at(-1)).toBe(r);
      }),
    );
  });
});

const FIRST_HALF = 30_000;
