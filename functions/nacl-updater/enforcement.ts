import { formatActiveRecord } from '../../core/acl-state-check';
import type { AddressFamily, Network } from '../../core/addresses';
import { cidrText } from '../../core/addresses';
import { planBlueGreen, type DesiredFor, type SubnetAssociation } from '../../core/blue-green';
import type { BlockRule, Selection } from '../../core/block-selection';
import {
  afterOperation,
  DEFAULT_RULE_NUMBER_IPV4,
  DEFAULT_RULE_NUMBER_IPV6,
  denyCapacity,
  denyNetworksOf,
  desiredEntries,
  diffEntries,
  entryFamily,
  entryNetwork,
  isStackDenyRule,
  type AclEntry,
} from '../../core/nacl-plan';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';
import { ACTIVE_ACL_TAG, type UpdaterConfig } from './contract';
import { errorCode, isNotFound, type AclGateway, type DescribedAcl } from './ec2-acls';
import type { NetworkState } from './network-state';
import { AclStateUnknownError, type LastActions } from './state-check';

/** What a run changed: the rules in place and those the account refused. */
export interface Enforcement {
  /** Rules now in place on the ACL the protected subnets use. */
  readonly placed: readonly BlockRule[];
  /** Rules that fitted the configured quota but not the account's real one. */
  readonly refused: readonly BlockRule[];
  readonly changed: boolean;
  /** The ACL every protected subnet is on after the run. */
  readonly aclInUse: string | undefined;
  /** The selection enforced: chosen again within the account's real quota when it was learnt this run. */
  readonly selection: Selection;
}

/** How a run brings (or, in report mode, pretends to bring) the protected subnets to a selection. */
export interface Enforcer {
  /** Deny rules per family the ACL has room for. */
  capacity(original: readonly AclEntry[]): Record<AddressFamily, number>;
  /** Networks held before this run: denied by the ACL the subnets use, or (report mode) those it would deny. */
  held(state: NetworkState): Network[];
  enforce(choose: () => Selection, state: NetworkState): Promise<Enforcement>;
}

export interface EnforcerDeps {
  readonly config: UpdaterConfig;
  readonly acls: AclGateway;
  readonly metrics: TelemetryMetrics;
  readonly logger: TelemetryLogger;
  /** What this container last did to the stack ACLs; the enforcer records its swaps and writes there. */
  readonly last: LastActions;
  readonly now: () => number;
}

/**
 * Brings the protected subnets to a selection of deny rules, blue/green: the ACL no subnet uses is
 * written in full before any subnet moves onto it. Keeps, for the container's life, the account's
 * real rules-per-ACL quota once NetworkAclEntryLimitExceeded has shown it.
 */
export class BlueGreenEnforcer implements Enforcer {
  private learnedLimit: Partial<Record<AddressFamily, number>> = {};

  constructor(private readonly deps: EnforcerDeps) {}

  /** Deny rules per family: the configured quota, lowered to the account's real one once learnt. */
  capacity(original: readonly AclEntry[]): Record<AddressFamily, number> {
    const configured = denyCapacity(this.deps.config.naclRuleLimit, original);
    const cap = (family: AddressFamily) => {
      const learned = this.learnedLimit[family];
      return learned === undefined ? configured[family] : Math.min(configured[family], denyCapacity(learned, original)[family]);
    };
    return { ipv4: cap('ipv4'), ipv6: cap('ipv6') };
  }

  /** Networks denied now by the stack ACLs that protected subnets use. */
  held(state: NetworkState): Network[] {
    const inUse = [state.blue, state.green].filter((acl) => state.subnets.some((s) => s.networkAclId === acl.id));
    const unique = new Map(inUse.flatMap((acl) => denyNetworksOf(acl.entries)).map((n) => [cidrText(n), n]));
    return [...unique.values()];
  }

