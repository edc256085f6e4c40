/**
 * Several listeners: each bin is judged against its own listener's baseline, in the SQL of
 * core/zscore-query.ts (run in DuckDB, with the listener column Timestream has then) and in
 * core/zscore-compute.ts alike, and a source is one anomaly whatever listener it floods.
 */
import { timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statisticsOfBins, summarizeMinute, type PacketBin } from '../../core/packet-bins';
import { computeAnomalies, computeBaseline, computeListenerAnomalies, type ListenerWindow } from '../../core/zscore-compute';
import {
  BIN_STORE_SCHEMA,
  buildAnomalyQuery,
  buildBaselineQuery,
  parseAnomalyResult,
  parseListenerBaselineResult,
  type QueryResultPage,
  type ZScoreQueryOptions,
} from '../../core/zscore-query';
import { openTimestreamSql, type TimestreamSql } from '../support/timestream-sql';

const DB = 'flood_guard';
const TABLE = 'bins_by_listener';
const START = Date.UTC(2026, 10, 25, 11, 0);
const MINUTE = 60_000;
const HTTPS = '443/tcp';
const DNS = '53/udp';
const LISTENERS = [HTTPS, DNS];

let sql: TimestreamSql;
let connection: DuckDBConnection;

beforeAll(async () => {
  sql = await openTimestreamSql(DB);
  connection = sql.connection;
  await connection.run(
    `CREATE TABLE "${DB}"."${TABLE}" (source_ip VARCHAR, listener VARCHAR, measure_name VARCHAR, time TIMESTAMP, measure_value VARCHAR)`,
  );
});

afterAll(() => sql?.close());

interface Bin {
  readonly source: string;
  readonly listener: string;
  readonly minute: number;
  readonly packets: number;
}

/**
 * 20 minutes. HTTPS: 40 sources near 1,000 packets, and 198.51.100.1 at 40,000 in minute 15.
 * DNS: 40 resolvers between 40,000 and 80,000 packets every minute (heavy, normal), and
 * 198.51.100.2 at 300,000 in minute 16. Pooled, the DNS resolvers would stand out against the
 * HTTPS clients and the HTTPS flood would drown in the DNS traffic.
 */
function traffic(): Bin[] {
  const bins: Bin[] = [];
  for (let minute = 0; minute < 20; minute++) {
    for (let i = 0; i < 40; i++) {
      bins.push({ source: `203.0.113.${i + 1}`, listener: HTTPS, minute, packets: 800 + ((i * 37 + minute * 11) % 400) });
      bins.push({ source: `192.0.2.${i + 1}`, listener: DNS, minute, packets: 40_000 + ((i * 7_919 + minute * 3_571) % 40_000) });
    }
  }
  bins.push({ source: '198.51.100.1', listener: HTTPS, minute: 15, packets: 40_000 });
  bins.push({ source: '198.51.100.2', listener: DNS, minute: 16, packets: 300_000 });
  return bins;
}

/** Stores bins as the Timestream adapter does with several listeners: per minute and listener, statistics and candidates. */
async function load(bins: readonly Bin[], floor: number): Promise<ListenerWindow[]> {
  await connection.run(`DELETE FROM "${DB}"."${TABLE}"`);
  const appender = await connection.createAppender(TABLE, DB);
  const row = (source: string, listener: string, measure: string, minute: number, value: string) => {
    appender.appendVarchar(source);
    appender.appendVarchar(listener);
    appender.appendVarchar(measure);
    appender.appendTimestamp(timestampValue(BigInt(START + minute * MINUTE) * 1000n));
    appender.appendVarchar(value);
    appender.endRow();
  };
  const windows: ListenerWindow[] = [];
  for (const listener of LISTENERS) {
    const heads = [];
    const candidates = [];
    for (let minute = 0; minute < 20; minute++) {
      const minuteBins: PacketBin[] = bins
        .filter((b) => b.listener === listener && b.minute === minute)
        .map((b) => ({ sourceIp: b.source, minuteStartMs: START + minute * MINUTE, packets: b.packets }));
      const summary = summarizeMinute(START + minute * MINUTE, minuteBins, statisticsOfBins(minuteBins), floor, listener);
      const { statistics } = BIN_STORE_SCHEMA;
      row('*', listener, statistics.binCount, minute, String(summary.statistics.binCount));
      row('*', listener, statistics.packetSum, minute, String(summary.statistics.packetSum));
      row('*', listener, statistics.packetSquareSum, minute, String(summary.statistics.packetSquareSum));
      for (const c of summary.candidates) row(c.sourceIp, listener, BIN_STORE_SCHEMA.measureName, minute, String(c.packets));
      heads.push({
        binCount: BigInt(summary.statistics.binCount),
        packetSum: BigInt(summary.statistics.packetSum),
        packetSquareSum: summary.statistics.packetSquareSum,
      });
      candidates.push(...summary.candidates.map((c) => ({ sourceIp: c.sourceIp, packets: c.packets })));
    }
    windows.push({ listener, baseline: computeBaseline(heads), bins: candidates });
  }
  appender.closeSync();
  return windows;
}

