/**
 * Both packet-bin store adapters over their stand-ins, for tests that compare them or test one:
 * the DynamoDB adapter over the DynamoDB stand-in (dynalite), the Timestream adapter over the
 * Timestream stand-in (DuckDB). Each stand-in is closed when the calling test ends.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { onTestFinished } from 'vitest';
import { sdkClientOptions } from '../../functions/common/client-options';
import { binRetentionMs, DYNAMODB_BIN_TABLE_KEYS, PACKET_BINS_TABLE, SUMMARIZER_CALLS } from '../../functions/summarizer/contract';
import { DynamoDbBinStore } from '../../functions/summarizer/dynamodb-bin-store';
import type { ListenerKey } from '../../functions/summarizer/dynamodb-items';
import { TimestreamBinStore } from '../../functions/summarizer/timestream-bin-store';
import { ClockSignals } from '../../simulation/clock-signals';
import { DynamoDbStandIn, type DynamoDbStandInOptions } from '../../simulation/dynamodb/stand-in';
import type { HangClock } from '../../simulation/hung-calls';
import { TelemetryCapture } from '../../simulation/telemetry-capture';
import { TimestreamStandIn } from '../../simulation/timestream/stand-in';
import { TEST_CREDENTIALS } from './builders';
import { standInClient, type FaultInjector } from './sdk';

export const BIN_TABLE = PACKET_BINS_TABLE;
export const LISTENER: ListenerKey = { protocol: 6, port: 443 };
export const RETENTION_MS = binRetentionMs(60, 10);
const options = { region: 'eu-west-1', credentials: TEST_CREDENTIALS };

export interface DynamoDbHarness {
  readonly standIn: DynamoDbStandIn;
  readonly telemetry: TelemetryCapture;
  readonly sleeps: number[];
  /** Timers on the clock, as the run's write deadline uses them. */
  readonly signals: ClockSignals;
  /** The clock hung calls wait on (their waits are not the store's sleeps). */
  readonly hangClock: HangClock;
  /** An adapter over the stand-in (another listener: its own keys in the same table). */
  store(listener?: ListenerKey | readonly ListenerKey[]): DynamoDbBinStore;
}

/** A DynamoDB stand-in holding the packet-bin table, on `clock`; sleeps advance the clock. The client has the summarizer's timeouts. */
export async function dynamoDbBins(
  clock: { now: number },
  standInOptions: DynamoDbStandInOptions = {},
  faults?: FaultInjector,
): Promise<DynamoDbHarness> {
  const { partitionKey, sortKey, timeToLive } = DYNAMODB_BIN_TABLE_KEYS;
  const standIn = await DynamoDbStandIn.create([{ name: BIN_TABLE, partitionKey, sortKey, timeToLive }], {
    now: () => clock.now,
    ...standInOptions,
  });
  onTestFinished(() => standIn.close());
  const telemetry = new TelemetryCapture(() => clock.now);
  const sleeps: number[] = [];
  const signals = new ClockSignals(() => clock.now);
  const advance = (ms: number) => {
    clock.now += ms;
    signals.fire();
  };
  const hangClock: HangClock = { now: () => clock.now, sleep: async (ms) => advance(ms) };
  const store = (listener: ListenerKey | readonly ListenerKey[] = LISTENER) =>
    new DynamoDbBinStore({
      client: standInClient(new DynamoDBClient({ ...options, ...sdkClientOptions(SUMMARIZER_CALLS) }), standIn.routes(), faults),
      tableName: BIN_TABLE,
      listeners: Array.isArray(listener) ? listener : [listener],
      retentionMs: RETENTION_MS,
      logger: telemetry.telemetry({ serviceName: 'summarizer', metricsNamespace: 'Test', vpcId: 'vpc-0123456789abcdef0' }).logger,
      now: () => clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        advance(ms);
      },
    });
  return { standIn, telemetry, sleeps, signals, hangClock, store };
}

/** A Timestream stand-in with one table per `table` name, and the Timestream adapter over it. */
export async function timestreamBins(clock: { now: number }, pageSize = 100) {
  const standIn = await TimestreamStandIn.create({ now: () => clock.now, pageSize });
  onTestFinished(() => standIn.close());
  const telemetry = new TelemetryCapture(() => clock.now);
  /** `listeners`: the labels of several listeners (each record then has a listener dimension). */
  const store = (table: string, listeners?: readonly string[]) => {
    standIn.createTable('flood_guard', table);
    return new TimestreamBinStore({
      write: standInClient(new TimestreamWriteClient(options), standIn.routes()),
      query: standInClient(new TimestreamQueryClient(options), standIn.routes()),
      table: { database: 'flood_guard', table },
      ...(listeners === undefined ? {} : { listeners }),
      logger: telemetry.telemetry({ serviceName: 'summarizer', metricsNamespace: 'Test', vpcId: 'vpc-0123456789abcdef0' }).logger,
      now: () => clock.now,
    });
  };
  return { standIn, store };
}
