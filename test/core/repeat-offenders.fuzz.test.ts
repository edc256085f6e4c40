import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideHolds, holdMinutes, recordBlocks } from '../../core/repeat-offenders';
import { FUZZ_RUNS } from '../support/arbitraries';

const windowMinutes = fc.integer({ min: 5, max: 1_440 });
const maxBlockHours = fc.integer({ min: 1, max: 168 });
const k = fc.integer({ min: 0, max: 64 });

describe('fuzz: the repeat-offender hold', () => {
  it(`is never shorter than the reference rule, grows with k and stops at the cap (${FUZZ_RUNS} cases)`, () => {
    fc.assert(
      fc.property(windowMinutes, maxBlockHours, k, (window, maxHours, count) => {
        // Act
        const hold = holdMinutes(count, window, maxHours);

        // Assess
        expect(hold).toBeGreaterThanOrEqual(window);
        expect(holdMinutes(count + 1, window, maxHours)).toBeGreaterThanOrEqual(hold);
        expect(hold).toBeLessThanOrEqual(Math.max(window, maxHours * 60));
        if (window * 2 ** count <= maxHours * 60) expect(hold).toBe(window * 2 ** count);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it(`never lifts a rule in place before the reference would: a network whose window start passed its last anomalous minute is kept exactly while now < start + hold (${FUZZ_RUNS} cases)`, () => {
    const T0 = Date.parse('2026-03-01T00:00:00Z');
    fc.assert(
      fc.property(
        windowMinutes,
        maxBlockHours,
        fc.array(fc.integer({ min: 0, max: 48 * 60 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 200 * 60 }),
        (window, maxHours, startMinutes, sinceMinutes) => {
          // Prepare: the blocks of one network, the last one in place
          const policy = { windowHours: 24, maxBlockHours: maxHours };
          let state = {};
          for (const at of [...new Set(startMinutes)].sort((a, b) => a - b))
            state = recordBlocks(state, ['198.51.100.1/32'], T0 + at * 60_000, policy);
          const windowStartMs = T0 + Math.max(...startMinutes) * 60_000 + 60_000;
          const nowMs = windowStartMs + sinceMinutes * 60_000;

          // Act
          const { held } = decideHolds({
            state,
            inPlace: ['198.51.100.1/32'],
            keptAnyway: new Set(),
            windowStartMs,
            windowMinutes: window,
            nowMs,
            policy,
          });

          // Assess: kept at least as long as the reference (window start + windowMinutes), never past the cap
          if (sinceMinutes < window) expect(held).toHaveLength(1);
          if (sinceMinutes >= Math.max(window, maxHours * 60)) expect(held).toEqual([]);
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });
});
