import { timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statisticsOfBins, summarizeMinute, type PacketBin } from '../../core/packet-bins';
import {
  anomalyThreshold,
  BIN_STORE_SCHEMA,
  buildAnomalyQuery,
  buildBaselineQuery,
  parseAnomalyResult,
  parseBaselineResult,
  QueryResultError,
  type QueryResultPage,
  type ZScoreQueryOptions,
} from '../../core/zscore-query';
import { openTimestreamSql, type TimestreamSql } from '../support/timestream-sql';

const DB = 'flood-guard_db';
const TABLE = 'packet.bins';
const WINDOW_START = Date.UTC(2026, 10, 25, 11, 34);
const MINUTE = 60_000;

interface Bin {
  source: string;
  minute: number; // minutes after WINDOW_START (negative: before the window)
  packets: number;
}

// ---- DuckDB running the exact SQL text ---------------------------------------------------------

let sql: TimestreamSql;
let connection: DuckDBConnection;

beforeAll(async () => {
  sql = await openTimestreamSql(DB);
  connection = sql.connection;
  // Timestream's columns: dimension, measure_name, time, and (in DuckDB) measure_value, which
  // `measure_value::bigint` casts.
  await connection.run(`CREATE TABLE "${DB}"."${TABLE}" (source_ip VARCHAR, measure_name VARCHAR, time TIMESTAMP, measure_value VARCHAR)`);
});

afterAll(() => sql?.close());

beforeEach(async () => {
  await connection.run(`DELETE FROM "${DB}"."${TABLE}"`);
});

/**
 * Stores bins the way the summarizer does: per minute the statistics of all its bins and the
 * candidate bins above `candidateFloor` (the run's MinPacketsPerBin). `otherMeasures` are stored
 * as-is under another measure name (no query may count them).
 */
async function load(bins: readonly Bin[], otherMeasures: readonly Bin[] = [], candidateFloor = 0): Promise<void> {
  const appender = await connection.createAppender(TABLE, DB);
  const row = (source: string, measure: string, minute: number, value: string) => {
    appender.appendVarchar(source);
    appender.appendVarchar(measure);
    appender.appendTimestamp(timestampValue(BigInt(WINDOW_START + minute * MINUTE) * 1000n));
    appender.appendVarchar(value);
    appender.endRow();
  };
  const minutes = new Map<number, PacketBin[]>();
  for (const b of bins)
    minutes.set(b.minute, [
      ...(minutes.get(b.minute) ?? []),
      { sourceIp: b.source, minuteStartMs: WINDOW_START + b.minute * MINUTE, packets: b.packets },
    ]);
  for (const [minute, minuteBins] of minutes) {
    const summary = summarizeMinute(WINDOW_START + minute * MINUTE, minuteBins, statisticsOfBins(minuteBins), candidateFloor);
    const { statistics } = BIN_STORE_SCHEMA;
    row('*', statistics.binCount, minute, String(summary.statistics.binCount));
    row('*', statistics.packetSum, minute, String(summary.statistics.packetSum));
    row('*', statistics.packetSquareSum, minute, String(summary.statistics.packetSquareSum));
    for (const candidate of summary.candidates) row(candidate.sourceIp, 'packets', minute, String(candidate.packets));
  }
  for (const bin of otherMeasures) row(bin.source, 'bytes', bin.minute, String(bin.packets));
  appender.closeSync();
}

/** Runs SQL and returns it in the Timestream result shape the parsers read. */
const run = (text: string): Promise<QueryResultPage[]> => sql.run(text);

function options(overrides: Partial<ZScoreQueryOptions> = {}): ZScoreQueryOptions {
  return {
    database: DB,
    table: TABLE,
    windowStartMs: WINDOW_START,
    minZScore: 3,
    minPacketsPerBin: 12_000,
    maxAnomalies: 100,
    ...overrides,
  };
}

