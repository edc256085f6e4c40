import {
  checkAssociations,
  entriesToTrust,
  newestRecord,
  type ActiveRecord,
  type AssociationCheck,
  type WrittenRecord,
} from '../../core/acl-state-check';
import type { SubnetAssociation } from '../../core/blue-green';
import type { TelemetryLogger, TelemetryMetrics } from '../common/telemetry';
import type { AclGateway } from './ec2-acls';
import type { NetworkState, NetworkStateReader } from './network-state';

/**
 * What this container last did to the stack ACLs. It holds whatever a read shows: EC2 is
 * eventually consistent, and a Describe may not show a swap or a write yet (core/acl-state-check.ts).
 */
export class LastActions {
  /** The ACL last made active, here or (read from the tag) by any container. */
  active: ActiveRecord | undefined;
  /** Entries of each stack ACL as this container last wrote them; forgotten when a write to it fails. */
  readonly written = new Map<string, WrittenRecord>();
  /** The association id each subnet got from this container's last swap of it. */
  readonly associationIds = new Map<string, string>();
}

/** Thrown when the ACL in use turns out unknown during a run (a stale association id): the run ends without change. */
export class AclStateUnknownError extends Error {
  override readonly name = 'AclStateUnknownError';
}

/** Waits before reading a state that disagrees with the last swap again: EC2 asks for backoff from a couple of seconds. */
export const STALE_REREAD_DELAYS_MS = [2_000, 4_000, 8_000, 16_000];

export interface StateGuardDeps {
  readonly reader: Pick<NetworkStateReader, 'read'>;
  readonly acls: Pick<AclGateway, 'pause'>;
  readonly last: LastActions;
  /** Moves the subnets not on `aclId` onto it, with the association ids read; throws AclStateUnknownError on a stale id. */
  readonly completeMove: (subnets: readonly SubnetAssociation[], aclId: string) => Promise<SubnetAssociation[]>;
  readonly metrics: TelemetryMetrics;
  readonly logger: TelemetryLogger;
  readonly now: () => number;
}

/**
 * Cross-checks each run's read against the updater's last actions (docs/architecture.md, "Eventual
 * consistency"): the entries of a stack ACL it wrote recently are its own, and associations that
 * disagree with the ACL it recently made active are read again with backoff within the time budget.
 */
export class StateGuard {
  constructor(private readonly deps: StateGuardDeps) {}

  /**
   * The state to act on (`moved` when an unfinished move was completed to reach it), or undefined
   * when the ACL in use stayed unknown (logged and counted).
   */
  async confirm(first: NetworkState): Promise<{ state: NetworkState; moved: boolean } | undefined> {
    const { acls, reader, logger, metrics } = this.deps;
    let state = first;
    let check = this.check(state);
    for (const delayMs of STALE_REREAD_DELAYS_MS) {
      if (check.kind === 'agree') break;
      metrics.add('AclStaleReads', 1);
      logger.warn('network ACL associations read differ from the ACL last made active (EC2 may not show the swap yet): reading again', {
        reason: check.reason,
        delayMs,
      });
      if (!(await acls.pause(delayMs))) break;
      state = await reader.read();
      check = this.check(state);
    }
    if (check.kind === 'agree') return { state: this.withEntriesWritten(state), moved: false };
    metrics.add('AclStaleReads', 1);
    const completed = await this.completeMove(state, check);
    return completed && { state: this.withEntriesWritten(completed), moved: true };
  }

  /** Counts and logs a run that applies no verdict because the ACL in use is not known. */
  stateUnknown(reason: string): void {
    this.deps.metrics.add('AclStateUnknown', 1);
    this.deps.logger.error('network ACL in use unknown: no ACL written this run, the next verdict retries', { reason });
  }

  private check(state: NetworkState): AssociationCheck {
    const { last, now } = this.deps;
    last.active = newestRecord(last.active, state.activeRecord);
    return checkAssociations(state.subnets, last.active, now());
  }

  /**
   * Still disagreeing: the move recorded may not have finished (a run that ended between two
   * moves). The subnets read elsewhere are moved onto the ACL recorded active, which was complete
   * before its record, with the association ids read: EC2 replaces an association's id on every
   * swap, so a move succeeds only where the read was current, and then the state is known. An id
   * that no longer exists means the read was stale: nothing more moves and the run ends unknown.
   */
  private async completeMove(state: NetworkState, check: Extract<AssociationCheck, { kind: 'stale' }>): Promise<NetworkState | undefined> {
    const target = this.deps.last.active!.aclId;
    try {
      const subnets = await this.deps.completeMove(state.subnets, target);
      this.deps.logger.warn('unfinished move completed: the protected subnets read elsewhere moved onto the ACL made active', {
        networkAclId: target,
        subnets: check.strays.map((s) => s.subnetId),
      });
      return { ...state, subnets };
    } catch (error) {
      if (!(error instanceof AclStateUnknownError)) throw error;
      this.stateUnknown(`${check.reason}; ${error.message}`);
      return undefined;
    }
  }

  /**
   * The stack ACLs no subnet is on, with the entries this container wrote where a read may not show
   * them yet: the ACL a run may write or move onto never looks written when it is not. An ACL in
   * use is taken as read: it is never written, and a change to it by hand shows at once.
   */
  private withEntriesWritten(state: NetworkState): NetworkState {
    const trusted = (acl: NetworkState['blue']) => {
      if (state.subnets.some((s) => s.networkAclId === acl.id)) return acl;
      const { entries, stale } = entriesToTrust(acl.entries, this.deps.last.written.get(acl.id), this.deps.now());
      if (!stale) return acl;
      this.deps.metrics.add('AclStaleReads', 1);
      this.deps.logger.warn('network ACL entries read differ from those written (EC2 may not show the writes yet): using those written', {
        networkAclId: acl.id,
      });
      return { ...acl, entries: [...entries] };
    };
    return { ...state, blue: trusted(state.blue), green: trusted(state.green) };
  }
}
