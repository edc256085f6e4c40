import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networksOverlap, parseNetwork, type Network } from '../../../core/addresses';
import type { Anomaly } from '../../../core/anomaly-message';
import { anomalyMessage as message } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

// Sources from a small space, so masks merge them and allow-listed networks sit among them.
const source = fc.oneof(
  fc.tuple(fc.constantFrom('198.51.100.', '203.0.113.', '10.0.7.'), fc.integer({ min: 1, max: 40 })).map(([p, n]) => `${p}${n}`),
  fc.integer({ min: 1, max: 40 }).map((n) => `2001:db8::${n.toString(16)}`),
);
const anomalies: fc.Arbitrary<Anomaly[]> = fc.uniqueArray(
  fc.record({
    sourceIp: source,
    maxZScore: fc.double({ min: 3, max: 60, noNaN: true }),
    maxPackets: fc.integer({ min: 12_001, max: 500_000 }),
  }),
  { selector: (a) => a.sourceIp, maxLength: 30 },
);
const allowEntry = fc.oneof(
  source,
  fc
    .tuple(fc.constantFrom('198.51.100.', '203.0.113.'), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 26, max: 32 }))
    .map(([p, n, len]) => `${p}${n}/${len}`),
);
const scenario = fc.record({
  dualStack: fc.boolean(),
  ruleLimit: fc.integer({ min: 3, max: 20 }),
  accountShortfall: fc.integer({ min: 0, max: 3 }),
  ipv4Mask: fc.integer({ min: 20, max: 32 }),
  ipv6Mask: fc.integer({ min: 112, max: 128 }),
  allowList: fc.array(allowEntry, { maxLength: 4 }),
  messages: fc.array(fc.record({ anomalies, complete: fc.boolean() }), { minLength: 1, maxLength: 4 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function worldFor(s: Scenario): Promise<UpdaterWorld> {
  return UpdaterWorld.create({
    dualStack: s.dualStack,
    ruleLimit: s.ruleLimit,
    // The default ACL holds one mirrored rule per family: the account must fit it.
    accountRuleLimit: Math.max(2, s.ruleLimit - s.accountShortfall),
    ipv4Mask: s.ipv4Mask,
    ipv6Mask: s.ipv6Mask,
    allowList: s.allowList.join('\n'),
  });
}

function deniedNetworks(world: UpdaterWorld): Network[] {
  return world.deniedCidrs().map((c) => parseNetwork(c)!);
}

describe('NACL updater properties', () => {
  it('never covers an allow-listed or VPC address, never exceeds the quota, never writes the ACL in use, never lets an incomplete run unblock, and reports only real blocks', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // Prepare
        const world = await worldFor(s);
        const protectedNets = [...s.allowList.map((a) => parseNetwork(a, { allowHostBits: true })!), ...world.config.vpcNetworks];

        for (const m of s.messages) {
          const before = world.deniedCidrs();

          // Act
          await world.deliver(message(world.vpcId, m.anomalies, { complete: m.complete }));

          // Assess
          const denied = deniedNetworks(world);
          if (!m.complete) expect(world.deniedCidrs()).toEqual(expect.arrayContaining(before));
          for (const n of denied) expect(protectedNets.some((p) => networksOverlap(p, n))).toBe(false);
          for (const acl of [world.blueAclId, world.greenAclId]) {
            const entries = world.ec2.entriesOf(acl);
            for (const egress of [false, true]) {
              for (const v6 of [false, true]) {
                const count = entries.filter((e) => e.Egress === egress && (e.Ipv6CidrBlock !== undefined) === v6).length;
                expect(count).toBeLessThanOrEqual(s.ruleLimit);
              }
            }
          }
          expect(world.telemetry.lastMetricValues().BlockedSourceNetworks).toBe(denied.length);
        }
        expect(world.writesToAclsInUse).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a block through an incomplete run that also learns the account quota is lower than configured', async () => {
    // Prepare: configured quota 5, the account's real one 3: one deny rule fits beside the
    // default rule and the mirrored allow rule. The inactive ACL still holds an older rule.
    const world = await worldFor({
      dualStack: false,
      ruleLimit: 5,
      accountShortfall: 2,
      ipv4Mask: 20,
      ipv6Mask: 112,
      allowList: [],
      messages: [],
    });
    const flood = (sourceIp: string) => [{ sourceIp, maxZScore: 3, maxPackets: 12_001 }];
    await world.deliver(message(world.vpcId, flood('203.0.113.1'), { complete: false }));
    await world.deliver(message(world.vpcId, flood('198.51.100.1'), { complete: true }));
    expect(world.deniedCidrs()).toEqual(['198.51.96.0/20']);

    // Act: an incomplete run may add 203.0.112.0/20 but must not drop 198.51.96.0/20 for it.
    await world.deliver(message(world.vpcId, flood('203.0.113.1'), { complete: false }));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.96.0/20']);
    expect(world.telemetry.lastMetricValues()).toMatchObject({ BlockedSourceNetworks: 1, UnblockedSourceNetworks: 1 });
  });

  it('makes no API call for the same message twice, and no EC2 change for the same verdict again', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        // Prepare
        const world = await worldFor(s);
        const first = message(world.vpcId, s.messages[0]!.anomalies);
        await world.deliver(first);
        world.ec2.calls.length = 0;
        world.sent.length = 0;

        // Act
        await world.deliver(first);
        const callsForDuplicate = world.sent.length;
        await world.deliver(message(world.vpcId, s.messages[0]!.anomalies));

        // Assess
        expect(callsForDuplicate).toBe(0);
        expect(world.ec2.mutatingCalls()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
