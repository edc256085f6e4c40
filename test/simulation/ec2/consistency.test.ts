import { describe, expect, it } from 'vitest';
import { Ec2NetworkAclStandIn } from '../../../simulation/ec2/stand-in';

const MAX_LAG = 10_000;

/** A stand-in in eventual-consistency mode on a clock the test moves, with one subnet and one custom ACL created at t=0. */
function setUp(seed = 1) {
  const clock = { ms: 0 };
  const ec2 = new Ec2NetworkAclStandIn({ consistency: { maxLagMs: MAX_LAG, seed, now: () => clock.ms } });
  const vpcId = ec2.createVpc({ cidrs: ['10.0.0.0/16'] });
  const subnetId = ec2.createSubnet(vpcId);
  const aclId = ec2.createNetworkAcl(vpcId);
  return { clock, ec2, vpcId, subnetId, aclId };
}

const deny = (aclId: string, ruleNumber: number) => ({
  NetworkAclId: aclId,
  RuleNumber: ruleNumber,
  Egress: false,
  Protocol: '-1',
  RuleAction: 'deny' as const,
  CidrBlock: `198.51.100.${ruleNumber}/32`,
});

async function inboundRuleNumbers(ec2: Ec2NetworkAclStandIn, aclId: string): Promise<number[]> {
  const output = await ec2.describeNetworkAcls({ NetworkAclIds: [aclId] });
  return (output.NetworkAcls?.[0]?.Entries ?? []).filter((e) => !e.Egress).map((e) => e.RuleNumber ?? 0);
}

async function aclOfSubnetAsRead(ec2: Ec2NetworkAclStandIn, subnetId: string) {
  const output = await ec2.describeNetworkAcls({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] });
  const acl = output.NetworkAcls?.[0];
  return { aclId: acl?.NetworkAclId, associationId: acl?.Associations?.find((a) => a.SubnetId === subnetId)?.NetworkAclAssociationId };
}

describe('EC2 stand-in in eventual-consistency mode', () => {
  it('answers a Describe right after an entry change with the entries before it, and with the new ones once the lag has passed', async () => {
    // Prepare
    const { clock, ec2, aclId } = setUp();
    clock.ms = 60_000;

    // Act
    await ec2.createNetworkAclEntry(deny(aclId, 1));
    const rightAfter = await inboundRuleNumbers(ec2, aclId);
    clock.ms += MAX_LAG;
    const later = await inboundRuleNumbers(ec2, aclId);

    // Assess: the write itself acted on the current state
    expect(rightAfter).toEqual([32767]);
    expect(later).toEqual([1, 32767]);
    expect(
      ec2
        .entriesOf(aclId)
        .filter((e) => !e.Egress)
        .map((e) => e.RuleNumber),
    ).toEqual([1, 32767]);
  });

  it('answers a Describe right after a swap with the old association and its old id', async () => {
    // Prepare
    const { clock, ec2, vpcId, subnetId, aclId } = setUp();
    clock.ms = 60_000;
    const before = ec2.associationIdOf(subnetId);

    // Act
    const swapped = await ec2.replaceNetworkAclAssociation({ AssociationId: before, NetworkAclId: aclId });
    const rightAfter = await aclOfSubnetAsRead(ec2, subnetId);
    clock.ms += MAX_LAG;
    const later = await aclOfSubnetAsRead(ec2, subnetId);

    // Assess
    expect(rightAfter).toEqual({ aclId: ec2.defaultNetworkAclId(vpcId), associationId: before });
    expect(later).toEqual({ aclId, associationId: swapped.NewAssociationId });
    expect(ec2.aclOf(subnetId)).toBe(aclId);
  });

  it('answers NotFound for an ACL or an association id just created, and serves them once the lag has passed', async () => {
    // Prepare: a second ACL created at t=60 s
    const { clock, ec2, vpcId, subnetId, aclId } = setUp();
    clock.ms = 60_000;
    const fresh = ec2.createNetworkAcl(vpcId);
    const codeOf = (call: Promise<unknown>) =>
      call.then(
        () => 'ok',
        (error: Error) => error.name,
      );

    // Act
    const tagFresh = await codeOf(ec2.createTags({ Resources: [fresh], Tags: [{ Key: 'k', Value: 'v' }] }));
    const entryFresh = await codeOf(ec2.createNetworkAclEntry(deny(fresh, 1)));
    const describeFresh = await codeOf(ec2.describeNetworkAcls({ NetworkAclIds: [fresh] }));
    const swapped = await ec2.replaceNetworkAclAssociation({ AssociationId: ec2.associationIdOf(subnetId), NetworkAclId: aclId });
    const swapAgain = await codeOf(ec2.replaceNetworkAclAssociation({ AssociationId: swapped.NewAssociationId, NetworkAclId: fresh }));
    clock.ms += MAX_LAG;
    const tagLater = await codeOf(ec2.createTags({ Resources: [fresh], Tags: [{ Key: 'k', Value: 'v' }] }));
    const swapLater = await codeOf(ec2.replaceNetworkAclAssociation({ AssociationId: swapped.NewAssociationId, NetworkAclId: fresh }));

    // Assess
    expect([tagFresh, entryFresh, describeFresh, swapAgain]).toEqual([
      'InvalidNetworkAclID.NotFound',
      'InvalidNetworkAclID.NotFound',
      'InvalidNetworkAclID.NotFound',
      'InvalidAssociationID.NotFound',
    ]);
    expect([tagLater, swapLater]).toEqual(['ok', 'ok']);
    expect(ec2.aclOf(subnetId)).toBe(fresh);
  });

  it('draws each call its own lag from the seed: part-way through the lag, some reads are stale and some fresh, the same for the same seed', async () => {
    // Prepare
    const observe = async (seed: number) => {
      const { clock, ec2, aclId } = setUp(seed);
      clock.ms = 60_000;
      await ec2.createNetworkAclEntry(deny(aclId, 1));
      clock.ms += MAX_LAG / 2;
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++) seen.push((await inboundRuleNumbers(ec2, aclId)).includes(1));
      return seen;
    };

    // Act
    const first = await observe(7);
    const again = await observe(7);
    const other = await observe(8);

    // Assess
    expect(again).toEqual(first);
    expect(new Set(first)).toEqual(new Set([true, false]));
    expect(other).not.toEqual(first);
  });

  it('keeps writes strict on the current state: a rule number just used is taken even while reads do not show it', async () => {
    // Prepare
    const { clock, ec2, aclId } = setUp();
    clock.ms = 60_000;
    await ec2.createNetworkAclEntry(deny(aclId, 1));

    // Act / Assess
    await expect(ec2.createNetworkAclEntry(deny(aclId, 1))).rejects.toMatchObject({ name: 'NetworkAclEntryAlreadyExists' });
    expect(await inboundRuleNumbers(ec2, aclId)).toEqual([32767]);
  });

  it('is consistent without the mode: a read right after a write sees it', async () => {
    // Prepare
    const ec2 = new Ec2NetworkAclStandIn();
    const aclId = ec2.createNetworkAcl(ec2.createVpc({ cidrs: ['10.0.0.0/16'] }));

    // Act
    await ec2.createNetworkAclEntry(deny(aclId, 1));

    // Assess
    expect(await inboundRuleNumbers(ec2, aclId)).toEqual([1, 32767]);
  });
});
