import type { Stack } from '@aws-sdk/client-cloudformation';
import type { FlowLog, NetworkAcl, NetworkAclEntry } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config';
import {
  checkBootstrap,
  checkFlowLogs,
  checkLambdaConcurrency,
  checkStackName,
  checkTimestream,
  outputsOf,
} from '../../../tools/preflight/checks/account';
import { aclEntries, checkAclRoom, checkSharedAcl, checkVpcAndSubnets } from '../../../tools/preflight/checks/network';
import type { DeploymentPlan, Read } from '../../../tools/preflight/checks/result';
import { contextReader, SUBNET_IDS, VPC_ID } from '../../support/builders';

const [SUBNET_A, SUBNET_B] = SUBNET_IDS;
const ACL = 'acl-0aaaaaaaaaaaaaaaa';

function plan(overrides: Partial<DeploymentPlan> = {}, context: Record<string, string> = {}): DeploymentPlan {
  return {
    config: parseConfig(contextReader(context)),
    stackName: 'NaclFloodGuard',
    description: `nacl-flood-guard: network-flood auto-mitigation for ${VPC_ID} (TCP/443)`,
    reservedConcurrency: 0,
    usesTimestream: true,
    flowLogsPerSubnet: new Map(SUBNET_IDS.map((s) => [s, 1])),
    bootstrapQualifier: 'hnb659fds',
    ...overrides,
  };
}

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const denied: Read<never> = { ok: false, error: 'UnauthorizedOperation: You are not authorized to perform this operation.' };

const allowAll = (ruleNumber: number, egress: boolean): NetworkAclEntry => ({
  RuleNumber: ruleNumber,
  Egress: egress,
  Protocol: '-1',
  RuleAction: 'allow',
  CidrBlock: '0.0.0.0/0',
});
const defaultDeny = (egress: boolean): NetworkAclEntry => ({
  RuleNumber: 32767,
  Egress: egress,
  Protocol: '-1',
  RuleAction: 'deny',
  CidrBlock: '0.0.0.0/0',
});

function acl(id: string, subnets: readonly string[], extra: Partial<NetworkAcl> = {}): NetworkAcl {
  return {
    NetworkAclId: id,
    VpcId: VPC_ID,
    Entries: [allowAll(100, false), defaultDeny(false), allowAll(100, true), defaultDeny(true)],
    Associations: subnets.map((SubnetId) => ({ SubnetId, NetworkAclId: id })),
    ...extra,
  };
}

describe('VPC and subnets', () => {
  const subnets = SUBNET_IDS.map((SubnetId) => ({ SubnetId, VpcId: VPC_ID }));

  it('passes when the VPC and every subnet exist in it', () => {
    expect(checkVpcAndSubnets(plan(), ok({ VpcId: VPC_ID }), ok(subnets))).toEqual({
      check: 'VPC and subnets',
      status: 'pass',
      detail: `${VPC_ID} and its 2 subnets exist`,
    });
  });

  it('fails on a VPC that does not exist, naming the region as a likely cause', () => {
    const result = checkVpcAndSubnets(plan(), ok(undefined), ok(subnets));
    expect(result).toMatchObject({ status: 'fail', detail: `VPC ${VPC_ID} does not exist in this account and region` });
    expect(result.fix).toMatch(/-c vpcId.*AWS_REGION/);
  });

  it('fails naming the subnets that do not exist', () => {
    const result = checkVpcAndSubnets(plan(), ok({ VpcId: VPC_ID }), ok([subnets[0]!]));
    expect(result).toMatchObject({ status: 'fail', detail: `${SUBNET_B} not found in this account and region` });
  });

  it('fails naming a subnet of another VPC and its VPC', () => {
    const result = checkVpcAndSubnets(
      plan(),
      ok({ VpcId: VPC_ID }),
      ok([subnets[0]!, { SubnetId: SUBNET_B, VpcId: 'vpc-0bbbbbbbbbbbbbbbb' }]),
    );
    expect(result).toMatchObject({ status: 'fail', detail: `${SUBNET_B} is in vpc-0bbbbbbbbbbbbbbbb, not in ${VPC_ID}` });
  });

  it('warns with the permission when the VPC or the subnets cannot be read', () => {
    expect(checkVpcAndSubnets(plan(), denied, ok(subnets))).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('ec2:DescribeVpcs'),
    });
    expect(checkVpcAndSubnets(plan(), ok({ VpcId: VPC_ID }), denied)).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('UnauthorizedOperation'),
      fix: expect.stringContaining('ec2:DescribeSubnets'),
    });
  });
});

