import { cidrText, parseNetwork, type Network } from '../../core/addresses';
import type { AllowList } from '../../core/allow-list';
import { parseAnomalyMessage, type AnomalyMessage } from '../../core/anomaly-message';
import type { AuditLine } from '../../core/audit-line';
import { selectBlocks, type BlockRule, type Selection } from '../../core/block-selection';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';
import type { AllowListSource, DenyListSource } from './allow-list-source';
import type { AuditLog } from './audit-log';
import { WATERMARK_TAG, type UpdaterConfig } from './contract';
import { DenyListReader } from './deny-list';
import type { AclGateway } from './ec2-acls';
import { BlueGreenEnforcer, type Enforcement, type Enforcer } from './enforcement';
import { NetworkStateReader, type NetworkState } from './network-state';
import { BlockNotifier, type NotifierDeps } from './notifier';
import { ReportOnlyEnforcer } from './report-only';
import { AclStateUnknownError, LastActions, StateGuard } from './state-check';
import type { RepeatOffenderStateObject } from './repeat-offender-state';
import { RepeatOffenders, type RepeatOffenderLine, type RepeatRun } from './repeat-offenders';

export interface UpdaterDeps {
  readonly config: UpdaterConfig;
  readonly acls: AclGateway;
  readonly allowList: AllowListSource;
  readonly denyList: Pick<DenyListSource, 'read'>;
  /** The repeat-offender state object; read and written only when config.repeatOffenders is set. */
  readonly repeatState?: Pick<RepeatOffenderStateObject, 'read' | 'write'>;
  readonly audit: AuditLog;
  readonly metrics: TelemetryMetrics;
  readonly logger: TelemetryLogger;
  readonly now: () => number;
  /** Client of the block-notifications topic (config.notificationsTopicArn); absent: nothing is published. */
  readonly sns?: NotifierDeps['sns'];
}

/**
 * Applies anomaly verdicts to the protected subnets' network ACLs (docs/architecture.md, Mitigation). One
 * instance lives per container: it keeps the allow-list cache, the last applied message time
 * and (in its enforcer, enforcement.ts) the rule quota learnt from NetworkAclEntryLimitExceeded.
 */
export class NaclUpdater {
  private appliedAt: number | undefined;
  private readonly network: NetworkStateReader;
  private readonly enforcer: Enforcer;
  private readonly denyList: DenyListReader;
  /** Block mode only: report mode changes nothing, so no read of it can lead to a wrong write. */
  private readonly guard: StateGuard | undefined;
  private readonly repeat: RepeatOffenders | undefined;
  private readonly notifier: BlockNotifier;

  constructor(private readonly deps: UpdaterDeps) {
    this.network = new NetworkStateReader(deps);
    this.denyList = new DenyListReader({ ...deps, source: deps.denyList });
    const policy = deps.config.repeatOffenders;
    this.repeat = policy && deps.repeatState ? new RepeatOffenders({ ...deps, policy, object: deps.repeatState }) : undefined;
    const { sns, logger, metrics } = deps;
    this.notifier = new BlockNotifier({ sns, topicArn: deps.config.notificationsTopicArn, logger, metrics });
    if (deps.config.mode === 'report') {
      this.enforcer = new ReportOnlyEnforcer(deps);
      return;
    }
    const last = new LastActions();
    const blueGreen = new BlueGreenEnforcer({ ...deps, last });
    this.enforcer = blueGreen;
    this.guard = new StateGuard({ ...deps, reader: this.network, last, completeMove: (strays, to) => blueGreen.completeMove(strays, to) });
  }

  /** Handles the message bodies of one invocation. Throws when the ACLs could not be brought to the verdict. */
  async handle(bodies: readonly string[]): Promise<void> {
    const newest = this.newestValid(bodies);
    if (newest) await this.apply(newest.message);
  }

