import {
  CreateTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOW_LIST_TEMPLATE, DENY_LIST_TEMPLATE } from '../../../functions/network-facts/allow-list-seed';
import { parseRepeatOffenderState } from '../../../core/repeat-offenders';
import { createHandler } from '../../../functions/network-facts/handler';
import { parseAllowList } from '../../../core/allow-list';
import { parseDenyList } from '../../../core/deny-list';
import {
  ALLOW_LIST_SEED_TYPE,
  FAILED_CREATE_ID,
  ORIGINAL_ACL_TAG,
  NETWORK_FACTS_SERVICE_NAME,
  physicalIdOf,
} from '../../../functions/network-facts/contract';
import { NetworkFactsError, sharedOriginalAcl } from '../../../functions/network-facts/network-facts';
import { ec2Error } from '../../../simulation/ec2/errors';
import { Ec2NetworkAclStandIn } from '../../../simulation/ec2/stand-in';
import { TEST_CREDENTIALS } from '../../support/builders';
import { mockSdk, standInClient } from '../../support/sdk';
import { TelemetryCapture } from '../../../simulation/telemetry-capture';

const VPC = 'vpc-0123456789abcdef0';
const SUBNET_A = 'subnet-0123456789abcdef0';
const SUBNET_B = 'subnet-0fedcba9876543210';
const BLUE = 'acl-0b1e0000000000001';
const GREEN = 'acl-06ee0000000000002';
const ORIGINAL = 'acl-0419000000000000a';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response.s3.amazonaws.com/presigned';

const ec2 = mockSdk(EC2Client);

interface Sent {
  url: string;
  body: Record<string, unknown>;
}

/** The handler with EC2 stubbed (the file's `ec2` stub), or routed to a stand-in when one is given (its call log restarts here). */
function harness(standIn?: Ec2NetworkAclStandIn, sleep?: (ms: number) => Promise<void>) {
  if (standIn) standIn.calls.length = 0;
  const sent: Sent[] = [];
  const telemetry = new TelemetryCapture();
  const client = new EC2Client({ region: 'eu-west-1', credentials: TEST_CREDENTIALS });
  const handler = createHandler({
    ec2: standIn ? standInClient(client, standIn.routes()) : client,
    s3: new S3Client({ region: 'eu-west-1' }),
    respond: async (url, body) => {
      sent.push({ url, body: JSON.parse(body) as Record<string, unknown> });
    },
    telemetry: telemetry.telemetry({ serviceName: NETWORK_FACTS_SERVICE_NAME, metricsNamespace: 'AutoNACL' }),
    ...(sleep ? { sleep } : {}),
  });
  return { handler, sent, logs: telemetry.logs };
}

function properties(subnetIds = [SUBNET_A, SUBNET_B], blue = BLUE, green = GREEN) {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:facts',
    VpcId: VPC,
    SubnetIds: subnetIds,
    BlueNetworkAclId: blue,
    GreenNetworkAclId: green,
  };
}

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:facts',
  ResponseURL: RESPONSE_URL,
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/NaclFloodGuard/guid',
  RequestId: 'request-1',
  LogicalResourceId: 'NetworkAclsFacts',
  ResourceType: 'Custom::NetworkFacts',
};

function createEvent(props = properties()): CloudFormationCustomResourceEvent {
  return { ...common, RequestType: 'Create', ResourceProperties: props };
}

function updateEvent(physicalId: string, props = properties(), old = properties()): CloudFormationCustomResourceEvent {
  return { ...common, RequestType: 'Update', PhysicalResourceId: physicalId, ResourceProperties: props, OldResourceProperties: old };
}

function deleteEvent(physicalId: string, props = properties()): CloudFormationCustomResourceEvent {
  return { ...common, RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: props };
}

function vpc(overrides: Partial<Vpc> = {}): Vpc {
  return {
    VpcId: VPC,
    CidrBlockAssociationSet: [
      { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
      { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'disassociated' } },
      { CidrBlock: '100.64.0.0/20', CidrBlockState: { State: 'associated' } },
    ],
    Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2001:db8:1234::/56', Ipv6CidrBlockState: { State: 'associated' } }],
    ...overrides,
  };
}

