import { DescribeNetworkAclsCommand, EC2Client, ReplaceNetworkAclAssociationCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AclGateway } from '../../../functions/nacl-updater/ec2-acls';
import { ec2Error } from '../../../simulation/ec2/errors';
import { mockSdk } from '../../support/sdk';

const ec2 = mockSdk(EC2Client);

describe('AclGateway', () => {
  it('follows NextToken through every page of the association filter', async () => {
    // Prepare
    const client = new EC2Client({ region: 'us-east-1' });
    const filter = [{ Name: 'association.subnet-id', Values: ['subnet-0000000000000000a', 'subnet-0000000000000000b'] }];
    ec2.on(DescribeNetworkAclsCommand, { Filters: filter, MaxResults: 100, NextToken: undefined }).resolves({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-0000000000000000a',
          Associations: [
            { SubnetId: 'subnet-0000000000000000a', NetworkAclAssociationId: 'aclassoc-a', NetworkAclId: 'acl-0000000000000000a' },
          ],
        },
      ],
      NextToken: 'page-2',
    });
    ec2.on(DescribeNetworkAclsCommand, { Filters: filter, MaxResults: 100, NextToken: 'page-2' }).resolves({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-0000000000000000b',
          Associations: [
            { SubnetId: 'subnet-0000000000000000b', NetworkAclAssociationId: 'aclassoc-b', NetworkAclId: 'acl-0000000000000000b' },
            { SubnetId: 'subnet-0000000000000000z', NetworkAclAssociationId: 'aclassoc-z', NetworkAclId: 'acl-0000000000000000b' },
          ],
        },
      ],
    });
    const gateway = new AclGateway(
      client,
      async () => {},
      () => {},
    );

    // Act
    const associations = await gateway.subnetAssociations(['subnet-0000000000000000a', 'subnet-0000000000000000b']);

    // Assess
    expect(associations).toEqual([
      { subnetId: 'subnet-0000000000000000a', associationId: 'aclassoc-a', networkAclId: 'acl-0000000000000000a' },
      { subnetId: 'subnet-0000000000000000b', associationId: 'aclassoc-b', networkAclId: 'acl-0000000000000000b' },
    ]);
    expect(ec2.commandCalls(DescribeNetworkAclsCommand)).toHaveLength(2);
  });

  it('fails with the subnet named when a protected subnet has no association', async () => {
    // Prepare
    const client = new EC2Client({ region: 'us-east-1' });
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [] });
    const gateway = new AclGateway(
      client,
      async () => {},
      () => {},
    );

    // Act / Assess
    await expect(gateway.subnetAssociations(['subnet-0000000000000000a'])).rejects.toThrow(/subnet-0000000000000000a/);
  });

  describe('NotFound answers (EC2 eventual consistency)', () => {
    const notFound = () => ec2Error('InvalidNetworkAclID.NotFound', "The network ACL ID 'acl-0000000000000000a' does not exist");
    const acl = { NetworkAclId: 'acl-0000000000000000a', Entries: [], Tags: [] };

    /** A gateway on a clock its waits move, recording the waits and the errors retried. */
    function retryingGateway() {
      const clock = { ms: 1_000_000 };
      const sleeps: number[] = [];
      const retried: string[] = [];
      const gateway = new AclGateway(
        new EC2Client({ region: 'us-east-1' }),
        async (ms) => {
          sleeps.push(ms);
          clock.ms += ms;
        },
        (error) => retried.push((error as Error).name),
        () => clock.ms,
      );
      return { gateway, clock, sleeps, retried };
    }

    it('repeats a call answered NotFound after 1 s, 2 s, ... and returns its answer once EC2 shows the resource', async () => {
      // Prepare
      ec2
        .on(DescribeNetworkAclsCommand)
        .rejectsOnce(notFound())
        .rejectsOnce(notFound())
        .resolves({ NetworkAcls: [acl] });
      const { gateway, sleeps, retried } = retryingGateway();

      // Act
      const described = await gateway.describe(['acl-0000000000000000a']);

      // Assess
      expect([...described.keys()]).toEqual(['acl-0000000000000000a']);
      expect(sleeps).toEqual([1_000, 2_000]);
      expect(retried).toEqual(['InvalidNetworkAclID.NotFound', 'InvalidNetworkAclID.NotFound']);
    });

    it('gives up after five waits (31 s) with the NotFound error', async () => {
      // Prepare
      ec2.on(DescribeNetworkAclsCommand).rejects(notFound());
      const { gateway, sleeps } = retryingGateway();

      // Act / Assess
      await expect(gateway.describe(['acl-0000000000000000a'])).rejects.toMatchObject({ name: 'InvalidNetworkAclID.NotFound' });
      expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
      expect(ec2.commandCalls(DescribeNetworkAclsCommand)).toHaveLength(6);
    });

    it('never waits past the deadline: the error is thrown instead', async () => {
      // Prepare: 4 s left, so the waits of 1 s and 2 s fit and the one of 4 s does not
      ec2.on(DescribeNetworkAclsCommand).rejects(notFound());
      const { gateway, clock, sleeps } = retryingGateway();
      gateway.setDeadline(clock.ms + 4_000);

      // Act / Assess
      await expect(gateway.describe(['acl-0000000000000000a'])).rejects.toMatchObject({ name: 'InvalidNetworkAclID.NotFound' });
      expect(sleeps).toEqual([1_000, 2_000]);
    });

    it('throws at once a stale association id when asked not to wait for it', async () => {
      // Prepare
      ec2.on(ReplaceNetworkAclAssociationCommand).rejects(ec2Error('InvalidAssociationID.NotFound', 'gone'));
      const { gateway, sleeps } = retryingGateway();

      // Act / Assess
      await expect(gateway.replaceAssociation('aclassoc-old', 'acl-0000000000000000a', false)).rejects.toMatchObject({
        name: 'InvalidAssociationID.NotFound',
      });
      expect(sleeps).toEqual([]);
      expect(ec2.commandCalls(ReplaceNetworkAclAssociationCommand)).toHaveLength(1);
    });

    it('repeats a swap whose association id is not visible yet', async () => {
      // Prepare
      ec2
        .on(ReplaceNetworkAclAssociationCommand)
        .rejectsOnce(ec2Error('InvalidAssociationID.NotFound', 'not yet'))
        .resolves({ NewAssociationId: 'aclassoc-new' });
      const { gateway, sleeps } = retryingGateway();

      // Act
      const id = await gateway.replaceAssociation('aclassoc-fresh', 'acl-0000000000000000a');

      // Assess
      expect(id).toBe('aclassoc-new');
      expect(sleeps).toEqual([1_000]);
    });
  });
});
