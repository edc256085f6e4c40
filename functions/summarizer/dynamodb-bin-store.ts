/**
 * The DynamoDB adapter of the packet-bin store port: the semantics of the Timestream adapter and
 * its SQL (core/zscore-query.ts), on the item layout of ./dynamodb-items.ts. A run's minute is
 * written as its candidate bins (BatchWriteItem, in the run's own partition) and then its head
 * (PutItem, conditional: a newer run wins). The window is read by Query, never Scan, and judged by
 * core/zscore-compute.ts, operation for operation as the SQL does.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ThrottlingException,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mapWithConcurrency } from '../../core/concurrency';
import type { BinWriteOutcome, PacketBinStore, WriteDeadline } from '../../core/packet-bin-store';
import type { MinuteSummary } from '../../core/packet-bins';
import { listenerLabel } from '../../core/listeners';
import { computeAnomalies, computeBaseline, computeListenerAnomalies, type ListenerWindow } from '../../core/zscore-compute';
import type { Baseline, ZScoreAnomaly } from '../../core/zscore-query';
import type { TelemetryLogger } from '../common/telemetry';
import { DYNAMODB_BIN_TABLE_KEYS } from './contract';
import { WriteBudget } from './write-budget';
import {
  CANDIDATES_PER_SHARD,
  shardCount,
  binItem,
  binPartition,
  headItem,
  headPartition,
  minuteSortKey,
  readBin,
  readHead,
  StoredItemError,
  type Item,
  type ListenerKey,
  type MinuteHead,
} from './dynamodb-items';

/** BatchWriteItem takes at most 25 put or delete requests. */
export const MAX_ITEMS_PER_BATCH = 25;
/** Minutes written at once, and candidate batches in flight per minute. */
export const MINUTE_CONCURRENCY = 8;
export const BATCH_CONCURRENCY = 4;
/** Candidate partitions read at once. */
export const READ_CONCURRENCY = 8;
/**
 * Attempts at a batch's unprocessed items (throttled or failed inside DynamoDB): the SDK retries
 * only whole failed requests, so the store resends what a batch left over, backing off exponentially.
 */
export const MAX_BATCH_ATTEMPTS = 6;
export const FIRST_BACKOFF_MS = 50;
/** A runaway LastEvaluatedKey loop is a bug, not a result. */
const MAX_QUERY_PAGES = 10_000;