  /**
   * `choose` selects the rules within the capacity known now. When the account's real quota turns
   * out lower while the inactive ACL is written, the rules are chosen again within it and the same
   * (still unused) ACL is rewritten before any subnet moves: retained rules and the highest
   * Z-scores keep the room, so an incomplete run never drops a block for a new one.
   */
  async enforce(choose: () => Selection, state: NetworkState): Promise<Enforcement> {
    let selection = choose();
    const networks = selection.blocked.map((rule) => rule.network);
    const desired: DesiredFor | 'original' =
      networks.length === 0 ? 'original' : (current) => desiredEntries(networks, state.original.entries, current);
    const plan = planBlueGreen({ subnets: state.subnets, originalAclId: state.original.id, blue: state.blue, green: state.green }, desired);
    let subnets = state.subnets;
    if (plan.consolidateOnto) {
      const other = plan.consolidateOnto === state.blue.id ? state.green.id : state.blue.id;
      subnets = await this.move(subnets, plan.consolidateOnto, (s) => s.networkAclId === other);
    }
    let refused: readonly BlockRule[] = [];
    if (plan.write && desired !== 'original') {
      const acl = plan.write === state.blue.id ? state.blue : state.green;
      const written = await this.write(acl, desired(acl.entries), selection.blocked);
      refused = written.refused;
      if (refused.length > 0)
        ({ selection, refused } = await this.rewriteWithinLearnedQuota({ ...acl, entries: written.entries }, choose, state));
    }
    const refusedCidrs = new Set(refused.map((r) => r.cidr));
    const placed = selection.blocked.filter((r) => !refusedCidrs.has(r.cidr));
    // An ACL whose every deny rule the account refused blocks nothing: the original ACL is the canonical place for that.
    const moveTo = plan.write && placed.length === 0 ? state.original.id : plan.moveTo;
    if (moveTo) subnets = await this.move(subnets, moveTo, () => true);
    return {
      placed,
      refused,
      changed: Object.keys(plan).length > 0,
      aclInUse: subnets[0]?.networkAclId,
      selection,
    };
  }

  /** `acl` holds the entries as this run wrote them (a Describe now could still show the ones from before). */
  private async rewriteWithinLearnedQuota(
    acl: DescribedAcl,
    choose: () => Selection,
    state: NetworkState,
  ): Promise<{ selection: Selection; refused: BlockRule[] }> {
    const selection = choose();
    const networks = selection.blocked.map((rule) => rule.network);
    if (networks.length === 0) return { selection, refused: [] };
    const { refused } = await this.write(acl, desiredEntries(networks, state.original.entries, acl.entries), selection.blocked);
    return { selection, refused };
  }

  /**
   * Writes an ACL no protected subnet uses with the minimum entry calls. When the account's real
   * quota refuses a deny rule, no further deny rule of that family is tried; the ones refused are
   * returned, with the ACL's entries as written. A refused mirrored rule makes the ACL unusable: that throws.
   */
  private async write(
    acl: DescribedAcl,
    desired: readonly AclEntry[],
    rules: readonly BlockRule[],
  ): Promise<{ refused: BlockRule[]; entries: AclEntry[] }> {
    const { acls, metrics, logger } = this.deps;
    const full = new Set<AddressFamily>();
    const refused = new Set<string>();
    let entries = [...acl.entries];
    for (const operation of diffEntries(acl.entries, desired)) {
      const denyCreate = operation.kind === 'create' && isStackDenyRule(operation.entry) ? operation.entry : undefined;
      if (denyCreate && full.has(entryFamily(denyCreate))) {
        refused.add(cidrText(entryNetwork(denyCreate)!));
        continue;
      }
      try {
        await acls.apply(acl.id, operation);
        entries = afterOperation(entries, operation);
        this.deps.last.written.set(acl.id, { at: this.deps.now(), entries });
        metrics.add('AclEntryChanges', 1);
      } catch (error) {
        // A failed call may or may not have changed the ACL: what this container wrote no longer tells its entries.
        if (errorCode(error) !== 'NetworkAclEntryLimitExceeded') this.deps.last.written.delete(acl.id);
        if (errorCode(error) !== 'NetworkAclEntryLimitExceeded' || operation.kind !== 'create') throw error;
        metrics.add('AclEntryLimitExceeded', 1);
        if (!denyCreate)
          throw new Error(
            `network ACL ${acl.id} cannot hold the original ACL's rules: the account's rules-per-ACL quota is too low (NetworkAclEntryLimitExceeded)`,
            { cause: error },
          );
        const family = entryFamily(denyCreate);
        full.add(family);
        refused.add(cidrText(entryNetwork(denyCreate)!));
        this.learnLimit(entries, family);
      }
    }
    if (refused.size > 0)
      logger.warn('deny rules refused by the account quota: sources left unblocked', {
        networkAclId: acl.id,
        networks: [...refused],
        learnedLimit: this.learnedLimit,
      });
    return { refused: rules.filter((rule) => refused.has(rule.cidr)), entries };
  }

