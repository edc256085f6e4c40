/**
 * The DynamoDB stand-in is no more forgiving than DynamoDB: its engine's error codes and limits
 * (conditional writes, 25 requests a batch, 400 KB items, 1 MB Query pages), and its own
 * per-partition throughput, smaller pages and TTL deletion.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DynamoDbStandIn, type DynamoDbStandInOptions } from '../../../simulation/dynamodb/stand-in';
import { routeCommands } from '../../../simulation/sdk-routing';
import { TEST_CREDENTIALS } from '../../support/builders';

const T = 'items';
const START = Date.UTC(2026, 2, 1, 8, 0, 0);

async function table(clock = { now: START }, options: DynamoDbStandInOptions = {}) {
  const standIn = await DynamoDbStandIn.create([{ name: T, partitionKey: 'pk', sortKey: 'sk', timeToLive: 'ttl' }], {
    now: () => clock.now,
    ...options,
  });
  onTestFinished(() => standIn.close());
  const client = routeCommands(new DynamoDBClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), standIn.routes());
  return { standIn, client, clock };
}

const item = (pk: string, sk: string, extra: Record<string, { S?: string; N?: string }> = {}) => ({
  pk: { S: pk },
  sk: { S: sk },
  ...extra,
});
const put = (i: ReturnType<typeof item>): WriteRequest => ({ PutRequest: { Item: i } });

describe('DynamoDB stand-in', () => {
  it('answers a failed condition with ConditionalCheckFailedException and keeps the item', async () => {
    const { client, standIn } = await table();
    await client.send(new PutItemCommand({ TableName: T, Item: item('a', '1', { v: { N: '2' } }) }));
    const older = new PutItemCommand({
      TableName: T,
      Item: item('a', '1', { v: { N: '1' } }),
      ConditionExpression: 'attribute_not_exists(v) OR v <= :v',
      ExpressionAttributeValues: { ':v': { N: '1' } },
    });
    await expect(client.send(older)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await standIn.getItem(T, { pk: { S: 'a' }, sk: { S: '1' } })).toEqual(item('a', '1', { v: { N: '2' } }));
  });

  it('rejects a batch of 26 requests, duplicate keys in a batch and an item over 400 KB', async () => {
    const { client, standIn } = await table();
    const many = Array.from({ length: 26 }, (_, i) => put(item('a', String(i))));
    await expect(client.send(new BatchWriteItemCommand({ RequestItems: { [T]: many } }))).rejects.toThrow(
      /length less than or equal to 25/,
    );
    const twice = [put(item('a', '1')), put(item('a', '1'))];
    await expect(client.send(new BatchWriteItemCommand({ RequestItems: { [T]: twice } }))).rejects.toThrow(/duplicates/);
    const huge = item('a', '1', { blob: { S: 'x'.repeat(400 * 1024) } });
    await expect(client.send(new PutItemCommand({ TableName: T, Item: huge }))).rejects.toThrow(/maximum allowed size/);
    expect(await standIn.allItems(T)).toEqual([]);
  });

  it('throttles a partition past 1,000 write units in a second: PutItem fails, BatchWriteItem returns the rest unprocessed', async () => {
    const { client, clock, standIn } = await table();
    // 2 KB items: 2 write units each, 500 fill the partition's second
    const blob = { blob: { S: 'x'.repeat(2_000) } };
    for (let i = 0; i < 480; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) => put(item('hot', String(i + j), blob)));
      await client.send(new BatchWriteItemCommand({ RequestItems: { [T]: batch } }));
    }
    const mixed = [...Array.from({ length: 22 }, (_, j) => put(item('hot', `x${j}`, blob))), put(item('cold', '1', blob))];
    const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [T]: mixed } }));
    expect(output.UnprocessedItems?.[T]).toHaveLength(2);
    const all = Array.from({ length: 3 }, (_, j) => put(item('hot', `y${j}`, blob)));
    await expect(client.send(new BatchWriteItemCommand({ RequestItems: { [T]: all } }))).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    await expect(client.send(new PutItemCommand({ TableName: T, Item: item('hot', 'z', blob) }))).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    // The next second the partition has its budget again: the item is written
    clock.now += 1_000;
    await client.send(new PutItemCommand({ TableName: T, Item: item('hot', 'z', blob) }));
    expect(await standIn.getItem(T, { pk: { S: 'hot' }, sk: { S: 'z' } })).toEqual(item('hot', 'z', blob));
  });

  it('ends a Query page at 1 MB, and at maxPageItems when set', async () => {
    const { client, standIn } = await table();
    for (let i = 0; i < 300; i++) await standIn.putDirect(T, item('p', String(i).padStart(3, '0'), { blob: { S: 'x'.repeat(10_000) } }));
    const query = new QueryCommand({ TableName: T, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } });
    const first = await client.send(query);
    expect(first.Count).toBeGreaterThan(90);
    expect(first.Count).toBeLessThan(110);
    expect(first.LastEvaluatedKey).toEqual({ pk: { S: 'p' }, sk: { S: first.Items?.at(-1)?.sk?.S ?? '' } });

    const small = await table(undefined, { maxPageItems: 7 });
    for (let i = 0; i < 10; i++) await small.standIn.putDirect(T, item('p', String(i)));
    const page = await small.client.send(query);
    expect([page.Count, page.LastEvaluatedKey?.sk]).toEqual([7, { S: '6' }]);
  });

  it('deletes items some time after their TTL time, and returns them until then', async () => {
    const { client, standIn, clock } = await table();
    const expiresAt = START / 1000 + 30;
    await standIn.putDirect(T, item('p', 'old', { ttl: { N: String(expiresAt) } }));
    await standIn.putDirect(T, item('p', 'new', { ttl: { N: String(expiresAt + 3600) } }));
    await standIn.putDirect(T, item('p', 'kept'));
    const query = new QueryCommand({ TableName: T, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } } });
    await client.send(query);
    clock.now = START + 40_000; // expired, in the minute of the last sweep: not deleted yet
    expect((await client.send(query)).Items?.map((i) => i.sk?.S)).toEqual(['kept', 'new', 'old']);
    clock.now = START + 60_000; // a new minute: TTL deletes what expired
    expect((await client.send(query)).Items?.map((i) => i.sk?.S)).toEqual(['kept', 'new']);
    expect(standIn.expiredItemsDeleted).toBe(1);
  });

  it('leaves a write of the last second out of an eventually consistent Query, never out of a consistent one', async () => {
    const { client, clock } = await table();
    await client.send(new PutItemCommand({ TableName: T, Item: item('p', '1') }));
    const query = (consistent: boolean) =>
      client.send(
        new QueryCommand({
          TableName: T,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'p' } },
          ConsistentRead: consistent,
        }),
      );
    expect((await query(false)).Items).toEqual([]);
    expect((await query(true)).Items).toEqual([item('p', '1')]);
    clock.now += 1_000;
    expect((await query(false)).Items).toEqual([item('p', '1')]);
  });
});