  /**
   * The newest valid verdict among the bodies of one invocation, and its position; the others are
   * rejected (invalid, counted) or superseded by it (counted as ignored), never failed.
   */
  newestValid(bodies: readonly string[]): { readonly message: AnomalyMessage; readonly index: number } | undefined {
    const { logger, metrics, config } = this.deps;
    const valid: { message: AnomalyMessage; index: number }[] = [];
    bodies.forEach((body, index) => {
      const parsed = parseAnomalyMessage(body);
      const reason = !parsed.ok
        ? parsed.reason
        : parsed.message.vpcId !== config.vpcId
          ? `message is for ${parsed.message.vpcId}, this updater protects ${config.vpcId}`
          : undefined;
      if (reason !== undefined || !parsed.ok) {
        logger.warn('anomaly message rejected', { reason });
        metrics.add('MessagesRejected', 1);
        return;
      }
      valid.push({ message: parsed.message, index });
    });
    valid.sort((a, b) => Date.parse(b.message.generatedAt) - Date.parse(a.message.generatedAt));
    if (valid.length > 1) {
      logger.info('older messages in the same batch superseded', { generatedAt: valid.slice(1).map((m) => m.message.generatedAt) });
      metrics.add('MessagesIgnored', valid.length - 1);
    }
    return valid[0];
  }

  /**
   * Applies one verdict; one already superseded by a newer verdict applied (here or by any
   * container: the watermark tag) is dropped quietly, counted as ignored. Throws when the ACLs
   * could not be brought to the verdict.
   */
  async apply(message: AnomalyMessage): Promise<void> {
    const generatedAt = Date.parse(message.generatedAt);
    // A duplicate or late message this container already knows to be old costs no call at all.
    if (this.isOld(generatedAt, undefined)) return;
    const allowList = await this.readAllowList();
    if (!allowList) return;
    const read = await this.network.read();
    if (this.isOld(generatedAt, read.watermark)) return;
    const confirmed = this.guard ? await this.guard.confirm(read) : { state: read, moved: false };
    if (!confirmed) return;
    const { state } = confirmed;
    const denied = await this.denyList.networks([...allowList.networks, ...state.vpcNetworks]);
    const before = this.enforcer.held(state).map(cidrText);
    const repeat = await this.repeat?.begin(before);
    const enforced = await this.enforce(message, allowList, state, denied, repeat);
    if (!enforced) return;
    const enforcement = { ...enforced, changed: enforced.changed || confirmed.moved };
    this.appliedAt = generatedAt;
    // Report mode writes nothing to EC2, not even the watermark tag: its ordering is this container's memory.
    if (enforcement.changed && this.deps.config.mode === 'block') await this.recordWatermark(message.generatedAt, enforcement.aclInUse);
    const repeatOffenders = repeat && (await this.repeat?.finish(repeat, enforcement.placed, generatedAt));
    this.report(message, enforcement.selection, enforcement, repeatOffenders);
    await this.writeAudit(enforcement.placed);
    await this.notify(message, before, enforcement);
  }

  /** One notification per change of the blocked set, once the ACLs carry it; never fails the run. */
  private async notify(message: AnomalyMessage, before: readonly string[], enforcement: Enforcement): Promise<void> {
    const { config } = this.deps;
    await this.notifier.notify({
      mode: config.mode,
      deployment: config.deploymentName,
      vpcId: config.vpcId,
      generatedAt: message.generatedAt,
      before,
      placed: enforcement.placed,
      unblocked: enforcement.selection.unblocked,
      capped: enforcement.selection.capped,
      refused: enforcement.refused,
      denyComments: this.denyList.comments,
    });
  }

