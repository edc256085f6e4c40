import { RejectedRecordsException, ResourceNotFoundException, ValidationException } from '@aws-sdk/client-timestream-write';
import { ValidationException as QueryValidationException } from '@aws-sdk/client-timestream-query';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { TimestreamStandIn } from '../../../simulation/timestream/stand-in';
import { packetsRecord as record } from '../../support/builders';

const NOW = Date.UTC(2026, 10, 25, 12, 0);
const DB = 'floodguard';
const TABLE = 'bins';

let store: TimestreamStandIn;

beforeEach(async () => {
  store = await TimestreamStandIn.create({ now: () => NOW, pageSize: 2 });
  store.createTable(DB, TABLE);
});

afterEach(() => store.close());

describe('Timestream stand-in: WriteRecords', () => {
  it('ingests records and reports the count', async () => {
    const result = await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 10, 5)] });
    expect(result.RecordsIngested).toEqual({ Total: 1, MemoryStore: 1, MagneticStore: 0 });
    expect(store.storedRecords(DB, TABLE)).toEqual([
      { dimensions: { source_ip: '192.0.2.1' }, measureName: 'packets', timeMs: NOW - 60_000, value: 10n, version: 5 },
    ]);
  });

  it('refuses more than 100 records, and an empty request, as a ValidationException', async () => {
    const many = Array.from({ length: 101 }, (_, i) => record(`192.0.2.${i % 250}`, NOW - i * 60_000, 1));
    await expect(store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: many })).rejects.toBeInstanceOf(ValidationException);
    await expect(store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [] })).rejects.toBeInstanceOf(ValidationException);
    expect(store.storedRecords(DB, TABLE)).toEqual([]);
  });

  it('answers ResourceNotFoundException for an unknown table', async () => {
    await expect(
      store.writeRecords({ DatabaseName: DB, TableName: 'nope', Records: [record('192.0.2.1', NOW, 1)] }),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('upserts with a higher version; rejects a lower-or-equal version with ExistingVersion, ingesting the rest', async () => {
    // Prepare
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 10, 5)] });

    // Act
    const error = await store
      .writeRecords({
        DatabaseName: DB,
        TableName: TABLE,
        Records: [
          record('192.0.2.2', NOW - 60_000, 7, 5),
          record('192.0.2.1', NOW - 60_000, 11, 5),
          record('192.0.2.1', NOW - 60_000, 12, 4),
        ],
      })
      .catch((e: unknown) => e);
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 30, 6)] });

    // Assess
    expect(error).toBeInstanceOf(RejectedRecordsException);
    expect((error as RejectedRecordsException).RejectedRecords).toEqual([
      { RecordIndex: 1, Reason: expect.stringContaining('version'), ExistingVersion: 5 },
      { RecordIndex: 2, Reason: expect.stringContaining('version'), ExistingVersion: 5 },
    ]);
    expect(store.storedRecords(DB, TABLE).map((r) => [r.dimensions.source_ip, r.value, r.version])).toEqual([
      ['192.0.2.1', 30n, 6],
      ['192.0.2.2', 7n, 5],
    ]);
  });

  it('treats an identical retry as a no-op, not a rejection', async () => {
    // Prepare
    const write = () => store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 10, 5)] });
    await write();
    const count = `SELECT COUNT(*) AS n, SUM(measure_value::bigint) AS total FROM "${DB}"."${TABLE}"`;

    // Act
    const retry = await write();

    // Assess: accepted, and the table holds the one record as it was, in storage and to queries
    expect(retry.RecordsIngested).toEqual({ Total: 1, MemoryStore: 1, MagneticStore: 0 });
    expect(store.storedRecords(DB, TABLE)).toEqual([
      { dimensions: { source_ip: '192.0.2.1' }, measureName: 'packets', timeMs: NOW - 60_000, value: 10n, version: 5 },
    ]);
    expect((await store.query({ QueryString: count })).Rows).toEqual([{ Data: [{ ScalarValue: '1' }, { ScalarValue: '10' }] }]);
  });

  it('applies CommonAttributes, with record fields taking precedence', async () => {
    await store.writeRecords({
      DatabaseName: DB,
      TableName: TABLE,
      CommonAttributes: { MeasureName: 'packets', MeasureValueType: 'BIGINT', TimeUnit: 'MILLISECONDS', Version: 9 },
      Records: [{ Dimensions: [{ Name: 'source_ip', Value: '2001:db8::1' }], MeasureValue: '3', Time: String(NOW - 120_000) }],
    });
    expect(store.storedRecords(DB, TABLE)[0]).toMatchObject({ dimensions: { source_ip: '2001:db8::1' }, value: 3n, version: 9 });
  });

  it('rejects records outside the memory store retention or too far in the future', async () => {
    const error = await store
      .writeRecords({
        DatabaseName: DB,
        TableName: TABLE,
        Records: [record('192.0.2.1', NOW - 25 * 3_600_000, 1), record('192.0.2.1', NOW + 16 * 60_000, 1), record('192.0.2.1', NOW, 1)],
      })
      .then(
        () => undefined,
        (e: unknown) => e as RejectedRecordsException,
      );
    expect(error?.RejectedRecords?.map((r) => [r.RecordIndex, r.ExistingVersion])).toEqual([
      [0, undefined],
      [1, undefined],
    ]);
    expect(error?.RejectedRecords?.[0]?.Reason).toMatch(/outside the time range/);
  });

  it('refuses malformed records as a ValidationException (nothing written)', async () => {
    for (const bad of [
      { ...record('192.0.2.1', NOW, 1), MeasureValue: '1.5' },
      { ...record('192.0.2.1', NOW, 1), MeasureValueType: 'DOUBLE' as const },
      { ...record('192.0.2.1', NOW, 1), Time: 'yesterday' },
      { ...record('192.0.2.1', NOW, 1), Dimensions: [{ Name: 'source_ip', Value: '' }] },
    ]) {
      await expect(store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [bad] })).rejects.toBeInstanceOf(ValidationException);
    }
    expect(store.storedRecords(DB, TABLE)).toEqual([]);
  });
});

