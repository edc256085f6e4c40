import { CreateNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { Ec2NetworkAclStandIn } from '../../../simulation/ec2/stand-in';
import { TEST_CREDENTIALS } from '../../support/builders';
import { standInClient } from '../../support/sdk';

function setUp(options: { ipv6?: boolean; ruleLimit?: number } = {}) {
  const ec2 = new Ec2NetworkAclStandIn({ ruleLimit: options.ruleLimit ?? 20 });
  const vpcId = ec2.createVpc({ cidrs: options.ipv6 ? ['10.0.0.0/16', '2600:1f18::/56'] : ['10.0.0.0/16'] });
  const aclId = ec2.createNetworkAcl(vpcId);
  return { ec2, vpcId, aclId };
}

const allow = (aclId: string, ruleNumber: number, extra: Record<string, unknown> = {}) => ({
  NetworkAclId: aclId,
  RuleNumber: ruleNumber,
  Egress: false,
  Protocol: '-1',
  RuleAction: 'allow' as const,
  CidrBlock: `192.0.2.${ruleNumber % 256}/32`,
  ...extra,
});

describe('EC2 network-ACL stand-in', () => {
  it('gives a custom ACL only the default deny rules, IPv6 ones when the VPC has IPv6', () => {
    // Prepare / Act
    const v4 = setUp();
    const dual = setUp({ ipv6: true });

    // Assess
    expect(v4.ec2.entriesOf(v4.aclId).map((e) => [e.Egress, e.RuleNumber, e.RuleAction])).toEqual([
      [false, 32767, 'deny'],
      [true, 32767, 'deny'],
    ]);
    expect(dual.ec2.entriesOf(dual.aclId).map((e) => [e.Egress, e.RuleNumber, e.Ipv6CidrBlock ?? e.CidrBlock])).toEqual([
      [false, 32767, '0.0.0.0/0'],
      [false, 32768, '::/0'],
      [true, 32767, '0.0.0.0/0'],
      [true, 32768, '::/0'],
    ]);
  });

  it('enforces the quota per direction and family, the default rule included', async () => {
    // Prepare
    const { ec2, aclId } = setUp({ ipv6: true, ruleLimit: 3 });
    await ec2.createNetworkAclEntry(allow(aclId, 1));
    await ec2.createNetworkAclEntry(allow(aclId, 2));

    // Act
    const third = ec2.createNetworkAclEntry(allow(aclId, 3));

    // Assess: IPv6 and egress slots are separate.
    await expect(third).rejects.toMatchObject({ name: 'NetworkAclEntryLimitExceeded', $fault: 'client' });
    await ec2.createNetworkAclEntry({ ...allow(aclId, 3), CidrBlock: undefined, Ipv6CidrBlock: '2001:db8::/32' });
    await ec2.createNetworkAclEntry({ ...allow(aclId, 3), Egress: true });
  });

  it('keeps rule numbers unique per direction across both families', async () => {
    // Prepare
    const { ec2, aclId } = setUp({ ipv6: true });
    await ec2.createNetworkAclEntry(allow(aclId, 10));

    // Act
    const duplicate = ec2.createNetworkAclEntry({ ...allow(aclId, 10), CidrBlock: undefined, Ipv6CidrBlock: '2001:db8::/32' });

    // Assess
    await expect(duplicate).rejects.toMatchObject({ name: 'NetworkAclEntryAlreadyExists' });
    await ec2.createNetworkAclEntry({ ...allow(aclId, 10), Egress: true });
  });

  it('accepts rule numbers 1-32766 only and keeps the default rules immutable', async () => {
    // Prepare
    const { ec2, aclId } = setUp();

    // Act / Assess
    await expect(ec2.createNetworkAclEntry(allow(aclId, 0))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.createNetworkAclEntry(allow(aclId, 32767))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.replaceNetworkAclEntry(allow(aclId, 32767))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.deleteNetworkAclEntry({ NetworkAclId: aclId, Egress: false, RuleNumber: 32767 })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await ec2.createNetworkAclEntry(allow(aclId, 32766));
    await ec2.createNetworkAclEntry(allow(aclId, 1));
  });

  it('answers the documented not-found errors', async () => {
    // Prepare
    const { ec2, aclId } = setUp();

    // Act / Assess
    await expect(ec2.replaceNetworkAclEntry(allow(aclId, 5))).rejects.toMatchObject({ name: 'InvalidNetworkAclEntry.NotFound' });
    await expect(ec2.deleteNetworkAclEntry({ NetworkAclId: aclId, Egress: false, RuleNumber: 5 })).rejects.toMatchObject({
      name: 'InvalidNetworkAclEntry.NotFound',
    });
    await expect(ec2.createNetworkAclEntry(allow('acl-0ffffffffffffffff', 5))).rejects.toMatchObject({
      name: 'InvalidNetworkAclID.NotFound',
    });
    await expect(
      ec2.replaceNetworkAclAssociation({ AssociationId: 'aclassoc-0fffffffffffffff', NetworkAclId: aclId }),
    ).rejects.toMatchObject({ name: 'InvalidAssociationID.NotFound' });
    await expect(ec2.describeNetworkAcls({ NetworkAclIds: ['acl-0ffffffffffffffff'] })).rejects.toMatchObject({
      name: 'InvalidNetworkAclID.NotFound',
    });
  });

  it('validates entries as EC2 does: one CIDR, ports for TCP/UDP, canonical CIDR', async () => {
    // Prepare
    const { ec2, aclId } = setUp();

    // Act / Assess
    await expect(ec2.createNetworkAclEntry({ ...allow(aclId, 5), Ipv6CidrBlock: '::/0' })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
    });
    await expect(ec2.createNetworkAclEntry({ ...allow(aclId, 5), CidrBlock: undefined })).rejects.toMatchObject({
      name: 'MissingParameter',
    });
    await expect(ec2.createNetworkAclEntry({ ...allow(aclId, 5), Protocol: '6' })).rejects.toMatchObject({ name: 'MissingParameter' });
    await expect(ec2.createNetworkAclEntry({ ...allow(aclId, 5), CidrBlock: '300.0.0.0/8' })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await ec2.createNetworkAclEntry({ ...allow(aclId, 5), CidrBlock: '100.68.0.18/18' });
    expect(ec2.entriesOf(aclId).find((e) => e.RuleNumber === 5)?.CidrBlock).toBe('100.68.0.0/18');
  });

  it('returns a new association id on every replace and forgets the old one', async () => {
    // Prepare
    const { ec2, vpcId, aclId } = setUp();
    const subnet = ec2.createSubnet(vpcId);
    const first = ec2.associationIdOf(subnet);

    // Act
    const { NewAssociationId } = await ec2.replaceNetworkAclAssociation({ AssociationId: first, NetworkAclId: aclId });
    const reuse = ec2.replaceNetworkAclAssociation({ AssociationId: first, NetworkAclId: aclId });

    // Assess
    expect(NewAssociationId).not.toBe(first);
    expect(ec2.aclOf(subnet)).toBe(aclId);
    await expect(reuse).rejects.toMatchObject({ name: 'InvalidAssociationID.NotFound' });
  });

  it('filters by association.subnet-id and paginates with MaxResults 5-1000', async () => {
    // Prepare
    const { ec2, vpcId } = setUp();
    const subnets = Array.from({ length: 7 }, () => ec2.createSubnet(vpcId));
    for (const subnet of subnets) {
      await ec2.replaceNetworkAclAssociation({ AssociationId: ec2.associationIdOf(subnet), NetworkAclId: ec2.createNetworkAcl(vpcId) });
    }

    // Act
    const first = await ec2.describeNetworkAcls({ Filters: [{ Name: 'association.subnet-id', Values: subnets }], MaxResults: 5 });
    const second = await ec2.describeNetworkAcls({
      Filters: [{ Name: 'association.subnet-id', Values: subnets }],
      MaxResults: 5,
      NextToken: first.NextToken,
    });

    // Assess
    expect(first.NetworkAcls).toHaveLength(5);
    expect(second.NetworkAcls).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    expect([...first.NetworkAcls!, ...second.NetworkAcls!].flatMap((a) => a.Associations!.map((s) => s.SubnetId)).sort()).toEqual(
      [...subnets].sort(),
    );
    await expect(ec2.describeNetworkAcls({ MaxResults: 4 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.describeNetworkAcls({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('describes subnets by the subnet-id and vpc-id filters, paginated, refusing other filters', async () => {
    // Prepare
    const { ec2, vpcId } = setUp();
    const other = ec2.createVpc({ cidrs: ['10.1.0.0/16'] });
    const subnets = Array.from({ length: 6 }, () => ec2.createSubnet(vpcId));
    const elsewhere = ec2.createSubnet(other);

    // Act
    const byVpc = await ec2.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], MaxResults: 5 });
    const rest = await ec2.describeSubnets({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }], MaxResults: 5, NextToken: byVpc.NextToken });
    const byId = await ec2.describeSubnets({
      Filters: [{ Name: 'subnet-id', Values: [subnets[0]!, elsewhere, 'subnet-00000000000000000'] }],
    });

    // Assess: an id that does not exist is no error for a filter, as on AWS
    expect([...byVpc.Subnets!, ...rest.Subnets!]).toEqual(subnets.map((SubnetId) => ({ SubnetId, VpcId: vpcId })));
    expect([byVpc.Subnets?.length, rest.NextToken]).toEqual([5, undefined]);
    expect(byId.Subnets).toEqual([
      { SubnetId: subnets[0], VpcId: vpcId },
      { SubnetId: elsewhere, VpcId: other },
    ]);
    await expect(ec2.describeSubnets({ Filters: [{ Name: 'cidr-block', Values: ['10.0.0.0/24'] }] })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('answers an EC2Client through its routes and fails calls on demand with EC2 errors', async () => {
    // Prepare
    const { ec2, aclId } = setUp();
    const client = standInClient(new EC2Client({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), ec2.routes());
    ec2.failNext('CreateNetworkAclEntry', 'RequestLimitExceeded');

    // Act
    const throttled = client.send(new CreateNetworkAclEntryCommand(allow(aclId, 7)));

    // Assess
    await expect(throttled).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    await client.send(new CreateNetworkAclEntryCommand(allow(aclId, 7)));
    const described = await client.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }));
    expect(described.NetworkAcls?.[0]?.Entries?.filter((e) => !e.Egress)).toEqual([
      { RuleNumber: 7, Egress: false, Protocol: '-1', RuleAction: 'allow', CidrBlock: '192.0.2.7/32' },
      { RuleNumber: 32767, Egress: false, Protocol: '-1', RuleAction: 'deny', CidrBlock: '0.0.0.0/0' },
    ]);
    expect(ec2.calls.map((c) => c.action)).toEqual(['CreateNetworkAclEntry', 'CreateNetworkAclEntry', 'DescribeNetworkAcls']);
  });

  it('limits tags per resource', async () => {
    // Prepare
    const { ec2, aclId } = setUp();
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await ec2.createTags({ Resources: [aclId], Tags: tags });

    // Act
    const one = ec2.createTags({ Resources: [aclId], Tags: [{ Key: 'extra', Value: 'v' }] });

    // Assess
    await expect(one).rejects.toMatchObject({ name: 'TagLimitExceeded' });
    expect(Object.keys(ec2.tagsOf(aclId))).toHaveLength(50);
  });
});
