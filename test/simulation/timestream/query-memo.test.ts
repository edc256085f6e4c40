import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryMemo, TableFingerprint } from '../../../simulation/timestream/query-memo';
import { TimestreamStandIn } from '../../../simulation/timestream/stand-in';
import { packetsRecord as record } from '../../support/builders';
import { FUZZ_RUNS } from '../../support/arbitraries';

const NOW = Date.UTC(2026, 10, 25, 12, 0);
const DB = 'floodguard';
const TABLE = 'bins';
const QUERY = `SELECT source_ip, measure_value::bigint AS packets FROM "${DB}"."${TABLE}" ORDER BY source_ip`;

describe('table fingerprint', () => {
  it('depends on the rows a table ends with, not on the order or the values they had on the way (property)', () => {
    const writes = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.bigInt({ min: 0n, max: 20n })), { maxLength: 30 });
    fc.assert(
      fc.property(writes, (list) => {
        // Prepare: the rows every write leaves, written once each in reverse order
        const final = new Map<string, bigint>();
        for (const [key, value] of list) final.set(`row ${key}`, value);
        const direct = new TableFingerprint();
        for (const [key, value] of [...final].reverse()) direct.replace(key, undefined, value);

        // Act: the writes one by one, each replacing the row's value before
        const stepwise = new TableFingerprint();
        const current = new Map<string, bigint>();
        for (const [key, value] of list) {
          stepwise.replace(`row ${key}`, current.get(`row ${key}`), value);
          current.set(`row ${key}`, value);
        }

        // Assess
        expect(stepwise.text()).toBe(direct.text());
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('tells tables apart by any key or value', () => {
    const of = (rows: [string, bigint][]) => {
      const fingerprint = new TableFingerprint();
      for (const [key, value] of rows) fingerprint.replace(key, undefined, value);
      return fingerprint.text();
    };
    const texts = [
      of([]),
      of([['a', 1n]]),
      of([['a', 2n]]),
      of([['b', 1n]]),
      of([
        ['a', 1n],
        ['b', 1n],
      ]),
      of([['a', 12n]]),
    ];
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('query memo', () => {
  const answer = () => ({ columnInfo: [{ Name: 'n', Type: { ScalarType: 'BIGINT' as const } }], rows: [{ Data: [{ ScalarValue: '1' }] }] });

  it('keys a query by its text and the states of all tables, whatever their order', () => {
    expect(QueryMemo.key('SELECT 1', ['a 1', 'b 2'])).toBe(QueryMemo.key('SELECT 1', ['b 2', 'a 1']));
    expect(QueryMemo.key('SELECT 1', ['a 1'])).not.toBe(QueryMemo.key('SELECT 2', ['a 1']));
    expect(QueryMemo.key('SELECT 1', ['a 1'])).not.toBe(QueryMemo.key('SELECT 1', ['a 2']));
  });

  it('never keys a query that reads the clock', () => {
    expect(QueryMemo.readsClock(`SELECT * FROM t WHERE time > ago(15m)`)).toBe(true);
    expect(QueryMemo.readsClock(`SELECT now() AS t`)).toBe(true);
    expect(QueryMemo.readsClock(`SELECT CURRENT_TIMESTAMP`)).toBe(true);
    expect(QueryMemo.readsClock(`SELECT * FROM t WHERE time >= from_milliseconds(1772352960000)`)).toBe(false);
  });

  it('hands out copies, and forgets the least recently used answer past its capacity', () => {
    // Prepare
    const memo = new QueryMemo(2);
    memo.set('first', answer());
    memo.set('second', answer());

    // Act
    memo.get('first')!.rows.push({ Data: [] });
    memo.set('third', answer());

    // Assess: 'first' was used last, so 'second' went; the copy's change did not reach the memo
    expect(memo.get('first')).toEqual(answer());
    expect(memo.get('second')).toBeUndefined();
    expect(memo.get('third')).toEqual(answer());
  });
});

describe('Timestream stand-in: remembered answers', () => {
  const stores: TimestreamStandIn[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });
  async function storeWith(rows: [string, number][]): Promise<TimestreamStandIn> {
    const store = await TimestreamStandIn.create({ now: () => NOW, pageSize: 10 });
    stores.push(store);
    store.createTable(DB, TABLE);
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: rows.map(([ip, n]) => record(ip, NOW - 60_000, n, 1)) });
    return store;
  }
  const packets = async (store: TimestreamStandIn) =>
    (await store.query({ QueryString: QUERY })).Rows?.map((r) => r.Data?.map((d) => d.ScalarValue));

  it('answers a query over the same rows from the memo, and runs it again once a row changed', async () => {
    // Prepare: a first store answers from DuckDB; a second holds the same rows, written in another order
    const first = await storeWith([
      ['192.0.2.1', 10],
      ['192.0.2.2', 20],
    ]);
    const expected = await packets(first);
    const second = await storeWith([
      ['192.0.2.2', 20],
      ['192.0.2.1', 10],
    ]);

    // Act
    const remembered = await packets(second);
    await second.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 11, 2)] });
    const changed = await packets(second);

    // Assess
    expect(remembered).toEqual(expected);
    expect(changed).toEqual([
      ['192.0.2.1', '11'],
      ['192.0.2.2', '20'],
    ]);
    expect(second.duckDbQueries).toBe(1);
  });

  it('runs a query that reads the clock in DuckDB every time', async () => {
    // Prepare
    const store = await storeWith([['192.0.2.1', 10]]);
    const clocked = { QueryString: `SELECT count(*) AS n FROM "${DB}"."${TABLE}" WHERE time <= now()` };

    // Act
    await store.query(clocked);
    await store.query(clocked);

    // Assess
    expect(store.duckDbQueries).toBe(2);
  });

  it('never remembers a failing query: it fails again, from DuckDB', async () => {
    // Prepare
    const store = await storeWith([['192.0.2.1', 10]]);
    const bad = { QueryString: `SELECT nope FROM "${DB}"."${TABLE}"` };

    // Act / Assess
    await expect(store.query(bad)).rejects.toThrow(/Query failed/);
    await expect(store.query(bad)).rejects.toThrow(/Query failed/);
    expect(store.duckDbQueries).toBe(2);
  });
});