async function judge(opts: ZScoreQueryOptions) {
  const baseline = parseBaselineResult(await run(buildBaselineQuery(opts)));
  const anomalies = parseAnomalyResult(await run(buildAnomalyQuery(opts)));
  return { baseline, anomalies };
}

// ---- Independent reference: the detection rule of docs/architecture.md in plain TypeScript ----------

function reference(bins: readonly Bin[], opts: ZScoreQueryOptions) {
  const inWindow = bins.filter((b) => WINDOW_START + b.minute * MINUTE >= opts.windowStartMs);
  if (inWindow.length === 0) return { baseline: { binCount: 0, mean: null, standardDeviation: null }, anomalies: [] };
  const mean = inWindow.reduce((s, b) => s + b.packets, 0) / inWindow.length;
  const sd = Math.sqrt(inWindow.reduce((s, b) => s + (b.packets - mean) ** 2, 0) / inWindow.length);
  const perSource = new Map<string, { maxZScore: number; maxPackets: number }>();
  if (sd > 0) {
    for (const b of inWindow) {
      const z = (b.packets - mean) / sd;
      if (!(z > opts.minZScore && b.packets > opts.minPacketsPerBin)) continue;
      const seen = perSource.get(b.source);
      perSource.set(b.source, { maxZScore: Math.max(seen?.maxZScore ?? z, z), maxPackets: Math.max(seen?.maxPackets ?? 0, b.packets) });
    }
  }
  const anomalies = [...perSource]
    .map(([sourceIp, v]) => ({ sourceIp, ...v }))
    .sort((a, b) => b.maxZScore - a.maxZScore || (a.sourceIp < b.sourceIp ? -1 : a.sourceIp > b.sourceIp ? 1 : 0))
    .slice(0, opts.maxAnomalies);
  return { baseline: { binCount: inWindow.length, mean, standardDeviation: sd }, anomalies };
}

function expectAgreement(actual: Awaited<ReturnType<typeof judge>>, expected: ReturnType<typeof reference>): void {
  expect(actual.baseline.binCount).toBe(expected.baseline.binCount);
  if (expected.baseline.mean === null) {
    expect(actual.baseline).toEqual({ binCount: 0, mean: null, standardDeviation: null });
  } else {
    expect(actual.baseline.mean).toBeCloseTo(expected.baseline.mean, 6);
    expect(actual.baseline.standardDeviation).toBeCloseTo(expected.baseline.standardDeviation as number, 6);
  }
  expect(actual.anomalies.map((a) => a.sourceIp)).toEqual(expected.anomalies.map((a) => a.sourceIp));
  actual.anomalies.forEach((a, i) => {
    expect(a.maxZScore).toBeCloseTo(expected.anomalies[i]?.maxZScore as number, 9);
    expect(a.maxPackets).toBe(expected.anomalies[i]?.maxPackets);
  });
}

/** A quiet population plus a few loud sources, all inside the window. */
function scenario(): Bin[] {
  const bins: Bin[] = [];
  for (let minute = 0; minute < 60; minute++) {
    for (let s = 0; s < 20; s++) bins.push({ source: `198.51.100.${s}`, minute, packets: 100 + ((s * 7 + minute * 13) % 50) });
  }
  bins.push({ source: '203.0.113.66', minute: 42, packets: 90_000 });
  bins.push({ source: '203.0.113.66', minute: 43, packets: 50_000 });
  bins.push({ source: '2001:db8::bad', minute: 50, packets: 120_000 });
  bins.push({ source: '192.0.2.1', minute: 10, packets: 11_000 }); // high Z, but under the packet floor
  return bins;
}