function aclWith(aclId: string, ...subnetIds: string[]) {
  return {
    NetworkAclId: aclId,
    VpcId: VPC,
    Associations: subnetIds.map((s, i) => ({ SubnetId: s, NetworkAclId: aclId, NetworkAclAssociationId: `aclassoc-${aclId}-${i}` })),
  };
}

describe('network facts on Create', () => {
  it('records the shared original ACL and every associated VPC CIDR, with the exact EC2 calls', async () => {
    // Prepare
    const { handler, sent } = harness();
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: SUBNET_A, VpcId: VPC },
        { SubnetId: SUBNET_B, VpcId: VPC },
      ],
    });
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [aclWith(ORIGINAL, SUBNET_A, SUBNET_B)] });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [vpc()] });
    ec2.on(CreateTagsCommand).resolves({});

    // Act
    await handler(createEvent());

    // Assess
    expect(ec2.commandCalls(DescribeSubnetsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'subnet-id', Values: [SUBNET_A, SUBNET_B] }], MaxResults: 100, NextToken: undefined },
    ]);
    expect(ec2.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'association.subnet-id', Values: [SUBNET_A, SUBNET_B] }], MaxResults: 100, NextToken: undefined },
    ]);
    expect(ec2.commandCalls(DescribeVpcsCommand).map((c) => c.args[0].input)).toEqual([{ VpcIds: [VPC] }]);
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: [BLUE, GREEN], Tags: [{ Key: ORIGINAL_ACL_TAG, Value: ORIGINAL }] },
    ]);
    expect(ec2.commandCalls(ReplaceNetworkAclAssociationCommand)).toHaveLength(0);
    expect(sent).toEqual([
      {
        url: RESPONSE_URL,
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: physicalIdOf(VPC, BLUE),
          StackId: common.StackId,
          RequestId: 'request-1',
          LogicalResourceId: 'NetworkAclsFacts',
          Data: { OriginalNetworkAclId: ORIGINAL, VpcCidrs: '10.0.0.0/16,100.64.0.0/20,2001:db8:1234::/56' },
        },
      },
    ]);
  });

  it('follows NextToken through every page of subnets and ACLs', async () => {
    // Prepare
    const { handler, sent } = harness();
    ec2
      .on(DescribeSubnetsCommand, { NextToken: undefined })
      .resolves({ Subnets: [{ SubnetId: SUBNET_A, VpcId: VPC }], NextToken: 'subnets-2' })
      .on(DescribeSubnetsCommand, { NextToken: 'subnets-2' })
      .resolves({ Subnets: [{ SubnetId: SUBNET_B, VpcId: VPC }] });
    ec2
      .on(DescribeNetworkAclsCommand, { NextToken: undefined })
      .resolves({ NetworkAcls: [aclWith(ORIGINAL, SUBNET_A)], NextToken: 'acls-2' })
      .on(DescribeNetworkAclsCommand, { NextToken: 'acls-2' })
      .resolves({ NetworkAcls: [aclWith('acl-0ddd00000000000ff', SUBNET_B)] });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [vpc()] });

    // Act
    await handler(createEvent());

    // Assess: the second page's ACL is seen, so the subnets do not share one
    expect(ec2.commandCalls(DescribeSubnetsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'subnets-2']);
    expect(ec2.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'acls-2']);
    expect(sent[0]?.body).toMatchObject({
      Status: 'FAILED',
      Reason: `The protected subnets must share one network ACL, but ${SUBNET_A} uses ${ORIGINAL}, ${SUBNET_B} uses acl-0ddd00000000000ff. Associate them with one ACL or deploy one stack per ACL.`,
      PhysicalResourceId: FAILED_CREATE_ID,
    });
  });

  it('fails naming a subnet of another VPC and a subnet that does not exist', async () => {
    // Prepare
    const { handler, sent } = harness();
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: SUBNET_A, VpcId: 'vpc-0aaaaaaaaaaaaaaaa' }] });

    // Act
    await handler(createEvent());

    // Assess
    expect(sent[0]?.body.Status).toBe('FAILED');
    expect(sent[0]?.body.Reason).toBe(
      `Protected subnets are wrong: ${SUBNET_A} is in vpc-0aaaaaaaaaaaaaaaa, not in ${VPC}; ${SUBNET_B} was not found in this account and region. Fix -c subnetIds (and -c vpcId) and deploy again.`,
    );
    expect(ec2.commandCalls(DescribeNetworkAclsCommand)).toHaveLength(0);
  });

  it('fails with a clear reason when the VPC does not exist', async () => {
    // Prepare
    const { handler, sent } = harness();
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: SUBNET_A, VpcId: VPC },
        { SubnetId: SUBNET_B, VpcId: VPC },
      ],
    });
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [aclWith(ORIGINAL, SUBNET_A, SUBNET_B)] });
    ec2.on(DescribeVpcsCommand).rejects(ec2Error('InvalidVpcID.NotFound', `The vpc ID '${VPC}' does not exist`));

    // Act
    await handler(createEvent());

    // Assess
    expect(sent[0]?.body).toMatchObject({
      Status: 'FAILED',
      Reason: `VPC ${VPC} was not found in this account and region. Fix -c vpcId and deploy again.`,
    });
  });

  it('still answers CloudFormation when EC2 keeps throttling', async () => {
    // Prepare
    const { handler, sent, logs } = harness();
    ec2.on(DescribeSubnetsCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));

    // Act
    await handler(createEvent());

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({
      Status: 'FAILED',
      Reason: 'Unexpected error: Request limit exceeded.',
      PhysicalResourceId: FAILED_CREATE_ID,
    });
    expect(logs.filter((l) => l.level === 'ERROR').map((l) => l.entry)).toEqual([
      {
        level: 'ERROR',
        message: 'custom resource failed',
        timestamp: expect.any(String),
        service: 'network-facts',
        sampling_rate: 0,
        requestType: 'Create',
        reason: 'Unexpected error: Request limit exceeded.',
        // Powertools writes an Error with its name, message, location and stack, and the SDK's own fields.
        error: expect.objectContaining({
          name: 'RequestLimitExceeded',
          message: 'Request limit exceeded.',
          stack: expect.stringContaining('RequestLimitExceeded'),
          $metadata: expect.objectContaining({ httpStatusCode: 503 }),
        }),
      },
    ]);
  });

  it('rejects missing resource properties without calling EC2', async () => {
    // Prepare
    const { handler, sent } = harness();

    // Act
    await handler(createEvent({ ...properties(), SubnetIds: [] }));

    // Assess
    expect(sent[0]?.body).toMatchObject({
      Status: 'FAILED',
      Reason: 'Resource properties VpcId, SubnetIds, BlueNetworkAclId and GreenNetworkAclId are required.',
    });
    expect(ec2.calls()).toHaveLength(0);
  });

  it("keeps the reason within CloudFormation's response size", async () => {
    // Prepare
    const { handler, sent } = harness();
    const many = Array.from({ length: 60 }, (_, i) => `subnet-${i.toString(16).padStart(17, '0')}`);
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });

    // Act
    await handler(createEvent(properties(many)));

    // Assess
    // Assess: the first 1,500 characters of the reason, then where to read the rest; the whole response under 4,096 bytes
    const reason = String(sent[0]?.body.Reason);
    expect(reason).toHaveLength(1500 + '... (see the function log)'.length);
    expect(reason).toContain(`${many[0]} was not found in this account and region`);
    expect(reason.endsWith('... (see the function log)')).toBe(true);
    expect(JSON.stringify(sent[0]?.body).length).toBeLessThan(4096);
  });
});

