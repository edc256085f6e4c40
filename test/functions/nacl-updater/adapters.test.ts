import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../../functions/nacl-updater/audit-log';
import { AclGateway } from '../../../functions/nacl-updater/ec2-acls';
import { handler } from '../../../functions/nacl-updater/handler';
import { snsEvent } from '../../support/builders';
import { mockSdk } from '../../support/sdk';

const ec2 = mockSdk(EC2Client);
const logs = mockSdk(CloudWatchLogsClient);

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

describe('AuditLog', () => {
  it('splits lines into PutLogEvents calls within 10,000 events and 1 MiB, creating its stream once', async () => {
    // Prepare
    const client = new CloudWatchLogsClient({ region: 'us-east-1' });
    logs.on(CreateLogStreamCommand).rejects(Object.assign(new Error('exists'), { name: 'ResourceAlreadyExistsException' }));
    logs.on(PutLogEventsCommand).resolves({});
    const audit = new AuditLog(client, '/audit', 'stream');
    const lines = Array.from({ length: 12_000 }, (_, i) => ({ ip: `192.0.2.${i % 256}`, network: '192.0.2.0/24', z_score: i, packets: i }));

    // Act
    await audit.write(lines, 1_000);
    await audit.write(lines.slice(0, 1), 2_000);

    // Assess
    const batches = logs.commandCalls(PutLogEventsCommand).map((c) => c.args[0].input.logEvents!);
    expect(batches.map((b) => b.length)).toEqual([10_000, 2_000, 1]);
    for (const batch of batches)
      expect(batch.reduce((sum, e) => sum + Buffer.byteLength(e.message!) + 26, 0)).toBeLessThanOrEqual(1_048_576);
    expect(logs.commandCalls(CreateLogStreamCommand)).toHaveLength(1);
  });
});

describe('handler (Lambda entry)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails at cold start with a message naming the bad variables', async () => {
    // Prepare
    vi.stubEnv('VPC_ID', 'not-a-vpc');

    // Act
    const run = handler(snsEvent([]));

    // Assess
    await expect(run).rejects.toThrow(/VPC_ID \("not-a-vpc"\): expected a VPC id/);
  });
});