describe('Z-score SQL executed by DuckDB agrees with the reference computation', () => {
  it('finds the loud sources, highest Z first, with their largest bin', async () => {
    // Prepare
    const bins = scenario();
    await load(bins);

    // Act
    const actual = await judge(options());

    // Assess
    expect(actual.anomalies.map((a) => [a.sourceIp, a.maxPackets])).toEqual([
      ['2001:db8::bad', 120_000],
      ['203.0.113.66', 90_000],
    ]);
    expectAgreement(actual, reference(bins, options()));
  });

  it('counts only bins at or after the window start and only the packets measure', async () => {
    // Prepare: a huge bin one minute before the window, and a non-packet measure.
    const bins = [...scenario(), { source: '203.0.113.200', minute: -1, packets: 5_000_000 }];
    await load(bins, [{ source: '203.0.113.201', minute: 5, packets: 9_000_000 }]);

    // Act
    const actual = await judge(options());

    // Assess
    expect(actual.baseline.binCount).toBe(60 * 20 + 4);
    expect(actual.anomalies.map((a) => a.sourceIp)).not.toContain('203.0.113.200');
    expect(actual.anomalies.map((a) => a.sourceIp)).not.toContain('203.0.113.201');
    expectAgreement(actual, reference(bins, options()));
  });

  it('empty window: no baseline (NULL statistics) and no anomalies, without an error', async () => {
    const actual = await judge(options());
    expect(actual).toEqual({ baseline: { binCount: 0, mean: null, standardDeviation: null }, anomalies: [] });
    expect(anomalyThreshold(actual.baseline, 3)).toBeNull();
  });

  it('one bin: sd = 0, so nothing is anomalous however large the bin', async () => {
    await load([{ source: '203.0.113.5', minute: 3, packets: 10_000_000 }]);
    const actual = await judge(options());
    expect(actual).toEqual({ baseline: { binCount: 1, mean: 10_000_000, standardDeviation: 0 }, anomalies: [] });
  });

  it('all bins equal: sd = 0, no anomalies', async () => {
    const bins = Array.from({ length: 30 }, (_, i) => ({ source: `198.51.100.${i}`, minute: i, packets: 50_000 }));
    await load(bins);
    const actual = await judge(options({ minZScore: 0.5, minPacketsPerBin: 0 }));
    expect(actual.anomalies).toEqual([]);
    expect(actual.baseline).toEqual({ binCount: 30, mean: 50_000, standardDeviation: 0 });
  });

  describe('exactly at the thresholds (strict inequalities)', () => {
    // Half the bins 0, half 20,000: mean 10,000, sd 10,000, so a 20,000 bin has Z = 1 exactly.
    const bins: Bin[] = [
      ...Array.from({ length: 4 }, (_, i) => ({ source: `198.51.100.${i}`, minute: i, packets: 0 })),
      ...Array.from({ length: 4 }, (_, i) => ({ source: `203.0.113.${i}`, minute: i, packets: 20_000 })),
    ];

    it.each([
      { minZScore: 1, minPacketsPerBin: 0, flagged: 0 },
      { minZScore: 0.999, minPacketsPerBin: 0, flagged: 4 },
      { minZScore: 0.5, minPacketsPerBin: 20_000, flagged: 0 },
      { minZScore: 0.5, minPacketsPerBin: 19_999, flagged: 4 },
    ])('minZScore $minZScore, floor $minPacketsPerBin -> $flagged sources', async ({ minZScore, minPacketsPerBin, flagged }) => {
      await load(bins);
      const actual = await judge(options({ minZScore, minPacketsPerBin }));
      expect(actual.baseline).toEqual({ binCount: 8, mean: 10_000, standardDeviation: 10_000 });
      expect(actual.anomalies).toHaveLength(flagged);
      expectAgreement(actual, reference(bins, options({ minZScore, minPacketsPerBin })));
    });
  });

  it('ties in Z-score are ordered by address, and the cap keeps the first ones', async () => {
    // Prepare: five sources with identical loud bins.
    const bins: Bin[] = [...scenario().filter((b) => b.packets < 1000)];
    for (const source of ['203.0.113.9', '203.0.113.10', '2001:db8::2', '203.0.113.1', '192.0.2.200'])
      bins.push({ source, minute: 30, packets: 80_000 });
    await load(bins);

    // Act
    const actual = await judge(options({ maxAnomalies: 3 }));

    // Assess
    expect(actual.anomalies.map((a) => a.sourceIp)).toEqual(['192.0.2.200', '2001:db8::2', '203.0.113.1']);
    expect(new Set(actual.anomalies.map((a) => a.maxZScore)).size).toBe(1);
    expectAgreement(actual, reference(bins, options({ maxAnomalies: 3 })));
  });

  it('a source is judged by its loudest bin, not its sum', async () => {
    const bins = scenario().filter((b) => b.source !== '2001:db8::bad');
    await load(bins);
    const [top] = (await judge(options())).anomalies;
    expect(top).toMatchObject({ sourceIp: '203.0.113.66', maxPackets: 90_000 });
  });

  it('property: random bins agree with the reference (away from float ties at the threshold)', async () => {
    const bin = fc.record({
      source: fc.constantFrom('198.51.100.1', '198.51.100.2', '203.0.113.7', '2001:db8::1', '2001:db8::ff', '192.0.2.44'),
      minute: fc.integer({ min: -5, max: 59 }),
      packets: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 10_000, max: 500_000 })),
    });
    const unique = fc.uniqueArray(bin, { maxLength: 80, selector: (b) => `${b.source}@${b.minute}` });
    const opts = fc.record({
      minZScore: fc.double({ min: 0.1, max: 4, noNaN: true }),
      minPacketsPerBin: fc.integer({ min: 0, max: 50_000 }),
      maxAnomalies: fc.integer({ min: 1, max: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(unique, opts, async (bins, o) => {
        const full = options(o);
        const expected = reference(bins, full);
        const sd = expected.baseline.standardDeviation ?? 0;
        // Skip draws where a Z-score sits within float noise of the threshold.
        fc.pre(sd === 0 || bins.every((b) => Math.abs((b.packets - (expected.baseline.mean ?? 0)) / sd - o.minZScore) > 1e-9));
        await connection.run(`DELETE FROM "${DB}"."${TABLE}"`);
        await load(bins, [], o.minPacketsPerBin);
        expectAgreement(await judge(full), expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('baseline from minute statistics: exact where floating point would not be', () => {
  it('a large mean with a tiny spread keeps mean and sd to 1e-12 (the textbook sum-of-squares formula loses it)', async () => {
    // Prepare: 600 bins around 100 million packets, spread of a few packets.
    const bins: Bin[] = Array.from({ length: 600 }, (_, i) => ({
      source: `198.51.100.${i % 200}`,
      minute: Math.floor(i / 200),
      packets: 100_000_000 + (i % 7),
    }));
    await load(bins, [], Number.MAX_SAFE_INTEGER);
    // Exact values with bigint rationals: mean = S/n, variance = (nQ - S^2) / n^2.
    const n = BigInt(bins.length);
    const S = bins.reduce((sum, b) => sum + BigInt(b.packets), 0n);
    const Q = bins.reduce((sum, b) => sum + BigInt(b.packets) ** 2n, 0n);
    const exactMean = Number((S * 1_000_000n) / n) / 1e6;
    const exactSd = Math.sqrt(Number(((n * Q - S * S) * 10n ** 15n) / (n * n)) / 1e15);
    const textbookSd = Math.sqrt(Math.max(0, Number(Q) / bins.length - (Number(S) / bins.length) ** 2));

    // Act
    const { baseline } = await judge(options());

    // Assess
    expect(baseline.binCount).toBe(600);
    expect(Math.abs((baseline.mean as number) - exactMean) / exactMean).toBeLessThan(1e-12);
    expect(Math.abs((baseline.standardDeviation as number) - exactSd) / exactSd).toBeLessThan(1e-9);
    expect(Math.abs(textbookSd - exactSd) / exactSd).toBeGreaterThan(1e-3);
  });

  it('a window sum of squares beyond BIGINT is a query error, never a wrong baseline', async () => {
    await load(
      [
        { source: '203.0.113.1', minute: 1, packets: 4_000_000_000 },
        { source: '203.0.113.2', minute: 1, packets: 1 },
      ],
      [],
      Number.MAX_SAFE_INTEGER,
    );
    await expect(run(buildBaselineQuery(options()))).rejects.toThrow(/convert string '16000000000000000001' to INT64/);
  });

  it('only statistics records of all sources count: a statistics measure under a source address does not', async () => {
    await load(scenario(), [], 12_000);
    const before = await judge(options());
    const appender = await connection.createAppender(TABLE, DB);
    appender.appendVarchar('203.0.113.9');
    appender.appendVarchar(BIN_STORE_SCHEMA.statistics.binCount);
    appender.appendTimestamp(timestampValue(BigInt(WINDOW_START) * 1000n));
    appender.appendVarchar('1000000');
    appender.endRow();
    appender.closeSync();
    expect(await judge(options())).toEqual(before);
  });
});

describe('query builders', () => {
  it('quote the table and render thresholds as typed literals', () => {
    const sql = buildAnomalyQuery(options({ minZScore: 2.5, minPacketsPerBin: 12_000, maxAnomalies: 40 }));
    expect(sql).toContain(`FROM "${DB}"."${TABLE}"`);
    expect(sql).toContain('measure_value::bigint AS packets');
    expect(sql).toContain(`time >= from_milliseconds(${WINDOW_START})`);
    expect(sql).toContain('> 2.5E+0');
    expect(sql).toContain('bins.packets > 12000');
    expect(sql).toMatch(/LIMIT 40$/);
  });

  it('refuse names and numbers that could change the SQL', () => {
    expect(() => buildBaselineQuery({ database: 'db"; DROP', table: 't1t', windowStartMs: 0 })).toThrow(/database name/);
    expect(() => buildBaselineQuery({ database: 'dbx', table: 'a b', windowStartMs: 0 })).toThrow(/table name/);
    expect(() => buildBaselineQuery({ database: 'dbx', table: 'tbl', windowStartMs: 1.5 })).toThrow(/windowStartMs/);
    expect(() => buildAnomalyQuery(options({ minZScore: Number.NaN }))).toThrow(/minZScore/);
    expect(() => buildAnomalyQuery(options({ maxAnomalies: 0 }))).toThrow(/maxAnomalies/);
    expect(() => buildAnomalyQuery(options({ minPacketsPerBin: -1 }))).toThrow(/minPacketsPerBin/);
  });

  it('property: the numeric literals read back as the same numbers', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (minZScore, minPacketsPerBin, maxAnomalies, windowStartMs) => {
          const sql = buildAnomalyQuery(options({ minZScore, minPacketsPerBin, maxAnomalies, windowStartMs }));
          const z = /baseline\.sd > (\S+)\n/.exec(sql.split('WHERE baseline.sd > 0')[1] ?? '')?.[1];
          expect(Number(z)).toBe(minZScore === 0 ? 0 : minZScore);
          expect(sql).toContain(`bins.packets > ${minPacketsPerBin}\n`);
          expect(sql).toContain(`from_milliseconds(${windowStartMs})`);
          expect(sql.endsWith(`LIMIT ${maxAnomalies}`)).toBe(true);
        },
      ),
    );
  });

  it('property: the thresholds DuckDB reads are the ones configured', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), async (minZScore) => {
        const literal = /> (\S+E[+-]\d+)/.exec(buildAnomalyQuery(options({ minZScore })))?.[1] as string;
        const reader = await connection.runAndReadAll(`SELECT ${literal} AS v`);
        expect(reader.getRowsJS()[0]?.[0]).toBe(minZScore);
      }),
      { numRuns: 40 },
    );
  });
});

describe('result parsers', () => {
  const baselineColumns = [
    { Name: 'bin_count', Type: { ScalarType: 'BIGINT' } },
    { Name: 'mean', Type: { ScalarType: 'DOUBLE' } },
    { Name: 'standard_deviation', Type: { ScalarType: 'DOUBLE' } },
  ];

  it('read columns by name, whatever their order, across pages, in Timestream number formats', () => {
    const pages: QueryResultPage[] = [
      { ColumnInfo: [], Rows: [] },
      {
        ColumnInfo: [
          { Name: 'max_packets', Type: { ScalarType: 'BIGINT' } },
          { Name: 'source_ip', Type: { ScalarType: 'VARCHAR' } },
          { Name: 'max_z_score', Type: { ScalarType: 'DOUBLE' } },
        ],
        Rows: [{ Data: [{ ScalarValue: '90000' }, { ScalarValue: '203.0.113.66' }, { ScalarValue: '1.2345678E1' }] }],
      },
      {
        ColumnInfo: [
          { Name: 'source_ip', Type: { ScalarType: 'VARCHAR' } },
          { Name: 'max_z_score', Type: { ScalarType: 'DOUBLE' } },
          { Name: 'max_packets', Type: { ScalarType: 'BIGINT' } },
        ],
        Rows: [{ Data: [{ ScalarValue: '2001:db8::1' }, { ScalarValue: '4.0' }, { ScalarValue: '13000' }] }],
      },
    ];
    expect(parseAnomalyResult(pages)).toEqual([
      { sourceIp: '203.0.113.66', maxZScore: 12.345678, maxPackets: 90000 },
      { sourceIp: '2001:db8::1', maxZScore: 4, maxPackets: 13000 },
    ]);
  });

  it('treat NULL statistics or an empty result as "no baseline"', () => {
    expect(parseBaselineResult([])).toEqual({ binCount: 0, mean: null, standardDeviation: null });
    expect(
      parseBaselineResult([
        { ColumnInfo: baselineColumns, Rows: [{ Data: [{ ScalarValue: '0' }, { NullValue: true }, { NullValue: true }] }] },
      ]),
    ).toEqual({
      binCount: 0,
      mean: null,
      standardDeviation: null,
    });
  });

  it('reject a result with missing columns, wrong types or non-numbers', () => {
    const row = { Data: [{ ScalarValue: '3' }, { ScalarValue: '1.0' }, { ScalarValue: '0.5' }] };
    expect(() => parseBaselineResult([{ ColumnInfo: baselineColumns.slice(0, 2), Rows: [row] }])).toThrow(QueryResultError);
    expect(() =>
      parseBaselineResult([
        { ColumnInfo: [baselineColumns[0], { Name: 'mean', Type: { ScalarType: 'VARCHAR' } }, baselineColumns[2]] as never, Rows: [row] },
      ]),
    ).toThrow(/type VARCHAR/);
    expect(() =>
      parseBaselineResult([
        { ColumnInfo: baselineColumns, Rows: [{ Data: [{ ScalarValue: 'x' }, { ScalarValue: '1' }, { ScalarValue: '1' }] }] },
      ]),
    ).toThrow(/not a whole number/);
    expect(() =>
      parseBaselineResult([
        { ColumnInfo: baselineColumns, Rows: [{ Data: [{ ScalarValue: '2' }, { ScalarValue: 'abc' }, { ScalarValue: '1' }] }] },
      ]),
    ).toThrow(/not a number/);
    expect(() => parseBaselineResult([{ ColumnInfo: baselineColumns, Rows: [row, row] }])).toThrow(/2 rows/);
    expect(() => parseBaselineResult([{ ColumnInfo: baselineColumns, Rows: [{ Data: [{ ScalarValue: '2' }] }] }])).toThrow(/lacks a value/);
  });
});
