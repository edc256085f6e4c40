import { cidrText, networkContains, parseNetwork, type AddressFamily, type Network } from './addresses';

/** A network ACL entry as DescribeNetworkAcls reports it (the fields that decide a verdict). */
export interface AclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  /** Protocol number as text; `-1` means all protocols. */
  readonly protocol: string;
  readonly ruleAction: 'allow' | 'deny';
  readonly cidrBlock?: string;
  readonly ipv6CidrBlock?: string;
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly icmpTypeCode?: { readonly type: number; readonly code: number };
}

/** Rule numbers AWS gives the default deny rules (IPv4, IPv6); they cannot be changed. */
export const DEFAULT_RULE_NUMBER_IPV4 = 32767;
export const DEFAULT_RULE_NUMBER_IPV6 = 32768;
/** Highest rule number a caller may use. */
export const MAX_RULE_NUMBER = 32766;
/**
 * Numbering of the stack's ACLs. Rule numbers are unique per direction across both families.
 * Deny rules take 1..DENY_RULE_LAST (order among them is irrelevant: they all deny everything),
 * mirrored original rules follow from MIRROR_RULE_FIRST in the original's order, so every
 * mirrored rule is evaluated after every deny rule and keeps its relative order. The quota
 * (at most 40 rules per family and direction) keeps both ranges far from overlapping.
 */
export const DENY_RULE_FIRST = 1;
export const DENY_RULE_LAST = 999;
export const MIRROR_RULE_FIRST = 1000;

export type AclOperation =
  | { readonly kind: 'create'; readonly entry: AclEntry }
  | { readonly kind: 'replace'; readonly entry: AclEntry }
  | { readonly kind: 'delete'; readonly egress: boolean; readonly ruleNumber: number };

/**
 * The entries after one operation EC2 accepted. The updater keeps an ACL's entries this way while
 * it writes them, rather than describing the ACL again: EC2 is eventually consistent, and a
 * Describe right after a write may still return the entries from before it.
 */
export function afterOperation(entries: readonly AclEntry[], operation: AclOperation): AclEntry[] {
  const egress = operation.kind === 'delete' ? operation.egress : operation.entry.egress;
  const ruleNumber = operation.kind === 'delete' ? operation.ruleNumber : operation.entry.ruleNumber;
  const others = entries.filter((e) => e.egress !== egress || e.ruleNumber !== ruleNumber);
  return operation.kind === 'delete' ? others : [...others, operation.entry];
}

export function isDefaultRule(entry: Pick<AclEntry, 'ruleNumber'>): boolean {
  return entry.ruleNumber > MAX_RULE_NUMBER;
}

export function entryFamily(entry: Pick<AclEntry, 'cidrBlock' | 'ipv6CidrBlock'>): AddressFamily {
  return entry.ipv6CidrBlock !== undefined ? 'ipv6' : 'ipv4';
}

export function entryNetwork(entry: AclEntry): Network | undefined {
  const text = entry.cidrBlock ?? entry.ipv6CidrBlock;
  return text === undefined ? undefined : parseNetwork(text, { allowHostBits: true });
}

/** A deny rule of the stack's own numbering: ingress, all protocols, in the deny range. */
export function isStackDenyRule(entry: AclEntry): boolean {
  return (
    !entry.egress &&
    entry.ruleAction === 'deny' &&
    entry.protocol === '-1' &&
    entry.ruleNumber >= DENY_RULE_FIRST &&
    entry.ruleNumber <= DENY_RULE_LAST
  );
}

/** The networks an ACL of the stack blocks through its deny rules. */
export function denyNetworksOf(entries: readonly AclEntry[]): Network[] {
  return entries.filter(isStackDenyRule).flatMap((e) => entryNetwork(e) ?? []);
}

