import { describe, expect, it } from 'vitest';
import { computeAnomalies, computeBaseline } from '../../core/zscore-compute';

const stats = (binCount: number, packetSum: number, packetSquareSum: bigint) => ({
  binCount: BigInt(binCount),
  packetSum: BigInt(packetSum),
  packetSquareSum,
});
const thresholds = { minZScore: 1, minPacketsPerBin: 0, maxAnomalies: 10 };

describe('computeBaseline', () => {
  it('has no baseline without statistics, or with no bins in them', () => {
    expect(computeBaseline([])).toEqual({ binCount: 0, mean: null, standardDeviation: null });
    expect(computeBaseline([stats(0, 0, 0n)])).toEqual({ binCount: 0, mean: null, standardDeviation: null });
  });

  it('sums the minutes and gives the mean and population standard deviation', () => {
    // Bins 2, 4, 4, 4 | 5, 5, 7, 9: mean 5, population sd 2
    const baseline = computeBaseline([stats(4, 14, 52n), stats(4, 26, 180n)]);
    expect(baseline).toEqual({ binCount: 8, mean: 5, standardDeviation: 2 });
  });

  it('stays exact where the textbook formula cancels: one bin off a mean of a million', () => {
    // 999 bins of 1e6 and one of 1e6 + 1000: mean 1e6 + 1, sd sqrt(999) (exactly: variance 999,000,000 / 1000)
    const big = 1_000_000n;
    const q = 999n * big * big + (big + 1000n) ** 2n;
    const baseline = computeBaseline([stats(1000, Number(1000n * big + 1000n), q)]);
    expect(baseline.mean).toBe(1_000_001);
    expect(baseline.standardDeviation).toBe(Math.sqrt(999));
  });

  it('fails rather than wrap a sum past 64 bits, as the SQL does', () => {
    expect(() => computeBaseline([stats(1, 1, 2n ** 62n), stats(1, 1, 2n ** 62n)])).toThrow(RangeError);
  });
});

describe('computeAnomalies', () => {
  const baseline = { binCount: 8, mean: 5, standardDeviation: 2 };

  it('keeps bins above both thresholds, per source the largest Z-score and bin, highest first, ties by address, capped', () => {
    const bins = [
      { sourceIp: '203.0.113.9', packets: 11 },
      { sourceIp: '203.0.113.2', packets: 11 },
      { sourceIp: '203.0.113.2', packets: 9 },
      { sourceIp: '203.0.113.5', packets: 15 },
      { sourceIp: '203.0.113.7', packets: 7 },
    ];
    expect(computeAnomalies(baseline, bins, thresholds)).toEqual([
      { sourceIp: '203.0.113.5', maxZScore: 5, maxPackets: 15 },
      { sourceIp: '203.0.113.2', maxZScore: 3, maxPackets: 11 },
      { sourceIp: '203.0.113.9', maxZScore: 3, maxPackets: 11 },
    ]);
    expect(computeAnomalies(baseline, bins, { ...thresholds, maxAnomalies: 2 }).map((a) => a.sourceIp)).toEqual([
      '203.0.113.5',
      '203.0.113.2',
    ]);
    expect(computeAnomalies(baseline, bins, { ...thresholds, minPacketsPerBin: 11 }).map((a) => a.sourceIp)).toEqual(['203.0.113.5']);
  });

  it('finds nothing with a zero standard deviation or without a baseline', () => {
    const bins = [{ sourceIp: '203.0.113.5', packets: 15 }];
    expect(computeAnomalies({ binCount: 3, mean: 5, standardDeviation: 0 }, bins, thresholds)).toEqual([]);
    expect(computeAnomalies({ binCount: 0, mean: null, standardDeviation: null }, bins, thresholds)).toEqual([]);
  });

  it('rejects thresholds the SQL builder rejects', () => {
    expect(() => computeAnomalies(baseline, [], { ...thresholds, maxAnomalies: 0 })).toThrow(RangeError);
    expect(() => computeAnomalies(baseline, [], { ...thresholds, minZScore: Number.NaN })).toThrow(RangeError);
    expect(() => computeAnomalies(baseline, [], { ...thresholds, minPacketsPerBin: 1.5 })).toThrow(RangeError);
  });
});
