import { describe, expect, it } from 'vitest';
import { simulateLateRecords } from '../../../tools/bench/late-records';

const base = { minutes: 30, recordsPerMinute: 200, seed: 3 } as const;

describe('late-records simulation (benchmark building block)', () => {
  it('without delivery lag every packet is counted; the schedule by age looks at each of the 30 minutes 7 times', () => {
    const ours = simulateLateRecords({ ...base, lagMs: [0, 0], requeryMinutes: 10, schedule: 'by-age' });
    expect(ours).toEqual({ countedShare: 1, scanAmplification: 7, scansPerCountedByte: 7, queries: 30 * 7 });
  });

  it('lags of 1-9 minutes: the schedule by age counts every record, each query scanning only what was delivered by then', () => {
    const ours = simulateLateRecords({ ...base, lagMs: [60_000, 540_000], requeryMinutes: 10, schedule: 'by-age' });
    // Same 210 looks as without lag, but early looks find less delivered: 18,486 record scans for 6,000 records.
    expect(ours).toEqual({ countedShare: 1, scanAmplification: 18_486 / 6_000, scansPerCountedByte: 18_486 / 6_000, queries: 210 });
  });

  it('a record delivered after the last look is not counted', () => {
    const result = simulateLateRecords({ ...base, lagMs: [11 * 60_000, 12 * 60_000], requeryMinutes: 10, schedule: 'by-age' });
    expect(result).toMatchObject({ countedShare: 0, scanAmplification: 0, queries: 210 });
  });
});