/** The original ACL's own (non-default) rules renumbered after the deny range, in their order, per direction. */
export function mirroredEntries(original: readonly AclEntry[]): AclEntry[] {
  return [false, true].flatMap((egress) =>
    original
      .filter((e) => e.egress === egress && !isDefaultRule(e))
      .sort((a, b) => a.ruleNumber - b.ruleNumber)
      .map((e, index) => ({ ...e, ruleNumber: MIRROR_RULE_FIRST + index })),
  );
}

/** Deny rules that fit in one family: the quota minus the default rule minus the mirrored inbound rules of that family. */
export function denyCapacity(ruleLimit: number, original: readonly AclEntry[]): Record<AddressFamily, number> {
  const inbound = mirroredEntries(original).filter((e) => !e.egress);
  const left = (family: AddressFamily) => Math.max(0, ruleLimit - 1 - inbound.filter((e) => entryFamily(e) === family).length);
  return { ipv4: left('ipv4'), ipv6: left('ipv6') };
}

export function denyEntry(network: Network, ruleNumber: number): AclEntry {
  const cidr = cidrText(network);
  return network.family === 'ipv4'
    ? { ruleNumber, egress: false, protocol: '-1', ruleAction: 'deny', cidrBlock: cidr }
    : { ruleNumber, egress: false, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: cidr };
}

/**
 * The full desired entry list of the ACL to write: mirrored original rules first (they must
 * all exist before the ACL may be used), then deny rules in priority order (so if the account's
 * real quota cuts creation short, the highest Z-scores are in place). Deny rule numbers are
 * chosen against the ACL's current entries so that a changed deny set touches few entries:
 * a network already denied keeps its number; a new one reuses a stale deny slot of the same
 * family (one Replace call instead of Delete + Create), else takes the lowest free number.
 */
export function desiredEntries(denyNetworks: readonly Network[], original: readonly AclEntry[], current: readonly AclEntry[]): AclEntry[] {
  if (denyNetworks.length > DENY_RULE_LAST - DENY_RULE_FIRST + 1) throw new Error(`too many deny rules: ${denyNetworks.length}`);
  const currentDeny = new Map<number, AclEntry>(
    current.filter((e) => !e.egress && e.ruleNumber <= DENY_RULE_LAST).map((e) => [e.ruleNumber, e]),
  );
  const taken = new Set<number>();
  const numbers = new Map<string, number>();
  for (const network of denyNetworks) {
    const kept = [...currentDeny.values()].find((e) => isStackDenyRule(e) && sameNetwork(e, network));
    if (kept && !taken.has(kept.ruleNumber)) {
      numbers.set(cidrText(network), kept.ruleNumber);
      taken.add(kept.ruleNumber);
    }
  }
  const free = (predicate: (n: number) => boolean) => {
    for (let n = DENY_RULE_FIRST; n <= DENY_RULE_LAST; n++) if (!taken.has(n) && predicate(n)) return n;
    return undefined;
  };
  const deny = denyNetworks.map((network) => {
    let number = numbers.get(cidrText(network));
    if (number === undefined) {
      number =
        free((n) => currentDeny.has(n) && entryFamily(currentDeny.get(n)!) === network.family) ??
        free((n) => !currentDeny.has(n)) ??
        free(() => true)!;
      taken.add(number);
    }
    return denyEntry(network, number);
  });
  return [...mirroredEntries(original), ...deny];
}

function sameNetwork(entry: AclEntry, network: Network): boolean {
  const own = entryNetwork(entry);
  return own !== undefined && cidrText(own) === cidrText(network);
}

/**
 * The minimum Create/Replace/Delete calls that turn `current` into `desired`: an entry equal
 * in place is left alone, a changed entry of the same family is replaced in place. Deletes come
 * first (they free quota), then replaces, then creates in the desired order.
 */
