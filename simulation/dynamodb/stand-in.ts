/**
 * In-process stand-in for Amazon DynamoDB: a real engine, dynalite (DynamoDB's API on an in-memory
 * store), served on the loopback interface, behind checks that make it no more forgiving than the
 * service where dynalite is.
 *
 * dynalite itself: key schema, condition expressions (ConditionalCheckFailedException), Query key
 * conditions and its 1 MB page (LastEvaluatedKey), BatchWriteItem's 25 requests and duplicate
 * keys, the 400 KB item size, ValidationException and ResourceNotFoundException as DynamoDB words
 * them. Added here:
 *
 * - throughput per partition on the simulated clock (./throughput.ts): a PutItem or Query over a
 *   partition's budget fails with ProvisionedThroughputExceededException; BatchWriteItem returns
 *   the throttled requests as UnprocessedItems, and fails the same way when none was processed;
 * - smaller Query pages on request (`maxPageItems`): DynamoDB may return fewer items than fit in
 *   1 MB, and a caller must follow LastEvaluatedKey either way;
 * - eventually consistent reads: a Query without ConsistentRead leaves out items written less
 *   than a second ago (DynamoDB's eventually consistent reads may miss a write that recent);
 * - Time to Live: a table's TTL attribute; items whose time has passed are deleted some time later
 *   (here: when the simulated clock enters a new minute), and until then are read like any other,
 *   as DynamoDB documents.
 *
 * Plug it into a client with `routeCommands(client, store.routes())` (simulation/sdk-routing.ts).
 */
import type { AddressInfo } from 'node:net';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type BatchWriteItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { Route } from '../sdk-routing';
import { itemSize, PartitionThroughput, readUnits, writeUnits } from './throughput';

type Item = Record<string, AttributeValue>;

export interface TableSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** The TTL attribute (epoch seconds); unset: TTL off. */
  readonly timeToLive?: string;
}

export interface DynamoDbStandInOptions {
  /** Simulated clock (epoch ms): throughput seconds and TTL deletion. @default Date.now */
  readonly now?: () => number;
  /** At most this many items per Query page (as well as 1 MB). @default no limit but 1 MB */
  readonly maxPageItems?: number;
}

const credentials = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

function throttled(): ProvisionedThroughputExceededException {
  const message = 'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table.';
  return new ProvisionedThroughputExceededException({ message, $metadata: { httpStatusCode: 400 } });
}

export class DynamoDbStandIn {
  private readonly throughput: PartitionThroughput;
  private readonly now: () => number;
  private sweptMinute = Number.NaN;
  /** When each item (table, partition and sort key) was last written, for eventually consistent reads. */
  private readonly writtenAt = new Map<string, number>();
  /** Items deleted by TTL so far (the tests read it). */
  expiredItemsDeleted = 0;

  private constructor(
    private readonly server: ReturnType<typeof dynalite>,
    private readonly engine: DynamoDBClient,
    private readonly tables: Map<string, TableSpec>,
    private readonly options: DynamoDbStandInOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.throughput = new PartitionThroughput(this.now);
  }