/** A VPC in the stateful EC2 stand-in, with the stack's ACLs and two protected subnets on their original ACL. */
async function statefulNetwork() {
  const standIn = new Ec2NetworkAclStandIn();
  const vpcId = standIn.createVpc({ cidrs: ['10.0.0.0/16'] });
  const original = standIn.createNetworkAcl(vpcId);
  const blue = standIn.createNetworkAcl(vpcId, { [ORIGINAL_ACL_TAG]: original });
  const green = standIn.createNetworkAcl(vpcId, { [ORIGINAL_ACL_TAG]: original });
  const a = standIn.createSubnet(vpcId);
  const b = standIn.createSubnet(vpcId);
  const bystander = standIn.createSubnet(vpcId);
  for (const subnet of [a, b]) {
    await standIn.replaceNetworkAclAssociation({ AssociationId: standIn.associationIdOf(subnet), NetworkAclId: original });
  }
  const props = (subnets = [a, b]) => ({ ...properties(subnets, blue, green), VpcId: vpcId });
  const moveTo = async (subnet: string, acl: string) =>
    standIn.replaceNetworkAclAssociation({ AssociationId: standIn.associationIdOf(subnet), NetworkAclId: acl });
  return { standIn, vpcId, physicalId: physicalIdOf(vpcId, blue), original, blue, green, a, b, bystander, props, moveTo };
}

