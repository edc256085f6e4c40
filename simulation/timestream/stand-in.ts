/**
 * In-process stand-in for Amazon Timestream for LiveAnalytics: WriteRecords and Query with the
 * behaviour this product depends on, no more forgiving than the service.
 *
 * Writes: 1-100 records per request (ValidationException otherwise); records keyed by
 * (dimensions, measure name, time); a record whose Version is not higher than the stored one and
 * whose value differs is rejected (RejectedRecordsException with RecordIndex, Reason and
 * ExistingVersion) while the rest of the request is ingested; an identical retry is a no-op;
 * timestamps outside the memory store retention (or more than 15 minutes ahead) are rejected;
 * writing to a table that does not exist is ResourceNotFoundException. Records are validated as
 * the API does (records.ts).
 *
 * Queries: the SQL text runs in DuckDB over a table per Timestream table (schema = database),
 * with a `from_milliseconds` macro; `measure_value::bigint` is a cast of the `measure_value`
 * column there. As in Timestream, a table that has never received a record has no dimension or
 * measure_value columns yet: a query naming them fails with a ValidationException. Results come
 * back in the Query API shape (results.ts) a few rows per page, with NextToken bound to the query
 * string; only the latest token of a query is valid, as the API documents. DuckDB's answers are
 * remembered by query text and table contents (query-memo.ts): the same query over the same
 * records is answered without running it again, as the fault campaign's worlds ask the fault-free
 * story's queries over and over; a query that fails is never remembered.
 *
 * Plug it into both Timestream clients with `routeCommands(client, store.routes())` (simulation/sdk-routing.ts).
 */
import { DuckDBInstance, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnInfo, QueryCommandInput, QueryCommandOutput, Row } from '@aws-sdk/client-timestream-query';
import { QueryCommand } from '@aws-sdk/client-timestream-query';
import {
  RejectedRecordsException,
  ResourceNotFoundException,
  WriteRecordsCommand,
  type RejectedRecord,
  type WriteRecordsCommandInput,
  type WriteRecordsCommandOutput,
} from '@aws-sdk/client-timestream-write';
import type { Route } from '../sdk-routing';
import { checkRecord, invalid, recordKey, withCommonAttributes, type CheckedRecord, type StoredRecord } from './records';
import { columnInfoOf, queryInvalid, rowsOf } from './results';
import { QueryMemo, TableFingerprint } from './query-memo';

export interface TimestreamStandInOptions {
  /** Clock for the memory-store retention check (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** Rows per Query page: small, so callers must follow NextToken. @default 2 */
  readonly pageSize?: number;
  /** Memory store retention: older records are rejected. @default 24 */
  readonly memoryStoreRetentionHours?: number;
  /** Empty pages (with a NextToken) served before the first rows, as a running query may. @default 0 */
  readonly emptyPagesBeforeRows?: number;
}

const MAX_RECORDS_PER_WRITE = 100;
const MAX_FUTURE_MS = 15 * 60_000;
const NAME = /^[A-Za-z0-9_.-]{3,256}$/;

interface Table {
  readonly records: Map<string, StoredRecord>;
  readonly dimensionNames: Set<string>;
  /** Records changed since DuckDB's copy was last brought up to date. */
  readonly pending: Map<string, StoredRecord>;
  /** Whether a pending record replaces one stored before (whose row must go), or all are new. */
  replacing: boolean;
  /** Dimension columns of DuckDB's copy; undefined when it must be rebuilt (new table or new dimension). */
  builtDimensions: string[] | undefined;
  /** The rows DuckDB's copy holds (once brought up to date), summed up for the query memo. */
  readonly fingerprint: TableFingerprint;
}

/** Where the stand-in stages changed records (a table per Timestream table); outside every Timestream database's schema. */
const STAGING_SCHEMA_NAME = '__timestream_stand_in';
const STAGING_SCHEMA = quote(STAGING_SCHEMA_NAME);

interface OpenQuery {
  readonly queryString: string;
  readonly columnInfo: ColumnInfo[];
  readonly rows: Row[];
  readonly pageSize: number;
  emptyPagesLeft: number;
  /** The only token this query accepts next. */
  currentToken: string;
}

const metadata = { httpStatusCode: 400 };

