import type { Anomaly } from './anomaly-message';
import {
  cidrText,
  isRoutableSource,
  networkContains,
  networkOf,
  networksOverlap,
  parseAddress,
  type AddressFamily,
  type Network,
} from './addresses';
import { aggregateSources } from './prefix-aggregation';

/** One deny rule to be: a network and the anomalous sources it covers. */
export interface BlockRule {
  readonly network: Network;
  /** CIDR text, the identity of the rule. */
  readonly cidr: string;
  /** Highest Z-score of the covered sources; Infinity for a retained rule without new sources. */
  readonly maxZScore: number;
  readonly sources: readonly Anomaly[];
  /** True when the rule is kept from the deny set in place (a run that may only add). */
  readonly retained: boolean;
  /** True when the operator's deny list asks for this network (core/deny-list.ts). */
  readonly denyListed: boolean;
}

export type ExclusionReason = 'allow-listed' | 'vpc-internal' | 'not-an-address' | 'not-routable';

export interface Exclusion {
  readonly sourceIp: string;
  readonly reason: ExclusionReason;
}

export interface SelectionInput {
  readonly anomalies: readonly Anomaly[];
  readonly allowList: readonly Network[];
  readonly vpcCidrs: readonly Network[];
  /** Prefix lengths of the deny rules (NaclRuleNetworkMask, NaclRuleNetworkMaskIpv6). */
  readonly ipv4Mask: number;
  readonly ipv6Mask: number;
  /** Deny rules that fit, per address family. */
  readonly capacity: Readonly<Record<AddressFamily, number>>;
  /** Networks blocked now that must stay blocked (the message may only add). */
  readonly retained?: readonly Network[];
  /** Networks denied now: a rule for any other network is a new block. @default none */
  readonly inPlace?: readonly Network[];
  /** Limits on blocking (threat model: spoofed floods must not block unlimited partners). @default no limits */
  readonly caps?: BlockCaps;
  /**
   * Adaptive aggregation (core/prefix-aggregation.ts): when a family's new host rules exceed the
   * room the retained rules leave, merge them into the narrowest covering prefixes no wider than
   * these lengths (e.g. DEFAULT_MAX_AGGREGATE_PREFIX: /16 IPv4, /48 IPv6), never over an
   * allow-listed, VPC or retained network, most anomalous packets first.
   * @default no aggregation (the reference outcome: the highest Z-scores get host rules)
   */
  readonly aggregation?: Readonly<Record<AddressFamily, number>>;
  /**
   * The deny list's networks in force (activeDenyList): blocked ahead of every detected source,
   * within the capacity and the caps. One that covers a protected address is released, like a
   * retained one. @default none
   */
  readonly denyListed?: readonly Network[];
  /**
   * Networks in place that a repeat-offender hold keeps (core/repeat-offenders.ts): ranked after
   * every detected and deny-listed network, so a hold never takes a place from either. @default none
   */
  readonly held?: readonly Network[];
}

/**
 * Default caps: above the 18 deny rules the default quota of 20 leaves (so the reference outcome
 * holds), so they bind on a raised quota, a dual-stack storm or a burst of spoofed sources.
 */
export const DEFAULT_BLOCK_CAPS: BlockCaps = { newPerRun: 20, total: 40 };

export interface BlockCaps {
  /** New rules (networks not denied now) one verdict may add. */
  readonly newPerRun: number;
  /** Rules in place at once, both families together. */
  readonly total: number;
}

export interface Selection {
  /** Rules within capacity: retained ones first, then by Z-score, highest first. */
  readonly blocked: readonly BlockRule[];
  /** Rules that needed a place but got none (capacity or a cap). */
  readonly unblocked: readonly BlockRule[];
  /** The unblocked rules that a cap (not the ACL's capacity) left out. */
  readonly capped: readonly BlockRule[];
  readonly excluded: readonly Exclusion[];
  /** Retained networks dropped because they now cover a protected address. */
  readonly releasedForProtection: readonly Network[];
}

/**
 * Chooses the deny rules for a verdict. Allow-listed and VPC-internal sources are never blocked,
 * and no rule ever covers one of their addresses: a masked network that would is narrowed to
 * the widest network around the source that covers none (down to the host itself).
 */
