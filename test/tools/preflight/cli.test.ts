import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeFlowLogsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type NetworkAcl,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListDatabasesCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DESCRIPTION_PREFIX } from '../../../tools/preflight/checks/account';
import { main, parseArgs, projectContext, UsageError, type PreflightArgs } from '../../../tools/preflight/cli';
import { deploymentPlan } from '../../../tools/preflight/plan';
import { scratchDir } from '../../support/files';
import { mockSdk } from '../../support/sdk';
import { STACK_CONTEXT, SUBNET_IDS, VPC_ID } from '../../support/builders';

/** The app's default stack name for the example VPC: one stack per VPC. */
const STACK_NAME = `NaclFloodGuard-${VPC_ID}`;

const ec2 = mockSdk(EC2Client);
const cloudFormation = mockSdk(CloudFormationClient);
const lambda = mockSdk(LambdaClient);
const quotas = mockSdk(ServiceQuotasClient);
const timestream = mockSdk(TimestreamWriteClient);
const sts = mockSdk(STSClient);

const [SUBNET_A, SUBNET_B] = SUBNET_IDS;
const ACL = 'acl-0aaaaaaaaaaaaaaaa';
const DEPLOY_ARGS = Object.entries(STACK_CONTEXT).flatMap(([key, value]) => ['-c', `${key}=${value}`]);

async function run(argv: readonly string[], cwd = process.cwd()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { cwd, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function notFound(stackName: string) {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `Stack with id ${stackName} does not exist`,
  });
}

