/**
 * The DynamoDB packet-bin store over a real DynamoDB engine (dynalite, behind the stand-in's
 * throughput, paging and TTL rules): the items it writes, a newer run winning whatever the order
 * and however the writes interleave, unprocessed and throttled batches, paginated window reads,
 * a window read that fails, and writes that never answer or outlast the run's write deadline.
 */
import { BatchWriteItemCommand, InternalServerError, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { MinuteSummary, PacketBin } from '../../../core/packet-bins';
import { statisticsOfBins, summarizeMinute } from '../../../core/packet-bins';
import { longestCallMs } from '../../../functions/common/client-options';
import { SUMMARIZER_CALLS } from '../../../functions/summarizer/contract';
import { FIRST_BACKOFF_MS, MAX_BATCH_ATTEMPTS, MINUTE_CONCURRENCY } from '../../../functions/summarizer/dynamodb-bin-store';
import { BIN_TABLE, dynamoDbBins, RETENTION_MS } from '../../support/bin-stores';
import { FaultInjector } from '../../support/sdk';

const NOW = Date.UTC(2026, 10, 25, 12, 34, 16, 789);
const M = (minute: number) => Date.UTC(2026, 10, 25, 12, minute);
const FLOOR = 12_000;
const options = { windowStartMs: M(0), minZScore: 3, minPacketsPerBin: FLOOR, maxAnomalies: 100 };

/** A minute of `steady` sources at 100..(100 + steady - 1) packets plus the given floods. */
function minute(minuteStartMs: number, floods: Record<string, number> = {}, steady = 40): MinuteSummary {
  const bins: PacketBin[] = Array.from({ length: steady }, (_, i) => ({ sourceIp: `198.18.0.${i + 1}`, minuteStartMs, packets: 100 + i }));
  for (const [sourceIp, packets] of Object.entries(floods)) bins.push({ sourceIp, minuteStartMs, packets });
  return summarizeMinute(minuteStartMs, bins, statisticsOfBins(bins), FLOOR);
}

describe('DynamoDB bin store: items', () => {
  it("writes each minute's head (statistics, candidate count, version, TTL) and its candidates in the run's own partition", async () => {
    // Prepare
    const clock = { now: NOW };
    const { standIn, store } = await dynamoDbBins(clock);
    const written = minute(M(30), { '203.0.113.7': 50_000 });

    // Act
    const outcome = await store().writeMinutes([written], NOW);

    // Assess
    const expiresAt = { N: String((M(30) + RETENTION_MS) / 1000) };
    const s = written.statistics;
    expect(outcome).toEqual({ accepted: 2, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 });
    const items = await standIn.allItems(BIN_TABLE);
    expect(items).toHaveLength(2);
    expect(items).toContainEqual({
      pk: { S: 'minutes|6:443' },
      sk: { S: String(M(30)).padStart(15, '0') },
      v: { N: String(NOW) },
      n: { N: String(s.binCount) },
      s: { N: String(s.packetSum) },
      q: { N: String(s.packetSquareSum) },
      c: { N: '1' },
      expiresAt,
    });
    expect(items).toContainEqual({
      pk: { S: `bins|6:443|${String(M(30)).padStart(15, '0')}|${NOW}|0` },
      sk: { S: '203.0.113.7' },
      p: { N: '50000' },
      expiresAt,
    });
  });

  it('keeps every item until its minute has left the window and the re-query span, and TTL deletes it after that', async () => {
    // Prepare
    const clock = { now: NOW };
    const { standIn, store } = await dynamoDbBins(clock);
    await store().writeMinutes([minute(M(30), { '203.0.113.7': 50_000 })], NOW);

    // Act: a read one second before the TTL time, then one a minute after
    clock.now = M(30) + RETENTION_MS - 1_000;
    const before = await store().anomalies({ ...options, windowStartMs: M(30) });
    clock.now = M(31) + RETENTION_MS;
    const after = await store().baseline(M(30));

    // Assess
    expect(before.map((a) => a.sourceIp)).toEqual(['203.0.113.7']);
    expect(standIn.expiredItemsDeleted).toBe(2);
    expect(after).toEqual({ binCount: 0, mean: null, standardDeviation: null });
  });
});

describe('DynamoDB bin store: a newer run wins', () => {
  it('keeps the newer run whichever writes last, and counts the older run as lost, not failed', async () => {
    // Prepare: the newer run saw more of the flood
    const clock = { now: NOW };
    const { store } = await dynamoDbBins(clock);
    const older = minute(M(30), { '203.0.113.7': 20_000 });
    const newer = minute(M(30), { '203.0.113.7': 60_000, '203.0.113.8': 30_000 });

    // Act
    const first = await store().writeMinutes([newer], NOW + 30_000);
    const second = await store().writeMinutes([older], NOW);

    // Assess
    expect(first).toEqual({ accepted: 3, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 });
    expect(second).toEqual({ accepted: 0, versionLosses: 2, rejected: [], failedBatches: 0, failedRecords: 0 });
    const anomalies = await store().anomalies({ ...options, minZScore: 2 });
    expect(anomalies.map((a) => [a.sourceIp, a.maxPackets])).toEqual([
      ['203.0.113.7', 60_000],
      ['203.0.113.8', 30_000],
    ]);
    expect((await store().baseline(M(0))).binCount).toBe(42);
  });

  it('ends with the newer run in every interleaving of two racing runs', async () => {
    // Prepare: each ordering of the two runs' calls, by delaying one run's head write behind the other's
    for (const delayed of ['older', 'newer'] as const) {
      const clock = { now: NOW };
      const faults = new FaultInjector();
      const { store } = await dynamoDbBins(clock, {}, faults);
      const older = minute(M(30), { '203.0.113.7': 20_000 });
      const newer = minute(M(30), { '203.0.113.7': 60_000 });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const delayedVersion = String(delayed === 'older' ? NOW : NOW + 30_000);
      faults.on(PutItemCommand, async (input, next) => {
        const version = (input as { Item: { v: { N: string } } }).Item.v.N;
        if (version === delayedVersion) await gate;
        const result = await next(input);
        if (version !== delayedVersion) release();
        return result;
      });

      // Act
      const [a, b] = await Promise.all([store().writeMinutes([older], NOW), store().writeMinutes([newer], NOW + 30_000)]);

      // Assess
      expect([a.accepted, a.versionLosses], delayed).toEqual(delayed === 'older' ? [0, 2] : [2, 0]);
      expect([b.accepted, b.versionLosses], delayed).toEqual([2, 0]);
      expect(
        (await store().anomalies(options)).map((x) => x.maxPackets),
        delayed,
      ).toEqual([60_000]);
    }
  });
});

describe('DynamoDB bin store: batches', () => {
  it('resends unprocessed items with exponential backoff until all are stored', async () => {
    // Prepare: the first two answers leave all but one request unprocessed
    const clock = { now: NOW };
    const faults = new FaultInjector();
    const { store, sleeps } = await dynamoDbBins(clock, {}, faults);
    faults.on(
      BatchWriteItemCommand,
      async (input, next) => {
        const batch = input as { RequestItems: Record<string, object[]> };
        const [first, ...rest] = batch.RequestItems[BIN_TABLE] ?? [];
        await next({ RequestItems: { [BIN_TABLE]: [first] } });
        return { UnprocessedItems: rest.length > 0 ? { [BIN_TABLE]: rest } : {}, $metadata: {} };
      },
      2,
    );
    const floods = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`203.0.113.${i + 1}`, 20_000 + i]));

    // Act
    const outcome = await store().writeMinutes([minute(M(30), floods)], NOW);

    // Assess: 30 candidates in batches of 25 and 5; each batch lost all but one request twice
    expect(outcome).toEqual({ accepted: 31, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 });
    expect(sleeps.sort()).toEqual([FIRST_BACKOFF_MS, FIRST_BACKOFF_MS]);
    expect((await store().anomalies({ ...options, minZScore: 0.1 })).length).toBe(30);
  });

  it('fails the minute and keeps its older head when items stay unprocessed after every attempt', async () => {
    // Prepare: an older run stored the minute; every later batch leaves everything unprocessed
    const clock = { now: NOW };
    const faults = new FaultInjector();
    const { store, sleeps, telemetry } = await dynamoDbBins(clock, {}, faults);
    await store().writeMinutes([minute(M(30), { '203.0.113.7': 20_000 })], NOW);
    faults.on(BatchWriteItemCommand, async (input) => ({
      UnprocessedItems: (input as { RequestItems: object }).RequestItems,
      $metadata: {},
    }));

    // Act
    const outcome = await store().writeMinutes([minute(M(30), { '203.0.113.7': 60_000 })], NOW + 30_000);

    // Assess
    expect(outcome).toEqual({ accepted: 0, versionLosses: 0, rejected: [], failedBatches: 1, failedRecords: 2 });
    expect(sleeps).toEqual(Array.from({ length: MAX_BATCH_ATTEMPTS - 1 }, (_, i) => FIRST_BACKOFF_MS * 2 ** i));
    expect(telemetry.lines().filter((l) => l.message === 'packet-bin write failed')).toHaveLength(1);
    expect((await store().anomalies(options)).map((a) => a.maxPackets)).toEqual([20_000]);
  });

  it("writes 1,200 candidates of one minute within the partitions' throughput, spread over three partitions", async () => {
    // Prepare
    const clock = { now: NOW };
    const { store, standIn } = await dynamoDbBins(clock);
    const floods = Object.fromEntries(Array.from({ length: 1_200 }, (_, i) => [`203.0.${113 + (i >> 8)}.${i & 255}`, 20_000 + i]));

    // Act
    const outcome = await store().writeMinutes([minute(M(30), floods, 4_000)], NOW);

    // Assess
    expect(outcome).toEqual({ accepted: 1_201, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 });
    const partitions = new Set((await standIn.allItems(BIN_TABLE)).map((item) => item.pk?.S));
    expect(partitions.size).toBe(4);
    const anomalies = await store().anomalies({ ...options, minZScore: 0.5, maxAnomalies: 1_000 });
    expect(anomalies).toHaveLength(1_000);
    expect(anomalies[0]?.maxPackets).toBe(21_199);
  });
});

