import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AclGateway } from '../../../functions/nacl-updater/ec2-acls';
import { anomalyMessage as message, flooders } from '../../support/builders';
import { mockSdk } from '../../support/sdk';
import { UpdaterWorld } from '../../support/updater-world';

const ec2 = mockSdk(EC2Client);

const ADDED_LATER = '203.0.113.0/24';

describe('NACL updater: CIDRs associated with the VPC after deploy', () => {
  it('never blocks an address of such a CIDR, and names the CIDR in one warning per container', async () => {
    // Prepare: deployed with 10.0.0.0/16 only; 203.0.113.0/24 associated afterwards
    const world = await UpdaterWorld.create();
    world.ec2.associateVpcCidr(world.vpcId, ADDED_LATER);
    const anomalies = [...flooders(2), ...flooders(1, { prefix: '203.0.113.' })];

    // Act: two verdicts
    await world.deliver(message(world.vpcId, anomalies));
    await world.deliver(message(world.vpcId, [...anomalies, ...flooders(3).slice(2)]));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32']);
    const warnings = world.telemetry.lines().filter((l) => l.message.startsWith('VPC CIDRs associated since deploy'));
    expect(warnings).toEqual([expect.objectContaining({ level: 'WARN', fields: { cidrs: [ADDED_LATER] } })]);
  });

  it('lifts a rule placed before the CIDR it covers joined the VPC, even when an incomplete run would keep it', async () => {
    // Prepare: 203.0.113.1 blocked while still outside the VPC
    const world = await UpdaterWorld.create();
    const anomalies = [...flooders(1), ...flooders(1, { prefix: '203.0.113.' })];
    await world.deliver(message(world.vpcId, anomalies));
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32', '203.0.113.1/32']);

    // Act: the CIDR is associated; a run on incomplete data (which retains every block) sees the same sources
    world.ec2.associateVpcCidr(world.vpcId, ADDED_LATER);
    await world.deliver(message(world.vpcId, anomalies, { complete: false }));

    // Assess
    expect(world.deniedCidrs()).toEqual(['198.51.100.1/32']);
    expect(world.telemetry.lines().filter((l) => l.message.startsWith('blocked networks released'))).toEqual([
      {
        level: 'WARN',
        message: 'blocked networks released: they cover allow-listed or VPC addresses',
        fields: { networks: ['203.0.113.1/32'] },
      },
    ]);
  });

  it('reads only blocks in the associated state', async () => {
    // Prepare
    const client = new EC2Client({ region: 'us-east-1' });
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: 'vpc-1',
          CidrBlockAssociationSet: [
            { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'disassociated' } },
            { CidrBlock: '10.2.0.0/16', CidrBlockState: { State: 'associating' } },
          ],
          Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18:abcd:1200::/56', Ipv6CidrBlockState: { State: 'associated' } }],
        },
      ],
    });
    const gateway = new AclGateway(
      client,
      async () => {},
      () => {},
    );

    // Act / Assess
    await expect(gateway.vpcCidrs('vpc-1')).resolves.toEqual(['10.0.0.0/16', '2600:1f18:abcd:1200::/56']);
    await expect(gateway.vpcCidrs('vpc-2')).rejects.toThrow(/VPC vpc-2 not returned by DescribeVpcs/);
  });
});
