import { parseAddress, parseNetwork, networkContains, type Network } from '../../core/addresses';
import type { FlowRecord } from '../../core/flow-log-format';

/** A distinct source: its canonical address text, and whether it lies inside the VPC. */
export interface SourceInfo {
  readonly address: string;
  readonly internal: boolean;
}

const ACCEPTED = 1;
const INGRESS_FLAG = 2;

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

/** The default version 2 field order, used when a file has no header line. */
export const DEFAULT_V2_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

const REQUIRED_FIELDS = ['srcaddr', 'dstport', 'protocol', 'packets', 'start', 'end', 'action'] as const;

/** Where each field this reader needs sits in a line; -1 when the format lacks it. */
export interface FieldLayout {
  readonly fieldCount: number;
  readonly srcAddr: number;
  readonly dstPort: number;
  readonly protocol: number;
  readonly packets: number;
  readonly start: number;
  readonly end: number;
  readonly action: number;
  readonly logStatus: number;
  readonly flowDirection: number;
}

/** Builds the layout of a header; throws naming the missing fields when detection cannot work with it. */
export function layoutOf(fields: readonly string[]): FieldLayout {
  const missing = REQUIRED_FIELDS.filter((name) => !fields.includes(name));
  if (missing.length > 0) {
    throw new Error(`flow-log format lacks field(s) ${missing.join(', ')} (header: "${fields.join(' ')}")`);
  }
  const duplicate = fields.find((name, i) => fields.indexOf(name) !== i);
  if (duplicate) throw new Error(`flow-log header names field "${duplicate}" twice`);
  return {
    fieldCount: fields.length,
    srcAddr: fields.indexOf('srcaddr'),
    dstPort: fields.indexOf('dstport'),
    protocol: fields.indexOf('protocol'),
    packets: fields.indexOf('packets'),
    start: fields.indexOf('start'),
    end: fields.indexOf('end'),
    action: fields.indexOf('action'),
    logStatus: fields.indexOf('log-status'),
    flowDirection: fields.indexOf('flow-direction'),
  };
}

export const DEFAULT_LAYOUT = layoutOf(DEFAULT_V2_FIELDS);

export interface ParseStats {
  lines: number;
  records: number;
  headers: number;
  blank: number;
  noData: number;
  skipData: number;
  malformed: number;
  /** The first few problems, each naming file and line. */
  readonly warnings: string[];
}

export function emptyStats(): ParseStats {
  return { lines: 0, records: 0, headers: 0, blank: 0, noData: 0, skipData: 0, malformed: 0, warnings: [] };
}

export const MAX_WARNINGS = 10;
const MAX_TOKENS = 64;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** A header names fields and never holds an address: it starts with a letter and has a srcaddr token. */
export function isHeaderLine(text: string, from = 0, to = text.length): boolean {
  const first = text.charCodeAt(from);
  if (first < 97 || first > 122) return false;
  return text
    .slice(from, to)
    .trim()
    .split(/[ \t]+/)
    .includes('srcaddr');
}

