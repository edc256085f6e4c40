import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../core/concurrency';

describe('mapWithConcurrency', () => {
  it('property: keeps input order and never exceeds the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, limit) => {
          let inFlight = 0;
          let peak = 0;
          const results = await mapWithConcurrency(delays, limit, async (delay, index) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((resolve) => setTimeout(resolve, delay));
            inFlight--;
            return index * 2;
          });
          expect(results).toEqual(delays.map((_, i) => i * 2));
          // All start at once up to the limit: the peak is the limit, or every item when there are fewer
          expect(peak).toBe(Math.min(limit, delays.length));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects a limit below one', async () => {
    await expect(mapWithConcurrency([1], 0, async (x) => x)).rejects.toThrow(/positive integer/);
  });
});
