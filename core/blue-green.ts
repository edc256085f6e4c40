import { diffEntries, enforcesDesired, type AclEntry } from './nacl-plan';

/** Which network ACL a protected subnet is on, and the association id a swap must name. */
export interface SubnetAssociation {
  readonly subnetId: string;
  readonly associationId: string;
  readonly networkAclId: string;
}

export interface StackAcl {
  readonly id: string;
  readonly entries: readonly AclEntry[];
}

export interface BlueGreenState {
  readonly subnets: readonly SubnetAssociation[];
  readonly originalAclId: string;
  readonly blue: StackAcl;
  readonly green: StackAcl;
}

/**
 * What one run does, in order: optionally consolidate subnets split between blue and green onto
 * one of them (so the other becomes free), optionally write the free ACL, then move every
 * protected subnet onto `moveTo`. `moveTo` undefined means nothing to do at all.
 */
export interface BlueGreenPlan {
  readonly consolidateOnto?: string;
  readonly write?: string;
  readonly moveTo?: string;
}

/** The full entry list an ACL should hold, numbered against its current entries (see desiredEntries). */
export type DesiredFor = (current: readonly AclEntry[]) => readonly AclEntry[];

/**
 * Decides the blue/green steps that make the protected subnets enforce the desired rules
 * ('original' when nothing is to be blocked: back to the original ACL). Never plans a write to
 * the original ACL or to an ACL a protected subnet uses at the moment of writing.
 */
export function planBlueGreen(state: BlueGreenState, desired: DesiredFor | 'original'): BlueGreenPlan {
  const onAll = (id: string) => state.subnets.every((s) => s.networkAclId === id);
  if (desired === 'original') return onAll(state.originalAclId) ? {} : { moveTo: state.originalAclId };

  const stack = [state.blue, state.green];
  const enforcing = stack.filter((acl) => enforcesDesired(acl.entries, desired(acl.entries)));
  const inUse = (acl: StackAcl) => state.subnets.some((s) => s.networkAclId === acl.id);
  const ready = enforcing.find((acl) => onAll(acl.id)) ?? enforcing.find(inUse) ?? enforcing[0];
  if (ready) return onAll(ready.id) ? {} : { moveTo: ready.id };

  const free = stack.filter((acl) => !inUse(acl));
  if (free.length > 0) {
    const target = free.reduce((best, acl) => (cost(acl, desired) < cost(best, desired) ? acl : best));
    return { write: target.id, moveTo: target.id };
  }
  // Split between blue and green: keep the subnets on the ACL closest to the desired rules
  // (normally the newer one), which frees the other for writing.
  const count = (acl: StackAcl) => state.subnets.filter((s) => s.networkAclId === acl.id).length;
  const [keep, other] = [...stack].sort((a, b) => cost(a, desired) - cost(b, desired) || count(b) - count(a));
  return { consolidateOnto: keep.id, write: other.id, moveTo: other.id };
}

function cost(acl: StackAcl, desired: DesiredFor): number {
  return diffEntries(acl.entries, desired(acl.entries)).length;
}