describe('network facts on Delete (stateful EC2 stand-in)', () => {
  it('moves every subnet on blue or green back to the recorded original ACL, so both can be deleted', async () => {
    // Prepare
    const net = await statefulNetwork();
    await net.moveTo(net.a, net.blue);
    await net.moveTo(net.b, net.blue);
    const oldAssociation = net.standIn.associationIdOf(net.a);
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(deleteEvent(net.physicalId, net.props()));

    // Assess
    expect(net.standIn.aclOf(net.a)).toBe(net.original);
    expect(net.standIn.aclOf(net.b)).toBe(net.original);
    expect(net.standIn.associationIdOf(net.a)).not.toBe(oldAssociation);
    expect(net.standIn.calls.find((c) => c.action === 'DescribeNetworkAcls')?.input).toEqual({
      Filters: [{ Name: 'network-acl-id', Values: [net.blue, net.green] }],
      MaxResults: 100,
      NextToken: undefined,
    });
    expect(net.standIn.mutatingCalls().map((c) => [c.action, (c.input as { NetworkAclId?: string }).NetworkAclId])).toEqual([
      ['ReplaceNetworkAclAssociation', net.original],
      ['ReplaceNetworkAclAssociation', net.original],
    ]);
    expect(sent[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: net.physicalId });
  });

  it('changes nothing when no subnet is on a stack ACL', async () => {
    // Prepare
    const net = await statefulNetwork();
    const before = net.standIn.snapshot();
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(deleteEvent(net.physicalId, net.props()));

    // Assess
    expect(net.standIn.snapshot()).toBe(before);
    expect(net.standIn.mutatingCalls()).toEqual([]);
    expect(sent[0]?.body.Status).toBe('SUCCESS');
  });

  it('lets a failed Create roll back without touching EC2', async () => {
    // Prepare
    const { handler, sent } = harness();

    // Act
    await handler(deleteEvent(FAILED_CREATE_ID));

    // Assess
    expect(ec2.calls()).toHaveLength(0);
    expect(sent[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: FAILED_CREATE_ID });
  });

  it('fails with the manual fix when the original ACL no longer exists', async () => {
    // Prepare
    const net = await statefulNetwork();
    await net.standIn.createTags({ Resources: [net.blue, net.green], Tags: [{ Key: ORIGINAL_ACL_TAG, Value: 'acl-0dead00000000dead' }] });
    await net.moveTo(net.a, net.green);
    const association = net.standIn.associationIdOf(net.a);
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(deleteEvent(net.physicalId, net.props()));

    // Assess
    expect(net.standIn.aclOf(net.a)).toBe(net.green);
    expect(sent[0]?.body).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: net.physicalId,
      Reason:
        `Cannot move ${net.a} back to its original network ACL acl-0dead00000000dead: that ACL no longer exists. ` +
        `Associate ${net.a} with an ACL of your choice (aws ec2 replace-network-acl-association --association-id ${association} ` +
        '--network-acl-id <acl-id>), then delete the stack again.',
    });
  });
});