describe('one network ACL', () => {
  it('passes with the shared ACL as both the one in use and the original', () => {
    expect(checkSharedAcl(plan(), ok([acl(ACL, SUBNET_IDS)]), {})).toEqual({
      result: { check: 'one network ACL', status: 'pass', detail: `all 2 subnets use ${ACL}` },
      acl: { inUse: ACL, original: ACL },
    });
  });

  it("fails naming each subnet's ACL when they differ", () => {
    const { result, acl: shared } = checkSharedAcl(plan(), ok([acl(ACL, [SUBNET_A]), acl('acl-0bbbbbbbbbbbbbbbb', [SUBNET_B])]), {});
    expect(shared).toBeUndefined();
    expect(result).toMatchObject({
      status: 'fail',
      detail: `the subnets do not share one network ACL: ${SUBNET_A} uses ${ACL} and ${SUBNET_B} uses acl-0bbbbbbbbbbbbbbbb`,
    });
  });

  it('fails when a subnet has no ACL in the answer', () => {
    const { result } = checkSharedAcl(plan(), ok([acl(ACL, [SUBNET_A])]), {});
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringContaining(`${SUBNET_B} uses no ACL found`) });
  });

  it("on this deployment's own blue ACL (a redeploy), the original is the recorded one", () => {
    const outputs = { BlueNetworkAclId: ACL, GreenNetworkAclId: 'acl-0ccccccccccccccc1', OriginalNetworkAclId: 'acl-0ddddddddddddddd1' };
    expect(checkSharedAcl(plan(), ok([acl(ACL, SUBNET_IDS)]), outputs)).toMatchObject({
      result: { status: 'pass' },
      acl: { inUse: ACL, original: 'acl-0ddddddddddddddd1' },
    });
  });

  it("fails when the subnets are on another deployment's ACL (it carries the updater's watermark)", () => {
    const tags = [
      { Key: 'nacl-flood-guard:last-applied-generated-at', Value: '2026-01-01T00:00:00.000Z' },
      { Key: 'aws:cloudformation:stack-name', Value: 'OtherGuard' },
    ];
    const { result, acl: shared } = checkSharedAcl(plan(), ok([acl(ACL, SUBNET_IDS, { Tags: tags })]), {});
    expect(shared).toBeUndefined();
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('stack OtherGuard'),
      fix: expect.stringContaining('stackName=OtherGuard'),
    });
  });

  it('passes on an ACL of another stack that is not a deployment (no watermark), e.g. one the VPC stack made', () => {
    const tags = [{ Key: 'aws:cloudformation:stack-name', Value: 'NetworkStack' }];
    expect(checkSharedAcl(plan(), ok([acl(ACL, SUBNET_IDS, { Tags: tags })]), {}).result.status).toBe('pass');
  });

  it('warns when the ACLs cannot be read', () => {
    expect(checkSharedAcl(plan(), denied, {}).result).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('ec2:DescribeNetworkAcls'),
    });
  });
});