/** Timestream's functions the product's SQL uses, as DuckDB macros: from_milliseconds(bigint) -> timestamp. */
export const TIMESTREAM_FUNCTIONS_SQL = 'CREATE MACRO from_milliseconds(ms) AS epoch_ms(CAST(ms AS BIGINT))';

/** Shared by every stand-in of the process: worlds that hold the same records share DuckDB's answers. */
const QUERY_MEMO = new QueryMemo();

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

export class TimestreamStandIn {
  private readonly tables = new Map<string, Table>();
  private readonly queries = new Map<string, OpenQuery>();
  private queryCounter = 0;
  /** Queries DuckDB ran; the others were answered from the memo. */
  duckDbQueries = 0;
  /** DuckDB work runs one statement sequence at a time. */
  private duckTail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: Required<TimestreamStandInOptions>,
  ) {}

  static async create(options: TimestreamStandInOptions = {}): Promise<TimestreamStandIn> {
    // The tables are small and queries come one at a time: one thread spares the cost of starting
    // others for every statement, and the cores other tests run on.
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run(TIMESTREAM_FUNCTIONS_SQL);
    await connection.run(`CREATE SCHEMA ${STAGING_SCHEMA}`);
    return new TimestreamStandIn(instance, connection, {
      now: options.now ?? Date.now,
      pageSize: options.pageSize ?? 2,
      memoryStoreRetentionHours: options.memoryStoreRetentionHours ?? 24,
      emptyPagesBeforeRows: options.emptyPagesBeforeRows ?? 0,
    });
  }

  /** Creates a table (and its database) as the stack would. */
  createTable(database: string, table: string): void {
    if (!NAME.test(database) || !NAME.test(table)) throw new Error(`invalid Timestream names ${database}.${table}`);
    const key = `${database}\u0000${table}`;
    if (!this.tables.has(key))
      this.tables.set(key, {
        records: new Map(),
        dimensionNames: new Set(),
        pending: new Map(),
        replacing: false,
        builtDimensions: undefined,
        fingerprint: new TableFingerprint(),
      });
  }

  /** Every stored record of a table, for assertions. */
  storedRecords(database: string, table: string): StoredRecord[] {
    return [...(this.tables.get(`${database}\u0000${table}`)?.records.values() ?? [])];
  }

  /** WriteRecords and Query, for `routeCommands` on either Timestream client. */
  routes(): Route[] {
    return [
      [WriteRecordsCommand, (input: WriteRecordsCommandInput) => this.writeRecords(input)],
      [QueryCommand, (input: QueryCommandInput) => this.query(input)],
    ];
  }

  /** Closes the DuckDB connection and database. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  // ---- WriteRecords ---------------------------------------------------------------------------

  async writeRecords(input: WriteRecordsCommandInput): Promise<WriteRecordsCommandOutput> {
    const table = this.tables.get(`${input.DatabaseName}\u0000${input.TableName}`);
    if (!table) {
      const message = `The table ${input.TableName} does not exist in database ${input.DatabaseName}.`;
      throw new ResourceNotFoundException({ message, Message: message, $metadata: { httpStatusCode: 404 } });
    }
    const records = input.Records ?? [];
    if (records.length < 1 || records.length > MAX_RECORDS_PER_WRITE) {
      throw invalid(
        `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${MAX_RECORDS_PER_WRITE} (got ${records.length})`,
      );
    }
    const checked = records.map((record, index) => checkRecord(withCommonAttributes(record, input.CommonAttributes), index));
    const rejected: RejectedRecord[] = [];
    checked.forEach((record, index) => {
      const rejection = this.upsert(table, record);
      if (rejection) rejected.push({ RecordIndex: index, ...rejection });
    });
    if (rejected.length > 0) {
      const message = 'One or more records have been rejected. See RejectedRecords for details.';
      throw new RejectedRecordsException({
        message,
        Message: message,
        $metadata: metadata,
        RejectedRecords: rejected,
      });
    }
    return {
      RecordsIngested: { Total: checked.length, MemoryStore: checked.length, MagneticStore: 0 },
      $metadata: { httpStatusCode: 200 },
    };
  }

  private upsert(table: Table, record: CheckedRecord): Omit<RejectedRecord, 'RecordIndex'> | undefined {
    const now = this.options.now();
    const oldest = now - this.options.memoryStoreRetentionHours * 3_600_000;
    if (record.timeMs < oldest || record.timeMs > now + MAX_FUTURE_MS) {
      return {
        Reason: `The record timestamp is outside the time range [${new Date(oldest).toISOString()}, ${new Date(now + MAX_FUTURE_MS).toISOString()}) of the memory store.`,
      };
    }
    const key = recordKey(record.dimensions, record.measureName, record.timeMs);
    const existing = table.records.get(key);
    if (existing && record.version <= existing.version) {
      if (existing.value === record.value) return undefined; // identical retry: nothing to change
      return {
        Reason:
          'A record with the same dimensions, timestamp and measure name but a different measure value already exists with an equal or higher version.',
        ExistingVersion: existing.version,
      };
    }
    // A table's first record creates its measure_value::bigint column: DuckDB's copy is rebuilt.
    if (table.records.size === 0) table.builtDimensions = undefined;
    const stored = { ...record };
    if (existing) table.replacing = true;
    table.fingerprint.replace(key, existing?.value, stored.value);
    table.records.set(key, stored);
    table.pending.set(key, stored);
    for (const name of Object.keys(record.dimensions)) {
      if (table.dimensionNames.has(name)) continue;
      table.dimensionNames.add(name);
      table.builtDimensions = undefined;
    }
    return undefined;
  }

  // ---- Query ----------------------------------------------------------------------------------

  async query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    if (!input.QueryString) throw queryInvalid('QueryString is required');
    if (input.MaxRows !== undefined && (!Number.isInteger(input.MaxRows) || input.MaxRows < 1 || input.MaxRows > 1000)) {
      throw queryInvalid('MaxRows must be between 1 and 1000');
    }
    const [queryId, open] =
      input.NextToken === undefined ? await this.startQuery(input) : this.resumeQuery(input.NextToken, input.QueryString);
    return this.nextPage(queryId, open);
  }

  private async startQuery(input: QueryCommandInput): Promise<[string, OpenQuery]> {
    const queryString = input.QueryString as string;
    const result = await this.exclusive(async () => {
      const memoKey = QueryMemo.readsClock(queryString) ? undefined : QueryMemo.key(queryString, this.tableStates());
      const remembered = memoKey === undefined ? undefined : QUERY_MEMO.get(memoKey);
      if (remembered) return remembered;
      await this.syncTables();
      this.duckDbQueries++;
      let reader;
      try {
        reader = await this.connection.runAndReadAll(queryString);
      } catch (error) {
        throw queryInvalid(`Query failed: ${(error as Error).message}`);
      }
      const answer = { columnInfo: columnInfoOf(reader), rows: rowsOf(reader) };
      if (memoKey !== undefined) QUERY_MEMO.set(memoKey, answer);
      return answer;
    });
    const queryId = `query-${++this.queryCounter}`;
    const open: OpenQuery = {
      queryString,
      columnInfo: result.columnInfo,
      rows: result.rows,
      pageSize: Math.min(this.options.pageSize, input.MaxRows ?? Number.POSITIVE_INFINITY),
      emptyPagesLeft: this.options.emptyPagesBeforeRows,
      currentToken: '',
    };
    this.queries.set(queryId, open);
    return [queryId, open];
  }

  private resumeQuery(token: string, queryString: string): [string, OpenQuery] {
    const queryId = token.split('/')[0] as string;
    const open = this.queries.get(queryId);
    if (!open || open.currentToken !== token || open.queryString !== queryString) {
      throw queryInvalid('Invalid pagination token');
    }
    return [queryId, open];
  }

  private nextPage(queryId: string, open: OpenQuery): QueryCommandOutput {
    const offset = open.currentToken === '' ? 0 : Number(open.currentToken.split('/')[1]);
    let rows: Row[] = [];
    let nextOffset = offset;
    if (open.emptyPagesLeft > 0) open.emptyPagesLeft--;
    else {
      rows = open.rows.slice(offset, offset + open.pageSize);
      nextOffset = offset + rows.length;
    }
    const more = open.emptyPagesLeft > 0 || nextOffset < open.rows.length;
    open.currentToken = more ? `${queryId}/${nextOffset}/${Math.random().toString(36).slice(2)}` : '';
    if (!more) this.queries.delete(queryId);
    return {
      QueryId: queryId,
      ColumnInfo: open.columnInfo,
      Rows: rows,
      ...(more ? { NextToken: open.currentToken } : {}),
      QueryStatus: {
        ProgressPercentage: more ? (100 * nextOffset) / Math.max(1, open.rows.length) : 100,
        CumulativeBytesScanned: 0,
        CumulativeBytesMetered: 0,
      },
      $metadata: { httpStatusCode: 200 },
    };
  }

  /** What DuckDB's tables hold once brought up to date: names, columns and rows of each. */
  private tableStates(): string[] {
    return [...this.tables].map(([key, table]) => {
      const columns = [...table.dimensionNames].sort().join(',');
      return `${key} ${columns} ${table.records.size > 0 ? 'measure' : 'no-measure'} ${table.fingerprint.text()}`;
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.duckTail.then(work, work);
    this.duckTail = run.catch(() => undefined);
    return run;
  }

  /**
   * Brings DuckDB's copy of every table up to date with the records (the records are the truth):
   * a full rebuild when the columns changed, otherwise new records are appended and changed
   * records replace their rows.
   */
  private async syncTables(): Promise<void> {
    for (const [key, table] of this.tables) {
      const [database, name] = key.split('\u0000') as [string, string];
      const qualified = `${quote(database)}.${quote(name)}`;
      const staging = `${database}.${name}`;
      if (table.builtDimensions === undefined) {
        const dimensions = [...table.dimensionNames].sort();
        // Timestream creates dimension and measure_value::<type> columns as records arrive: a table
        // that never received a record has neither, and a query naming them is a ValidationException.
        const measure = table.records.size > 0 ? ['measure_value BIGINT'] : [];
        const columns = [...dimensions.map((d) => `${quote(d)} VARCHAR`), 'measure_name VARCHAR', 'time TIMESTAMP', ...measure];
        // Each table has its staging twin for changed records, made with it: a statement per run less.
        await this.connection.run(
          `CREATE SCHEMA IF NOT EXISTS ${quote(database)}; CREATE OR REPLACE TABLE ${qualified} (${columns.join(', ')}); ` +
            `CREATE OR REPLACE TABLE ${STAGING_SCHEMA}.${quote(staging)} AS SELECT * FROM ${qualified} LIMIT 0`,
        );
        await this.append(database, name, dimensions, table.records.values());
        table.builtDimensions = dimensions;
      } else if (table.replacing) {
        await this.replaceRows(staging, qualified, table.builtDimensions, table.pending.values());
      } else if (table.pending.size > 0) {
        await this.append(database, name, table.builtDimensions, table.pending.values());
      }
      table.pending.clear();
      table.replacing = false;
    }
  }

  /** Replaces the rows of changed records: staged in the table's twin, then deleted and inserted. */
  private async replaceRows(
    stagingName: string,
    qualified: string,
    dimensions: readonly string[],
    records: Iterable<StoredRecord>,
  ): Promise<void> {
    await this.append(STAGING_SCHEMA_NAME, stagingName, dimensions, records);
    const staging = `${STAGING_SCHEMA}.${quote(stagingName)}`;
    const sameKey = [
      ...dimensions.map((d) => `t.${quote(d)} IS NOT DISTINCT FROM p.${quote(d)}`),
      't.measure_name = p.measure_name',
      't.time = p.time',
    ].join(' AND ');
    // One call for the three statements: DuckDB's fixed cost per call is most of the work on small tables.
    await this.connection.run(
      `DELETE FROM ${qualified} AS t USING ${staging} AS p WHERE ${sameKey}; INSERT INTO ${qualified} SELECT * FROM ${staging}; DELETE FROM ${staging}`,
    );
  }

  private async append(schema: string, table: string, dimensions: readonly string[], records: Iterable<StoredRecord>): Promise<void> {
    const appender = await this.connection.createAppender(table, schema);
    for (const record of records) {
      for (const dimension of dimensions) {
        const value = record.dimensions[dimension];
        if (value === undefined) appender.appendNull();
        else appender.appendVarchar(value);
      }
      appender.appendVarchar(record.measureName);
      appender.appendTimestamp(timestampValue(BigInt(record.timeMs) * 1000n));
      appender.appendBigInt(record.value);
      appender.endRow();
    }
    appender.closeSync();
  }
}