  /** Enforces the selection; undefined when an association id turned out stale (the ACL in use unknown: logged and counted). */
  private async enforce(
    message: AnomalyMessage,
    allowList: AllowList,
    state: NetworkState,
    denied: readonly Network[] | undefined,
    repeat: RepeatRun | undefined,
  ): Promise<Enforcement | undefined> {
    try {
      return await this.enforcer.enforce(() => this.choose(message, allowList, state, denied, repeat), state);
    } catch (error) {
      if (!(error instanceof AclStateUnknownError)) throw error;
      this.guard?.stateUnknown(error.message);
      return undefined;
    }
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

  /** The selection, with the rules repeat-offender holds keep when repeat offenders are on. */
  private choose(
    message: AnomalyMessage,
    allowList: AllowList,
    state: NetworkState,
    denied: readonly Network[] | undefined,
    repeat: RepeatRun | undefined,
  ): Selection {
    const keepAll = repeat?.keepAll ?? false;
    const base = this.select(message, allowList, state, denied, { keepAll });
    if (!repeat || !this.repeat) return base;
    const holds = this.repeat.holds(repeat, message, base, message.complete && denied !== undefined);
    if (holds.length === 0) return base;
    return this.select(message, allowList, state, denied, { held: holds.flatMap((h) => parseNetwork(h.cidr) ?? []) });
  }

  /**
   * `denied`: the deny list's networks in force; undefined when it could not be read, and the run then lifts nothing.
   * `keepAll`: the repeat-offender state could not be read, and the run lifts nothing either; `held`: networks holds keep.
   */
  private select(
    message: AnomalyMessage,
    allowList: AllowList,
    state: NetworkState,
    denied: readonly Network[] | undefined,
    repeat: { keepAll?: boolean; held?: readonly Network[] } = {},
  ): Selection {
    const { config } = this.deps;
    const selection = selectBlocks({
      anomalies: message.anomalies,
      allowList: allowList.networks,
      vpcCidrs: state.vpcNetworks,
      ipv4Mask: config.ipv4Mask,
      ipv6Mask: config.ipv6Mask,
      capacity: this.enforcer.capacity(state.original.entries),
      // A run that saw incomplete data, or no deny list, may add blocks but never remove one.
      retained: message.complete && denied !== undefined && !repeat.keepAll ? [] : this.enforcer.held(state),
      denyListed: denied ?? [],
      held: repeat.held ?? [],
      inPlace: this.enforcer.held(state),
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

  /** In report mode the rules placed are those block mode would hold: counted as "would block", never as blocked. */
  private report(
    message: AnomalyMessage,
    selection: Selection,
    enforcement: Enforcement,
    repeatOffenders: readonly RepeatOffenderLine[] | undefined,
  ): void {
    const { metrics, logger, config } = this.deps;
    const unplaced = [...selection.unblocked, ...enforcement.refused];
    const sources = (rules: readonly BlockRule[]) => rules.reduce((sum, r) => sum + r.sources.length, 0);
    const report = config.mode === 'report';
    metrics.add('BlockedSourceIPs', report ? 0 : sources(enforcement.placed));
    metrics.add('BlockedSourceNetworks', report ? 0 : enforcement.placed.length);
    if (report) {
      metrics.add('WouldBlockSourceIPs', sources(enforcement.placed));
      metrics.add('WouldBlockSourceNetworks', enforcement.placed.length);
    }
    metrics.add('UnblockedSourceIPs', sources(unplaced));
    metrics.add('UnblockedSourceNetworks', unplaced.length);
    metrics.add('AllowListedSourcesSkipped', selection.excluded.length);
    metrics.add('DenyListedNetworks', enforcement.placed.filter((r) => r.denyListed).length);
    logger.info('anomaly message applied', {
      mode: config.mode,
      generatedAt: message.generatedAt,
      complete: message.complete,
      changed: enforcement.changed,
      [report ? 'wouldBlockNetworks' : 'blockedNetworks']: enforcement.placed.map((r) => r.cidr),
      denyListedNetworks: enforcement.placed.filter((r) => r.denyListed).map((r) => r.cidr),
      unblockedNetworks: unplaced.map((r) => r.cidr),
      ...(repeatOffenders ? { repeatOffenders } : {}),
    });
  }

  private async writeAudit(placed: readonly BlockRule[]): Promise<void> {
    const { mode } = this.deps.config;
    const lines: AuditLine[] = placed.flatMap((rule) =>
      rule.sources.map((s) => ({ ip: s.sourceIp, network: rule.cidr, z_score: s.maxZScore, packets: s.maxPackets, mode })),
    );
    try {
      await this.deps.audit.write(lines, this.deps.now());
    } catch (error) {
      this.deps.metrics.add('AuditLogWriteFailures', 1);
      this.deps.logger.error('audit log write failed (the blocks are in place)', { error: String(error) });
    }
  }
}
