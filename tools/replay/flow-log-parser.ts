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
function parseUint(line: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = line.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function tokenIs(line: string, from: number, to: number, text: string): boolean {
  return to - from === text.length && line.startsWith(text, from);
}

interface SourceInfo {
  readonly address: string;
  readonly internal: boolean;
}

/**
 * Splits flow-log lines into records by hand (one pass over the characters, no regex, no
 * per-field strings except the source address, which is cached): replays read millions of lines.
 */
export class FlowLineParser {
  readonly stats: ParseStats = emptyStats();
  private readonly starts = new Int32Array(MAX_TOKENS);
  private readonly ends = new Int32Array(MAX_TOKENS);
  private readonly sources = new Map<string, SourceInfo | null>();
  private readonly vpcNetworks: readonly Network[];

  constructor(vpcCidrs: readonly string[]) {
    this.vpcNetworks = vpcCidrs.map((cidr) => {
      const network = parseNetwork(cidr);
      if (!network) throw new Error(`invalid VPC CIDR "${cidr}"`);
      return network;
    });
  }

  /**
   * Parses the data line `text[from, to)` (header lines are the caller's business); undefined
   * when skipped. Taking offsets into the decoded chunk spares a string per line.
   */
  parse(line: string, layout: FieldLayout, where: () => string, from = 0, to = line.length): FlowRecord | undefined {
    this.stats.lines++;
    const count = this.tokenize(line, from, to);
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
      if (tokenIs(line, s, e, 'NODATA')) return this.skipStatus('noData');
      if (tokenIs(line, s, e, 'SKIPDATA')) return this.skipStatus('skipData');
      if (!tokenIs(line, s, e, 'OK')) return this.reject(where, `unknown log-status "${line.slice(s, e)}"`);
    } else if (tokenIs(line, starts[layout.srcAddr]!, ends[layout.srcAddr]!, '-')) {
      // Without log-status, a record with no addresses is how a no-data interval shows.
      return this.skipStatus('noData');
    }
    return this.record(line, layout, where);
  }

  private record(line: string, layout: FieldLayout, where: () => string): FlowRecord | undefined {
    const { starts, ends } = this;
    const dstPort = parseUint(line, starts[layout.dstPort]!, ends[layout.dstPort]!);
    const protocol = parseUint(line, starts[layout.protocol]!, ends[layout.protocol]!);
    const packets = parseUint(line, starts[layout.packets]!, ends[layout.packets]!);
    const start = parseUint(line, starts[layout.start]!, ends[layout.start]!);
    const end = parseUint(line, starts[layout.end]!, ends[layout.end]!);
    if (dstPort < 0 || dstPort > 65535) return this.reject(where, 'dstport is not a port number');
    if (protocol < 0 || protocol > 255) return this.reject(where, 'protocol is not an IANA protocol number');
    if (packets < 0) return this.reject(where, 'packets is not a count');
    if (start < 0 || end < start) return this.reject(where, 'start/end are not Unix seconds with start <= end');
    const as = starts[layout.action]!;
    const ae = ends[layout.action]!;
    const action = tokenIs(line, as, ae, 'ACCEPT') ? 'ACCEPT' : tokenIs(line, as, ae, 'REJECT') ? 'REJECT' : undefined;
    if (!action) return this.reject(where, `unknown action "${line.slice(as, ae)}"`);
    const source = this.source(line.slice(starts[layout.srcAddr]!, ends[layout.srcAddr]!));
    if (!source) return this.reject(where, 'srcaddr is not an IP address');
    const flowDirection = this.direction(line, layout, source);
    if (!flowDirection) return this.reject(where, 'unknown flow-direction');
    this.stats.records++;
    return { srcAddr: source.address, dstPort, protocol, packets, start, end, action, flowDirection };
  }

  /** Absent (or `-`) flow-direction: traffic from outside the VPC is taken as ingress. */
  private direction(line: string, layout: FieldLayout, source: SourceInfo): FlowRecord['flowDirection'] | undefined {
    if (layout.flowDirection >= 0) {
      const s = this.starts[layout.flowDirection]!;
      const e = this.ends[layout.flowDirection]!;
      if (tokenIs(line, s, e, 'ingress')) return 'ingress';
      if (tokenIs(line, s, e, 'egress')) return 'egress';
      if (!tokenIs(line, s, e, '-')) return undefined;
    }
    return source.internal ? 'egress' : 'ingress';
  }

  private source(text: string): SourceInfo | undefined {
    let info = this.sources.get(text);
    if (info === undefined) {
      const parsed = parseAddress(text);
      info = parsed ? { address: parsed.address, internal: this.vpcNetworks.some((n) => networkContains(n, parsed.address)) } : null;
      this.sources.set(text, info);
    }
    return info ?? undefined;
  }

  /** Splits on runs of spaces or tabs (AWS's own examples hold a double space); returns the token count. */
  private tokenize(line: string, from: number, to: number): number {
    let count = 0;
    let i = from;
    const length = to > from && line.charCodeAt(to - 1) === CR ? to - 1 : to;
    while (i < length) {
      let c = line.charCodeAt(i);
      while ((c === SPACE || c === TAB) && i < length) c = line.charCodeAt(++i);
      if (i >= length) break;
      if (count === MAX_TOKENS) return MAX_TOKENS + 1;
      this.starts[count] = i;
      while (c !== SPACE && c !== TAB && i < length) c = line.charCodeAt(++i);
      this.ends[count++] = i;
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