describe('network facts on Delete without a recorded original', () => {
  it('fails naming the stranded subnets when the tag is gone', async () => {
    // Prepare
    const standIn = new Ec2NetworkAclStandIn();
    const vpcId = standIn.createVpc({ cidrs: ['10.0.0.0/16'] });
    const blue = standIn.createNetworkAcl(vpcId);
    const green = standIn.createNetworkAcl(vpcId);
    const subnet = standIn.createSubnet(vpcId);
    await standIn.replaceNetworkAclAssociation({ AssociationId: standIn.associationIdOf(subnet), NetworkAclId: blue });
    const { handler, sent } = harness(standIn);

    // Act
    await handler(deleteEvent(physicalIdOf(vpcId, blue), { ...properties([subnet], blue, green), VpcId: vpcId }));

    // Assess
    expect(standIn.aclOf(subnet)).toBe(blue);
    expect(sent[0]?.body).toMatchObject({ Status: 'FAILED' });
    expect(String(sent[0]?.body.Reason)).toContain(
      `${subnet} is on this stack's ACL, but the original ACL is not recorded (tag ${ORIGINAL_ACL_TAG} on ${blue} and ${green})`,
    );
  });
});

describe('network facts on Update (stateful EC2 stand-in)', () => {
  it('keeps the original ACL while subnets are mid-mitigation on a stack ACL', async () => {
    // Prepare
    const net = await statefulNetwork();
    await net.moveTo(net.a, net.green);
    await net.moveTo(net.b, net.green);
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(updateEvent(net.physicalId, net.props(), net.props()));

    // Assess
    expect(sent[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: net.physicalId,
      Data: { OriginalNetworkAclId: net.original },
    });
    expect(net.standIn.aclOf(net.a)).toBe(net.green);
    expect(net.standIn.mutatingCalls()).toEqual([]);
  });

  it('keeps the physical id the resource was created with, even in an older format, so CloudFormation never deletes it', async () => {
    // Prepare: created by a release whose physical id named only the VPC
    const net = await statefulNetwork();
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(updateEvent(`nacl-flood-guard-network-facts-${net.vpcId}`, net.props(), net.props()));

    // Assess
    expect(sent[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `nacl-flood-guard-network-facts-${net.vpcId}` });
  });

  it('gives two deployments in one VPC different physical ids', () => {
    expect(physicalIdOf('vpc-0123456789abcdef0', 'acl-0b1e0000000000001')).not.toBe(
      physicalIdOf('vpc-0123456789abcdef0', 'acl-0b1e0000000000003'),
    );
  });

  it('moves a subnet dropped from protection back to the original ACL, and only that one', async () => {
    // Prepare
    const net = await statefulNetwork();
    await net.moveTo(net.a, net.blue);
    await net.moveTo(net.b, net.blue);
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(updateEvent(net.physicalId, net.props([net.a]), net.props([net.a, net.b])));

    // Assess
    expect(sent[0]?.body.Status).toBe('SUCCESS');
    expect(net.standIn.aclOf(net.b)).toBe(net.original);
    expect(net.standIn.aclOf(net.a)).toBe(net.blue);
  });
});

describe('network facts across an update that changes the original ACL (stateful EC2 stand-in)', () => {
  it('records the new original, keeps the physical id, and teardown then restores the new one', async () => {
    // Prepare: the operator moved both subnets to another ACL of their own
    const net = await statefulNetwork();
    const replacement = net.standIn.createNetworkAcl(net.vpcId);
    await net.moveTo(net.a, replacement);
    await net.moveTo(net.b, replacement);
    const { handler, sent } = harness(net.standIn);

    // Act
    await handler(updateEvent(net.physicalId, net.props(), net.props()));
    await net.moveTo(net.a, net.blue);
    await handler(deleteEvent(net.physicalId, net.props()));

    // Assess
    expect(sent.map((r) => r.body.PhysicalResourceId)).toEqual([net.physicalId, net.physicalId]);
    expect(sent[0]?.body.Data).toMatchObject({ OriginalNetworkAclId: replacement });
    expect(net.standIn.tagsOf(net.blue)[ORIGINAL_ACL_TAG]).toBe(replacement);
    expect(net.standIn.aclOf(net.a)).toBe(replacement);
  });
});

