/**
 * The read-only AWS calls of the preflight. Each returns a Read: the answer, with "does not
 * exist" as a value (undefined or a missing item), or the error that kept it from being read.
 */
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeFlowLogsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type FlowLog,
  type NetworkAcl,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient, type AccountLimit } from '@aws-sdk/client-lambda';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ListDatabasesCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { RULES_PER_ACL_QUOTA } from './checks/network';
import type { Read } from './checks/result';

export interface PreflightClients {
  readonly ec2: EC2Client;
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly quotas: ServiceQuotasClient;
  readonly timestream: TimestreamWriteClient;
}

/** Clients with the default credentials and region, as the AWS CLI and `cdk deploy` use them. */
export function defaultClients(): PreflightClients {
  return {
    ec2: new EC2Client({}),
    cloudFormation: new CloudFormationClient({}),
    lambda: new LambdaClient({}),
    quotas: new ServiceQuotasClient({}),
    timestream: new TimestreamWriteClient({}),
  };
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
}

/** Runs `read`; an error `absent` recognises is the answer undefined, any other is a failed read. */
async function attempt<T>(
  read: () => Promise<T>,
  absent: (error: { name?: string; message?: string }) => boolean = () => false,
): Promise<Read<T | undefined>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    if (absent(error as { name?: string })) return { ok: true, value: undefined };
    return { ok: false, error: describeError(error) };
  }
}

/** Every page of a paginated Describe call. */
async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await page(token);
    all.push(...(items ?? []));
    token = next;
  } while (token);
  return all;
}

export function readVpc(ec2: EC2Client, vpcId: string): Promise<Read<Vpc | undefined>> {
  return attempt(
    async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0],
    (e) => e.name === 'InvalidVpcID.NotFound',
  );
}

/** By filter, so that missing subnets are absent from the answer rather than failing it. */
export async function readSubnets(ec2: EC2Client, subnetIds: readonly string[]): Promise<Read<Subnet[]>> {
  return defined(
    await attempt(() =>
      allPages(async (NextToken) => {
        const out = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [...subnetIds] }], NextToken }));
        return { items: out.Subnets, next: out.NextToken };
      }),
    ),
  );
}

/** The ACLs associated with any of the subnets. */
export async function readSubnetAcls(ec2: EC2Client, subnetIds: readonly string[]): Promise<Read<NetworkAcl[]>> {
  return defined(
    await attempt(() =>
      allPages(async (NextToken) => {
        const filter = { Name: 'association.subnet-id', Values: [...subnetIds] };
        const out = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [filter], NextToken }));
        return { items: out.NetworkAcls, next: out.NextToken };
      }),
    ),
  );
}

export function readAcl(ec2: EC2Client, aclId: string): Promise<Read<NetworkAcl | undefined>> {
  return attempt(
    async () => (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }))).NetworkAcls?.[0],
    (e) => e.name === 'InvalidNetworkAclID.NotFound',
  );
}

export async function readFlowLogs(ec2: EC2Client, subnetIds: readonly string[]): Promise<Read<FlowLog[]>> {
  return defined(
    await attempt(() =>
      allPages(async (NextToken) => {
        const out = await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [...subnetIds] }], NextToken }));
        return { items: out.FlowLogs, next: out.NextToken };
      }),
    ),
  );
}

/** The account's "rules per network ACL"; undefined where Service Quotas holds no value for the account. */
export function readRulesPerAclQuota(quotas: ServiceQuotasClient): Promise<Read<number | undefined>> {
  return attempt(
    async () =>
      (
        await quotas.send(
          new GetServiceQuotaCommand({ ServiceCode: RULES_PER_ACL_QUOTA.serviceCode, QuotaCode: RULES_PER_ACL_QUOTA.quotaCode }),
        )
      ).Quota?.Value,
    (e) => e.name === 'NoSuchResourceException',
  );
}

/** Any Timestream read tells whether the account may use the service at all. */
export function readTimestreamAccess(timestream: TimestreamWriteClient): Promise<Read<unknown>> {
  return attempt(async () => (await timestream.send(new ListDatabasesCommand({ MaxResults: 1 }))).Databases ?? []);
}

export async function readLambdaLimits(lambda: LambdaClient): Promise<Read<AccountLimit>> {
  return defined(await attempt(async () => (await lambda.send(new GetAccountSettingsCommand({}))).AccountLimit ?? {}));
}

/** DescribeStacks by name answers ValidationError "Stack with id X does not exist" for a stack that is not there. */
export function readStack(cloudFormation: CloudFormationClient, stackName: string): Promise<Read<Stack | undefined>> {
  return attempt(
    async () => (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0],
    (e) => e.name === 'ValidationError' && /does not exist/.test(e.message ?? ''),
  );
}

function defined<T>(read: Read<T | undefined>): Read<T> {
  return read.ok ? { ok: true, value: read.value as T } : read;
}