export function selectBlocks(input: SelectionInput): Selection {
  const protectedNetworks = [...input.allowList, ...input.vpcCidrs];
  const excluded: Exclusion[] = [];
  const rules = new Map<string, MutableRule>();
  const releasedForProtection: Network[] = [];

  for (const network of input.retained ?? []) {
    if (protectedNetworks.some((p) => networksOverlap(p, network))) releasedForProtection.push(network);
    else rules.set(cidrText(network), { network, maxZScore: Infinity, sources: [], retained: true, denyListed: false });
  }
  for (const network of input.denyListed ?? []) {
    const kept = rules.get(cidrText(network));
    if (protectedNetworks.some((p) => networksOverlap(p, network))) releasedForProtection.push(network);
    else if (kept) kept.denyListed = true;
    else rules.set(cidrText(network), { network, maxZScore: -Infinity, sources: [], retained: false, denyListed: true });
  }
  for (const network of input.held ?? []) {
    if (rules.has(cidrText(network))) continue;
    if (protectedNetworks.some((p) => networksOverlap(p, network))) releasedForProtection.push(network);
    else rules.set(cidrText(network), { network, maxZScore: -Infinity, sources: [], retained: false, denyListed: false });
  }

  // Only retained and deny-listed rules absorb a source: collected once, not searched among the
  // rules every source adds (a verdict may list thousands).
  const covering = [...rules.values()].filter((r) => r.retained || r.denyListed);
  for (const anomaly of input.anomalies) {
    const reason = exclusionReason(anomaly.sourceIp, input);
    if (reason) {
      excluded.push({ sourceIp: anomaly.sourceIp, reason });
      continue;
    }
    const network = ruleNetwork(anomaly.sourceIp, input, protectedNetworks, covering);
    addSource(rules, network, anomaly);
  }
  const inPlace = new Set((input.inPlace ?? []).map(cidrText));
  let frozen = [...rules.values()].map(freeze);
  if (input.aggregation) frozen = aggregateHostRules(frozen, input, input.aggregation, protectedNetworks);
  return { ...fitCapacity(frozen, input.capacity, inPlace, input.caps), excluded, releasedForProtection };
}

/**
 * Per family: if the new host rules do not fit beside the retained ones, replace them by
 * aggregated prefixes (each carrying its sources and their highest Z-score). Rules of a wider
 * mask and retained rules are left as they are; sources the aggregation could not place keep
 * their host rules, which fitCapacity then reports unblocked.
 */
function aggregateHostRules(
  rules: BlockRule[],
  input: SelectionInput,
  maxPrefix: Readonly<Record<AddressFamily, number>>,
  protectedNetworks: readonly Network[],
): BlockRule[] {
  const out: BlockRule[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ofFamily = rules.filter((r) => r.network.family === family);
    const hostPrefix = family === 'ipv4' ? 32 : 128;
    // Rules without sources (retained, deny-listed or held) are never merged.
    const hosts = ofFamily.filter((r) => r.sources.length > 0 && !r.retained && !r.denyListed && r.network.prefixLength === hostPrefix);
    const others = ofFamily.filter((r) => !hosts.includes(r));
    const room = input.capacity[family] - others.length;
    if (hosts.length <= room || room <= 0) {
      out.push(...ofFamily);
      continue;
    }
    const byHost = new Map(hosts.map((r) => [r.network.address, r]));
    const aggregation = aggregateSources(
      hosts.map((r) => ({ sourceIp: r.network.address, packets: r.sources.reduce((sum, a) => sum + a.maxPackets, 0) })),
      {
        family,
        capacity: room,
        maxPrefixLength: maxPrefix[family],
        protectedNetworks: [...protectedNetworks, ...others.map((r) => r.network)],
      },
    );
    for (const rule of aggregation.rules) {
      const sources = rule.sources.flatMap((s) => byHost.get(s.sourceIp)?.sources ?? []);
      const maxZScore = Math.max(...sources.map((a) => a.maxZScore));
      out.push(freeze({ network: rule.network, maxZScore, sources, retained: false, denyListed: false }));
    }
    for (const source of aggregation.unblocked) out.push(byHost.get(source.sourceIp) as BlockRule);
    out.push(...others);
  }
  return out;
}