describe('DynamoDB bin store: window reads', () => {
  it('follows LastEvaluatedKey through every page and reads the same as in one page', async () => {
    // Prepare: the same 12 minutes in two stand-ins, one serving 5 items a page
    const minutes = Array.from({ length: 12 }, (_, i) => minute(M(20 + i), i % 3 === 0 ? { [`203.0.113.${i + 1}`]: 30_000 + i } : {}));
    const results = [];
    for (const maxPageItems of [undefined, 5]) {
      const clock = { now: NOW };
      const faults = new FaultInjector();
      let queries = 0;
      faults.observe(() => queries++, QueryCommand);
      const { store } = await dynamoDbBins(clock, maxPageItems ? { maxPageItems } : {}, faults);
      await store().writeMinutes(minutes, NOW);
      queries = 0;

      // Act
      results.push({ baseline: await store().baseline(M(0)), anomalies: await store().anomalies(options), queries });
    }

    // Assess: 12 heads in 3 pages (5, 5, 2), read twice; 4 candidate partitions of one item each
    const [whole, paged] = results;
    expect(paged?.baseline).toEqual(whole?.baseline);
    expect(paged?.anomalies).toEqual(whole?.anomalies);
    expect(whole?.anomalies.map((a) => a.sourceIp)).toEqual(['203.0.113.10', '203.0.113.7', '203.0.113.4', '203.0.113.1']);
    expect([whole?.queries, paged?.queries]).toEqual([1 + 1 + 4, 3 + 3 + 4]);
  });

  it('keeps listeners apart: another listener has its own heads and candidates in the same table', async () => {
    // Prepare
    const clock = { now: NOW };
    const { store } = await dynamoDbBins(clock);
    await store().writeMinutes([minute(M(30), { '203.0.113.7': 50_000 })], NOW);

    // Act
    const other = store({ protocol: 17, port: 53 });

    // Assess
    expect(await other.baseline(M(0))).toEqual({ binCount: 0, mean: null, standardDeviation: null });
    expect(await other.anomalies(options)).toEqual([]);
    expect((await store().anomalies(options)).map((a) => a.sourceIp)).toEqual(['203.0.113.7']);
  });

  it('rejects the judgement when the window query fails', async () => {
    // Prepare
    const clock = { now: NOW };
    const faults = new FaultInjector();
    const { store } = await dynamoDbBins(clock, {}, faults);
    await store().writeMinutes([minute(M(30), { '203.0.113.7': 50_000 })], NOW);
    faults.fail(QueryCommand, () => new InternalServerError({ message: 'Internal server error', $metadata: {} }));

    // Act / Assess
    await expect(store().baseline(M(0))).rejects.toThrow('Internal server error');
    await expect(store().anomalies(options)).rejects.toThrow('Internal server error');
  });

  it('refuses a minute whose candidates are not what its head counts', async () => {
    // Prepare: one of the two candidates of a minute is gone
    const clock = { now: NOW };
    const { store, standIn } = await dynamoDbBins(clock);
    await store().writeMinutes([minute(M(30), { '203.0.113.7': 50_000, '203.0.113.8': 40_000 })], NOW);
    const bins = (await standIn.allItems(BIN_TABLE)).filter((item) => item.pk?.S?.startsWith('bins|'));
    await standIn.deleteDirect(BIN_TABLE, { pk: bins[0]?.pk ?? { S: '' }, sk: bins[0]?.sk ?? { S: '' } });

    // Act / Assess
    await expect(store().anomalies(options)).rejects.toThrow(/shard 0 holds 1 candidate bins, its head counts 2/);
  });
});

