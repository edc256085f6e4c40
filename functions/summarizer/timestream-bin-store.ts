import { QueryCommand, ValidationException, type QueryCommandOutput, type TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { RejectedRecordsException, WriteRecordsCommand, type _Record, type TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import type { TelemetryLogger } from '../common/telemetry';
import { mapWithConcurrency } from '../../core/concurrency';
import type { BinWriteOutcome, PacketBinStore, StoredValue, WriteDeadline } from '../../core/packet-bin-store';
import type { MinuteSummary } from '../../core/packet-bins';
import {
  BIN_STORE_SCHEMA,
  buildAnomalyQuery,
  buildBaselineQuery,
  LISTENER_DIMENSION,
  parseAnomalyResult,
  parseBaselineResult,
  parseListenerBaselineResult,
  type Baseline,
  type BinTable,
} from '../../core/zscore-query';
import { WriteBudget } from './write-budget';

/** WriteRecords accepts at most 100 records per request. */
export const MAX_RECORDS_PER_WRITE = 100;
/** Write requests in flight at once: enough to write thousands of bins in a second or two. */
export const WRITE_CONCURRENCY = 8;
/** A runaway NextToken loop is a bug, not a result. */
const MAX_QUERY_PAGES = 10_000;

export interface TimestreamBinStoreDeps {
  readonly write: TimestreamWriteClient;
  readonly query: TimestreamQueryClient;
  readonly table: BinTable;
  /**
   * The listeners' labels (`443/tcp`), first one first. With several, every record carries the
   * listener dimension; with one (or none given) the records are the one-listener layout.
   */
  readonly listeners?: readonly string[];
  readonly logger: TelemetryLogger;
  /** Clock in epoch milliseconds: the schema record is written at the current minute. */
  readonly now: () => number;
}

/**
 * Timestream creates a table's columns (`source_ip`, `measure_value::bigint`) with the first record
 * that has them; until then every query naming them fails with a ValidationException, so a stack
 * that has seen no traffic yet could never judge a window. When a query fails with a
 * ValidationException, the store writes this one record (once per cold start) and runs the query
 * once more: a query that is invalid for any other reason fails again and is reported. Every query
 * selects its measure names explicitly, so the record never counts as a bin; re-writing it with
 * the same value and version is a no-op.
 */
export const SCHEMA_RECORD = {
  measureName: 'schema',
  sourceIp: '0.0.0.0',
  value: '0',
  version: 1,
} as const;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function toRecord(value: StoredValue): _Record {
  const listener = value.listener === undefined ? [] : [{ Name: LISTENER_DIMENSION, Value: value.listener }];
  return {
    Dimensions: [{ Name: BIN_STORE_SCHEMA.sourceDimension, Value: value.sourceIp }, ...listener],
    MeasureName: value.measure,
    MeasureValue: String(value.value),
    Time: String(value.minuteStartMs),
  };
}

/**
 * The listener dimension of a minute's records: none with one listener; with several, the
 * minute's own listener, which must be one of them.
 */
function listenerOf(minute: MinuteSummary, listeners: readonly string[] | undefined): { listener?: string } {
  if (listeners === undefined || listeners.length < 2) {
    if (minute.listener !== undefined && listeners !== undefined && minute.listener !== listeners[0])
      throw new RangeError(`minute of listener ${minute.listener}: this store keeps ${listeners.join(', ')}`);
    return {};
  }
  const listener = minute.listener ?? listeners[0];
  if (listener === undefined || !listeners.includes(listener))
    throw new RangeError(`minute of listener ${String(listener)}: this store keeps ${listeners.join(', ')}`);
  return { listener };
}

/** Statistics first, then candidates: one list of values, the order the batches are written in. */
function storedValues(minutes: readonly MinuteSummary[], listeners: readonly string[] | undefined): StoredValue[] {
  const { statistics, allSources, measureName } = BIN_STORE_SCHEMA;
  const values: StoredValue[] = [];
  for (const minute of minutes) {
    const { minuteStartMs, statistics: s } = minute;
    const l = listenerOf(minute, listeners);
    values.push(
      { measure: statistics.binCount, sourceIp: allSources, ...l, minuteStartMs, value: BigInt(s.binCount) },
      { measure: statistics.packetSum, sourceIp: allSources, ...l, minuteStartMs, value: BigInt(s.packetSum) },
      { measure: statistics.packetSquareSum, sourceIp: allSources, ...l, minuteStartMs, value: s.packetSquareSum },
    );
  }
  for (const minute of minutes) {
    const l = listenerOf(minute, listeners);
    for (const bin of minute.candidates)
      values.push({ measure: measureName, sourceIp: bin.sourceIp, ...l, minuteStartMs: bin.minuteStartMs, value: BigInt(bin.packets) });
  }
  return values;
}

interface BatchOutcome {
  accepted: number;
  versionLosses: number;
  rejected: { record: StoredValue; reason: string }[];
  failed: boolean;
  records: number;
}

export class TimestreamBinStore implements PacketBinStore {
  private schemaWritten = false;

  constructor(private readonly deps: TimestreamBinStoreDeps) {}

  /** Writes SCHEMA_RECORD; false when it was already written or the write failed (logged). */
  private async writeSchemaRecord(): Promise<boolean> {
    if (this.schemaWritten) return false;
    const { database, table } = this.deps.table;
    const minuteStartMs = this.deps.now() - (this.deps.now() % 60_000);
    try {
      await this.deps.write.send(
        new WriteRecordsCommand({
          DatabaseName: database,
          TableName: table,
          Records: [
            {
              Dimensions: [
                { Name: BIN_STORE_SCHEMA.sourceDimension, Value: SCHEMA_RECORD.sourceIp },
                // With several listeners the queries name the listener column too.
                ...(this.perListener() ? [{ Name: LISTENER_DIMENSION, Value: this.deps.listeners?.[0] as string }] : []),
              ],
              MeasureName: SCHEMA_RECORD.measureName,
              MeasureValueType: BIN_STORE_SCHEMA.measureValueType,
              MeasureValue: SCHEMA_RECORD.value,
              Time: String(minuteStartMs),
              TimeUnit: 'MILLISECONDS',
              Version: SCHEMA_RECORD.version,
            },
          ],
        }),
      );
      this.schemaWritten = true;
      this.deps.logger.info('schema record written: the table had no columns to query yet');
      return true;
    } catch (error) {
      this.deps.logger.warn('schema record write failed; queries of a table without records will fail', { error: error as Error });
      return false;
    }
  }

  async writeMinutes(minutes: readonly MinuteSummary[], version: number, deadline?: WriteDeadline): Promise<BinWriteOutcome> {
    const batches = chunk(storedValues(minutes, this.deps.listeners), MAX_RECORDS_PER_WRITE);
    const budget = new WriteBudget(this.deps.now, deadline);
    const outcomes = await mapWithConcurrency(batches, WRITE_CONCURRENCY, (batch) => this.writeBatch(batch, version, budget));
    const failed = outcomes.filter((o) => o.failed);
    return {
      accepted: outcomes.reduce((sum, o) => sum + o.accepted, 0),
      versionLosses: outcomes.reduce((sum, o) => sum + o.versionLosses, 0),
      rejected: outcomes.flatMap((o) => o.rejected),
      failedBatches: failed.length,
      failedRecords: failed.reduce((sum, o) => sum + o.records, 0),
    };
  }

  private async writeBatch(batch: readonly StoredValue[], version: number, budget: WriteBudget): Promise<BatchOutcome> {
    const { database, table } = this.deps.table;
    try {
      budget.check();
      await this.deps.write.send(
        new WriteRecordsCommand({
          DatabaseName: database,
          TableName: table,
          CommonAttributes: { MeasureValueType: BIN_STORE_SCHEMA.measureValueType, TimeUnit: 'MILLISECONDS', Version: version },
          Records: batch.map(toRecord),
        }),
        { abortSignal: budget.signal },
      );
      return { accepted: batch.length, versionLosses: 0, rejected: [], failed: false, records: batch.length };
    } catch (error) {
      if (error instanceof RejectedRecordsException) return this.inspectRejections(batch, version, error);
      // Throttling has already been retried by the SDK; what reaches here is a failed batch. A call
      // that did not answer stops the run's other writes (write-budget.ts).
      budget.failed(error);
      this.deps.logger.error('packet-bin write failed', { records: batch.length, error: error as Error });
      return { accepted: 0, versionLosses: 0, rejected: [], failed: true, records: batch.length };
    }
  }

  /**
   * The records not listed were ingested. A listed record whose ExistingVersion is at least ours
   * lost to a newer run's write of the same bin: fine. Anything else is a real rejection.
   */
  private inspectRejections(batch: readonly StoredValue[], version: number, error: RejectedRecordsException): BatchOutcome {
    const listed = error.RejectedRecords ?? [];
    let versionLosses = 0;
    const rejected: { record: StoredValue; reason: string }[] = [];
    const seen = new Set<number>();
    for (const record of listed) {
      const value = record.RecordIndex === undefined ? undefined : batch[record.RecordIndex];
      if (!value || seen.has(record.RecordIndex as number)) continue;
      seen.add(record.RecordIndex as number);
      if (record.ExistingVersion !== undefined && record.ExistingVersion >= version) versionLosses++;
      else rejected.push({ record: value, reason: record.Reason ?? 'no reason given' });
    }
    if (listed.length > 0 && seen.size < listed.length) {
      this.deps.logger.warn('RejectedRecords named records outside the request', { rejectedRecords: listed });
    }
    for (const { record, reason } of rejected) {
      this.deps.logger.warn('packet-bin record rejected', {
        measure: record.measure,
        sourceIp: record.sourceIp,
        minuteStart: new Date(record.minuteStartMs).toISOString(),
        value: String(record.value),
        reason,
      });
    }
    return { accepted: batch.length - seen.size, versionLosses, rejected, failed: false, records: batch.length };
  }

  private perListener(): boolean {
    return (this.deps.listeners?.length ?? 0) > 1;
  }

  /** The first listener's baseline; with several listeners, from the per-listener query. */
  async baseline(windowStartMs: number): Promise<Baseline> {
    const { listeners } = this.deps;
    if (!this.perListener() || listeners === undefined)
      return parseBaselineResult(await this.queryAllPages(buildBaselineQuery({ ...this.deps.table, windowStartMs })));
    const pages = await this.queryAllPages(buildBaselineQuery({ ...this.deps.table, windowStartMs, listeners }));
    return parseListenerBaselineResult(pages, listeners).get(listeners[0] as string) as Baseline;
  }

  async anomalies(options: Parameters<PacketBinStore['anomalies']>[0]): Promise<ReturnType<typeof parseAnomalyResult>> {
    const { listeners } = this.deps;
    const query = buildAnomalyQuery({ ...this.deps.table, ...options, ...(this.perListener() ? { listeners } : {}) });
    return parseAnomalyResult(await this.queryAllPages(query), this.perListener());
  }

  /** Follows NextToken to the end: Timestream may return empty pages (with a token) before rows. */
  private async queryAllPages(queryString: string): Promise<QueryCommandOutput[]> {
    try {
      return await this.readPages(queryString);
    } catch (error) {
      if (!(error instanceof ValidationException) || !(await this.writeSchemaRecord())) throw error;
      return this.readPages(queryString);
    }
  }

  private async readPages(queryString: string): Promise<QueryCommandOutput[]> {
    const pages: QueryCommandOutput[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.deps.query.send(
        new QueryCommand({ QueryString: queryString, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      pages.push(page);
      nextToken = page.NextToken;
      if (pages.length > MAX_QUERY_PAGES) throw new Error(`Timestream query returned more than ${MAX_QUERY_PAGES} pages`);
    } while (nextToken);
    return pages;
  }
}
