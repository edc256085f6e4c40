import { describe, expect, it } from 'vitest';
import { evaluate, type AclEntry } from '../../../core/nacl-plan';
import { aclEntryOf, anomalyMessage as message, flooders } from '../../support/builders';
import { UpdaterWorld } from '../../support/updater-world';

const entriesOf = (world: UpdaterWorld, aclId: string): AclEntry[] => world.ec2.entriesOf(aclId).map(aclEntryOf);

describe('NACL updater converges from any state', () => {
  it('consolidates subnets split between blue and green, never writing an ACL in use', async () => {
    // Prepare: subnet 0 on blue (holding .1), subnet 1 on green (holding .1 and .2), by an earlier interrupted swap.
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(1)));
    const first = world.activeAclId();
    await world.deliver(message(world.vpcId, flooders(2)));
    const second = world.activeAclId();
    await world.ec2.replaceNetworkAclAssociation({ AssociationId: world.ec2.associationIdOf(world.subnetIds[0]!), NetworkAclId: first });

    // Act
    await world.deliver(message(world.vpcId, flooders(3)));

    // Assess
    expect(world.writesToAclsInUse).toEqual([]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32']);
    expect(new Set([first, second])).toContain(world.activeAclId());
  });

  it('moves split subnets onto the ACL that already enforces the verdict without writing', async () => {
    // Prepare
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(1)));
    const first = world.activeAclId();
    await world.deliver(message(world.vpcId, flooders(2)));
    const second = world.activeAclId();
    await world.ec2.replaceNetworkAclAssociation({ AssociationId: world.ec2.associationIdOf(world.subnetIds[0]!), NetworkAclId: first });
    world.ec2.calls.length = 0;

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.activeAclId()).toBe(second);
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual(['ReplaceNetworkAclAssociation', 'CreateTags']);
  });

  it('completes a half-written inactive ACL', async () => {
    // Prepare: the inactive ACL holds a stray deny rule and half of the mirrored rules.
    const world = await UpdaterWorld.create();
    await world.ec2.createNetworkAclEntry({
      NetworkAclId: world.blueAclId,
      RuleNumber: 1,
      Egress: false,
      Protocol: '-1',
      RuleAction: 'deny',
      CidrBlock: '192.0.2.0/24',
    });
    await world.ec2.createNetworkAclEntry({
      NetworkAclId: world.blueAclId,
      RuleNumber: 1000,
      Egress: false,
      Protocol: '-1',
      RuleAction: 'allow',
      CidrBlock: '0.0.0.0/0',
    });
    await world.ec2.createNetworkAclEntry({
      NetworkAclId: world.greenAclId,
      RuleNumber: 5,
      Egress: true,
      Protocol: '-1',
      RuleAction: 'deny',
      CidrBlock: '0.0.0.0/0',
    });
    world.ec2.calls.length = 0;

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess: blue needed fewer calls: the stray rule replaced in place, the egress mirror created.
    expect(world.activeAclId()).toBe(world.blueAclId);
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual([
      'ReplaceNetworkAclEntry',
      'CreateNetworkAclEntry',
      'CreateTags',
      'ReplaceNetworkAclAssociation',
      'ReplaceNetworkAclAssociation',
      'CreateTags',
    ]);
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
  });

  it('moves a subnet still on its original ACL onto the stack ACL', async () => {
    // Prepare
    const world = await UpdaterWorld.create({ subnets: 3 });
    await world.deliver(message(world.vpcId, flooders(2)));
    const active = world.activeAclId();
    await world.ec2.replaceNetworkAclAssociation({
      AssociationId: world.ec2.associationIdOf(world.subnetIds[2]!),
      NetworkAclId: world.originalAclId,
    });
    world.ec2.calls.length = 0;

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.activeAclId()).toBe(active);
    expect(world.ec2.mutatingCalls().map((c) => c.action)).toEqual(['ReplaceNetworkAclAssociation', 'CreateTags']);
  });

  it('rewrites the inactive ACL when the active one was changed by hand', async () => {
    // Prepare: someone deleted the mirrored allow rule of the active ACL.
    const world = await UpdaterWorld.create();
    await world.deliver(message(world.vpcId, flooders(2)));
    const active = world.activeAclId();
    await world.ec2.deleteNetworkAclEntry({ NetworkAclId: active, Egress: false, RuleNumber: 1000 });

    // Act
    await world.deliver(message(world.vpcId, flooders(2)));

    // Assess
    expect(world.writesToAclsInUse).toEqual([]);
    expect(world.activeAclId()).not.toBe(active);
    expect(evaluate(entriesOf(world, world.activeAclId()), { egress: false, address: '192.0.2.1', protocol: 6, port: 443 })).toBe('allow');
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32']);
  });

  it("mirrors the original ACL's own rules so they keep holding behind the deny rules", async () => {
    // Prepare: an original ACL with ordered, overlapping rules.
    const original: AclEntry[] = [
      { ruleNumber: 50, egress: false, protocol: '-1', ruleAction: 'deny', cidrBlock: '192.0.2.0/24' },
      { ruleNumber: 100, egress: false, protocol: '6', ruleAction: 'allow', cidrBlock: '0.0.0.0/0', portRange: { from: 443, to: 443 } },
      { ruleNumber: 200, egress: false, protocol: '6', ruleAction: 'allow', cidrBlock: '0.0.0.0/0', portRange: { from: 1024, to: 65535 } },
      { ruleNumber: 100, egress: true, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' },
    ];
    const world = await UpdaterWorld.create({ originalEntries: original });

    // Act
    await world.deliver(message(world.vpcId, flooders(1)));

    // Assess
    const entries = entriesOf(world, world.activeAclId());
    expect(evaluate(entries, { egress: false, address: '198.51.100.1', protocol: 6, port: 443 })).toBe('deny');
    expect(evaluate(entries, { egress: false, address: '198.51.100.2', protocol: 6, port: 443 })).toBe('allow');
    expect(evaluate(entries, { egress: false, address: '198.51.100.2', protocol: 6, port: 22 })).toBe('deny');
    expect(evaluate(entries, { egress: false, address: '192.0.2.9', protocol: 6, port: 443 })).toBe('deny');
    expect(evaluate(entries, { egress: true, address: '192.0.2.9', protocol: 17, port: 53 })).toBe('allow');
  });
});
