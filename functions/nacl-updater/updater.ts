import type { AddressFamily, Network } from '../../core/addresses';
import { cidrText, parseNetwork } from '../../core/addresses';
import type { AllowList } from '../../core/allow-list';
import { parseAnomalyMessage, type AnomalyMessage } from '../../core/anomaly-message';
import type { AuditLine } from '../../core/audit-line';
import { planBlueGreen, type DesiredFor, type SubnetAssociation } from '../../core/blue-green';
import { selectBlocks, type BlockRule, type Selection } from '../../core/block-selection';
import {
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
import type { TelemetryLogger, TelemetryMetrics } from '../shared/telemetry';
import type { AllowListSource } from './allow-list-source';
import type { AuditLog } from './audit-log';
import { WATERMARK_TAG, type UpdaterConfig } from './contract';
import { errorCode, type AclGateway, type DescribedAcl } from './ec2-acls';

export interface UpdaterDeps {
  readonly config: UpdaterConfig;
  readonly acls: AclGateway;
  readonly allowList: AllowListSource;
  readonly audit: AuditLog;
  readonly metrics: TelemetryMetrics;
  readonly logger: TelemetryLogger;
  readonly now: () => number;
}

interface NetworkState {
  readonly subnets: SubnetAssociation[];
  readonly original: DescribedAcl;
  readonly blue: DescribedAcl;
  readonly green: DescribedAcl;
  /** Newest watermark tag of blue and green, ms. */
  readonly watermark: number | undefined;
  /** The VPC's CIDRs recorded at deploy time and those associated with it now. */
  readonly vpcNetworks: readonly Network[];
}

interface Enforcement {
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

/**
 * Applies anomaly verdicts to the protected subnets' network ACLs (docs/architecture.md, Mitigation). One
 * instance lives per container: it keeps the allow-list cache, the last applied message time
 * and the rule quota learnt from NetworkAclEntryLimitExceeded.
 */
export class NaclUpdater {
  private appliedAt: number | undefined;
  private learnedLimit: Partial<Record<AddressFamily, number>> = {};
  /** VPC CIDRs associated since deploy that were already logged. */
  private readonly reportedCidrs = new Set<string>();

  constructor(private readonly deps: UpdaterDeps) {}

  /** Handles the SNS message bodies of one invocation. Throws when the ACLs could not be brought to the verdict. */
  async handle(bodies: readonly string[]): Promise<void> {
    const message = this.newestValid(bodies);
    if (message) await this.apply(message);
  }

  private newestValid(bodies: readonly string[]): AnomalyMessage | undefined {
    const { logger, metrics, config } = this.deps;
    const valid: AnomalyMessage[] = [];
    for (const body of bodies) {
      const parsed = parseAnomalyMessage(body);
      const reason = !parsed.ok
        ? parsed.reason
        : parsed.message.vpcId !== config.vpcId
          ? `message is for ${parsed.message.vpcId}, this updater protects ${config.vpcId}`
          : undefined;
      if (reason !== undefined || !parsed.ok) {
        logger.warn('anomaly message rejected', { reason });
        metrics.add('MessagesRejected', 1);
        continue;
      }
      valid.push(parsed.message);
    }
    valid.sort((a, b) => Date.parse(b.generatedAt) - Date.parse(a.generatedAt));
    if (valid.length > 1) {
      logger.info('older messages in the same batch superseded', { generatedAt: valid.slice(1).map((m) => m.generatedAt) });
      metrics.add('MessagesIgnored', valid.length - 1);
    }
    return valid[0];
  }

  private async apply(message: AnomalyMessage): Promise<void> {
    const generatedAt = Date.parse(message.generatedAt);
    // A duplicate or late message this container already knows to be old costs no call at all.
    if (this.isOld(generatedAt, undefined)) return;
    const allowList = await this.readAllowList();
    if (!allowList) return;
    const state = await this.readState();
    if (this.isOld(generatedAt, state.watermark)) return;
    const enforcement = await this.enforce(() => this.select(message, allowList, state), state);
    this.appliedAt = generatedAt;
    if (enforcement.changed) await this.recordWatermark(message.generatedAt, enforcement.aclInUse);
    this.report(message, enforcement.selection, enforcement);
    await this.writeAudit(enforcement.placed);
  }

  /** True (and counted) when a message is not newer than the last one applied, here or by any container. */
  private isOld(generatedAt: number, tagged: number | undefined): boolean {
    const lastApplied = Math.max(tagged ?? -Infinity, this.appliedAt ?? -Infinity);
    if (generatedAt > lastApplied) return false;
    this.deps.logger.info('anomaly message not newer than the one last applied: ignored', {
      generatedAt: new Date(generatedAt).toISOString(),
      lastApplied: new Date(lastApplied).toISOString(),
    });
    this.deps.metrics.add('MessagesIgnored', 1);
    return true;
  }

  private async readAllowList(): Promise<AllowList | undefined> {
    const { logger, metrics } = this.deps;
    const read = await this.deps.allowList.read();
    // Each bad line is logged once, when the list is read; the count stays visible every run until fixed.
    if (read.status === 'fresh') for (const line of read.list.invalidLines) logger.warn('allow-list line skipped', { ...line });
    if (read.status !== 'unavailable') metrics.add('AllowListInvalidLines', read.list.invalidLines.length);
    if (read.status === 'stale' || read.status === 'unavailable') {
      metrics.add('AllowListReadFailures', 1);
      if (read.status === 'unavailable') {
        logger.error('allow list unavailable and none read before: changing nothing this run', { reason: read.failure });
        return undefined;
      }
      logger.warn('allow list read failed: using the last list read successfully', { reason: read.failure });
    }
    return read.list;
  }

  private async readState(): Promise<NetworkState> {
    const { config, acls } = this.deps;
    const subnets = await acls.subnetAssociations(config.subnetIds);
    const described = await acls.describe([config.originalNaclId, config.blueNaclId, config.greenNaclId]);
    const blue = described.get(config.blueNaclId)!;
    const green = described.get(config.greenNaclId)!;
    const marks = [blue, green].map((acl) => Date.parse(acl.tags[WATERMARK_TAG] ?? '')).filter(Number.isFinite);
    const vpcNetworks = await this.vpcNetworks();
    return {
      subnets,
      original: described.get(config.originalNaclId)!,
      blue,
      green,
      watermark: marks.length > 0 ? Math.max(...marks) : undefined,
      vpcNetworks,
    };
  }

  /**
   * The VPC's CIDRs as recorded at deploy time plus any associated with it since: an address of
   * the VPC is never blocked, whenever its CIDR was added. A CIDR removed since deploy stays
   * protected until the next deploy.
   */
  private async vpcNetworks(): Promise<Network[]> {
    const { config, acls, logger } = this.deps;
    const known = new Set(config.vpcNetworks.map(cidrText));
    const added = (await acls.vpcCidrs(config.vpcId))
      .map((cidr) => parseNetwork(cidr))
      .filter((n): n is Network => n !== undefined && !known.has(cidrText(n)));
    const fresh = added.map(cidrText).filter((cidr) => !this.reportedCidrs.has(cidr));
    if (fresh.length > 0) {
      logger.warn('VPC CIDRs associated since deploy: protected from now on; redeploy so that detection leaves them out too', {
        cidrs: fresh,
      });
      for (const cidr of fresh) this.reportedCidrs.add(cidr);
    }
    return [...config.vpcNetworks, ...added];
  }

  private select(message: AnomalyMessage, allowList: AllowList, state: NetworkState): Selection {
    const { config } = this.deps;
    const selection = selectBlocks({
      anomalies: message.anomalies,
      allowList: allowList.networks,
      vpcCidrs: state.vpcNetworks,
      ipv4Mask: config.ipv4Mask,
      ipv6Mask: config.ipv6Mask,
      capacity: this.capacity(state.original.entries),
      // A run that saw incomplete data may add blocks but never remove one.
      retained: message.complete ? [] : this.blockedNow(state),
      inPlace: this.blockedNow(state),
      caps: { newPerRun: config.maxNewBlocksPerRun, total: config.maxBlockedNetworks },
      ...(config.aggregation ? { aggregation: config.aggregation } : {}),
    });
    if (selection.capped.length > 0) {
      this.deps.logger.warn('anomalous networks left unblocked by the block caps', {
        networks: selection.capped.map((r) => r.cidr),
        maxNewBlocksPerRun: config.maxNewBlocksPerRun,
        maxBlockedNetworks: config.maxBlockedNetworks,
      });
    }
    if (selection.excluded.length > 0) this.deps.logger.info('anomalous sources not blocked: protected', { excluded: selection.excluded });
    if (selection.releasedForProtection.length > 0) {
      this.deps.logger.warn('blocked networks released: they cover allow-listed or VPC addresses', {
        networks: selection.releasedForProtection.map(cidrText),
      });
    }
    return selection;
  }

  /** Deny rules per family: the configured quota, lowered to the account's real one once learnt. */
  private capacity(original: readonly AclEntry[]): Record<AddressFamily, number> {
    const configured = denyCapacity(this.deps.config.naclRuleLimit, original);
    const cap = (family: AddressFamily) => {
      const learned = this.learnedLimit[family];
      return learned === undefined ? configured[family] : Math.min(configured[family], denyCapacity(learned, original)[family]);
    };
    return { ipv4: cap('ipv4'), ipv6: cap('ipv6') };
  }

  /** Networks denied now by the stack ACLs that protected subnets use. */
  private blockedNow(state: NetworkState): Network[] {
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
  private async enforce(choose: () => Selection, state: NetworkState): Promise<Enforcement> {
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
      refused = await this.write(acl, desired(acl.entries), selection.blocked);
      if (refused.length > 0) ({ selection, refused } = await this.rewriteWithinLearnedQuota(acl.id, choose, state));
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

  private async rewriteWithinLearnedQuota(
    aclId: string,
    choose: () => Selection,
    state: NetworkState,
  ): Promise<{ selection: Selection; refused: BlockRule[] }> {
    const selection = choose();
    const acl = (await this.deps.acls.describe([aclId])).get(aclId)!;
    const networks = selection.blocked.map((rule) => rule.network);
    const refused =
      networks.length === 0 ? [] : await this.write(acl, desiredEntries(networks, state.original.entries, acl.entries), selection.blocked);
    return { selection, refused };
  }

  /**
   * Writes an ACL no protected subnet uses with the minimum entry calls. When the account's real
   * quota refuses a deny rule, no further deny rule of that family is tried; the ones refused are
   * returned. A refused mirrored rule makes the ACL unusable: that throws.
   */
  private async write(acl: DescribedAcl, desired: readonly AclEntry[], rules: readonly BlockRule[]): Promise<BlockRule[]> {
    const { acls, metrics, logger } = this.deps;
    const full = new Set<AddressFamily>();
    const refused = new Set<string>();
    for (const operation of diffEntries(acl.entries, desired)) {
      const denyCreate = operation.kind === 'create' && isStackDenyRule(operation.entry) ? operation.entry : undefined;
      if (denyCreate && full.has(entryFamily(denyCreate))) {
        refused.add(cidrText(entryNetwork(denyCreate)!));
        continue;
      }
      try {
        await acls.apply(acl.id, operation);
        metrics.add('AclEntryChanges', 1);
      } catch (error) {
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
        await this.learnLimit(acl.id, family);
      }
    }
    if (refused.size > 0)
      logger.warn('deny rules refused by the account quota: sources left unblocked', {
        networkAclId: acl.id,
        networks: [...refused],
        learnedLimit: this.learnedLimit,
      });
    return rules.filter((rule) => refused.has(rule.cidr));
  }

  /**
   * The real quota is the number of inbound rules of the family the ACL holds when the limit
   * answers. Capacity is computed as if the family's default rule were present (it is absent
   * for IPv6 in a VPC without IPv6), so a missing default rule counts here as one.
   */
  private async learnLimit(aclId: string, family: AddressFamily): Promise<void> {
    const inbound = (await this.deps.acls.describe([aclId])).get(aclId)!.entries.filter((e) => !e.egress && entryFamily(e) === family);
    const hasDefault = inbound.some((e) => e.ruleNumber === (family === 'ipv4' ? DEFAULT_RULE_NUMBER_IPV4 : DEFAULT_RULE_NUMBER_IPV6));
    this.learnedLimit[family] = inbound.length + (hasDefault ? 0 : 1);
  }

  /** Moves the matching subnets onto `target`, each with its current association id. */
  private async move(
    subnets: readonly SubnetAssociation[],
    target: string,
    which: (s: SubnetAssociation) => boolean,
  ): Promise<SubnetAssociation[]> {
    const moved: SubnetAssociation[] = [];
    let count = 0;
    for (const subnet of subnets) {
      if (subnet.networkAclId === target || !which(subnet)) {
        moved.push(subnet);
        continue;
      }
      const associationId = await this.deps.acls.replaceAssociation(subnet.associationId, target);
      moved.push({ ...subnet, associationId, networkAclId: target });
      count++;
    }
    if (count > 0) {
      this.deps.metrics.add('AclSwaps', 1);
      this.deps.logger.info('protected subnets moved', { networkAclId: target, subnets: count });
    }
    return moved;
  }

  /** Tags the ACL now in use (or both stack ACLs when the subnets went back to the original). */
  private async recordWatermark(generatedAt: string, target: string | undefined): Promise<void> {
    const { config } = this.deps;
    const ids = target === config.blueNaclId || target === config.greenNaclId ? [target] : [config.blueNaclId, config.greenNaclId];
    try {
      await this.deps.acls.tag(ids, WATERMARK_TAG, generatedAt);
    } catch (error) {
      // The verdict is in place; only its record failed. This container still remembers it.
      this.deps.logger.error('could not record the applied message time', { error: String(error) });
    }
  }

  private report(message: AnomalyMessage, selection: Selection, enforcement: Enforcement): void {
    const { metrics, logger } = this.deps;
    const unplaced = [...selection.unblocked, ...enforcement.refused];
    const sources = (rules: readonly BlockRule[]) => rules.reduce((sum, r) => sum + r.sources.length, 0);
    metrics.add('BlockedSourceIPs', sources(enforcement.placed));
    metrics.add('UnblockedSourceIPs', sources(unplaced));
    metrics.add('BlockedSourceNetworks', enforcement.placed.length);
    metrics.add('UnblockedSourceNetworks', unplaced.length);
    metrics.add('AllowListedSourcesSkipped', selection.excluded.length);
    logger.info('anomaly message applied', {
      generatedAt: message.generatedAt,
      complete: message.complete,
      changed: enforcement.changed,
      blockedNetworks: enforcement.placed.map((r) => r.cidr),
      unblockedNetworks: unplaced.map((r) => r.cidr),
    });
  }

  private async writeAudit(placed: readonly BlockRule[]): Promise<void> {
    const lines: AuditLine[] = placed.flatMap((rule) =>
      rule.sources.map((s) => ({ ip: s.sourceIp, network: rule.cidr, z_score: s.maxZScore, packets: s.maxPackets })),
    );
    try {
      await this.deps.audit.write(lines, this.deps.now());
    } catch (error) {
      this.deps.metrics.add('AuditLogWriteFailures', 1);
      this.deps.logger.error('audit log write failed (the blocks are in place)', { error: String(error) });
    }
  }
}
