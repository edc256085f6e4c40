import { describe, expect, it } from 'vitest';
import { measureBaseline, minuteBins } from '../../../tools/bench/baseline';

describe('baseline measurement (benchmark building block)', () => {
  it('under the cap both agree with the truth; above it ours stays exact with full recall and the reference drifts', async () => {
    // Act
    const small = await measureBaseline(3_000, 30);
    const large = await measureBaseline(30_000, 1_000);

    // Assess
    expect(small.ours.relativeError.mean).toBeLessThan(1e-9);
    expect(small.reference.relativeError.sd).toBeLessThan(1e-9);
    expect(large.truth.anomalous).toBe(1_000);
    expect(large.ours).toEqual({ relativeError: { mean: expect.any(Number), sd: expect.any(Number) }, recall: 1 });
    expect(large.ours.relativeError.mean).toBeLessThan(1e-9);
    expect(large.ours.relativeError.sd).toBeLessThan(1e-9);
    expect(large.reference.relativeError.mean).toBeGreaterThan(0.5);
    expect(large.reference.recall).toBeLessThan(1);
  });

  it('generates distinct sources with floods first', () => {
    const bins = minuteBins(70_000, 2);
    expect(bins.size).toBe(70_000);
    expect([...bins.values()].slice(0, 2)).toEqual([13_000, 20_000]);
  });
});
