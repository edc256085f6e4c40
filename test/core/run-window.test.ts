import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BIN_MS, minuteQueryRange, planRun } from '../../core/run-window';

const T = Date.UTC(2026, 10, 25, 12, 34, 56, 789);

describe('planRun', () => {
  it('re-queries the last complete minutes and starts the window W complete minutes back', () => {
    // Act
    const plan = planRun(T, { windowMinutes: 60, requeryMinutes: 3 });

    // Assess
    expect(plan.endMs).toBe(Date.UTC(2026, 10, 25, 12, 34));
    expect(plan.minuteStartsMs).toEqual([Date.UTC(2026, 10, 25, 12, 31), Date.UTC(2026, 10, 25, 12, 32), Date.UTC(2026, 10, 25, 12, 33)]);
    // now - (W + now % B): 11:34:00.000, so exactly 60 complete minutes are in the window.
    expect(plan.windowStartMs).toBe(Date.UTC(2026, 10, 25, 11, 34));
  });

  it('at an exact minute boundary the current minute is not re-queried', () => {
    const plan = planRun(Date.UTC(2026, 0, 1, 0, 10), { windowMinutes: 5, requeryMinutes: 1 });
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
      fc.property(fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 60 }), (now, w, r) => {
        const plan = planRun(now, { windowMinutes: Math.max(w, r), requeryMinutes: r });
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
      }),
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
