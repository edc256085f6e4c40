import { cidrText, networkOf, networksOverlap, parseAddress, type AddressFamily, type Network } from './addresses';

/** An anomalous source and the packets that blocking it removes (its largest bin). */
export interface WeightedSource {
  readonly sourceIp: string;
  readonly packets: number;
}

export interface AggregatedRule {
  readonly network: Network;
  readonly cidr: string;
  readonly sources: readonly WeightedSource[];
  readonly packets: number;
}

export interface AggregationOptions {
  readonly family: AddressFamily;
  /** Deny rules available for this family. */
  readonly capacity: number;
  /** Widest prefix a merged rule may have (default /16 IPv4, /48 IPv6: DEFAULT_MAX_AGGREGATE_PREFIX). */
  readonly maxPrefixLength: number;
  /** Allow-listed and VPC networks: no rule may overlap one. */
  readonly protectedNetworks: readonly Network[];
}

export interface Aggregation {
  /** At most `capacity` rules, most packets first. */
  readonly rules: readonly AggregatedRule[];
  /** Sources no rule covers (no capacity left even after merging). */
  readonly unblocked: readonly WeightedSource[];
}

export const DEFAULT_MAX_AGGREGATE_PREFIX: Readonly<Record<AddressFamily, number>> = { ipv4: 16, ipv6: 48 };

const HOST_PREFIX: Readonly<Record<AddressFamily, number>> = { ipv4: 32, ipv6: 128 };

interface Group {
  network: Network;
  sources: WeightedSource[];
  packets: number;
}

/**
 * Adaptive aggregation (opt-in; docs/architecture.md, Mitigation): when more sources need a rule than the ACL has
 * room for, merge them into covering prefixes, narrowest first, until they fit. Starting from one
 * host rule per source, each step widens by one prefix bit: at prefix p, sources sharing a /p
 * network merge into one rule, the groups that save the most rules first, stopping as soon as the
 * rules fit. So the rules are never wider than needed, never wider than `maxPrefixLength`, and a
 * network that overlaps an allow-listed or VPC network is never formed. If even the widest
 * allowed merge does not fit, the rules removing the most anomalous packets are kept.
 *
 * Sources are assumed to be of `family`, routable and already checked against the allow list.
 */
export function aggregateSources(sources: readonly WeightedSource[], options: AggregationOptions): Aggregation {
  const { family, capacity, maxPrefixLength, protectedNetworks } = options;
  const host = HOST_PREFIX[family];
  if (!Number.isInteger(maxPrefixLength) || maxPrefixLength < 1 || maxPrefixLength > host)
    throw new RangeError(`maxPrefixLength must be 1-${host}, got ${maxPrefixLength}`);
  let groups = hostGroups(sources, family);
  for (let prefix = host - 1; groups.length > capacity && prefix >= maxPrefixLength; prefix--) {
    groups = mergeAt(groups, prefix, groups.length - capacity, protectedNetworks);
  }
  const ranked = groups.sort((a, b) => b.packets - a.packets || cidrText(a.network).localeCompare(cidrText(b.network)));
  const kept = ranked.slice(0, Math.max(0, capacity));
  return {
    rules: kept.map((g) => ({ network: g.network, cidr: cidrText(g.network), sources: g.sources, packets: g.packets })),
    unblocked: ranked.slice(kept.length).flatMap((g) => g.sources),
  };
}

function hostGroups(sources: readonly WeightedSource[], family: AddressFamily): Group[] {
  const byHost = new Map<string, Group>();
  for (const source of sources) {
    const parsed = parseAddress(source.sourceIp);
    if (!parsed || parsed.family !== family) throw new RangeError(`${source.sourceIp} is not an ${family} address`);
    const network = networkOf(parsed.address, HOST_PREFIX[family]);
    const key = cidrText(network);
    const group = byHost.get(key) ?? { network, sources: [], packets: 0 };
    group.sources.push(source);
    group.packets += source.packets;
    byHost.set(key, group);
  }
  return [...byHost.values()];
}

/** Merges groups sharing a /prefix network (biggest savings first) until `excess` rules are saved. */
function mergeAt(groups: readonly Group[], prefix: number, excess: number, protectedNetworks: readonly Network[]): Group[] {
  const parents = new Map<string, Group[]>();
  for (const group of groups) {
    const parent = group.network.prefixLength <= prefix ? group.network : networkOf(group.network.address, prefix);
    const key = cidrText(parent);
    const siblings = parents.get(key);
    if (siblings) siblings.push(group);
    else parents.set(key, [group]);
  }
  const merges = [...parents.values()].filter((children) => children.length > 1).sort((a, b) => b.length - a.length || sum(b) - sum(a));
  const merged = new Set<Group>();
  const out: Group[] = [];
  let saved = 0;
  for (const children of merges) {
    if (saved >= excess) break;
    const network = networkOf((children[0] as Group).network.address, prefix);
    if (protectedNetworks.some((p) => networksOverlap(p, network))) continue;
    out.push({ network, sources: children.flatMap((c) => c.sources), packets: sum(children) });
    for (const child of children) merged.add(child);
    saved += children.length - 1;
  }
  return [...out, ...groups.filter((g) => !merged.has(g))];
}

function sum(groups: readonly Group[]): number {
  return groups.reduce((total, g) => total + g.packets, 0);
}