interface MutableRule {
  network: Network;
  maxZScore: number;
  sources: Anomaly[];
  retained: boolean;
  denyListed: boolean;
}

function exclusionReason(sourceIp: string, input: SelectionInput): ExclusionReason | undefined {
  if (!parseAddress(sourceIp)) return 'not-an-address';
  // A hostile or buggy verdict must not spend rules on addresses no internet packet comes from.
  if (!isRoutableSource(sourceIp)) return 'not-routable';
  if (input.allowList.some((n) => networkContains(n, sourceIp))) return 'allow-listed';
  if (input.vpcCidrs.some((n) => networkContains(n, sourceIp))) return 'vpc-internal';
  return undefined;
}

/** The network a source's rule blocks: a retained or deny-listed rule covering it, else its masked network, narrowed. */
function ruleNetwork(
  sourceIp: string,
  input: SelectionInput,
  protectedNetworks: readonly Network[],
  covering: readonly MutableRule[],
): Network {
  const kept = covering.find((r) => networkContains(r.network, sourceIp));
  if (kept) return kept.network;
  const family = parseAddress(sourceIp)!.family;
  const hostPrefix = family === 'ipv4' ? 32 : 128;
  const mask = family === 'ipv4' ? input.ipv4Mask : input.ipv6Mask;
  for (let prefix = Math.min(mask, hostPrefix); prefix < hostPrefix; prefix++) {
    const candidate = networkOf(sourceIp, prefix);
    if (!protectedNetworks.some((p) => networksOverlap(p, candidate))) return candidate;
  }
  return networkOf(sourceIp, hostPrefix);
}

function addSource(rules: Map<string, MutableRule>, network: Network, anomaly: Anomaly): void {
  const key = cidrText(network);
  const rule = rules.get(key) ?? { network, maxZScore: -Infinity, sources: [], retained: false, denyListed: false };
  rule.sources.push(anomaly);
  if (!rule.retained) rule.maxZScore = Math.max(rule.maxZScore, anomaly.maxZScore);
  rules.set(key, rule);
}

function freeze(rule: MutableRule): BlockRule {
  const sources = [...rule.sources].sort((a, b) => b.maxZScore - a.maxZScore || a.sourceIp.localeCompare(b.sourceIp));
  const { network, maxZScore, retained, denyListed } = rule;
  return { network, cidr: cidrText(network), maxZScore, sources, retained, denyListed };
}

/**
 * Orders rules (retained first, then deny-listed, then Z-score, then CIDR for determinism) and fills each family's
 * capacity, within the caps: a rule already in place never counts against the per-run cap, and a
 * retained one is never capped (a run that may only add must not remove it).
 */
function fitCapacity(
  rules: BlockRule[],
  capacity: Readonly<Record<AddressFamily, number>>,
  inPlace: ReadonlySet<string>,
  caps: BlockCaps | undefined,
): Pick<Selection, 'blocked' | 'unblocked' | 'capped'> {
  const ordered = [...rules].sort(compareRules);
  const used: Record<AddressFamily, number> = { ipv4: 0, ipv6: 0 };
  const blocked: BlockRule[] = [];
  const unblocked: BlockRule[] = [];
  const capped: BlockRule[] = [];
  let added = 0;
  for (const rule of ordered) {
    const family = rule.network.family;
    const isNew = !rule.retained && !inPlace.has(rule.cidr);
    if (used[family] >= capacity[family]) {
      unblocked.push(rule);
    } else if (caps && !rule.retained && (blocked.length >= caps.total || (isNew && added >= caps.newPerRun))) {
      unblocked.push(rule);
      capped.push(rule);
    } else {
      used[family]++;
      if (isNew) added++;
      blocked.push(rule);
    }
  }
  return { blocked, unblocked, capped };
}

export function compareRules(a: BlockRule, b: BlockRule): number {
  if (a.retained !== b.retained) return a.retained ? -1 : 1;
  if (a.denyListed !== b.denyListed) return a.denyListed ? -1 : 1;
  if (a.maxZScore !== b.maxZScore) return b.maxZScore - a.maxZScore;
  return a.cidr.localeCompare(b.cidr);
}
