import { describe, expect, it } from 'vitest';
import {
  CURVE_SCHEDULES,
  detectFlood,
  detectionSection,
  percentile,
  scheduleName,
  simulateDetection,
  type DetectionOptions,
} from '../../../tools/bench/detection';

const MINUTE_MS = 60_000;
/** A flood minute far from 0, as the simulation uses. */
const M = 10_000 * MINUTE_MS;
const OURS: DetectionOptions = { floods: 1, lagMs: [0, 0], lagModel: 'steady', requeryMinutes: 10, schedule: 'by-age' };

describe('time to block against the re-query schedule', () => {
  it('blocks at the first run that queries a delivered minute: lag 1 minute, age 2 in the first run', () => {
    // Act: the flood starts 10 s into minute M; its minute is delivered at M+2:00, age 2 at the run of M+2:02.
    const d = detectFlood(M + 10_000, () => 60_000, OURS);

    // Assess
    expect(d).toEqual({ timeToBlock: 112, delivered: 110, afterDelivery: 2 });
  });

  it('lets a minute delivered at an age the schedule skips wait for the next age it queries', () => {
    // Arrange: lag 4.5 minutes: minute M is delivered at M+5:30, at age 5, which by-age never queries.
    const lag = () => 270_000;

    // Act
    const ours = detectFlood(M + 10_000, lag, OURS);
    const everyMinute = detectFlood(M + 10_000, lag, { ...OURS, schedule: 'every-minute' });

    // Assess: by-age waits for age 7 (M+7:02), every-minute queries age 6 at M+6:02.
    expect(ours).toEqual({ timeToBlock: 412, delivered: 320, afterDelivery: 92 });
    expect(everyMinute).toEqual({ timeToBlock: 352, delivered: 320, afterDelivery: 32 });
  });

  it('never blocks a flood whose every minute arrives beyond the reach of the schedule', () => {
    // Act: 5.5 minutes late, every minute is at age 6 when it arrives: by-age R=5 queries 5 minutes back.
    const short = detectFlood(M + 10_000, () => 330_000, { ...OURS, requeryMinutes: 5 });
    const ours = detectFlood(M + 10_000, () => 330_000, OURS);

    // Assess: R=10 queries minute M at age 7, at M+7:02, 32 s after it arrived at M+6:30.
    expect(short).toBeUndefined();
    expect(ours?.afterDelivery).toBe(32);
  });

  it('does not count a first minute below the packet floor: the next minute reveals the flood', () => {
    // Act: 10 s of flood at 400 packets a second is 4,000 packets, below 12,000.
    const d = detectFlood(M + 50_000, () => 60_000, OURS);

    // Assess: minute M+1 is delivered at M+3:00 and queried at M+3:02.
    expect(d).toEqual({ timeToBlock: 132, delivered: 130, afterDelivery: 2 });
  });

  it('takes percentiles by nearest rank', () => {
    // Arrange
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);

    // Act / Assess
    expect(percentile(values, 0.5)).toBe(10);
    expect(percentile(values, 0.95)).toBe(19);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('is deterministic for a seed, and an every-minute schedule adds at most a minute after delivery', () => {
    // Arrange
    const options: DetectionOptions = {
      floods: 200,
      lagMs: [60_000, 540_000],
      lagModel: 'independent',
      requeryMinutes: 10,
      schedule: 'every-minute',
    };

    // Act
    const a = simulateDetection(options);
    const b = simulateDetection(options);
    const steady = simulateDetection({ ...options, lagModel: 'steady' });

    // Assess
    expect(a).toEqual(b);
    for (const r of [a, steady]) {
      expect(r.blockedShare).toBe(1);
      expect(r.afterDeliverySeconds.p95).toBeLessThan(60);
      expect(r.afterDeliverySeconds.p50).toBeGreaterThanOrEqual(0);
      expect(r.timeToBlockSeconds.p50).toBeGreaterThan(r.deliverySeconds.p50);
    }
  });
});

describe('the bench detection section', () => {
  it('puts every curve schedule beside ours, and names the schedules meeting every target', () => {
    // Arrange: every schedule scans as little as possible and counts everything
    const cheap = () => ({ scanAmplification: 1, countedShare: 1 });

    // Act
    const section = detectionSection({ floods: 40, scans: cheap });
    const costly = detectionSection({ floods: 40, scans: () => ({ scanAmplification: 6, countedShare: 1 }) });

    // Assess
    expect(section.schedule).toBe('by-age R=10');
    expect(Object.keys(section.curve)).toEqual(CURVE_SCHEDULES.map(scheduleName));
    expect(section.steadyLags.blockedShare).toBe(1);
    expect(section.curve['by-age R=10']?.afterDeliveryP95).toBe(
      Math.max(section.independentLags.afterDeliveryP95, section.steadyLags.afterDeliveryP95),
    );
    const meeting = section.meetingEveryTarget.split(', ');
    expect(meeting).toContain('every-minute R=10');
    expect(meeting).not.toContain('by-age R=5');
    expect(costly.meetingEveryTarget).toBe('none');
  });
});