describe('room for deny rules', () => {
  const entries = aclEntries(acl(ACL, SUBNET_IDS));

  it('passes with the deny rules that fit: the limit minus the default rule and the mirrored inbound rule', () => {
    expect(checkAclRoom(plan(), ACL, entries, ok(20), false)).toEqual({
      check: 'room for deny rules',
      status: 'pass',
      detail: `18 IPv4 deny rules fit in 20 rules per ACL beside 1 inbound rule of ${ACL}`,
    });
  });

  it('counts IPv6 too in a dual-stack VPC, and says when the quota allows more than configured', () => {
    const dual = aclEntries(
      acl(ACL, SUBNET_IDS, { Entries: [allowAll(100, false), { ...allowAll(101, false), CidrBlock: undefined, Ipv6CidrBlock: '::/0' }] }),
    );
    expect(checkAclRoom(plan(), ACL, dual, ok(40), true).detail).toBe(
      `18 IPv4 and 18 IPv6 deny rules fit in 20 rules per ACL beside 2 inbound rules of ${ACL} (the account allows 40: -c naclRuleLimit=40 gives more room)`,
    );
  });

  it('fails when naclRuleLimit is above the account quota', () => {
    const result = checkAclRoom(plan({}, { naclRuleLimit: '40' }), ACL, entries, ok(20), false);
    expect(result).toMatchObject({ status: 'fail', detail: 'naclRuleLimit is 40 but the account\'s "rules per network ACL" quota is 20' });
    expect(result.fix).toBe('-c naclRuleLimit=20, or request a quota increase (Service Quotas, vpc L-2AEEBF1A, up to 40)');
  });

  it("fails when the ACL's own inbound rules leave no room", () => {
    const full = Array.from({ length: 19 }, (_, i) => allowAll(100 + i, false));
    const result = checkAclRoom(plan(), ACL, aclEntries(acl(ACL, SUBNET_IDS, { Entries: full })), ok(20), false);
    expect(result).toMatchObject({ status: 'fail', detail: `0 IPv4 deny rules fit in 20 rules per ACL beside 19 inbound rules of ${ACL}` });
  });

  it('fails when the IPv6 family has no room in a dual-stack VPC', () => {
    const v6 = Array.from({ length: 19 }, (_, i) => ({
      ...allowAll(100 + i, false),
      CidrBlock: undefined,
      Ipv6CidrBlock: `2001:db8:${i}::/48`,
    }));
    const result = checkAclRoom(plan(), ACL, aclEntries(acl(ACL, SUBNET_IDS, { Entries: [allowAll(99, false), ...v6] })), ok(20), true);
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringContaining('18 IPv4 and 0 IPv6 deny rules') });
  });

  it('warns when fewer than 5 deny rules fit', () => {
    const crowded = Array.from({ length: 16 }, (_, i) => allowAll(100 + i, false));
    const result = checkAclRoom(plan(), ACL, aclEntries(acl(ACL, SUBNET_IDS, { Entries: crowded })), ok(20), false);
    expect(result).toMatchObject({ status: 'warn', detail: expect.stringContaining('3 IPv4 deny rules') });
  });

  it('uses the configured limit where the quota is not readable or has no value, and says so', () => {
    expect(checkAclRoom(plan(), ACL, entries, denied, false)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('(the account quota could not be read: UnauthorizedOperation'),
    });
    expect(checkAclRoom(plan(), ACL, entries, ok(undefined), false).detail).toContain('Service Quotas has no value for this account');
  });
});

describe('flow logs per subnet', () => {
  const flowLog = (id: string, subnet: string, stackName?: string): FlowLog => ({
    FlowLogId: id,
    ResourceId: subnet,
    Tags: stackName ? [{ Key: 'aws:cloudformation:stack-name', Value: stackName }] : [],
  });

  it('passes with one other flow log on a subnet: the stack adds the second', () => {
    expect(checkFlowLogs(plan(), ok([flowLog('fl-1', SUBNET_A)]))).toEqual({
      check: 'flow logs per subnet',
      status: 'pass',
      detail: "1 other flow log on the subnets: room for the stack's",
    });
  });

  it('fails naming the subnet and its flow logs when it has 2 already (the limit cannot be raised)', () => {
    const result = checkFlowLogs(plan(), ok([flowLog('fl-1', SUBNET_B), flowLog('fl-2', SUBNET_B)]));
    expect(result).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(new RegExp(`^${SUBNET_B} has 2 \\(fl-1, fl-2\\);.*cannot be raised`)),
    });
    expect(result.fix).toContain('aws ec2 delete-flow-logs');
  });

  it("does not count this deployment's own flow log (a redeploy replaces it)", () => {
    expect(checkFlowLogs(plan(), ok([flowLog('fl-1', SUBNET_A), flowLog('fl-2', SUBNET_A, 'NaclFloodGuard')])).status).toBe('pass');
    expect(checkFlowLogs(plan(), ok([flowLog('fl-1', SUBNET_A), flowLog('fl-2', SUBNET_A, 'OtherGuard')])).status).toBe('fail');
  });

  it('warns when the flow logs cannot be read', () => {
    expect(checkFlowLogs(plan(), denied)).toMatchObject({ status: 'warn', fix: expect.stringContaining('ec2:DescribeFlowLogs') });
  });
});

