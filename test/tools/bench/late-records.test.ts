import { describe, expect, it } from 'vitest';
import { simulateLateRecords } from '../../../tools/bench/late-records';

const base = { minutes: 30, recordsPerMinute: 200, seed: 3 } as const;

describe('late-records simulation (benchmark building block)', () => {
  it('without delivery lag every packet is counted; every-run with 5 minutes scans each byte 10 times, by-age with 10 minutes 7 times', () => {
    const reference = simulateLateRecords({ ...base, lagMs: [0, 0], requeryMinutes: 5, schedule: 'every-run' });
    const ours = simulateLateRecords({ ...base, lagMs: [0, 0], requeryMinutes: 10, schedule: 'by-age' });
    expect(reference.countedShare).toBe(1);
    expect(ours.countedShare).toBe(1);
    expect(reference.scanAmplification).toBe(10);
    expect(ours.scanAmplification).toBe(7);
  });

  it('lags of 1-9 minutes: the 5-minute re-query loses the later records, the schedule by age counts them all', () => {
    const lag = [60_000, 540_000] as const;
    const reference = simulateLateRecords({ ...base, lagMs: lag, requeryMinutes: 5, schedule: 'every-run' });
    const ours = simulateLateRecords({ ...base, lagMs: lag, requeryMinutes: 10, schedule: 'by-age' });
    expect(reference.countedShare).toBeLessThan(0.7);
    expect(ours.countedShare).toBe(1);
    expect(ours.scanAmplification).toBeLessThanOrEqual(5);
    // Per byte it ends up counting, the reference scans more: it re-reads what arrived on time ten times.
    expect(reference.scansPerCountedByte).toBeCloseTo(reference.scanAmplification / reference.countedShare, 1);
    expect(ours.scansPerCountedByte).toBeLessThan(reference.scansPerCountedByte);
  });

  it('a record delivered after the last look is not counted', () => {
    const result = simulateLateRecords({ ...base, lagMs: [11 * 60_000, 12 * 60_000], requeryMinutes: 10, schedule: 'by-age' });
    expect(result.countedShare).toBe(0);
  });
});
