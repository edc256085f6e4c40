import type { FlowRecord } from '../../core/flow-log-format';
import type { FieldLayout } from './field-layout';
import { ACCEPTED, INGRESS_FLAG, RecordColumns, type SourceInfo } from './record-columns';
import { SourceTable, textOf } from './source-table';

/** What a reader met: lines by kind, and the first problems it skipped. */
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
  private readonly sourceTable: SourceTable;
  /** Where parseBytes reads its one record. */
  private readonly single: RecordColumns;
  /** The string `parse` was given, so that texts are cut from it rather than decoded from bytes. */
  private line: string | undefined;
  private scratch = new Uint8Array(256);

  constructor(vpcCidrs: readonly string[]) {
    this.sourceTable = new SourceTable(vpcCidrs);
    this.single = new RecordColumns(this.sourceTable.infos, 1);
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
    return this.sourceTable.infos;
  }

  /** Columns to parse into: they resolve source ids through this parser's table. */
  newColumns(capacity?: number): RecordColumns {
    return new RecordColumns(this.sourceTable.infos, capacity);
  }

  /** The id of a canonical address, added to the table when new (for joining other parsers' sources). */
  sourceId(address: string, internal?: boolean): number {
    return this.sourceTable.idOfAddress(address, internal);
  }

  private text(bytes: Uint8Array, from: number, to: number): string {
    return textOf(bytes, from, to, this.line);
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
    const source = this.sourceTable.idOf(bytes, starts[layout.srcAddr]!, ends[layout.srcAddr]!, this.line);
    if (source < 0) return this.reject(where, 'srcaddr is not an IP address');
    const ingress = this.ingress(bytes, layout, this.sourceTable.infos[source]!);
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
