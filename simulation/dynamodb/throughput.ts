/**
 * DynamoDB's per-partition throughput, on the simulated clock: each partition serves at most
 * 3,000 read request units or 1,000 write request units a second, or a linear combination of
 * both, in on-demand mode too. The stand-in counts per partition key value (a key's items never
 * spread wider than one partition's worth of throughput here: the strict reading), per simulated
 * second. A write unit is 1 KB of item (rounded up), a strongly consistent read unit 4 KB, an
 * eventually consistent one half of that.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export const PARTITION_WRITE_UNITS_PER_SECOND = 1_000;
export const PARTITION_READ_UNITS_PER_SECOND = 3_000;

/** Stored size of a value, as DynamoDB counts it: text and binary by their bytes, numbers by their digits. */
function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (value.NS) return value.NS.reduce((n, s) => n + valueSize({ N: s }), 0);
  if (value.L) return 3 + value.L.length + value.L.reduce((n, v) => n + valueSize(v), 0);
  if (value.M) return 3 + Object.keys(value.M).length + itemSize(value.M);
  return 0;
}

/** An item's size: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name, 'utf8') + valueSize(value), 0);
}

export function writeUnits(item: Record<string, AttributeValue>): number {
  return Math.max(1, Math.ceil(itemSize(item) / 1024));
}

export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

/** Units used per partition in the current simulated second; a read unit costs a third of a write unit. */
export class PartitionThroughput {
  private second = Number.NaN;
  private readonly used = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  private roll(): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used.clear();
    }
  }

  /** Takes the write units if the partition has them left this second; false: throttled. */
  tryWrite(partition: string, units: number): boolean {
    return this.take(partition, units / PARTITION_WRITE_UNITS_PER_SECOND);
  }

  tryRead(partition: string, units: number): boolean {
    return this.take(partition, units / PARTITION_READ_UNITS_PER_SECOND);
  }

  private take(partition: string, share: number): boolean {
    this.roll();
    const used = this.used.get(partition) ?? 0;
    if (used + share > 1 + 1e-9) return false;
    this.used.set(partition, used + share);
    return true;
  }
}
