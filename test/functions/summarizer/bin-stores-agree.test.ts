/**
 * Property: the two packet-bin stores agree. Random minutes, each written by one or two runs (the
 * later run having seen at least as many packets, as a re-query does) in either order, go through
 * the Timestream adapter (its SQL in DuckDB) and the DynamoDB adapter (its computation in code, on
 * dynalite); both give the same baseline and the same anomalies, bit for bit, in the same order,
 * capped alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statisticsOfBins, summarizeMinute, type MinuteSummary, type PacketBin } from '../../../core/packet-bins';
import { dynamoDbBins, timestreamBins } from '../../support/bin-stores';

const NOW = Date.UTC(2026, 10, 25, 12, 34, 16, 789);
const FIRST_MINUTE = Date.UTC(2026, 10, 25, 11, 30);
const SOURCES = Array.from({ length: 12 }, (_, i) => `203.0.113.${i + 1}`);

const bin = fc.record({
  source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
  // Small steady bins, and a few repeated flood sizes so that Z-scores tie
  packets: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.constantFrom(15_000, 40_000, 40_000, 90_000)),
  later: fc.integer({ min: 0, max: 5_000 }),
});
const minuteSpec = fc.record({
  minute: fc.integer({ min: 0, max: 59 }),
  bins: fc.array(bin, { minLength: 1, maxLength: 10 }),
  rewritten: fc.boolean(),
  newerFirst: fc.boolean(),
});
const judgement = fc.record({
  windowMinute: fc.integer({ min: 0, max: 50 }),
  minZScore: fc.constantFrom(0.5, 1, 1.5, 2, 3),
  minPacketsPerBin: fc.constantFrom(0, 1_000, 12_000),
  maxAnomalies: fc.integer({ min: 1, max: 6 }),
});

function summary(
  minuteStartMs: number,
  bins: readonly { source: number; packets: number }[],
  floor: number,
  listener?: string,
): MinuteSummary {
  const bySource = new Map<string, number>();
  for (const b of bins) bySource.set(SOURCES[b.source] as string, (bySource.get(SOURCES[b.source] as string) ?? 0) + b.packets);
  const packetBins: PacketBin[] = [...bySource].map(([sourceIp, packets]) => ({ sourceIp, minuteStartMs, packets }));
  return summarizeMinute(minuteStartMs, packetBins, statisticsOfBins(packetBins), floor, listener);
}

/** The runs' writes in order: [summary, version] pairs, each minute by the runs that wrote it. */
type MinuteSpec = typeof minuteSpec extends fc.Arbitrary<infer T> ? T : never;

/**
 * `listeners`: with several, each minute is written once per listener, a bin going to the listener
 * its source, minute and packets pick (so a source may flood one listener, or both).
 */
function writes(
  specs: readonly MinuteSpec[],
  floor: number,
  listeners: readonly (string | undefined)[] = [undefined],
): [MinuteSummary, number][] {
  const seen = new Set<number>();
  const out: [MinuteSummary, number][] = [];
  for (const spec of specs) {
    if (seen.has(spec.minute)) continue;
    seen.add(spec.minute);
    const start = FIRST_MINUTE + spec.minute * 60_000;
    listeners.forEach((listener, index) => {
      const bins = spec.bins.filter((b) => listeners.length === 1 || (b.source + spec.minute + b.packets) % listeners.length === index);
      const older: [MinuteSummary, number] = [summary(start, bins, floor, listener), NOW];
      const newer: [MinuteSummary, number] = [
        summary(
          start,
          bins.map((b) => ({ ...b, packets: b.packets + b.later })),
          floor,
          listener,
        ),
        NOW + 30_000,
      ];
      out.push(...(!spec.rewritten ? [older] : spec.newerFirst ? [newer, older] : [older, newer]));
    });
  }
  return out;
}

describe('packet-bin stores agree', () => {
  it('gives the same baseline and anomalies from Timestream and DynamoDB for random minutes, runs and thresholds', async () => {
    const clock = { now: NOW };
    const timestream = await timestreamBins(clock);
    const dynamodb = await dynamoDbBins(clock);
    let run = 0;
    let judgedAnomalous = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(minuteSpec, { minLength: 1, maxLength: 8 }), judgement, async (specs, j) => {
        // Prepare: a fresh table (Timestream) and a fresh listener (DynamoDB) per case
        run++;
        const ts = timestream.store(`bins_${run}`);
        const ddb = dynamodb.store({ protocol: 6, port: run });
        for (const [minute, version] of writes(specs, j.minPacketsPerBin)) {
          await ts.writeMinutes([minute], version);
          await ddb.writeMinutes([minute], version);
        }
        const options = { ...j, windowStartMs: FIRST_MINUTE + j.windowMinute * 60_000 };

        // Act
        const [tsBaseline, ddbBaseline] = [await ts.baseline(options.windowStartMs), await ddb.baseline(options.windowStartMs)];
        const [tsAnomalies, ddbAnomalies] = [await ts.anomalies(options), await ddb.anomalies(options)];

        // Assess
        expect(ddbBaseline).toEqual(tsBaseline);
        expect(ddbAnomalies).toEqual(tsAnomalies);
        if (tsAnomalies.length > 0) judgedAnomalous++;
      }),
      { numRuns: 40, seed: 12 },
    );
    // The cases are not all empty verdicts
    expect(judgedAnomalous).toBeGreaterThan(10);
  });

  it('agrees with two listeners too: per-listener baselines, one anomaly per source naming its listener', async () => {
    const clock = { now: NOW };
    const timestream = await timestreamBins(clock);
    const dynamodb = await dynamoDbBins(clock);
    let run = 0;
    let onBoth = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(minuteSpec, { minLength: 1, maxLength: 8 }), judgement, async (specs, j) => {
        // Prepare: two listeners of fresh labels per case, in a fresh table (Timestream) and under fresh keys (DynamoDB)
        run++;
        const keys = [
          { protocol: 6 as const, port: run },
          { protocol: 17 as const, port: run },
        ];
        const labels = [`${run}/tcp`, `${run}/udp`];
        const ts = timestream.store(`listeners_${run}`, labels);
        const ddb = dynamodb.store(keys);
        for (const [minute, version] of writes(specs, j.minPacketsPerBin, labels)) {
          await ts.writeMinutes([minute], version);
          await ddb.writeMinutes([minute], version);
        }
        const options = { ...j, windowStartMs: FIRST_MINUTE + j.windowMinute * 60_000 };

        // Act
        const [tsBaseline, ddbBaseline] = [await ts.baseline(options.windowStartMs), await ddb.baseline(options.windowStartMs)];
        const [tsAnomalies, ddbAnomalies] = [await ts.anomalies(options), await ddb.anomalies(options)];

        // Assess
        expect(ddbBaseline).toEqual(tsBaseline);
        expect(ddbAnomalies).toEqual(tsAnomalies);
        expect(new Set(tsAnomalies.map((a) => a.sourceIp)).size).toBe(tsAnomalies.length);
        for (const anomaly of tsAnomalies) expect(labels).toContain(anomaly.listener);
        if (new Set(tsAnomalies.map((a) => a.listener)).size === 2) onBoth++;
      }),
      { numRuns: 25, seed: 7 },
    );
    // Some verdicts hold anomalies of both listeners
    expect(onBoth).toBeGreaterThan(2);
  });
});
