/** The simulated deployment's packet-bin store: the stand-in of the store the settings choose, its names, and its clients. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import * as summarizerContract from '../functions/summarizer/contract';
import { DynamoDbStandIn } from './dynamodb/stand-in';
import type { Route } from './sdk-routing';
import { TimestreamStandIn } from './timestream/stand-in';

/** The packet-bin store's stand-in: exactly one, the deployment's. */
export type BinStoreStandIn =
  | { readonly kind: 'timestream'; readonly timestream: TimestreamStandIn }
  | { readonly kind: 'dynamodb'; readonly dynamodb: DynamoDbStandIn };

export const BIN_NAMES = {
  timestreamDatabase: 'flood_guard',
  timestreamTable: summarizerContract.PACKET_BINS_TABLE,
  dynamoDbTable: 'flood-guard-packet-bins',
};

export async function binStoreStandIn(kind: summarizerContract.BinStoreKind, now: () => number): Promise<BinStoreStandIn> {
  if (kind === 'timestream') return { kind, timestream: await TimestreamStandIn.create({ now, pageSize: 100 }) };
  const { partitionKey, sortKey, timeToLive } = summarizerContract.DYNAMODB_BIN_TABLE_KEYS;
  return { kind, dynamodb: await DynamoDbStandIn.create([{ name: BIN_NAMES.dynamoDbTable, partitionKey, sortKey, timeToLive }], { now }) };
}

/** The clients of the store, as the summarizer's cold start creates them with `options`, served through `route`. */
export function binStoreClients(
  binStore: BinStoreStandIn,
  options: ConstructorParameters<typeof DynamoDBClient>[0] & object,
  route: <C extends object>(client: C, routes: readonly Route[]) => C,
) {
  if (binStore.kind === 'dynamodb') return { dynamodb: route(new DynamoDBClient(options), binStore.dynamodb.routes()) };
  const routes = binStore.timestream.routes();
  return {
    timestreamWrite: route(new TimestreamWriteClient(options), routes),
    timestreamQuery: route(new TimestreamQueryClient(options), routes),
  };
}
