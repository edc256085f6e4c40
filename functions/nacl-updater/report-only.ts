import type { AddressFamily, Network } from '../../core/addresses';
import type { BlockRule, Selection } from '../../core/block-selection';
import { denyCapacity, type AclEntry } from '../../core/nacl-plan';
import type { UpdaterConfig } from './contract';
import type { Enforcement, Enforcer } from './enforcement';
import type { NetworkState } from './network-state';

/**
 * Report mode (docs/report-mode.md): the selection is made exactly as in block mode, within the
 * same quota arithmetic, but no ACL entry or association is ever changed (the role cannot). What
 * block mode would hold is kept in memory instead of in the ACLs: caps and incomplete runs count
 * it as held, as they count the deny rules in block mode.
 */
export class ReportOnlyEnforcer implements Enforcer {
  private wouldBlock: readonly BlockRule[] = [];

  constructor(private readonly deps: { readonly config: UpdaterConfig }) {}

  /** The configured quota: with no write, the account's real quota is never learnt. */
  capacity(original: readonly AclEntry[]): Record<AddressFamily, number> {
    return denyCapacity(this.deps.config.naclRuleLimit, original);
  }

  held(): Network[] {
    return this.wouldBlock.map((rule) => rule.network);
  }

  enforce(choose: () => Selection, state: NetworkState): Promise<Enforcement> {
    const selection = choose();
    const before = new Set(this.wouldBlock.map((rule) => rule.cidr));
    const changed = selection.blocked.length !== before.size || selection.blocked.some((rule) => !before.has(rule.cidr));
    this.wouldBlock = selection.blocked;
    return Promise.resolve({ placed: selection.blocked, refused: [], changed, aclInUse: state.subnets[0]?.networkAclId, selection });
  }
}