export function diffEntries(current: readonly AclEntry[], desired: readonly AclEntry[]): AclOperation[] {
  const have = new Map(current.filter((e) => !isDefaultRule(e)).map((e) => [entryKey(e), e]));
  const want = new Map(desired.map((e) => [entryKey(e), e]));
  const deletes: AclOperation[] = [];
  const replaces: AclOperation[] = [];
  const creates: AclOperation[] = [];
  for (const [key, entry] of have) {
    const target = want.get(key);
    if (!target || entryFamily(target) !== entryFamily(entry))
      deletes.push({ kind: 'delete', egress: entry.egress, ruleNumber: entry.ruleNumber });
  }
  for (const entry of desired) {
    const existing = have.get(entryKey(entry));
    if (existing && entryFamily(existing) === entryFamily(entry)) {
      if (entryContent(existing) !== entryContent(entry)) replaces.push({ kind: 'replace', entry });
    } else {
      creates.push({ kind: 'create', entry });
    }
  }
  return [...deletes, ...replaces, ...creates];
}

function entryKey(entry: Pick<AclEntry, 'egress' | 'ruleNumber'>): string {
  return `${entry.egress ? 'egress' : 'ingress'}:${entry.ruleNumber}`;
}

/** Everything that decides a verdict, in a canonical text (CIDRs canonicalised, absent fields blank). */
function entryContent(entry: AclEntry): string {
  const network = entryNetwork(entry);
  return JSON.stringify([
    entry.egress,
    entry.ruleAction,
    entry.protocol,
    network ? cidrText(network) : null,
    entryFamily(entry),
    entry.portRange ? [entry.portRange.from, entry.portRange.to] : null,
    entry.icmpTypeCode ? [entry.icmpTypeCode.type, entry.icmpTypeCode.code] : null,
  ]);
}

/**
 * True when an ACL's entries give the same verdicts as the desired ones by construction: the
 * same set of stack deny rules (their numbers do not matter) and every other entry equal,
 * number for number.
 */
export function enforcesDesired(entries: readonly AclEntry[], desired: readonly AclEntry[]): boolean {
  const canonical = (list: readonly AclEntry[]) =>
    list
      .filter((e) => !isDefaultRule(e))
      .map((e) => (isStackDenyRule(e) ? `deny ${entryContent(e)}` : `${e.ruleNumber} ${entryContent(e)}`))
      .sort();
  const a = canonical(entries);
  const b = canonical(desired);
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** A packet as a network ACL sees it: direction, the remote address, protocol and port or ICMP type/code. */
export interface Packet {
  readonly egress: boolean;
  /** Source address for inbound traffic, destination address for outbound. */
  readonly address: string;
  readonly protocol: number;
  readonly port?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

/**
 * The verdict of an ACL for a packet, as AWS evaluates it: rules of the packet's direction in
 * ascending rule number, the first whose family, CIDR, protocol and port (or ICMP type/code)
 * match decides; no match means the default deny.
 */
export function evaluate(entries: readonly AclEntry[], packet: Packet): 'allow' | 'deny' {
  const rules = entries.filter((e) => e.egress === packet.egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
  return rules.find((e) => matches(e, packet))?.ruleAction ?? 'deny';
}

function matches(entry: AclEntry, packet: Packet): boolean {
  const network = entryNetwork(entry);
  if (!network || !networkContains(network, packet.address)) return false;
  if (entry.protocol === '-1') return true;
  const protocol = Number(entry.protocol);
  if (protocol !== packet.protocol) return false;
  if (protocol === 6 || protocol === 17) return portMatches(entry, packet);
  if (protocol === 1 || (protocol === 58 && network.family === 'ipv6')) return icmpMatches(entry, packet);
  return true;
}

function portMatches(entry: AclEntry, packet: Packet): boolean {
  if (!entry.portRange || packet.port === undefined) return entry.portRange === undefined;
  return packet.port >= entry.portRange.from && packet.port <= entry.portRange.to;
}

function icmpMatches(entry: AclEntry, packet: Packet): boolean {
  const typeCode = entry.icmpTypeCode;
  if (!typeCode) return true;
  const typeOk = typeCode.type === -1 || typeCode.type === packet.icmpType;
  const codeOk = typeCode.code === -1 || typeCode.code === packet.icmpCode;
  return typeOk && codeOk;
}