/** A healthy account: the VPC, subnets on one ACL with an allow-all rule, no flow logs, Timestream open, bootstrapped, the name free. */
function healthyAccount(): void {
  const sharedAcl: NetworkAcl = {
    NetworkAclId: ACL,
    VpcId: VPC_ID,
    Entries: [
      { RuleNumber: 100, Egress: false, Protocol: '-1', RuleAction: 'allow', CidrBlock: '0.0.0.0/0' },
      { RuleNumber: 32767, Egress: false, Protocol: '-1', RuleAction: 'deny', CidrBlock: '0.0.0.0/0' },
    ],
    Associations: SUBNET_IDS.map((SubnetId) => ({ SubnetId, NetworkAclId: ACL })),
  };
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC_ID }] });
  // Two pages: the preflight follows NextToken.
  ec2
    .on(DescribeSubnetsCommand)
    .callsFake((input: { NextToken?: string }) =>
      input.NextToken === 'page-2'
        ? { Subnets: [{ SubnetId: SUBNET_B, VpcId: VPC_ID }] }
        : { Subnets: [{ SubnetId: SUBNET_A, VpcId: VPC_ID }], NextToken: 'page-2' },
    );
  ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [sharedAcl] });
  ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
  quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 20 } });
  timestream.on(ListDatabasesCommand).resolves({ Databases: [] });
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [
      {
        StackName: 'CDKToolkit',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(0),
        Parameters: [{ ParameterKey: 'Qualifier', ParameterValue: 'hnb659fds' }],
        Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }],
      },
    ],
  });
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK_NAME }).rejects(notFound(STACK_NAME));
}

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('preflight command line', () => {
  it('reads -c and --context as key=value text, and the toolkit stack name', () => {
    expect(parseArgs(['-c', 'vpcId=vpc-1', '--context', 'allowListKey=a=b.txt', '--toolkit-stack-name', 'Tk'])).toEqual({
      context: { vpcId: 'vpc-1', allowListKey: 'a=b.txt' },
      toolkitStackName: 'Tk',
      help: false,
    });
  });

  it('refuses an unknown flag, a flag without value and a context without key=value', () => {
    expect(() => parseArgs(['--profile', 'x'])).toThrow(new UsageError('unknown argument --profile'));
    expect(() => parseArgs(['-c'])).toThrow(new UsageError('-c needs a value'));
    expect(() => parseArgs(['-c', '=x'])).toThrow(new UsageError('-c =x: expected key=value'));
  });

  it("merges cdk.json's context, cdk.context.json and the command line, the command line last, as the CDK CLI does", async () => {
    const dir = await scratchDir('preflight');
    writeFileSync(
      join(dir, 'cdk.json'),
      JSON.stringify({ toolkitStackName: 'TeamToolkit', context: { vpcId: 'vpc-from-cdk-json', windowMinutes: '30' } }),
    );
    writeFileSync(join(dir, 'cdk.context.json'), JSON.stringify({ windowMinutes: '45', listenerPort: '53' }));
    const args: PreflightArgs = { context: { listenerPort: '443' }, toolkitStackName: undefined, help: false };
    expect(projectContext(dir, args)).toEqual({
      context: { vpcId: 'vpc-from-cdk-json', windowMinutes: '45', listenerPort: '443' },
      toolkitStackName: 'TeamToolkit',
    });
    expect(projectContext(dir, { ...args, toolkitStackName: 'Other' }).toolkitStackName).toBe('Other');
    expect(projectContext(await scratchDir('preflight'), args).toolkitStackName).toBe('CDKToolkit');
  });

  it('exits 2 with the usage on a bad command line, and 0 with the usage on --help', async () => {
    const bad = await run(['--vpc', 'x']);
    expect(bad).toEqual({ code: 2, out: [], err: [expect.stringMatching(/^preflight: unknown argument --vpc\nusage: npm run preflight/)] });
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, out: [expect.stringMatching(/^usage: npm run preflight -- -c vpcId=/)] });
  });

  it('exits 2 with the validation message cdk deploy gives, before any AWS call', async () => {
    const missing = await run(['-c', `vpcId=${VPC_ID}`]);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(
      /^Invalid nacl-flood-guard configuration:\n {2}- Missing required context keys: subnetIds, listenerPort, listenerProtocol\./,
    );
    const bad = await run([...DEPLOY_ARGS, '-c', 'listenerPort=70000']);
    expect(bad).toMatchObject({ code: 2, err: [expect.stringContaining('listenerPort "70000" must be a whole number from 1 to 65535')] });
    expect(sts.calls()).toHaveLength(0);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('exits 2 with one line when no region is configured', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_CONFIG_FILE', join(await scratchDir('preflight'), 'none'));
    const result = await run(DEPLOY_ARGS);
    expect(result).toEqual({
      code: 2,
      out: [],
      err: ['preflight: no AWS region configured. Fix: set AWS_REGION, or a region in your AWS profile (aws configure)'],
    });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('exits 2 with one line when the credentials are missing or invalid', async () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers\nmore detail'), {
      name: 'CredentialsProviderError',
    });
    sts.on(GetCallerIdentityCommand).rejects(missing);
    const result = await run(DEPLOY_ARGS);
    expect(result).toEqual({
      code: 2,
      out: [],
      err: [
        'preflight: no usable AWS credentials (CredentialsProviderError: Could not load credentials from any providers). Fix: aws configure, aws sso login, or set AWS_PROFILE',
      ],
    });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('preflight against an account', () => {
  it('exits 0 and prints one pass line per check in a healthy account, with read-only calls only', async () => {
    healthyAccount();
    const result = await run(DEPLOY_ARGS);
    expect(result).toEqual({
      code: 0,
      err: [],
      out: [
        `preflight of stack ${STACK_NAME} in account 123456789012, eu-west-1:`,
        `PASS  VPC and subnets: ${VPC_ID} and its 2 subnets exist`,
        `PASS  one network ACL: all 2 subnets use ${ACL}`,
        `PASS  room for deny rules: 18 IPv4 deny rules fit in 20 rules per ACL beside 1 inbound rule of ${ACL}`,
        "PASS  flow logs per subnet: 0 other flow logs on the subnets: room for the stack's",
        'PASS  Timestream access: this account can use Timestream for LiveAnalytics',
        "PASS  Lambda concurrency: the stack reserves none (its verdict queue runs one updater at a time); 1000 of the account's 1000 concurrent executions are unreserved",
        'PASS  CDK bootstrap: CDKToolkit (qualifier hnb659fds, version 30)',
        `PASS  stack name: ${STACK_NAME} is free: the deploy creates it`,
        '8 passed, 0 warned, 0 failed',
      ],
    });
    const commands = [ec2, cloudFormation, lambda, quotas, timestream].flatMap((stub) =>
      stub.calls().map((c) => c.args[0].constructor.name),
    );
    expect(commands.every((name) => /^(Describe|Get|List)/.test(name))).toBe(true);
    expect(ec2.commandCalls(DescribeSubnetsCommand)).toHaveLength(2);
    expect(ec2.commandCalls(DescribeFlowLogsCommand)[0]!.args[0].input).toEqual({
      Filter: [{ Name: 'resource-id', Values: [...SUBNET_IDS] }],
    });
    expect(quotas.commandCalls(GetServiceQuotaCommand)[0]!.args[0].input).toEqual({ ServiceCode: 'vpc', QuotaCode: 'L-2AEEBF1A' });
  });

  it('exits 1 when a check fails, printing its fix, and still runs every other check', async () => {
    healthyAccount();
    ec2
      .on(DescribeFlowLogsCommand)
      .resolves({ FlowLogs: [SUBNET_B, SUBNET_B].map((ResourceId, i) => ({ FlowLogId: `fl-${i}`, ResourceId })) });
    timestream.on(ListDatabasesCommand).rejects(
      Object.assign(new Error('Only existing Timestream for LiveAnalytics customers can access the service.'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await run(DEPLOY_ARGS);
    expect(result.code).toBe(1);
    expect(result.out.filter((line) => line.startsWith('FAIL'))).toEqual([
      `FAIL  flow logs per subnet: ${SUBNET_B} has 2 (fl-0, fl-1); the stack adds 1 per subnet and AWS allows 2 per subnet (this limit cannot be raised). Fix: delete a flow log you no longer need (aws ec2 delete-flow-logs --flow-log-ids <id>), or protect other subnets`,
      'FAIL  Timestream access: Timestream for LiveAnalytics is closed to this account (it accepts only existing customers). Fix: deploy with -c binStore=dynamodb',
    ]);
    expect(result.out.at(-1)).toBe('6 passed, 0 warned, 2 failed');
  });

  it("on a redeploy, reads the recorded original ACL for the room check and does not count the stack's own flow logs", async () => {
    healthyAccount();
    const original = 'acl-0eeeeeeeeeeeeeee1';
    cloudFormation.on(DescribeStacksCommand, { StackName: STACK_NAME }).resolves({
      Stacks: [
        {
          StackName: STACK_NAME,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Description: `${DESCRIPTION_PREFIX} network-flood auto-mitigation for ${VPC_ID} (TCP/443)`,
          Outputs: [
            { OutputKey: 'BlueNetworkAclId', OutputValue: ACL },
            { OutputKey: 'OriginalNetworkAclId', OutputValue: original },
          ],
        },
      ],
    });
    ec2.on(DescribeNetworkAclsCommand, { NetworkAclIds: [original] }).resolves({
      NetworkAcls: [
        {
          NetworkAclId: original,
          Entries: [100, 110, 120].map((RuleNumber) => ({
            RuleNumber,
            Egress: false,
            Protocol: '6',
            RuleAction: 'allow',
            CidrBlock: '0.0.0.0/0',
          })),
        },
      ],
    });
    const ours = [{ Key: 'aws:cloudformation:stack-name', Value: STACK_NAME }];
    ec2
      .on(DescribeFlowLogsCommand)
      .resolves({ FlowLogs: SUBNET_IDS.map((ResourceId) => ({ FlowLogId: `fl-${ResourceId}`, ResourceId, Tags: ours })) });
    const result = await run(DEPLOY_ARGS);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      `PASS  room for deny rules: 16 IPv4 deny rules fit in 20 rules per ACL beside 3 inbound rules of ${original}`,
    );
    expect(result.out).toContain(`PASS  stack name: ${STACK_NAME} is this deployment (${VPC_ID}, UPDATE_COMPLETE): the deploy updates it`);
  });

  it('warns, and exits 0, when the credentials may not read something', async () => {
    healthyAccount();
    lambda.on(GetAccountSettingsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const result = await run(DEPLOY_ARGS);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      'WARN  Lambda concurrency: could not read the Lambda account settings: AccessDeniedException: not authorized. Fix: allow lambda:GetAccountSettings to the credentials running the preflight, then run it again',
    );
  });
});

describe('deployment plan', () => {
  it('is what the app deploys: its stack name and description, reservations, store and one flow log per subnet', () => {
    const plan = deploymentPlan({ ...STACK_CONTEXT, '@aws-cdk/core:bootstrapQualifier': 'team1' });
    expect(plan).toMatchObject({
      stackName: STACK_NAME,
      // Nothing by default: the verdict queue keeps one writer.
      reservedConcurrency: 0,
      usesTimestream: true,
      bootstrapQualifier: 'team1',
      config: { vpcId: VPC_ID, subnetIds: [...SUBNET_IDS] },
    });
    expect(plan.description?.startsWith(DESCRIPTION_PREFIX)).toBe(true);
    expect([...plan.flowLogsPerSubnet]).toEqual(SUBNET_IDS.map((s) => [s, 1]));
  });

  it('reserves one execution, for the check to weigh, only with updaterReservedConcurrency=1', () => {
    expect(deploymentPlan({ ...STACK_CONTEXT, updaterReservedConcurrency: '1' }).reservedConcurrency).toBe(1);
  });

  it('with binStore=dynamodb holds no Timestream resource, so the preflight makes no Timestream call', async () => {
    expect(deploymentPlan({ ...STACK_CONTEXT, binStore: 'dynamodb' }).usesTimestream).toBe(false);
    healthyAccount();
    const result = await run([...DEPLOY_ARGS, '-c', 'binStore=dynamodb']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('PASS  Timestream access: not needed: the bin store is not Timestream');
    expect(timestream.calls()).toHaveLength(0);
  });
});
