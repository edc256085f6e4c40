import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkContains, parseNetwork } from '../../core/addresses';
import {
  afterOperation,
  DEFAULT_RULE_NUMBER_IPV4,
  DEFAULT_RULE_NUMBER_IPV6,
  MIRROR_RULE_FIRST,
  denyCapacity,
  desiredEntries,
  diffEntries,
  enforcesDesired,
  evaluate,
  mirroredEntries,
  type AclEntry,
  type AclOperation,
  type Packet,
} from '../../core/nacl-plan';
import { allowAllEntries, net } from '../support/builders';

const defaults: AclEntry[] = [false, true].flatMap((egress) => [
  { ruleNumber: DEFAULT_RULE_NUMBER_IPV4, egress, protocol: '-1', ruleAction: 'deny' as const, cidrBlock: '0.0.0.0/0' },
  { ruleNumber: DEFAULT_RULE_NUMBER_IPV6, egress, protocol: '-1', ruleAction: 'deny' as const, ipv6CidrBlock: '::/0' },
]);
const allowAll = allowAllEntries();

/** Applies operations the way EC2 does, failing on anything EC2 would refuse. */
function applyOperations(current: readonly AclEntry[], operations: readonly AclOperation[]): AclEntry[] {
  const key = (e: { egress: boolean; ruleNumber: number }) => `${e.egress}:${e.ruleNumber}`;
  const entries = new Map(current.map((e) => [key(e), e]));
  for (const op of operations) {
    const k = op.kind === 'delete' ? key(op) : key(op.entry);
    if (op.kind === 'create' && entries.has(k)) throw new Error(`NetworkAclEntryAlreadyExists ${k}`);
    if (op.kind !== 'create' && !entries.has(k)) throw new Error(`InvalidNetworkAclEntry.NotFound ${k}`);
    if (op.kind === 'delete') entries.delete(k);
    else entries.set(k, op.entry);
  }
  return [...entries.values()];
}

// Generators of original ACLs and packets over a small address space, so rules and packets meet.
const v4 = fc.tuple(fc.constantFrom(192, 198), fc.nat(1), fc.nat(3), fc.nat(7)).map((p) => p.join('.'));
const v6 = fc.tuple(fc.nat(1), fc.nat(7)).map(([a, b]) => `2001:db8:${a}::${b}`);
const cidr: fc.Arbitrary<{ cidrBlock?: string; ipv6CidrBlock?: string }> = fc.oneof(
  fc
    .tuple(v4, fc.integer({ min: 0, max: 32 }))
    .map(([a, p]) => ({ cidrBlock: `${parseNetwork(`${a}/${p}`, { allowHostBits: true })!.address}/${p}` })),
  fc
    .tuple(v6, fc.integer({ min: 0, max: 128 }))
    .map(([a, p]) => ({ ipv6CidrBlock: `${parseNetwork(`${a}/${p}`, { allowHostBits: true })!.address}/${p}` })),
);
const portRange = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const match = fc.oneof(
  fc.constant({ protocol: '-1' }),
  fc.record({ protocol: fc.constantFrom('6', '17'), portRange }),
  fc.record({
    protocol: fc.constant('1'),
    icmpTypeCode: fc.record({ type: fc.integer({ min: -1, max: 3 }), code: fc.integer({ min: -1, max: 1 }) }),
  }),
  fc.constant({ protocol: '47' }),
);
const originalAcl = fc
  .uniqueArray(fc.record({ ruleNumber: fc.integer({ min: 1, max: 32766 }), egress: fc.boolean() }), {
    selector: (e) => `${e.egress}:${e.ruleNumber}`,
    maxLength: 30,
  })
  .chain((slots) =>
    fc.tuple(
      ...slots.map((slot) =>
        fc
          .tuple(cidr, match, fc.constantFrom('allow' as const, 'deny' as const))
          .map(([c, m, ruleAction]) => ({ ...slot, ...c, ...m, ruleAction }) as AclEntry),
      ),
    ),
  )
  .map((entries) => [...entries, ...defaults]);
