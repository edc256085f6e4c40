/**
 * The updater's cross-check of what it reads against what it last did (docs/architecture.md,
 * "Eventual consistency"). EC2 is eventually consistent: right after a swap or an entry change,
 * DescribeNetworkAcls may still answer with the associations and entries from before it, for up to
 * a few minutes (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). A
 * read that disagrees with a recent action of the updater is therefore not acted on: an ACL the
 * read shows free may be the one in use.
 */
import type { SubnetAssociation } from './blue-green';
import { diffEntries, isDefaultRule, type AclEntry } from './nacl-plan';

/**
 * How long after a swap or an entry write a read may still show the state from before it. EC2
 * asks for Describe retries backing off from a couple of seconds up to a few minutes: a read
 * that disagrees with an action older than this is taken as the truth (someone else changed it).
 */
export const STALE_READ_WINDOW_MS = 5 * 60_000;

/** The ACL the updater made active (before the first subnet moved onto it) and when. */
export interface ActiveRecord {
  readonly at: number;
  readonly aclId: string;
}

/** The entries the updater last wrote to a stack ACL and when (its last accepted write). */
export interface WrittenRecord {
  readonly at: number;
  readonly entries: readonly AclEntry[];
}

/** `<ISO time> <acl-id>`: the value of the tag that records the ACL made active. */
export function formatActiveRecord(record: ActiveRecord): string {
  return `${new Date(record.at).toISOString()} ${record.aclId}`;
}

/** The record a tag value holds; undefined for a missing or malformed value (no record). */
export function parseActiveRecord(value: string | undefined): ActiveRecord | undefined {
  const match = /^(\S+) (acl-[0-9a-f]+)$/.exec(value?.trim() ?? '');
  const at = match ? Date.parse(match[1]!) : NaN;
  return match && Number.isFinite(at) ? { at, aclId: match[2]! } : undefined;
}

/** The most recent of the records known (kept in memory, read from either stack ACL's tag). */
export function newestRecord(...records: readonly (ActiveRecord | undefined)[]): ActiveRecord | undefined {
  return records.reduce<ActiveRecord | undefined>((best, r) => (r && (!best || r.at > best.at) ? r : best), undefined);
}

/** Whether two entry lists hold the same rules, number for number (default rules aside). */
export function sameEntries(a: readonly AclEntry[], b: readonly AclEntry[]): boolean {
  const own = (list: readonly AclEntry[]) => list.filter((e) => !isDefaultRule(e));
  return diffEntries(own(a), own(b)).length === 0;
}

/**
 * - `agree`: every subnet is read on the ACL last recorded active, or no record is recent enough
 *   for a read to lag behind it (or there is none): the read is acted on.
 * - `stale`: some subnets are read elsewhere than on an ACL made active within the window: the
 *   read may predate the swap, so the ACL in use is not known and no ACL may be written on it.
 *   `strays` are the subnets read elsewhere.
 */
export type AssociationCheck =
  { readonly kind: 'agree' } | { readonly kind: 'stale'; readonly reason: string; readonly strays: readonly SubnetAssociation[] };

/** Cross-checks the associations read against the newest record of the ACL made active. */
export function checkAssociations(
  subnets: readonly SubnetAssociation[],
  record: ActiveRecord | undefined,
  now: number,
  windowMs = STALE_READ_WINDOW_MS,
): AssociationCheck {
  if (!record || now - record.at > windowMs) return { kind: 'agree' };
  const strays = subnets.filter((s) => s.networkAclId !== record.aclId);
  if (strays.length === 0) return { kind: 'agree' };
  const read = strays.map((s) => `${s.subnetId} read on ${s.networkAclId}`).join(', ');
  return { kind: 'stale', reason: `${read}; ${record.aclId} was made active at ${new Date(record.at).toISOString()}`, strays };
}

/**
 * The entries to plan a stack ACL's next write (or its use) from: those the updater itself wrote,
 * when it wrote them within the window and a read shows others (the read may predate the writes,
 * and would make an ACL look written when it is not, or hide entries a rewrite must change);
 * otherwise the entries read. `stale` tells when the read was set aside.
 */
export function entriesToTrust(
  read: readonly AclEntry[],
  written: WrittenRecord | undefined,
  now: number,
  windowMs = STALE_READ_WINDOW_MS,
): { readonly entries: readonly AclEntry[]; readonly stale: boolean } {
  if (!written || now - written.at > windowMs || sameEntries(read, written.entries)) return { entries: read, stale: false };
  return { entries: written.entries, stale: true };
}