  /**
   * The real quota is the number of inbound rules of the family the ACL holds when the limit
   * answers. Capacity is computed as if the family's default rule were present (it is absent
   * for IPv6 in a VPC without IPv6), so a missing default rule counts here as one. `entries` are
   * the ACL's as this run wrote them.
   */
  private learnLimit(entries: readonly AclEntry[], family: AddressFamily): void {
    const inbound = entries.filter((e) => !e.egress && entryFamily(e) === family);
    const hasDefault = inbound.some((e) => e.ruleNumber === (family === 'ipv4' ? DEFAULT_RULE_NUMBER_IPV4 : DEFAULT_RULE_NUMBER_IPV6));
    this.learnedLimit[family] = inbound.length + (hasDefault ? 0 : 1);
  }

  /**
   * Moves the subnets read elsewhere onto the ACL recorded active (an unfinished move), with the
   * association ids read; no new record. Throws AclStateUnknownError when an id no longer exists.
   */
  completeMove(subnets: readonly SubnetAssociation[], target: string): Promise<SubnetAssociation[]> {
    return this.move(subnets, target, () => true, false);
  }

  /**
   * Moves the matching subnets onto `target`. Before the first move, records `target` as the ACL
   * made active (tag and memory). An association id read from a Describe that EC2 answers NotFound
   * was replaced since (the read was stale): AclStateUnknownError, never a retry or a guess. Only
   * the id this container's own last swap returned is retried on NotFound first (EC2 may not show it yet).
   */
  private async move(
    subnets: readonly SubnetAssociation[],
    target: string,
    which: (s: SubnetAssociation) => boolean,
    record = true,
  ): Promise<SubnetAssociation[]> {
    const { acls, last } = this.deps;
    const moving = subnets.filter((s) => s.networkAclId !== target && which(s));
    if (moving.length > 0 && record) await this.recordActive(target);
    const moved: SubnetAssociation[] = [];
    for (const subnet of subnets) {
      if (!moving.includes(subnet)) {
        moved.push(subnet);
        continue;
      }
      const own = last.associationIds.get(subnet.subnetId) === subnet.associationId;
      const associationId = await acls.replaceAssociation(subnet.associationId, target, own).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
        throw new AclStateUnknownError(
          `association ${subnet.associationId} of ${subnet.subnetId} answers NotFound: replaced since it was read`,
          {
            cause: error,
          },
        );
      });
      last.associationIds.set(subnet.subnetId, associationId);
      moved.push({ ...subnet, associationId, networkAclId: target });
    }
    if (moving.length > 0) {
      this.deps.metrics.add('AclSwaps', 1);
      this.deps.logger.info('protected subnets moved', { networkAclId: target, subnets: moving.length });
    }
    return moved;
  }

  /** Tags both stack ACLs with `<now> <target>` before the first subnet moves; a failed tag leaves this container's memory as the record. */
  private async recordActive(target: string): Promise<void> {
    const { acls, config, last, logger } = this.deps;
    last.active = { at: this.deps.now(), aclId: target };
    try {
      await acls.tag([config.blueNaclId, config.greenNaclId], ACTIVE_ACL_TAG, formatActiveRecord(last.active));
    } catch (error) {
      logger.error('could not record the ACL being made active: this container still remembers it', { error: String(error) });
    }
  }
}
