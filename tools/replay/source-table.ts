import { parseAddress, parseNetwork, networkContains, type Network } from '../../core/addresses';
import type { SourceInfo } from './record-columns';

/**
 * The distinct sources of a replay, looked up by the bytes of their address text: each distinct
 * text is decoded and canonicalised once, however many million lines repeat it. Spellings of one
 * address (e.g. IPv6 with and without leading zeros) share one source id.
 */
export class SourceTable {
  /** Per source id: the canonical address, and whether it lies inside the VPC. */
  readonly infos: SourceInfo[] = [];
  private readonly vpcNetworks: readonly Network[];
  /** The IPv4 VPC networks as [network, mask] numbers. */
  private readonly vpcIpv4: readonly [number, number][];
  private readonly idByAddress = new Map<string, number>();
  /** Distinct source texts: an open-addressing table over their bytes (entry index + 1, 0 = free). */
  private table = new Int32Array(1 << 12);
  private keyBytes = new Uint8Array(1 << 16);
  private keyBytesUsed = 0;
  private keyOffsets: number[] = [];
  private keyLengths: number[] = [];
  /** Per distinct text: its source id, -1 when it is not an address. */
  private ids: number[] = [];

  constructor(vpcCidrs: readonly string[]) {
    this.vpcNetworks = vpcCidrs.map((cidr) => {
      const network = parseNetwork(cidr);
      if (!network) throw new Error(`invalid VPC CIDR "${cidr}"`);
      return network;
    });
    this.vpcIpv4 = this.vpcNetworks
      .filter((n) => n.family === 'ipv4')
      .map((n) => {
        const mask = n.prefixLength === 0 ? 0 : (~0 << (32 - n.prefixLength)) >>> 0;
        return [(canonicalIpv4(Buffer.from(n.address, 'latin1'), 0, n.address.length) & mask) >>> 0, mask];
      });
  }

  /**
   * The id of the canonical source of the address text `bytes[from, to)`; -1 when it is not an
   * address. `line`, when given, is the same text as a string, sparing a decode of a new text.
   */
  idOf(bytes: Uint8Array, from: number, to: number, line: string | undefined): number {
    const length = to - from;
    const hash = hashBytes(bytes, from, to);
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
    const text = textOf(bytes, from, to, line);
    const ipv4 = canonicalIpv4(bytes, from, to);
    if (ipv4 >= 0) {
      // Already the canonical text: no parse, and the VPC test on the number.
      this.remember(
        bytes,
        from,
        to,
        hash,
        this.idOfAddress(
          text,
          this.vpcIpv4.some(([net, mask]) => (ipv4 & mask) >>> 0 === net),
        ),
      );
    } else {
      const parsed = parseAddress(text);
      this.remember(bytes, from, to, hash, parsed ? this.idOfAddress(parsed.address) : -1);
    }
    return this.ids[this.ids.length - 1]!;
  }

  /**
   * The id of a canonical address, added to the table when new (for joining other parsers'
   * sources, which may say whether it is inside the VPC, sparing the test).
   */
  idOfAddress(address: string, internal?: boolean): number {
    let id = this.idByAddress.get(address);
    if (id === undefined) {
      id = this.infos.length;
      this.infos.push({ address, internal: internal ?? this.vpcNetworks.some((n) => networkContains(n, address)) });
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
    else insert(this.table, hash, entry);
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    for (let entry = 0; entry < this.ids.length; entry++) {
      const offset = this.keyOffsets[entry]!;
      insert(table, hashBytes(this.keyBytes, offset, offset + this.keyLengths[entry]!), entry);
    }
    this.table = table;
  }
}

/**
 * The address `bytes[from, to)` as a number when it is an IPv4 address written the canonical way
 * (four decimal octets, no leading zeros), else -1: most flow-log sources, read without a parse.
 */
function canonicalIpv4(bytes: Uint8Array, from: number, to: number): number {
  let value = 0;
  let octets = 0;
  let i = from;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < to && bytes[i]! >= 48 && bytes[i]! <= 57 && i - start < 3) octet = octet * 10 + bytes[i++]! - 48;
    const digits = i - start;
    if (digits === 0 || octet > 255 || (digits > 1 && bytes[start] === 48)) return -1;
    value = value * 256 + octet;
    if (++octets < 4) {
      if (i >= to || bytes[i] !== 46) return -1;
      i++;
    }
  }
  return i === to ? value : -1;
}

/** FNV-1a over the bytes: cheap, and spreads address texts well enough for linear probing. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}

function insert(table: Int32Array, hash: number, entry: number): void {
  const mask = table.length - 1;
  let slot = hash & mask;
  while (table[slot] !== 0) slot = (slot + 1) & mask;
  table[slot] = entry + 1;
}

/** The text `bytes[from, to)`: cut from `line` when the caller has it as a string, else decoded (flow logs are ASCII). */
export function textOf(bytes: Uint8Array, from: number, to: number, line: string | undefined): string {
  return line !== undefined ? line.slice(from, to) : Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
}
