import { describe, expect, it } from 'vitest';
import { measureBaseline, minuteBins } from '../../../tools/bench/baseline';

describe('baseline measurement (benchmark building block)', () => {
  it('ours matches the truth below and above the 10,000-row cap, and finds every anomalous source', async () => {
    // Act
    const small = await measureBaseline(3_000, 30);
    const large = await measureBaseline(30_000, 1_000);

    // Assess: errors within the 1e-12 scale of the exact moments
    for (const [measured, anomalous] of [
      [small, 30],
      [large, 1_000],
    ] as const) {
      expect(measured.truth.anomalous).toBe(anomalous);
      expect(measured.ours.recall).toBe(1);
      expect(measured.ours.relativeError.mean).toBeLessThan(1e-9);
      expect(measured.ours.relativeError.sd).toBeLessThan(1e-9);
    }
  });

  it('generates distinct sources with floods first', () => {
    const bins = minuteBins(70_000, 2);
    expect(bins.size).toBe(70_000);
    expect([...bins.values()].slice(0, 2)).toEqual([13_000, 20_000]);
  });
});