describe('Timestream access', () => {
  it('passes when a Timestream read succeeds, or when the stack uses another store', () => {
    expect(checkTimestream(plan(), ok([]))).toMatchObject({ status: 'pass', detail: 'this account can use Timestream for LiveAnalytics' });
    expect(checkTimestream(plan({ usesTimestream: false }), undefined)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('not needed'),
    });
  });

  it('fails on the answer to accounts that are not Timestream customers, advising the DynamoDB store', () => {
    const closed = {
      ok: false as const,
      error: 'AccessDeniedException: Only existing Timestream for LiveAnalytics customers can access the service.',
    };
    expect(checkTimestream(plan(), closed)).toMatchObject({ status: 'fail', fix: 'deploy with -c binStore=dynamodb' });
  });

  it('warns on any other error (the credentials may lack the permission)', () => {
    const other = { ok: false as const, error: 'AccessDeniedException: User is not authorized to perform: timestream:ListDatabases' };
    expect(checkTimestream(plan(), other)).toMatchObject({ status: 'warn', detail: expect.stringContaining('not authorized') });
  });
});

describe('Lambda concurrency', () => {
  it('passes when the stack reserves nothing, even at the unreserved minimum', () => {
    expect(checkLambdaConcurrency(plan(), ok({ ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 }))).toEqual({
      check: 'Lambda concurrency',
      status: 'pass',
      detail:
        "the stack reserves none (its verdict queue runs one updater at a time); 10 of the account's 10 concurrent executions are unreserved",
    });
  });

  it('fails when a reservation would take unreserved concurrency below 100', () => {
    const result = checkLambdaConcurrency(
      plan({ reservedConcurrency: 1 }),
      ok({ ConcurrentExecutions: 100, UnreservedConcurrentExecutions: 100 }),
    );
    expect(result).toMatchObject({ status: 'fail', detail: expect.stringContaining('the stack reserves 1 but 100') });
    expect(result.fix).toContain('L-B99A9384');
  });

  it('passes a reservation the account has headroom for', () => {
    expect(
      checkLambdaConcurrency(plan({ reservedConcurrency: 1 }), ok({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 101 }))
        .status,
    ).toBe('pass');
  });

  it('warns when the settings cannot be read', () => {
    expect(checkLambdaConcurrency(plan(), denied)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('lambda:GetAccountSettings'),
    });
  });
});

