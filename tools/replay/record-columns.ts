import type { FlowRecord } from '../../core/flow-log-format';

/** A distinct source: its canonical address text, and whether it lies inside the VPC. */
export interface SourceInfo {
  readonly address: string;
  readonly internal: boolean;
}

/** Bits of `RecordColumns.flags`. */
export const ACCEPTED = 1;
export const INGRESS_FLAG = 2;

/** The columns of RecordColumns as plain typed arrays. */
export interface ColumnArrays {
  readonly length: number;
  readonly source: Int32Array;
  readonly dstPort: Uint16Array;
  readonly protocol: Uint8Array;
  readonly packets: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly flags: Uint8Array;
}

/**
 * Parsed records in columns, one typed array per field, the source as an id into the parser's
 * table of distinct sources: a reader going through millions of records allocates no object per
 * record. `record(i)` gives the object form when one is wanted.
 */
export class RecordColumns {
  length = 0;
  source: Int32Array;
  dstPort: Uint16Array;
  protocol: Uint8Array;
  packets: Float64Array;
  start: Float64Array;
  end: Float64Array;
  /** Bit 0: ACCEPT; bit 1: ingress. */
  flags: Uint8Array;

  constructor(
    readonly sources: readonly SourceInfo[],
    capacity = 1024,
  ) {
    this.source = new Int32Array(capacity);
    this.dstPort = new Uint16Array(capacity);
    this.protocol = new Uint8Array(capacity);
    this.packets = new Float64Array(capacity);
    this.start = new Float64Array(capacity);
    this.end = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
  }

  /** Columns over arrays filled elsewhere (e.g. by a worker thread), their sources resolved through `sources`. */
  static over(sources: readonly SourceInfo[], arrays: ColumnArrays): RecordColumns {
    const columns = new RecordColumns(sources, 0);
    const { length, source, dstPort, protocol, packets, start, end, flags } = arrays;
    Object.assign(columns, { length, source, dstPort, protocol, packets, start, end, flags });
    return columns;
  }

  accepted(i: number): boolean {
    return (this.flags[i]! & ACCEPTED) !== 0;
  }

  ingress(i: number): boolean {
    return (this.flags[i]! & INGRESS_FLAG) !== 0;
  }

  record(i: number): FlowRecord {
    return {
      srcAddr: this.sources[this.source[i]!]!.address,
      dstPort: this.dstPort[i]!,
      protocol: this.protocol[i]!,
      packets: this.packets[i]!,
      start: this.start[i]!,
      end: this.end[i]!,
      action: this.accepted(i) ? 'ACCEPT' : 'REJECT',
      flowDirection: this.ingress(i) ? 'ingress' : 'egress',
    };
  }

  records(): FlowRecord[] {
    const out = new Array<FlowRecord>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.record(i);
    return out;
  }

  /** Appends the record the parser just read (see FlowLineParser.parseInto). */
  push(source: number, dstPort: number, protocol: number, packets: number, start: number, end: number, flags: number): void {
    if (this.length === this.source.length) this.grow();
    const i = this.length++;
    this.source[i] = source;
    this.dstPort[i] = dstPort;
    this.protocol[i] = protocol;
    this.packets[i] = packets;
    this.start[i] = start;
    this.end[i] = end;
    this.flags[i] = flags;
  }

  private grow(): void {
    const size = Math.max(64, this.source.length * 2);
    const grown = <T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(array: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(array);
      return next;
    };
    this.source = grown(this.source, (n) => new Int32Array(n));
    this.dstPort = grown(this.dstPort, (n) => new Uint16Array(n));
    this.protocol = grown(this.protocol, (n) => new Uint8Array(n));
    this.packets = grown(this.packets, (n) => new Float64Array(n));
    this.start = grown(this.start, (n) => new Float64Array(n));
    this.end = grown(this.end, (n) => new Float64Array(n));
    this.flags = grown(this.flags, (n) => new Uint8Array(n));
  }
}
