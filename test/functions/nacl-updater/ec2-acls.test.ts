import { DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AclGateway } from '../../../functions/nacl-updater/ec2-acls';
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
});