  static async create(tables: readonly TableSpec[], options: DynamoDbStandInOptions = {}): Promise<DynamoDbStandIn> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // The engine's own client: no retries, so every error the engine answers reaches the caller as it is.
    const engine = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
    const standIn = new DynamoDbStandIn(server, engine, new Map(tables.map((t) => [t.name, t])), options);
    for (const table of tables) await standIn.createTable(table);
    return standIn;
  }

  private async createTable({ name, partitionKey, sortKey }: TableSpec): Promise<void> {
    await this.engine.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  }

  routes(): Route[] {
    return [
      [PutItemCommand, (input: PutItemCommandInput) => this.putItem(input)],
      [BatchWriteItemCommand, (input: BatchWriteItemCommandInput) => this.batchWriteItem(input)],
      [QueryCommand, (input: QueryCommandInput) => this.query(input)],
    ];
  }

  private partitionOf(tableName: string | undefined, item: Item | undefined): string {
    const table = this.tables.get(tableName ?? '');
    const key = table ? item?.[table.partitionKey]?.S : undefined;
    return `${tableName ?? ''}\u0000${key ?? ''}`;
  }

  private async putItem(input: PutItemCommandInput) {
    await this.sweepExpired();
    if (!this.throughput.tryWrite(this.partitionOf(input.TableName, input.Item), writeUnits(input.Item ?? {}))) throw throttled();
    const output = await this.engine.send(new PutItemCommand(input));
    this.written(input.TableName, input.Item);
    return output;
  }

  /**
   * Requests over their partition's budget come back unprocessed, and none processed is a
   * throttling error. A batch of no or more than 25 requests goes to the engine as it is, which
   * rejects it outright as DynamoDB does.
   */
  private async batchWriteItem(input: BatchWriteItemCommandInput) {
    await this.sweepExpired();
    const requests = Object.entries(input.RequestItems ?? {}).flatMap(([table, writes]) => writes.map((w) => [table, w] as const));
    if (requests.length === 0 || requests.length > 25) return this.engine.send(new BatchWriteItemCommand(input));
    const processed: Record<string, WriteRequest[]> = {};
    const unprocessed: Record<string, WriteRequest[]> = {};
    for (const [table, write] of requests) {
      const item = write.PutRequest?.Item ?? write.DeleteRequest?.Key ?? {};
      const target = this.throughput.tryWrite(this.partitionOf(table, item), writeUnits(item)) ? processed : unprocessed;
      (target[table] ??= []).push(write);
    }
    if (Object.keys(processed).length === 0) throw throttled();
    const output = await this.engine.send(new BatchWriteItemCommand({ ...input, RequestItems: processed }));
    for (const [table, writes] of Object.entries(processed))
      for (const w of writes) this.written(table, w.PutRequest?.Item ?? w.DeleteRequest?.Key);
    return { ...output, UnprocessedItems: unprocessed };
  }

  private async query(input: QueryCommandInput) {
    await this.sweepExpired();
    const limit = this.options.maxPageItems;
    const output = await this.engine.send(
      new QueryCommand(limit === undefined ? input : { ...input, Limit: Math.min(input.Limit ?? limit, limit) }),
    );
    const bytes = (output.Items ?? []).reduce((n, item) => n + itemSize(item), 0);
    const partition = this.partitionOf(input.TableName, {
      [this.tables.get(input.TableName ?? '')?.partitionKey ?? '']: partitionValue(input),
    });
    if (!this.throughput.tryRead(partition, readUnits(bytes, input.ConsistentRead === true))) throw throttled();
    if (input.ConsistentRead === true) return output;
    const settled = (output.Items ?? []).filter(
      (item) => this.now() - (this.writtenAt.get(this.itemKey(input.TableName, item)) ?? -Infinity) >= 1_000,
    );
    return { ...output, Items: settled, Count: settled.length };
  }

  private itemKey(tableName: string | undefined, item: Item | undefined): string {
    const table = this.tables.get(tableName ?? '');
    return JSON.stringify([tableName, table && item?.[table.partitionKey], table && item?.[table.sortKey]]);
  }

  private written(tableName: string | undefined, item: Item | undefined): void {
    this.writtenAt.set(this.itemKey(tableName, item), this.now());
  }

  /**
   * TTL's background deletion: items whose TTL time has passed are deleted once the clock enters a
   * new minute. DynamoDB deletes within days; deleting early is the strict side.
   */
  private async sweepExpired(): Promise<void> {
    const minute = Math.floor(this.now() / 60_000);
    if (minute === this.sweptMinute) return;
    this.sweptMinute = minute;
    const nowSeconds = this.now() / 1000;
    for (const table of this.tables.values()) {
      if (!table.timeToLive) continue;
      for (const item of await this.allItems(table.name)) {
        const expiresAt = Number(item[table.timeToLive]?.N);
        if (!Number.isFinite(expiresAt) || expiresAt > nowSeconds) continue;
        const key = {
          [table.partitionKey]: item[table.partitionKey] as AttributeValue,
          [table.sortKey]: item[table.sortKey] as AttributeValue,
        };
        await this.engine.send(new DeleteItemCommand({ TableName: table.name, Key: key }));
        this.expiredItemsDeleted++;
      }
    }
  }

  /** Every item of a table, as stored (for TTL and the tests; callers of the routes can only Query). */
  async allItems(tableName: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.engine.send(new ScanCommand({ TableName: tableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** One item, read directly from the engine (for the tests). */
  async getItem(tableName: string, key: Item): Promise<Item | undefined> {
    return (await this.engine.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  }

  /** Writes an item directly, outside any throughput budget (for the tests). */
  async putDirect(tableName: string, item: Item): Promise<void> {
    await this.engine.send(new PutItemCommand({ TableName: tableName, Item: item }));
  }

  /** Deletes an item directly (for the tests). */
  async deleteDirect(tableName: string, key: Item): Promise<void> {
    await this.engine.send(new DeleteItemCommand({ TableName: tableName, Key: key }));
  }

  close(): void {
    this.engine.destroy();
    this.server.close();
  }
}

/** The partition key value a Query names (`#pk = :pk` or `pk = :pk`), for throughput accounting. */
function partitionValue(input: QueryCommandInput): AttributeValue {
  const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(input.KeyConditionExpression ?? '');
  return (match ? input.ExpressionAttributeValues?.[match[2] as string] : undefined) ?? { S: '' };
}
