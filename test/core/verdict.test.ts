import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAnomalyMessage } from '../../core/anomaly-message';
import { buildVerdict, type VerdictInput } from '../../core/verdict';

const INPUT: VerdictInput = {
  vpcId: 'vpc-0123456789abcdef0',
  runAtMs: Date.UTC(2026, 10, 25, 12, 34, 56, 789),
  windowStartMs: Date.UTC(2026, 10, 25, 11, 34),
  windowMinutes: 60,
  minZScore: 3,
  minPacketsPerBin: 12_000,
  baseline: { binCount: 1800, mean: 120, standardDeviation: 15 },
  anomalies: [{ sourceIp: '203.0.113.66', maxZScore: 5991.2, maxPackets: 90_000 }],
  sawCompleteData: true,
};

describe('buildVerdict', () => {
  it('fills every field of the version 1 message', () => {
    const { message, invalidSources } = buildVerdict(INPUT);
    expect(invalidSources).toEqual([]);
    expect(message).toEqual({
      version: 1,
      generatedAt: '2026-11-25T12:34:56.789Z',
      vpcId: 'vpc-0123456789abcdef0',
      window: { start: '2026-11-25T11:34:00.000Z', minutes: 60, binSeconds: 60 },
      thresholds: { minZScore: 3, minPacketsPerBin: 12_000 },
      baseline: { mean: 120, standardDeviation: 15, binCount: 1800, anomalyThreshold: 165 },
      anomalies: [{ sourceIp: '203.0.113.66', maxZScore: 5991.2, maxPackets: 90_000 }],
      complete: true,
    });
  });

  it('leaves out a source that is not a canonical address and reports the run incomplete', () => {
    const { message, invalidSources } = buildVerdict({
      ...INPUT,
      anomalies: [{ sourceIp: '2001:DB8::1', maxZScore: 9, maxPackets: 20_000 }, ...INPUT.anomalies],
    });
    expect(invalidSources).toEqual(['2001:DB8::1']);
    expect(message.anomalies.map((a) => a.sourceIp)).toEqual(['203.0.113.66']);
    expect(message.complete).toBe(false);
  });

  it("property: whatever the store returned, the message passes the updater's schema", () => {
    const anomaly = fc.record({
      sourceIp: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()),
      maxZScore: fc.double({ noNaN: true, noDefaultInfinity: true }),
      maxPackets: fc.nat(),
    });
    const baseline = fc.oneof(
      fc.constant({ binCount: 0, mean: null, standardDeviation: null }),
      fc.record({
        binCount: fc.integer({ min: 1, max: 1e6 }),
        mean: fc.double({ min: 0, max: 1e9, noNaN: true }),
        standardDeviation: fc.double({ min: 0, max: 1e9, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(anomaly, { maxLength: 20 }), baseline, fc.boolean(), (anomalies, b, complete) => {
        const { message, invalidSources } = buildVerdict({ ...INPUT, anomalies, baseline: b, sawCompleteData: complete });
        const parsed = parseAnomalyMessage(JSON.stringify(message));
        expect(parsed).toEqual({ ok: true, message: JSON.parse(JSON.stringify(message)) });
        // Complete only when the data was and every source could be kept
        expect(message.complete).toBe(complete && invalidSources.length === 0);
        expect(message.anomalies.length + invalidSources.length).toBe(anomalies.length);
      }),
    );
  });
});