describe('DynamoDB bin store: hung calls', () => {
  const errorNames = (lines: readonly { message: string; fields: Readonly<Record<string, unknown>> }[]) =>
    lines.filter((l) => l.message === 'packet-bin write failed').map((l) => (l.fields.error as { name: string }).name);

  it("fails a minute whose head write never answers at the client's timeouts, stops the run's other writes at once, and the next run writes them all", async () => {
    // Prepare: 12 minutes without candidates (one head write each); every PutItem hangs
    const clock = { now: NOW };
    const faults = new FaultInjector();
    const { store, telemetry, hangClock } = await dynamoDbBins(clock, {}, faults);
    const minutes = Array.from({ length: 12 }, (_, i) => minute(M(20 + i)));
    faults.hang(PutItemCommand, hangClock);

    // Act
    const hung = await store().writeMinutes(minutes, NOW);
    const elapsedMs = clock.now - NOW;
    faults.clear();
    const next = await store().writeMinutes(minutes, NOW + 30_000);

    // Assess: the first 8 heads were in flight together and ended together; the last 4 never started
    expect(hung).toEqual({ accepted: 0, versionLosses: 0, rejected: [], failedBatches: 12, failedRecords: 12 });
    expect(faults.fired.get('PutItemCommand')).toBe(MINUTE_CONCURRENCY);
    expect(elapsedMs).toBeGreaterThanOrEqual(longestCallMs(SUMMARIZER_CALLS));
    expect(elapsedMs).toBeLessThan(2 * longestCallMs(SUMMARIZER_CALLS));
    // Heads that time out within the same step are ended by their own timeouts, the others by the abort.
    const names = errorNames(telemetry.lines());
    expect(names.filter((name) => name === 'WriteStoppedError')).toHaveLength(12 - MINUTE_CONCURRENCY);
    expect(names).toContain('TimeoutError');
    expect(names.filter((name) => name !== 'WriteStoppedError').every((name) => name === 'TimeoutError' || name === 'AbortError')).toBe(
      true,
    );
    expect(next).toEqual({ accepted: 12, versionLosses: 0, rejected: [], failedBatches: 0, failedRecords: 0 });
  });

  it("stops at the run's write deadline: the batch in flight is aborted then, and nothing is sent once it has passed", async () => {
    // Prepare: every BatchWriteItem hangs; the run's writes must end 1 s from now
    const clock = { now: NOW };
    const faults = new FaultInjector();
    const { store, telemetry, hangClock, signals } = await dynamoDbBins(clock, {}, faults);
    faults.hang(BatchWriteItemCommand, hangClock);
    const deadline = { deadlineMs: NOW + 1_000, signal: signals.signalAt(NOW + 1_000) };

    // Act
    const inFlight = await store().writeMinutes([minute(M(30), { '203.0.113.7': 50_000 })], NOW, deadline);
    const abortedAt = clock.now;
    const late = await store().writeMinutes([minute(M(31), { '203.0.113.8': 50_000 })], NOW, deadline);

    // Assess
    expect(abortedAt).toBe(NOW + 1_000);
    expect(clock.now).toBe(abortedAt);
    expect([inFlight.failedBatches, late.failedBatches]).toEqual([1, 1]);
    expect(faults.fired.get('BatchWriteItemCommand')).toBe(1);
    expect(errorNames(telemetry.lines())).toEqual(['AbortError', 'WriteStoppedError']);
    expect(telemetry.lines().at(-1)?.fields.error).toMatchObject({
      message: expect.stringContaining("no time left: the run's write deadline"),
    });
  });
});