describe('Timestream stand-in: Query', () => {
  const SQL = `SELECT source_ip, measure_value::bigint AS packets, time FROM "${DB}"."${TABLE}" WHERE time >= from_milliseconds(${NOW - 600_000}) ORDER BY source_ip`;

  beforeEach(async () => {
    await store.writeRecords({
      DatabaseName: DB,
      TableName: TABLE,
      Records: [
        record('192.0.2.1', NOW - 60_000, 10),
        record('192.0.2.2', NOW - 60_000, 20),
        record('192.0.2.3', NOW - 120_000, 30),
        record('192.0.2.4', NOW - 3_600_000, 40),
      ],
    });
  });

  it('runs the SQL in DuckDB and pages the Timestream-shaped result with NextToken', async () => {
    // Act
    const first = await store.query({ QueryString: SQL });
    const second = await store.query({ QueryString: SQL, NextToken: first.NextToken });

    // Assess
    expect(first.ColumnInfo).toEqual([
      { Name: 'source_ip', Type: { ScalarType: 'VARCHAR' } },
      { Name: 'packets', Type: { ScalarType: 'BIGINT' } },
      { Name: 'time', Type: { ScalarType: 'TIMESTAMP' } },
    ]);
    expect(first.Rows).toEqual([
      { Data: [{ ScalarValue: '192.0.2.1' }, { ScalarValue: '10' }, { ScalarValue: '2026-11-25 11:59:00.000000000' }] },
      { Data: [{ ScalarValue: '192.0.2.2' }, { ScalarValue: '20' }, { ScalarValue: '2026-11-25 11:59:00.000000000' }] },
    ]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.Rows?.map((r) => r.Data?.[0]?.ScalarValue)).toEqual(['192.0.2.3']);
    expect(second.NextToken).toBeUndefined();
  });

  it('returns NULLs as NullValue and doubles with a decimal point', async () => {
    const result = await store.query({
      QueryString: `SELECT AVG(measure_value::bigint) AS mean, STDDEV_POP(measure_value::bigint) AS sd FROM "${DB}"."${TABLE}" WHERE time > from_milliseconds(${NOW})`,
    });
    expect(result.Rows).toEqual([{ Data: [{ NullValue: true }, { NullValue: true }] }]);
    const avg = await store.query({ QueryString: `SELECT AVG(measure_value::bigint) AS mean FROM "${DB}"."${TABLE}"` });
    expect(avg.Rows?.[0]?.Data?.[0]).toEqual({ ScalarValue: '25.0' });
  });

  it('binds a pagination token to its query string and accepts only the latest token', async () => {
    const first = await store.query({ QueryString: SQL });
    await expect(store.query({ QueryString: `${SQL} `, NextToken: first.NextToken })).rejects.toBeInstanceOf(QueryValidationException);
    await store.query({ QueryString: SQL, NextToken: first.NextToken });
    await expect(store.query({ QueryString: SQL, NextToken: first.NextToken })).rejects.toThrow(/Invalid pagination token/);
  });

  it('can serve empty pages before the rows, as a running query may', async () => {
    const slow = await TimestreamStandIn.create({ now: () => NOW, pageSize: 10, emptyPagesBeforeRows: 2 });
    onTestFinished(() => slow.close());
    slow.createTable(DB, TABLE);
    await slow.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW, 1)] });
    const pages = [await slow.query({ QueryString: SQL })];
    while (pages.at(-1)?.NextToken) pages.push(await slow.query({ QueryString: SQL, NextToken: pages.at(-1)?.NextToken }));
    expect(pages.map((p) => p.Rows?.length)).toEqual([0, 0, 1]);
  });

  it('queries after an upsert see the new value in place of the old row, also when a new dimension appears', async () => {
    // Prepare: a first query builds DuckDB's copy.
    const count = `SELECT COUNT(*) AS n, SUM(measure_value::bigint) AS total FROM "${DB}"."${TABLE}"`;
    const read = async () => (await store.query({ QueryString: count })).Rows?.[0]?.Data?.map((d) => d.ScalarValue);
    expect(await read()).toEqual(['4', '100']);

    // Act
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW - 60_000, 15, 2)] });
    const afterUpsert = await read();
    await store.writeRecords({
      DatabaseName: DB,
      TableName: TABLE,
      Records: [
        {
          ...record('192.0.2.9', NOW, 1),
          Dimensions: [
            { Name: 'source_ip', Value: '192.0.2.9' },
            { Name: 'zone', Value: 'a' },
          ],
        },
      ],
    });
    const afterNewDimension = await read();

    // Assess
    expect(afterUpsert).toEqual(['4', '105']);
    expect(afterNewDimension).toEqual(['5', '106']);
  });

  it('queries after writes of new records see them added, and after a write that also replaces one, each row once', async () => {
    // Prepare: a first query builds DuckDB's copy.
    const rows = `SELECT source_ip, measure_value::bigint AS packets FROM "${DB}"."${TABLE}" ORDER BY source_ip, time`;
    const read = async () => {
      const found: string[] = [];
      let page = await store.query({ QueryString: rows });
      for (;;) {
        found.push(...(page.Rows ?? []).map((r) => r.Data?.map((d) => d.ScalarValue).join('=') ?? ''));
        if (!page.NextToken) return found;
        page = await store.query({ QueryString: rows, NextToken: page.NextToken });
      }
    };
    expect(await read()).toEqual(['192.0.2.1=10', '192.0.2.2=20', '192.0.2.3=30', '192.0.2.4=40']);

    // Act
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.5', NOW, 50), record('192.0.2.6', NOW, 60)] });
    const afterNew = await read();
    await store.writeRecords({
      DatabaseName: DB,
      TableName: TABLE,
      Records: [record('192.0.2.7', NOW, 70), record('192.0.2.2', NOW - 60_000, 25, 2)],
    });
    const afterNewAndReplaced = await read();

    // Assess
    expect(afterNew).toEqual(['192.0.2.1=10', '192.0.2.2=20', '192.0.2.3=30', '192.0.2.4=40', '192.0.2.5=50', '192.0.2.6=60']);
    expect(afterNewAndReplaced).toEqual([
      '192.0.2.1=10',
      '192.0.2.2=25',
      '192.0.2.3=30',
      '192.0.2.4=40',
      '192.0.2.5=50',
      '192.0.2.6=60',
      '192.0.2.7=70',
    ]);
  });

  it('reports SQL errors as a ValidationException', async () => {
    await expect(store.query({ QueryString: 'SELECT nope FROM nowhere' })).rejects.toBeInstanceOf(QueryValidationException);
  });
});

