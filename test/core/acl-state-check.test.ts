import { describe, expect, it } from 'vitest';
import {
  checkAssociations,
  entriesToTrust,
  formatActiveRecord,
  newestRecord,
  parseActiveRecord,
  sameEntries,
  STALE_READ_WINDOW_MS,
} from '../../core/acl-state-check';
import type { SubnetAssociation } from '../../core/blue-green';
import type { AclEntry } from '../../core/nacl-plan';

const BLUE = 'acl-0000000000000000b';
const GREEN = 'acl-000000000000000c1';
const NOW = Date.UTC(2026, 2, 1, 8, 30);

const on = (aclId: string, ...subnets: string[]): SubnetAssociation[] =>
  subnets.map((subnetId, i) => ({ subnetId, associationId: `aclassoc-${aclId.slice(-4)}${i}`, networkAclId: aclId }));

const deny = (ruleNumber: number, cidrBlock: string): AclEntry => ({
  ruleNumber,
  egress: false,
  protocol: '-1',
  ruleAction: 'deny',
  cidrBlock,
});
const allowAll: AclEntry = { ruleNumber: 1000, egress: false, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' };
const defaultDeny: AclEntry = { ruleNumber: 32767, egress: false, protocol: '-1', ruleAction: 'deny', cidrBlock: '0.0.0.0/0' };

describe('the record of the ACL made active', () => {
  it('is written as "<ISO time> <acl-id>" and read back', () => {
    const record = { at: NOW, aclId: GREEN };

    expect(formatActiveRecord(record)).toBe(`2026-03-01T08:30:00.000Z ${GREEN}`);
    expect(parseActiveRecord(formatActiveRecord(record))).toEqual(record);
  });

  it('reads a missing or malformed value as no record', () => {
    expect(parseActiveRecord(undefined)).toBeUndefined();
    expect(parseActiveRecord('')).toBeUndefined();
    expect(parseActiveRecord('2026-03-01T08:30:00.000Z')).toBeUndefined();
    expect(parseActiveRecord(`yesterday ${GREEN}`)).toBeUndefined();
    expect(parseActiveRecord(`2026-03-01T08:30:00.000Z subnet-0123`)).toBeUndefined();
  });

  it('takes the newest of the records known, whichever held it', () => {
    const older = { at: NOW - 60_000, aclId: BLUE };
    const newer = { at: NOW, aclId: GREEN };

    expect(newestRecord(older, undefined, newer)).toEqual(newer);
    expect(newestRecord(newer, older)).toEqual(newer);
    expect(newestRecord(undefined, undefined)).toBeUndefined();
  });
});

describe('associations read, against the ACL last made active', () => {
  it('agree when every subnet is read on the ACL recorded active', () => {
    expect(checkAssociations(on(GREEN, 'subnet-a', 'subnet-b'), { at: NOW - 5_000, aclId: GREEN }, NOW)).toEqual({ kind: 'agree' });
  });

  it('are stale when they disagree with a recent record: the subnets read elsewhere are named', () => {
    const subnets = [...on(BLUE, 'subnet-a'), ...on(GREEN, 'subnet-b')];

    const check = checkAssociations(subnets, { at: NOW - 30_000, aclId: GREEN }, NOW);

    expect(check).toEqual({
      kind: 'stale',
      reason: `subnet-a read on ${BLUE}; ${GREEN} was made active at 2026-03-01T08:29:30.000Z`,
      strays: on(BLUE, 'subnet-a'),
    });
  });

  it('are stale up to the end of the window and taken as the truth after it (someone else moved the subnets)', () => {
    const subnets = on(BLUE, 'subnet-a');

    expect(checkAssociations(subnets, { at: NOW - STALE_READ_WINDOW_MS, aclId: GREEN }, NOW).kind).toBe('stale');
    expect(checkAssociations(subnets, { at: NOW - STALE_READ_WINDOW_MS - 1, aclId: GREEN }, NOW).kind).toBe('agree');
    expect(checkAssociations(subnets, { at: NOW - 10_000, aclId: GREEN }, NOW, 5_000).kind).toBe('agree');
  });

  it('are taken as read when nothing was recorded', () => {
    expect(checkAssociations(on(BLUE, 'subnet-a'), undefined, NOW)).toEqual({ kind: 'agree' });
  });

  it('are stale when the record is ahead of the clock (a record is never taken as old by skew)', () => {
    expect(checkAssociations(on(BLUE, 'subnet-a'), { at: NOW + 60_000, aclId: GREEN }, NOW).kind).toBe('stale');
  });
});

describe('entries read, against those the updater wrote', () => {
  const written = [deny(1, '198.51.100.1/32'), deny(2, '198.51.100.2/32'), allowAll, defaultDeny];
  const before = [deny(1, '198.51.100.1/32'), allowAll, defaultDeny];

  it('trusts a read that shows the entries written (default rules aside, in any order)', () => {
    const read = [defaultDeny, allowAll, deny(2, '198.51.100.2/32'), deny(1, '198.51.100.1/32')];

    expect(entriesToTrust(read, { at: NOW - 10_000, entries: written.slice(0, 3) }, NOW)).toEqual({ entries: read, stale: false });
  });

  it('sets aside a read that differs from entries written within the window: it may predate the writes', () => {
    expect(entriesToTrust(before, { at: NOW - 10_000, entries: written }, NOW)).toEqual({ entries: written, stale: true });
  });

  it('trusts the read once the writes are older than the window, and when nothing was written', () => {
    expect(entriesToTrust(before, { at: NOW - STALE_READ_WINDOW_MS - 1, entries: written }, NOW)).toEqual({
      entries: before,
      stale: false,
    });
    expect(entriesToTrust(before, undefined, NOW)).toEqual({ entries: before, stale: false });
  });

  it('compares rule for rule: another network, action or number is another entry list', () => {
    expect(sameEntries([deny(1, '198.51.100.1/32')], [deny(1, '198.51.100.9/32')])).toBe(false);
    expect(sameEntries([deny(1, '198.51.100.1/32')], [deny(3, '198.51.100.1/32')])).toBe(false);
    expect(sameEntries([deny(1, '198.51.100.1/32')], [{ ...deny(1, '198.51.100.1/32'), ruleAction: 'allow' }])).toBe(false);
    expect(sameEntries([deny(1, '198.51.100.1/32'), defaultDeny], [deny(1, '198.51.100.1/32')])).toBe(true);
  });
});