describe('CDK bootstrap', () => {
  const toolkit = (extra: Partial<Stack> = {}): Stack => ({
    StackName: 'CDKToolkit',
    StackStatus: 'UPDATE_COMPLETE',
    CreationTime: new Date(0),
    Parameters: [{ ParameterKey: 'Qualifier', ParameterValue: 'hnb659fds' }],
    Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }],
    ...extra,
  });

  it('passes with the toolkit stack at a recent version and the expected qualifier', () => {
    expect(checkBootstrap(plan(), 'CDKToolkit', ok(toolkit()))).toEqual({
      check: 'CDK bootstrap',
      status: 'pass',
      detail: 'CDKToolkit (qualifier hnb659fds, version 30)',
    });
  });

  it('fails without a toolkit stack, with the bootstrap command', () => {
    expect(checkBootstrap(plan(), 'CDKToolkit', ok(undefined))).toEqual({
      check: 'CDK bootstrap',
      status: 'fail',
      detail: 'no bootstrap stack CDKToolkit in this account and region',
      fix: 'npx cdk bootstrap --toolkit-stack-name CDKToolkit',
    });
  });

  it('fails on another qualifier, a version below 6, or a stack mid-operation', () => {
    expect(checkBootstrap(plan({ bootstrapQualifier: 'team1' }), 'Toolkit1', ok(toolkit()))).toMatchObject({
      status: 'fail',
      detail: 'Toolkit1 has qualifier hnb659fds, the app expects team1',
      fix: 'npx cdk bootstrap --toolkit-stack-name Toolkit1 --qualifier team1',
    });
    expect(
      checkBootstrap(plan(), 'CDKToolkit', ok(toolkit({ Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '5' }] }))),
    ).toMatchObject({
      status: 'fail',
      detail: 'CDKToolkit is at bootstrap version 5, below 6',
    });
    expect(checkBootstrap(plan(), 'CDKToolkit', ok(toolkit({ StackStatus: 'UPDATE_IN_PROGRESS' })))).toMatchObject({ status: 'fail' });
  });

  it('warns when the stack cannot be read', () => {
    expect(checkBootstrap(plan(), 'CDKToolkit', denied)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('cloudformation:DescribeStacks'),
    });
  });
});

describe('stack name', () => {
  const existing = (extra: Partial<Stack> = {}): Stack => ({
    StackName: 'NaclFloodGuard',
    StackStatus: 'CREATE_COMPLETE',
    CreationTime: new Date(0),
    Description: `nacl-flood-guard: network-flood auto-mitigation for ${VPC_ID} (UDP/53)`,
    ...extra,
  });

  it('passes when the name is free', () => {
    expect(checkStackName(plan(), ok(undefined))).toEqual({
      check: 'stack name',
      status: 'pass',
      detail: 'NaclFloodGuard is free: the deploy creates it',
    });
  });

  it('passes when the stack is this deployment (same VPC; other settings may change)', () => {
    expect(checkStackName(plan(), ok(existing()))).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('the deploy updates it'),
    });
  });

  it('fails when the stack protects another VPC', () => {
    const other = existing({ Description: 'nacl-flood-guard: network-flood auto-mitigation for vpc-0bbbbbbbbbbbbbbbb (TCP/443)' });
    expect(checkStackName(plan(), ok(other))).toMatchObject({
      status: 'fail',
      detail: `NaclFloodGuard protects vpc-0bbbbbbbbbbbbbbbb: deploying would move its protection to ${VPC_ID}`,
      fix: expect.stringContaining('-c stackName='),
    });
  });

  it('fails when the stack is not a nacl-flood-guard deployment', () => {
    expect(checkStackName(plan(), ok(existing({ Description: 'my web app' })))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not a nacl-flood-guard'),
    });
  });

  it('fails on a stack that cannot be updated or is busy', () => {
    expect(checkStackName(plan(), ok(existing({ StackStatus: 'ROLLBACK_COMPLETE' })))).toMatchObject({
      status: 'fail',
      fix: 'aws cloudformation delete-stack --stack-name NaclFloodGuard, then deploy',
    });
    expect(checkStackName(plan(), ok(existing({ StackStatus: 'UPDATE_IN_PROGRESS' })))).toMatchObject({
      status: 'fail',
      detail: 'NaclFloodGuard is UPDATE_IN_PROGRESS',
    });
  });

  it('warns when the stack cannot be read', () => {
    expect(checkStackName(plan(), denied)).toMatchObject({ status: 'warn' });
  });

  it("reads a stack's outputs by key", () => {
    expect(outputsOf(existing({ Outputs: [{ OutputKey: 'BlueNetworkAclId', OutputValue: ACL }, { OutputKey: 'Empty' }] }))).toEqual({
      BlueNetworkAclId: ACL,
    });
    expect(outputsOf(undefined)).toEqual({});
  });
});