describe('sharedOriginalAcl', () => {
  const network = { vpcId: VPC, subnetIds: ['subnet-1', 'subnet-2', 'subnet-3'], stackAclIds: [BLUE, GREEN] };
  const acl = fc.constantFrom('acl-1', 'acl-2', BLUE, GREEN);

  it('finds an original exactly when every subnet, counting stack ACLs as the previous original, shares one', () => {
    fc.assert(
      fc.property(fc.tuple(acl, acl, acl), fc.option(fc.constantFrom('acl-1', 'acl-2'), { nil: undefined }), (acls, previous) => {
        const aclBySubnet = new Map(network.subnetIds.map((s, i) => [s, acls[i] as string]));
        const effective = acls.map((a) => (a === BLUE || a === GREEN ? previous : a));
        const expected = effective.every((a) => a !== undefined && a === effective[0]) ? effective[0] : undefined;
        let actual: string | undefined;
        try {
          actual = sharedOriginalAcl(network, aclBySubnet, previous);
        } catch (error) {
          if (!(error instanceof NetworkFactsError)) throw error;
        }
        return actual === expected;
      }),
    );
  });
});

describe('allow-list seed', () => {
  const s3 = mockSdk(S3Client);
  const BUCKET = 'naclfloodguard-allowlist-1a2b3c';
  const KEY = 'allow-list.txt';

  function seedEvent(requestType: 'Create' | 'Update' | 'Delete', extra: Record<string, string> = {}): CloudFormationCustomResourceEvent {
    const base = {
      ...common,
      LogicalResourceId: 'MitigationAllowListSeed',
      ResourceType: ALLOW_LIST_SEED_TYPE,
      ResourceProperties: { ServiceToken: common.ServiceToken, Bucket: BUCKET, Key: KEY, ...extra },
    };
    if (requestType === 'Create') return { ...base, RequestType: 'Create' };
    if (requestType === 'Update')
      return {
        ...base,
        RequestType: 'Update',
        PhysicalResourceId: `s3://${BUCKET}/${KEY}`,
        OldResourceProperties: base.ResourceProperties,
      };
    return { ...base, RequestType: 'Delete', PhysicalResourceId: `s3://${BUCKET}/${KEY}` };
  }

  function preconditionFailed(): S3ServiceException {
    return new S3ServiceException({
      name: 'PreconditionFailed',
      $fault: 'client',
      $metadata: { httpStatusCode: 412 },
      message: 'At least one of the pre-conditions you specified did not hold',
    });
  }

  it('writes a commented, empty allow list only if none exists', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    const { handler, sent } = harness();

    // Act
    await handler(seedEvent('Create'));

    // Assess
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: KEY, Body: ALLOW_LIST_TEMPLATE, ContentType: 'text/plain; charset=utf-8', IfNoneMatch: '*' },
    ]);
    expect(sent[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `s3://${BUCKET}/${KEY}` });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('keeps an allow list the operator already wrote', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const { handler, sent, logs } = harness();

    // Act
    await handler(seedEvent('Update'));

    // Assess
    expect(sent[0].body).toMatchObject({ Status: 'SUCCESS' });
    expect(logs.map((l) => l.entry)).toContainEqual(expect.objectContaining({ message: 'allow list seeded', outcome: 'kept existing' }));
  });

  it('fails the deploy with the reason when the write is refused for another cause', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }),
    );
    const { handler, sent } = harness();

    // Act
    await handler(seedEvent('Create'));

    // Assess
    expect(sent[0].body).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('Access Denied') });
  });

  it('leaves the allow list in place when the stack is deleted', async () => {
    // Prepare
    const { handler, sent } = harness();

    // Act
    await handler(seedEvent('Delete'));

    // Assess
    expect(s3.calls()).toHaveLength(0);
    expect(sent[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `s3://${BUCKET}/${KEY}` });
  });

  it('seeds a list the updater reads as valid and empty', () => {
    // Act
    const parsed = parseAllowList(ALLOW_LIST_TEMPLATE);

    // Assess
    expect(parsed.networks).toEqual([]);
    expect(parsed.invalidLines).toEqual([]);
  });

  it('writes the commented deny-list template for List "deny", only if none exists', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejectsOnce(preconditionFailed());
    const { handler, sent, logs } = harness();

    // Act
    await handler(seedEvent('Create', { List: 'deny' }));

    // Assess
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: KEY, Body: DENY_LIST_TEMPLATE, ContentType: 'text/plain; charset=utf-8', IfNoneMatch: '*' },
    ]);
    expect(sent[0].body).toMatchObject({ Status: 'SUCCESS' });
    expect(logs.map((l) => l.entry)).toContainEqual(expect.objectContaining({ message: 'deny list seeded', outcome: 'kept existing' }));
    expect(parseDenyList(DENY_LIST_TEMPLATE)).toEqual({ entries: [], invalidLines: [] });
  });

  it('writes an empty repeat-offender state for List "repeat-offenders", only if none exists, which the updater reads as no history', async () => {
    // Prepare
    const { handler, sent, logs } = harness();

    // Act
    await handler(seedEvent('Create', { List: 'repeat-offenders' }));

    // Assess
    const [put] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(put).toMatchObject({ Bucket: BUCKET, Key: KEY, ContentType: 'application/json', IfNoneMatch: '*' });
    expect(parseRepeatOffenderState(String(put?.Body))).toEqual({ ok: true, state: {} });
    expect(sent[0].body).toMatchObject({ Status: 'SUCCESS' });
    expect(logs.map((l) => l.entry)).toContainEqual(
      expect.objectContaining({ message: 'repeat-offender state seeded', outcome: 'created' }),
    );
  });

  it('fails the deploy on an unknown List property', async () => {
    // Prepare
    const { handler, sent } = harness();

    // Act
    await handler(seedEvent('Create', { List: 'block' }));

    // Assess
    expect(s3.calls()).toHaveLength(0);
    expect(sent[0].body).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('Resource property List must be one of "allow", "deny", "repeat-offenders", got "block"'),
    });
  });
});