/** Parses a run of decimal digits; -1 when empty, not all digits, or too long to be exact. */
function parseUint(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** ASCII text as bytes, for comparing tokens without decoding them. */
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const NODATA = ascii('NODATA');
const SKIPDATA = ascii('SKIPDATA');
const OK = ascii('OK');
const ACCEPT = ascii('ACCEPT');
const REJECT = ascii('REJECT');
const INGRESS = ascii('ingress');
const EGRESS = ascii('egress');
const DASH = 45;

function tokenIs(bytes: Uint8Array, from: number, to: number, text: Uint8Array): boolean {
  if (to - from !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[from + i] !== text[i]) return false;
  return true;
}

/**
 * Splits flow-log lines into records by hand, straight from the bytes read (one pass, no regex,
 * no per-field strings; the source address is looked up by its bytes, so each distinct source is
 * decoded and canonicalised once): replays read millions of lines.
 */
export class FlowLineParser {
  readonly stats: ParseStats = emptyStats();
  private readonly starts = new Int32Array(MAX_TOKENS);
  private readonly ends = new Int32Array(MAX_TOKENS);
  private readonly vpcNetworks: readonly Network[];
  /** Distinct source texts: an open-addressing table over their bytes (entry index + 1, 0 = free). */
  private table = new Int32Array(1 << 12);
  private keyBytes = new Uint8Array(1 << 16);
  private keyBytesUsed = 0;
  private keyOffsets: number[] = [];
  private keyLengths: number[] = [];
  /** Per distinct text: its source id, -1 when it is not an address. */
  private ids: number[] = [];
  /** Per source id: the canonical address (several texts may share one). */
  private readonly infos: SourceInfo[] = [];
  private readonly idByAddress = new Map<string, number>();
  /** Where parseBytes reads its one record. */
  private readonly single = new RecordColumns(this.infos, 1);
  /** The string `parse` was given, so that texts are cut from it rather than decoded from bytes. */
  private line: string | undefined;
  private scratch = new Uint8Array(256);

  constructor(vpcCidrs: readonly string[]) {
    this.vpcNetworks = vpcCidrs.map((cidr) => {
      const network = parseNetwork(cidr);
      if (!network) throw new Error(`invalid VPC CIDR "${cidr}"`);
      return network;
    });
  }

  /**
   * Parses the data line `line[from, to)` (header lines are the caller's business); undefined
   * when skipped.
   */
  parse(line: string, layout: FieldLayout, where: () => string, from = 0, to = line.length): FlowRecord | undefined {
    // One byte per character; characters beyond latin1 become a byte no rule matches (texts come from `line`).
    const length = to - from;
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const bytes = this.scratch;
    for (let i = 0; i < length; i++) {
      const c = line.charCodeAt(from + i);
      bytes[i] = c > 255 ? 128 : c;
    }
    this.line = line.slice(from, to);
    try {
      return this.parseBytes(bytes, 0, length, layout, where);
    } finally {
      this.line = undefined;
    }
  }

  /**
   * Parses the data line held in `bytes[from, to)` (latin1, as flow logs are ASCII; header lines
   * are the caller's business); undefined when skipped. Taking offsets into the chunk read spares
   * a string per line.
   */
  parseBytes(bytes: Uint8Array, from: number, to: number, layout: FieldLayout, where: () => string): FlowRecord | undefined {
    const one = this.single;
    one.length = 0;
    return this.parseInto(bytes, from, to, layout, where, one) ? one.record(0) : undefined;
  }

  /** As parseBytes, appending the record to `into`; false when the line was skipped. */
  parseInto(bytes: Uint8Array, from: number, to: number, layout: FieldLayout, where: () => string, into: RecordColumns): boolean {
    this.stats.lines++;
    const count = this.tokenize(bytes, from, to);
    if (count === 0) {
      this.stats.blank++;
      return false;
    }
    if (count !== layout.fieldCount) {
      return this.reject(where, `expected ${layout.fieldCount} fields, found ${count}`);
    }
    const { starts, ends } = this;
    if (layout.logStatus >= 0) {
      const s = starts[layout.logStatus]!;
      const e = ends[layout.logStatus]!;
      if (!tokenIs(bytes, s, e, OK)) {
        if (tokenIs(bytes, s, e, NODATA)) return this.skipStatus('noData');
        if (tokenIs(bytes, s, e, SKIPDATA)) return this.skipStatus('skipData');
        return this.reject(where, `unknown log-status "${this.text(bytes, s, e)}"`);
      }
    } else if (ends[layout.srcAddr]! - starts[layout.srcAddr]! === 1 && bytes[starts[layout.srcAddr]!] === DASH) {
      // Without log-status, a record with no addresses is how a no-data interval shows.
      return this.skipStatus('noData');
    }
    return this.fields(bytes, layout, where, into);
  }

  /** What each source id stands for. */
  sources(): readonly SourceInfo[] {
    return this.infos;
  }

  /** Columns to parse into: they resolve source ids through this parser's table. */
  newColumns(capacity?: number): RecordColumns {
    return new RecordColumns(this.infos, capacity);
  }

  private text(bytes: Uint8Array, from: number, to: number): string {
    return this.line !== undefined
      ? this.line.slice(from, to)
      : Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  }

  private fields(bytes: Uint8Array, layout: FieldLayout, where: () => string, into: RecordColumns): boolean {
    const { starts, ends } = this;
    const dstPort = parseUint(bytes, starts[layout.dstPort]!, ends[layout.dstPort]!);
    const protocol = parseUint(bytes, starts[layout.protocol]!, ends[layout.protocol]!);
    const packets = parseUint(bytes, starts[layout.packets]!, ends[layout.packets]!);
    const start = parseUint(bytes, starts[layout.start]!, ends[layout.start]!);
    const end = parseUint(bytes, starts[layout.end]!, ends[layout.end]!);
    if (dstPort < 0 || dstPort > 65535) return this.reject(where, 'dstport is not a port number');
    if (protocol < 0 || protocol > 255) return this.reject(where, 'protocol is not an IANA protocol number');
    if (packets < 0) return this.reject(where, 'packets is not a count');
    if (start < 0 || end < start) return this.reject(where, 'start/end are not Unix seconds with start <= end');
    const as = starts[layout.action]!;
    const ae = ends[layout.action]!;
    const accepted = tokenIs(bytes, as, ae, ACCEPT);
    if (!accepted && !tokenIs(bytes, as, ae, REJECT)) return this.reject(where, `unknown action "${this.text(bytes, as, ae)}"`);
    const source = this.source(bytes, starts[layout.srcAddr]!, ends[layout.srcAddr]!);
    if (source < 0) return this.reject(where, 'srcaddr is not an IP address');
    const ingress = this.ingress(bytes, layout, this.infos[source]!);
    if (ingress === undefined) return this.reject(where, 'unknown flow-direction');
    this.stats.records++;
    into.push(source, dstPort, protocol, packets, start, end, (accepted ? ACCEPTED : 0) | (ingress ? INGRESS_FLAG : 0));
    return true;
  }

  /** True for ingress; absent (or `-`) flow-direction: traffic from outside the VPC is taken as ingress. */
  private ingress(bytes: Uint8Array, layout: FieldLayout, source: SourceInfo): boolean | undefined {
    if (layout.flowDirection >= 0) {
      const s = this.starts[layout.flowDirection]!;
      const e = this.ends[layout.flowDirection]!;
      if (tokenIs(bytes, s, e, INGRESS)) return true;
      if (tokenIs(bytes, s, e, EGRESS)) return false;
      if (e - s !== 1 || bytes[s] !== DASH) return undefined;
    }
    return !source.internal;
  }

  /**
   * The id of the canonical source of the address text `bytes[from, to)`, parsed once per distinct
   * text; -1 when not an address. Spellings of one address share its id.
   */
  private source(bytes: Uint8Array, from: number, to: number): number {
    const length = to - from;
    let hash = 0x811c9dc5;
    for (let i = from; i < to; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const { table, keyBytes, keyOffsets, keyLengths } = this;
    const mask = table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot]! - 1;
      if (entry < 0) break;
      if (keyLengths[entry] !== length) continue;
      const offset = keyOffsets[entry]!;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (keyBytes[offset + i] !== bytes[from + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.ids[entry]!;
    }
    const parsed = parseAddress(this.text(bytes, from, to));
    this.remember(bytes, from, to, hash, parsed ? this.sourceId(parsed.address) : -1);
    return this.ids[this.ids.length - 1]!;
  }

  /** The id of a canonical address, added to the table when new (for joining other parsers' sources). */
  sourceId(address: string): number {
    let id = this.idByAddress.get(address);
    if (id === undefined) {
      id = this.infos.length;
      this.infos.push({ address, internal: this.vpcNetworks.some((n) => networkContains(n, address)) });
      this.idByAddress.set(address, id);
    }
    return id;
  }

  private remember(bytes: Uint8Array, from: number, to: number, hash: number, id: number): void {
    const length = to - from;
    if (this.keyBytesUsed + length > this.keyBytes.length) {
      const grown = new Uint8Array(Math.max(this.keyBytes.length * 2, this.keyBytesUsed + length));
      grown.set(this.keyBytes.subarray(0, this.keyBytesUsed));
      this.keyBytes = grown;
    }
    this.keyBytes.set(bytes.subarray(from, to), this.keyBytesUsed);
    this.keyOffsets.push(this.keyBytesUsed);
    this.keyLengths.push(length);
    this.keyBytesUsed += length;
    this.ids.push(id);
    const entry = this.ids.length - 1;
    if (this.ids.length * 2 > this.table.length) this.rehash();
    else this.insert(this.table, hash, entry);
  }

  private insert(table: Int32Array, hash: number, entry: number): void {
    const mask = table.length - 1;
    let slot = hash & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = entry + 1;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    for (let entry = 0; entry < this.ids.length; entry++) {
      const offset = this.keyOffsets[entry]!;
      let hash = 0x811c9dc5;
      for (let i = offset; i < offset + this.keyLengths[entry]!; i++) hash = Math.imul(hash ^ this.keyBytes[i]!, 0x01000193);
      this.insert(table, hash, entry);
    }
    this.table = table;
  }

  /** Splits on runs of spaces or tabs (AWS's own examples hold a double space); returns the token count. */
  private tokenize(bytes: Uint8Array, from: number, to: number): number {
    let count = 0;
    let i = from;
    const length = to > from && bytes[to - 1] === CR ? to - 1 : to;
    const { starts, ends } = this;
    while (i < length) {
      let c = bytes[i]!;
      while (c === SPACE || c === TAB) {
        if (++i >= length) return count;
        c = bytes[i]!;
      }
      if (count === MAX_TOKENS) return MAX_TOKENS + 1;
      starts[count] = i;
      // Every byte above the space is part of a token: one comparison for most bytes.
      while (++i < length) {
        c = bytes[i]!;
        if (c <= SPACE && (c === SPACE || c === TAB)) break;
      }
      ends[count++] = i;
    }
    return count;
  }

  private skipStatus(kind: 'noData' | 'skipData'): false {
    this.stats[kind]++;
    return false;
  }

  reject(where: () => string, reason: string): false {
    this.stats.malformed++;
    if (this.stats.warnings.length < MAX_WARNINGS) this.stats.warnings.push(`${where()}: ${reason}`);
    return false;
  }
}