const packet: fc.Arbitrary<Packet> = fc.record({
  egress: fc.boolean(),
  address: fc.oneof(v4, v6),
  protocol: fc.constantFrom(6, 17, 1, 47, 50),
  port: fc.integer({ min: 0, max: 100 }),
  icmpType: fc.integer({ min: 0, max: 3 }),
  icmpCode: fc.integer({ min: 0, max: 1 }),
});

describe('mirroredEntries', () => {
  it('renumbers each direction after the deny range in the original order', () => {
    // Prepare
    const original: AclEntry[] = [
      { ruleNumber: 300, egress: false, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' },
      { ruleNumber: 5, egress: false, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: '2001:db8::/32' },
      { ruleNumber: 7, egress: true, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' },
      ...defaults,
    ];

    // Act
    const mirrored = mirroredEntries(original);

    // Assess
    expect(mirrored.map((e) => [e.egress, e.ruleNumber, e.cidrBlock ?? e.ipv6CidrBlock])).toEqual([
      [false, MIRROR_RULE_FIRST, '2001:db8::/32'],
      [false, MIRROR_RULE_FIRST + 1, '0.0.0.0/0'],
      [true, MIRROR_RULE_FIRST, '0.0.0.0/0'],
    ]);
  });

  it('gives every packet the same verdict as the original ACL (evaluation-order property)', () => {
    fc.assert(
      fc.property(originalAcl, fc.array(packet, { minLength: 1, maxLength: 20 }), (original, packets) => {
        // Act
        const mirrored = [...mirroredEntries(original), ...defaults];

        // Assess
        for (const p of packets) expect(evaluate(mirrored, p)).toBe(evaluate(original, p));
      }),
      { numRuns: 300 },
    );
  });

  it('with deny rules in front, denies inbound from blocked networks and keeps every other verdict', () => {
    fc.assert(
      fc.property(
        originalAcl,
        fc.array(cidr, { maxLength: 6 }),
        fc.array(packet, { minLength: 1, maxLength: 20 }),
        (original, blockedCidrs, packets) => {
          // Prepare
          const blocked = blockedCidrs.map((c) => net(c.cidrBlock ?? c.ipv6CidrBlock!));
          const unique = [...new Map(blocked.map((n) => [`${n.address}/${n.prefixLength}`, n])).values()];

          // Act
          const acl = [...desiredEntries(unique, original, []), ...defaults];

          // Assess
          for (const p of packets) {
            const isBlocked = !p.egress && unique.some((n) => networkContains(n, p.address));
            expect(evaluate(acl, p)).toBe(isBlocked ? 'deny' : evaluate(original, p));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('denyCapacity', () => {
  it('is the quota minus the default rule minus the mirrored inbound rules of each family', () => {
    // Prepare
    const original: AclEntry[] = [
      ...allowAll,
      { ruleNumber: 101, egress: false, protocol: '-1', ruleAction: 'allow', ipv6CidrBlock: '::/0' },
      { ruleNumber: 102, egress: false, protocol: '6', ruleAction: 'allow', ipv6CidrBlock: '::/0', portRange: { from: 1, to: 2 } },
      ...defaults,
    ];

    // Act / Assess
    expect(denyCapacity(20, original)).toEqual({ ipv4: 18, ipv6: 17 });
    expect(denyCapacity(2, original)).toEqual({ ipv4: 0, ipv6: 0 });
  });
});

describe('desiredEntries and diffEntries', () => {
  it('changes one deny network with a single Replace call', () => {
    // Prepare
    const current = [...desiredEntries([net('192.0.2.1/32'), net('192.0.2.2/32'), net('192.0.2.3/32')], allowAll, []), ...defaults];

    // Act
    const operations = diffEntries(
      current,
      desiredEntries([net('192.0.2.1/32'), net('192.0.2.3/32'), net('198.51.100.7/32')], allowAll, current),
    );

    // Assess
    expect(operations).toEqual([
      { kind: 'replace', entry: { ruleNumber: 2, egress: false, protocol: '-1', ruleAction: 'deny', cidrBlock: '198.51.100.7/32' } },
    ]);
  });

  it('needs no call when the entries are already in place', () => {
    // Prepare
    const desired = desiredEntries([net('192.0.2.1/32'), net('2001:db8::/64')], allowAll, []);

    // Act / Assess
    expect(
      diffEntries(
        [...desired, ...defaults],
        desiredEntries([net('2001:db8::/64'), net('192.0.2.1/32')], allowAll, [...desired, ...defaults]),
      ),
    ).toEqual([]);
  });

  it('turns any ACL into the desired one with valid operations and never touches default rules (property)', () => {
    fc.assert(
      fc.property(originalAcl, originalAcl, fc.array(cidr, { maxLength: 10 }), (current, original, blockedCidrs) => {
        // Prepare
        const blocked = [
          ...new Map(
            blockedCidrs.map((c) => net(c.cidrBlock ?? c.ipv6CidrBlock!)).map((n) => [`${n.address}/${n.prefixLength}`, n]),
          ).values(),
        ];
        const desired = desiredEntries(blocked, original, current);

        // Act
        const operations = diffEntries(current, desired);
        const result = applyOperations(current, operations);

        // Assess
        expect(operations.every((op) => (op.kind === 'delete' ? op.ruleNumber : op.entry.ruleNumber) <= 32766)).toBe(true);
        expect(enforcesDesired(result, desired)).toBe(true);
        expect(diffEntries(result, desiredEntries(blocked, original, result))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('enforcesDesired', () => {
  it('ignores deny rule numbers but not mirrored rules or extra entries', () => {
    // Prepare
    const desired = desiredEntries([net('192.0.2.1/32'), net('192.0.2.2/32')], allowAll, []);
    const renumbered = desired.map((e) => (e.ruleNumber === 1 ? { ...e, ruleNumber: 7 } : e));
    const extra = [...desired, { ruleNumber: 50, egress: true, protocol: '-1', ruleAction: 'deny' as const, cidrBlock: '0.0.0.0/0' }];

    // Act / Assess
    expect(enforcesDesired([...renumbered, ...defaults], desired)).toBe(true);
    expect(enforcesDesired(extra, desired)).toBe(false);
    expect(
      enforcesDesired(
        desired.filter((e) => e.ruleNumber !== MIRROR_RULE_FIRST || e.egress),
        desired,
      ),
    ).toBe(false);
  });
});

describe('afterOperation', () => {
  const deny = (ruleNumber: number, cidrBlock: string, egress = false): AclEntry => ({
    ruleNumber,
    egress,
    protocol: '-1',
    ruleAction: 'deny',
    cidrBlock,
  });

  it('adds a created entry, swaps a replaced one and drops a deleted one, in its direction only', () => {
    // Prepare
    const entries = [deny(1, '198.51.100.1/32'), deny(1, '198.51.100.9/32', true)];

    // Act
    const created = afterOperation(entries, { kind: 'create', entry: deny(2, '198.51.100.2/32') });
    const replaced = afterOperation(created, { kind: 'replace', entry: deny(1, '198.51.100.3/32') });
    const deleted = afterOperation(replaced, { kind: 'delete', egress: false, ruleNumber: 2 });

    // Assess
    expect(created).toEqual([deny(1, '198.51.100.1/32'), deny(1, '198.51.100.9/32', true), deny(2, '198.51.100.2/32')]);
    expect(replaced).toEqual([deny(1, '198.51.100.9/32', true), deny(2, '198.51.100.2/32'), deny(1, '198.51.100.3/32')]);
    expect(deleted).toEqual([deny(1, '198.51.100.9/32', true), deny(1, '198.51.100.3/32')]);
  });
});