describe('network facts on Create, right after CloudFormation created the stack ACLs (eventually consistent EC2)', () => {
  /** Blue and green created at t=0 by a stand-in whose calls lag by up to `maxLagMs`; the handler's waits move the clock. */
  function justCreated(maxLagMs: number) {
    const clock = { ms: 0 };
    const standIn = new Ec2NetworkAclStandIn({ consistency: { maxLagMs, seed: 3, now: () => clock.ms } });
    const vpcId = standIn.createVpc({ cidrs: ['10.0.0.0/16'] });
    const subnets = [standIn.createSubnet(vpcId), standIn.createSubnet(vpcId)];
    clock.ms = 600_000;
    const [blue, green] = [standIn.createNetworkAcl(vpcId), standIn.createNetworkAcl(vpcId)];
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      clock.ms += ms;
    };
    return { standIn, vpcId, subnets, blue: blue!, green: green!, sleeps, sleep };
  }

  it('retries tagging a stack ACL EC2 does not show yet, with growing waits, and records the original', async () => {
    // Prepare: every call lags 0-5 s, so the first tag call, made at once, cannot see the new ACLs
    const net = justCreated(5_000);
    const { handler, sent } = harness(net.standIn, net.sleep);

    // Act
    await handler(createEvent({ ...properties(net.subnets, net.blue, net.green), VpcId: net.vpcId }));

    // Assess
    const tagCalls = net.standIn.calls.filter((c) => c.action === 'CreateTags');
    expect(tagCalls.length).toBe(net.sleeps.length + 1);
    expect(net.sleeps).toEqual([1_000, 2_000, 4_000].slice(0, net.sleeps.length));
    expect(net.sleeps.length).toBeGreaterThan(0);
    expect(net.standIn.tagsOf(net.blue)[ORIGINAL_ACL_TAG]).toBe(net.standIn.defaultNetworkAclId(net.vpcId));
    expect(net.standIn.tagsOf(net.green)[ORIGINAL_ACL_TAG]).toBe(net.standIn.defaultNetworkAclId(net.vpcId));
    expect(sent[0]?.body).toMatchObject({ Status: 'SUCCESS' });
  });

  it('answers FAILED with the NotFound reason when the ACLs stay invisible past the last wait', async () => {
    // Prepare: lags of up to 10 minutes outlast the six waits (63 s in all)
    const net = justCreated(600_000);
    const { handler, sent } = harness(net.standIn, net.sleep);

    // Act
    await handler(createEvent({ ...properties(net.subnets, net.blue, net.green), VpcId: net.vpcId }));

    // Assess
    expect(net.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(net.standIn.calls.filter((c) => c.action === 'CreateTags')).toHaveLength(7);
    expect(sent[0]?.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('does not exist') });
  });
});