const run = (text: string): Promise<QueryResultPage[]> => sql.run(text);

const OPTIONS: ZScoreQueryOptions = {
  database: DB,
  table: TABLE,
  windowStartMs: START,
  listeners: LISTENERS,
  minZScore: 3,
  minPacketsPerBin: 12_000,
  maxAnomalies: 100,
};

describe('Z-scores per listener', () => {
  it('a DNS listener with heavy normal traffic neither masks an HTTPS flood nor is taken for one, in SQL and in code alike', async () => {
    // Prepare
    const windows = await load(traffic(), OPTIONS.minPacketsPerBin);

    // Act
    const baselines = parseListenerBaselineResult(await run(buildBaselineQuery(OPTIONS)), LISTENERS);
    const fromSql = parseAnomalyResult(await run(buildAnomalyQuery(OPTIONS)), true);
    const fromCode = computeListenerAnomalies(windows, OPTIONS);

    // Assess: each listener's own baseline, and exactly the two floods, each on its listener
    expect(baselines.get(HTTPS)).toEqual(windows[0]?.baseline);
    expect(baselines.get(DNS)).toEqual(windows[1]?.baseline);
    expect(fromSql.map((a) => [a.sourceIp, a.listener, a.maxPackets])).toEqual([
      ['198.51.100.1', HTTPS, 40_000],
      ['198.51.100.2', DNS, 300_000],
    ]);
    expect(fromCode).toEqual(fromSql);
    // The same bins pooled into one baseline: the HTTPS flood is lost among the DNS traffic, and DNS resolvers are flagged
    const pooled = computeAnomalies(
      computeBaseline(traffic().map((b) => ({ binCount: 1n, packetSum: BigInt(b.packets), packetSquareSum: BigInt(b.packets) ** 2n }))),
      traffic()
        .filter((b) => b.packets > OPTIONS.minPacketsPerBin)
        .map((b) => ({ sourceIp: b.source, packets: b.packets })),
      { ...OPTIONS, minZScore: 1 },
    );
    expect(pooled.map((a) => a.sourceIp)).not.toContain('198.51.100.1');
  });

  it('a source anomalous on two listeners is one anomaly: the listener of its largest Z-score, its largest anomalous bin on any', async () => {
    // Prepare: 198.51.100.1 floods HTTPS (very high Z) and, in another minute, DNS (lower Z, more packets)
    const bins = [...traffic(), { source: '198.51.100.1', listener: DNS, minute: 17, packets: 200_000 }];
    const windows = await load(bins, OPTIONS.minPacketsPerBin);

    // Act
    const fromSql = parseAnomalyResult(await run(buildAnomalyQuery(OPTIONS)), true);
    const fromCode = computeListenerAnomalies(windows, OPTIONS);

    // Assess
    const flooder = fromSql.filter((a) => a.sourceIp === '198.51.100.1');
    expect(flooder).toEqual([expect.objectContaining({ listener: HTTPS, maxPackets: 200_000 })]);
    expect(fromCode).toEqual(fromSql);
    expect(fromSql).toHaveLength(2);
  });

  it('with one listener the queries are the one-listener queries: no listener column', () => {
    const one = { ...OPTIONS, listeners: [HTTPS] };
    const none = { ...OPTIONS, listeners: undefined };
    expect(buildAnomalyQuery(one)).toBe(buildAnomalyQuery(none));
    expect(buildBaselineQuery(one)).toBe(buildBaselineQuery(none));
    expect(buildAnomalyQuery(one)).not.toMatch(/\blistener\b/);
  });

  it('rejects a listener label that is not <port>/<tcp|udp>, so nothing can break out of the quotes', () => {
    expect(() => buildAnomalyQuery({ ...OPTIONS, listeners: [HTTPS, "53/udp' OR '1'='1"] })).toThrow(/not <port>\/<tcp\|udp>/);
  });
});