export interface DynamoDbBinStoreDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The endpoint's listeners, first one first: each has its own heads and candidates (dynamodb-items.ts). */
  readonly listeners: readonly ListenerKey[];
  /** How long items are kept after their minute (contract.ts binRetentionMs). */
  readonly retentionMs: number;
  readonly logger: TelemetryLogger;
  /** The run's clock, epoch ms: the write deadline is read on it. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

interface MinuteOutcome {
  readonly records: number;
  readonly result: 'stored' | 'lost' | 'failed';
}

function isThrottling(error: unknown): boolean {
  return error instanceof ProvisionedThroughputExceededException || error instanceof ThrottlingException;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export class DynamoDbBinStore implements PacketBinStore {
  private readonly byLabel: ReadonlyMap<string, ListenerKey>;

  constructor(private readonly deps: DynamoDbBinStoreDeps) {
    if (deps.listeners.length === 0) throw new RangeError('the DynamoDB bin store needs at least one listener');
    this.byLabel = new Map(deps.listeners.map((listener) => [listenerLabel(listener), listener]));
  }

  /** The listener a minute belongs to: its own, or the first when it names none. */
  private listenerOf(minute: MinuteSummary): ListenerKey {
    if (minute.listener === undefined) return this.deps.listeners[0] as ListenerKey;
    const listener = this.byLabel.get(minute.listener);
    if (listener === undefined)
      throw new RangeError(`minute of listener ${minute.listener}: this store keeps ${[...this.byLabel.keys()].join(', ')}`);
    return listener;
  }

  async writeMinutes(minutes: readonly MinuteSummary[], version: number, deadline?: WriteDeadline): Promise<BinWriteOutcome> {
    const budget = new WriteBudget(this.deps.now, deadline);
    const outcomes = await mapWithConcurrency(minutes, MINUTE_CONCURRENCY, (minute) => this.writeMinute(minute, version, budget));
    const sum = (result: MinuteOutcome['result']) => outcomes.filter((o) => o.result === result).reduce((total, o) => total + o.records, 0);
    return {
      accepted: sum('stored'),
      versionLosses: sum('lost'),
      rejected: [],
      failedBatches: outcomes.filter((o) => o.result === 'failed').length,
      failedRecords: sum('failed'),
    };
  }

  /** Candidates first, then the head that makes them current: a minute whose candidates are not all stored keeps its older head. */
  private async writeMinute(minute: MinuteSummary, version: number, budget: WriteBudget): Promise<MinuteOutcome> {
    const { retentionMs } = this.deps;
    const listener = this.listenerOf(minute);
    const expiresAtMs = minute.minuteStartMs + retentionMs;
    const records = 1 + minute.candidates.length;
    const requests = minute.candidates.map((bin, i): WriteRequest => {
      const partition = binPartition(listener, minute.minuteStartMs, version, Math.floor(i / CANDIDATES_PER_SHARD));
      return { PutRequest: { Item: binItem(partition, bin, expiresAtMs) } };
    });
    const minuteStart = new Date(minute.minuteStartMs).toISOString();
    try {
      const batches = await mapWithConcurrency(chunk(requests, MAX_ITEMS_PER_BATCH), BATCH_CONCURRENCY, (batch) =>
        this.writeBatch(batch, budget),
      );
      const unprocessed = batches.reduce((total, left) => total + left, 0);
      if (unprocessed > 0) {
        this.deps.logger.error('packet-bin write failed', { minuteStart, records, unprocessedItems: unprocessed });
        return { records, result: 'failed' };
      }
      const { statistics: s } = minute;
      const head: MinuteHead = {
        minuteStartMs: minute.minuteStartMs,
        version,
        binCount: BigInt(s.binCount),
        packetSum: BigInt(s.packetSum),
        packetSquareSum: s.packetSquareSum,
        candidates: minute.candidates.length,
      };
      budget.check();
      await this.deps.client.send(
        new PutItemCommand({
          TableName: this.deps.tableName,
          Item: headItem(listener, head, expiresAtMs),
          // A newer run's head stays; the same run rewriting its own head changes nothing.
          ConditionExpression: 'attribute_not_exists(#v) OR #v <= :v',
          ExpressionAttributeNames: { '#v': 'v' },
          ExpressionAttributeValues: { ':v': { N: String(version) } },
        }),
        { abortSignal: budget.signal },
      );
      return { records, result: 'stored' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // Runs overlapped and a newer one stored this minute first: its data stays, nothing is lost.
        this.deps.logger.info('packet-bin minute kept by a newer run', { minuteStart, version });
        return { records, result: 'lost' };
      }
      // Throttling has already been retried by the SDK; what reaches here is a failed minute. A call
      // that did not answer stops the run's other writes (write-budget.ts).
      budget.failed(error);
      this.deps.logger.error('packet-bin write failed', { minuteStart, records, error: error as Error });
      return { records, result: 'failed' };
    }
  }

  /**
   * Writes one batch, resending its unprocessed items with exponential backoff while the run's
   * write deadline allows; returns how many were never processed.
   */
  private async writeBatch(batch: readonly WriteRequest[], budget: WriteBudget): Promise<number> {
    const { tableName } = this.deps;
    let pending = [...batch];
    for (let attempt = 0; attempt < MAX_BATCH_ATTEMPTS && pending.length > 0; attempt++) {
      const backoffMs = attempt > 0 ? FIRST_BACKOFF_MS * 2 ** (attempt - 1) : 0;
      if (attempt > 0 && !budget.fits(backoffMs)) break;
      if (backoffMs > 0) await this.deps.sleep(backoffMs);
      budget.check();
      try {
        const output = await this.deps.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }), {
          abortSignal: budget.signal,
        });
        pending = output.UnprocessedItems?.[tableName] ?? [];
      } catch (error) {
        // Nothing processed for lack of throughput (after the SDK's own retries): back off and resend it all.
        if (!isThrottling(error)) throw error;
      }
    }
    return pending.length;
  }

  /** The first listener's baseline. */
  async baseline(windowStartMs: number): Promise<Baseline> {
    return computeBaseline(await this.heads(this.deps.listeners[0] as ListenerKey, windowStartMs));
  }

  async anomalies(options: Parameters<PacketBinStore['anomalies']>[0]): Promise<ZScoreAnomaly[]> {
    const { listeners } = this.deps;
    if (listeners.length === 1) {
      const { baseline, bins } = await this.window(listeners[0] as ListenerKey, options.windowStartMs);
      return computeAnomalies(baseline, bins, options);
    }
    const windows = await Promise.all(
      [...this.byLabel].map(async ([label, listener]): Promise<ListenerWindow> => ({
        listener: label,
        ...(await this.window(listener, options.windowStartMs)),
      })),
    );
    return computeListenerAnomalies(windows, options);
  }

  /** One listener's baseline and candidate bins over the window. */
  private async window(listener: ListenerKey, windowStartMs: number) {
    const heads = await this.heads(listener, windowStartMs);
    const baseline = computeBaseline(heads);
    // Without a positive sd nothing is anomalous: the candidates need not be read.
    if (!(baseline.standardDeviation !== null && baseline.standardDeviation > 0)) return { baseline, bins: [] };
    const shards = heads.flatMap((head) => Array.from({ length: shardCount(head.candidates) }, (_, shard) => ({ head, shard })));
    const read = await mapWithConcurrency(shards, READ_CONCURRENCY, ({ head, shard }) => this.shardOf(listener, head, shard));
    return { baseline, bins: read.flat() };
  }

  /** The heads of every minute at or after windowStartMs: one Query on a key range. */
  private async heads(listener: ListenerKey, windowStartMs: number): Promise<MinuteHead[]> {
    if (!Number.isSafeInteger(windowStartMs) || windowStartMs < 0) throw new RangeError(`windowStartMs must be an integer >= 0`);
    const { partitionKey, sortKey } = DYNAMODB_BIN_TABLE_KEYS;
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk AND #sk >= :from',
      ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
      ExpressionAttributeValues: { ':pk': { S: headPartition(listener) }, ':from': { S: minuteSortKey(windowStartMs) } },
    });
    return items.map(readHead);
  }

  /** One shard of the candidates the head's run wrote; another count than the head's means the store is not what was written. */
  private async shardOf(listener: ListenerKey, head: MinuteHead, shard: number) {
    const { partitionKey } = DYNAMODB_BIN_TABLE_KEYS;
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':pk': { S: binPartition(listener, head.minuteStartMs, head.version, shard) } },
    });
    const expected = Math.min(CANDIDATES_PER_SHARD, head.candidates - shard * CANDIDATES_PER_SHARD);
    if (items.length !== expected) {
      throw new StoredItemError(
        `minute ${new Date(head.minuteStartMs).toISOString()} (version ${head.version}) shard ${shard} holds ${items.length} candidate bins, its head counts ${expected}`,
      );
    }
    return items.map(readBin);
  }

  /** Follows LastEvaluatedKey to the end: a page stops at 1 MB of items. Strongly consistent: a run reads what it just wrote. */
  private async queryAll(
    query: Pick<QueryCommand['input'], 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ) {
    const items: Item[] = [];
    let startKey: Item | undefined;
    for (let page = 1; ; page++) {
      const output = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          ConsistentRead: true,
          ...query,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
      if (!startKey) return items;
      if (page >= MAX_QUERY_PAGES) throw new Error(`DynamoDB query returned more than ${MAX_QUERY_PAGES} pages`);
    }
  }
}
