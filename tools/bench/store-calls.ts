/**
 * What one summarizer run asks of the packet-bin store, measured: the real summarizer runs in the
 * simulated deployment on each store's stand-in over a steady minute pattern (some sources above
 * the packet floor, the rest below), and every store call is counted with the units AWS bills it in.
 */
import type { BinStoreKind } from '../../functions/summarizer/contract';
import { flowLogEvent } from '../../simulation/flow-log-events';
import { SimulatedDeployment } from '../../simulation/deployment';

/** Store usage per summarizer run, in billing units. */
export interface StoreCallsPerRun {
  /** Timestream: records written and 1 KB write units; DynamoDB: write request units (1 KB each). */
  readonly writeUnits: number;
  /** DynamoDB: read request units (strongly consistent: 4 KB each); Timestream queries are billed by compute, not units. */
  readonly readUnits: number;
  /** Requests of any kind to the store. */
  readonly requests: number;
  /** Timestream queries (each holds the 4-TCU minimum for at least 30 s). */
  readonly queries: number;
}

const START_MS = Date.UTC(2026, 0, 15, 9, 0);
const FLOOR = 12_000;
const KB = 1024;

function address(i: number): string {
  return `${11 + Math.floor(i / 65_536)}.${(i >> 8) & 255}.${i & 255}.9`;
}

/** DynamoDB's item size: attribute names plus values (numbers about one byte per two digits). */
export function dynamoItemBytes(item: Record<string, Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value.S === 'string') bytes += Buffer.byteLength(value.S);
    else if (typeof value.N === 'string') bytes += Math.ceil(value.N.replace(/^-/, '').length / 2) + 1;
    else if (value.B instanceof Uint8Array) bytes += value.B.length;
    else bytes += Buffer.byteLength(JSON.stringify(value));
  }
  return bytes;
}

type Tally = { writeUnits: number; readUnits: number; requests: number; queries: number; writtenBytes: number };

/** Counts one store call in billing units. */
export function tallyCall(tally: Tally, command: string, input: unknown, output: unknown): void {
  const i = input as Record<string, unknown>;
  if (command === 'WriteRecordsCommand') {
    const common = Buffer.byteLength(JSON.stringify(i.CommonAttributes ?? {}));
    for (const record of (i.Records as unknown[]) ?? []) {
      const bytes = common + Buffer.byteLength(JSON.stringify(record));
      tally.writeUnits += Math.ceil(bytes / KB);
      tally.writtenBytes += bytes;
    }
  } else if (command === 'PutItemCommand') {
    const bytes = dynamoItemBytes(i.Item as Record<string, Record<string, unknown>>);
    tally.writeUnits += Math.ceil(bytes / KB);
    tally.writtenBytes += bytes;
  } else if (command === 'BatchWriteItemCommand') {
    for (const requests of Object.values(
      (i.RequestItems as Record<string, { PutRequest?: { Item: Record<string, Record<string, unknown>> } }[]>) ?? {},
    )) {
      for (const request of requests) {
        const bytes = request.PutRequest ? dynamoItemBytes(request.PutRequest.Item) : 0;
        tally.writeUnits += Math.max(1, Math.ceil(bytes / KB));
        tally.writtenBytes += bytes;
      }
    }
  } else if (command === 'QueryCommand' && output && typeof output === 'object' && 'Items' in output) {
    const items = ((output as { Items?: Record<string, Record<string, unknown>>[] }).Items ?? []).reduce(
      (s, item) => s + dynamoItemBytes(item),
      0,
    );
    tally.readUnits += Math.max(1, Math.ceil(items / (4 * KB)));
  } else if (command === 'QueryCommand') {
    tally.queries++;
  }
  tally.requests++;
}

const STORE_COMMANDS = new Set(['WriteRecordsCommand', 'QueryCommand', 'PutItemCommand', 'BatchWriteItemCommand']);

/**
 * Runs the summarizer twice a minute for `minutes` minutes over `sources` sources a minute, of
 * which `candidates` send more than the packet floor, and returns the store usage per run of the
 * runs after the first `requeryMinutes` (when every run re-reads a full span of minutes).
 */
export async function measureStoreCalls(
  binStore: BinStoreKind,
  sources: number,
  candidates: number,
  minutes = 24,
): Promise<StoreCallsPerRun> {
  const requeryMinutes = 10;
  const deployment = await SimulatedDeployment.create({
    startMs: START_MS,
    vpcCidrs: ['10.0.0.0/16'],
    listeners: [{ port: 443, protocol: 6 }],
    binStore,
    requeryMinutes,
    windowMinutes: 60,
  });
  const tally: Tally = { writeUnits: 0, readUnits: 0, requests: 0, queries: 0, writtenBytes: 0 };
  let counting = false;
  deployment.faults.observe((command, input, output) => {
    if (counting && STORE_COMMANDS.has(command)) tallyCall(tally, command, input, output);
  });
  try {
    let runs = 0;
    for (let minute = 0; minute < minutes; minute++) {
      const start = START_MS / 1000 + minute * 60;
      deployment.deliver(
        Array.from({ length: sources }, (_, i) =>
          flowLogEvent(
            {
              srcAddr: address(i),
              dstPort: 443,
              protocol: 6,
              packets: i < candidates ? FLOOR + 1_000 + ((i * 37) % 5_000) : 1 + ((i * 7919) % 400),
              start: start + 5,
              end: start + 35,
              action: 'ACCEPT',
              flowDirection: 'ingress',
            },
            60_000,
          ),
        ),
      );
      for (const half of [0, 1]) {
        deployment.advanceTo(START_MS + (minute + 1) * 60_000 + half * 30_000 + 60_000);
        counting = minute >= requeryMinutes;
        await deployment.tick();
        if (counting) runs++;
      }
    }
    return {
      writeUnits: tally.writeUnits / runs,
      readUnits: tally.readUnits / runs,
      requests: tally.requests / runs,
      queries: tally.queries / runs,
    };
  } finally {
    deployment.close();
  }
}