describe('Timestream stand-in: a table that never received a record', () => {
  it('has no dimension or measure_value columns yet: naming them is a ValidationException, until the first record', async () => {
    // Prepare
    const sql = `SELECT COUNT(*) AS n, SUM(measure_value::bigint) AS total FROM "${DB}"."${TABLE}" WHERE measure_name = 'packets'`;

    // Act
    const before = await store.query({ QueryString: sql }).catch((error: unknown) => error);
    const sourceBefore = await store.query({ QueryString: `SELECT source_ip FROM "${DB}"."${TABLE}"` }).catch((error: unknown) => error);
    const plain = await store.query({ QueryString: `SELECT COUNT(*) AS n FROM "${DB}"."${TABLE}"` });
    await store.writeRecords({ DatabaseName: DB, TableName: TABLE, Records: [record('192.0.2.1', NOW, 7)] });
    const after = await store.query({ QueryString: sql });

    // Assess
    expect(before).toBeInstanceOf(QueryValidationException);
    expect(sourceBefore).toBeInstanceOf(QueryValidationException);
    expect(plain.Rows).toEqual([{ Data: [{ ScalarValue: '0' }] }]);
    expect(after.Rows).toEqual([{ Data: [{ ScalarValue: '1' }, { ScalarValue: '7' }] }]);
  });
});
