import { parseAddress, parseNetwork, networkContains, type Network } from '../../core/addresses';

/** One flow record reduced to what detection reads. */
export interface FlowRecord {
  /** Canonical source address. */
  readonly srcAddr: string;
  readonly dstPort: number;
  readonly protocol: number;
  readonly packets: number;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly action: 'ACCEPT' | 'REJECT';
  readonly flowDirection: 'ingress' | 'egress';
}

/** The default version 2 field order, used when a file has no header line. */
export const DEFAULT_V2_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport',
  'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status',
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

const MAX_WARNINGS = 10;
const MAX_TOKENS = 64;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** A header names fields and never holds an address: it starts with a letter and has a srcaddr token. */
export function isHeaderLine(text: string, from = 0, to = text.length): boolean {
  const first = text.charCodeAt(from);
  if (first < 97 || first > 122) return false;
  return text.slice(from, to).trim().split(/[ \t]+/).includes('srcaddr');
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

interface SourceInfo {
  readonly address: string;
  readonly internal: boolean;
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
  private infos: (SourceInfo | null)[] = [];
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
    this.stats.lines++;
    const count = this.tokenize(bytes, from, to);
    if (count === 0) {
      this.stats.blank++;
      return undefined;
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
    return this.record(bytes, layout, where);
  }

  private text(bytes: Uint8Array, from: number, to: number): string {
    return this.line !== undefined ? this.line.slice(from, to) : Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  }

  private record(bytes: Uint8Array, layout: FieldLayout, where: () => string): FlowRecord | undefined {
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
    const action = tokenIs(bytes, as, ae, ACCEPT) ? 'ACCEPT' : tokenIs(bytes, as, ae, REJECT) ? 'REJECT' : undefined;
    if (!action) return this.reject(where, `unknown action "${this.text(bytes, as, ae)}"`);
    const source = this.source(bytes, starts[layout.srcAddr]!, ends[layout.srcAddr]!);
    if (!source) return this.reject(where, 'srcaddr is not an IP address');
    const flowDirection = this.direction(bytes, layout, source);
    if (!flowDirection) return this.reject(where, 'unknown flow-direction');
    this.stats.records++;
    return { srcAddr: source.address, dstPort, protocol, packets, start, end, action, flowDirection };
  }

  /** Absent (or `-`) flow-direction: traffic from outside the VPC is taken as ingress. */
  private direction(bytes: Uint8Array, layout: FieldLayout, source: SourceInfo): FlowRecord['flowDirection'] | undefined {
    if (layout.flowDirection >= 0) {
      const s = this.starts[layout.flowDirection]!;
      const e = this.ends[layout.flowDirection]!;
      if (tokenIs(bytes, s, e, INGRESS)) return 'ingress';
      if (tokenIs(bytes, s, e, EGRESS)) return 'egress';
      if (e - s !== 1 || bytes[s] !== DASH) return undefined;
    }
    return source.internal ? 'egress' : 'ingress';
  }

  /** The canonical source of the address text `bytes[from, to)`, parsed once per distinct text; undefined when not an address. */
  private source(bytes: Uint8Array, from: number, to: number): SourceInfo | undefined {
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
      if (same) return this.infos[entry] ?? undefined;
    }
    const text = this.text(bytes, from, to);
    const parsed = parseAddress(text);
    const info = parsed ? { address: parsed.address, internal: this.vpcNetworks.some((n) => networkContains(n, parsed.address)) } : null;
    this.remember(bytes, from, to, hash, info);
    return info ?? undefined;
  }

  private remember(bytes: Uint8Array, from: number, to: number, hash: number, info: SourceInfo | null): void {
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
    this.infos.push(info);
    const entry = this.infos.length - 1;
    if (this.infos.length * 2 > this.table.length) this.rehash();
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
    for (let entry = 0; entry < this.infos.length; entry++) {
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

  private skipStatus(kind: 'noData' | 'skipData'): undefined {
    this.stats[kind]++;
    return undefined;
  }

  reject(where: () => string, reason: string): undefined {
    this.stats.malformed++;
    if (this.stats.warnings.length < MAX_WARNINGS) this.stats.warnings.push(`${where()}: ${reason}`);
    return undefined;
  }
}
