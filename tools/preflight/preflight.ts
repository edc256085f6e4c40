/**
 * Runs every preflight check against one account and region: the reads in parallel, then the
 * pure checks over their answers, in the order they are printed.
 */
import type { Vpc } from '@aws-sdk/client-ec2';
import { checkBootstrap, checkFlowLogs, checkLambdaConcurrency, checkStackName, checkTimestream, outputsOf } from './checks/account';
import { aclEntries, checkAclRoom, checkSharedAcl, checkVpcAndSubnets, type SharedAcl } from './checks/network';
import { warn, type CheckResult, type DeploymentPlan, type Read } from './checks/result';
import {
  readAcl,
  readFlowLogs,
  readLambdaLimits,
  readRulesPerAclQuota,
  readStack,
  readSubnetAcls,
  readSubnets,
  readTimestreamAccess,
  readVpc,
  type PreflightClients,
} from './reads';

/** The CDK's default toolkit stack name (`cdk bootstrap`, `--toolkit-stack-name` changes it). */
export const DEFAULT_TOOLKIT_STACK_NAME = 'CDKToolkit';

export async function runPreflight(clients: PreflightClients, plan: DeploymentPlan, toolkitStackName: string): Promise<CheckResult[]> {
  const { vpcId, subnetIds } = plan.config;
  const [vpc, subnets, acls, quota, flowLogs, timestream, lambda, toolkit, stack] = await Promise.all([
    readVpc(clients.ec2, vpcId),
    readSubnets(clients.ec2, subnetIds),
    readSubnetAcls(clients.ec2, subnetIds),
    readRulesPerAclQuota(clients.quotas),
    readFlowLogs(clients.ec2, subnetIds),
    plan.usesTimestream ? readTimestreamAccess(clients.timestream) : Promise.resolve(undefined),
    readLambdaLimits(clients.lambda),
    readStack(clients.cloudFormation, toolkitStackName),
    readStack(clients.cloudFormation, plan.stackName),
  ]);
  const shared = checkSharedAcl(plan, acls, outputsOf(stack.ok ? stack.value : undefined));
  return [
    checkVpcAndSubnets(plan, vpc, subnets),
    shared.result,
    await roomCheck(clients, plan, shared.acl, acls.ok ? acls.value : [], quota, vpc),
    checkFlowLogs(plan, flowLogs),
    checkTimestream(plan, timestream),
    checkLambdaConcurrency(plan, lambda),
    checkBootstrap(plan, toolkitStackName, toolkit),
    checkStackName(plan, stack),
  ];
}

/** The room check reads the subnets' own ACL: the one they use, or the recorded original when they are on this deployment's ACL. */
async function roomCheck(
  clients: PreflightClients,
  plan: DeploymentPlan,
  acl: SharedAcl | undefined,
  inUse: readonly { NetworkAclId?: string }[],
  quota: Read<number | undefined>,
  vpc: Read<Vpc | undefined>,
): Promise<CheckResult> {
  const check = 'room for deny rules';
  if (acl === undefined) return warn(check, 'not checked: the subnets have no one network ACL', 'fix the network ACL check first');
  let original = inUse.find((a) => a.NetworkAclId === acl.original);
  if (original === undefined) {
    const read = await readAcl(clients.ec2, acl.original);
    if (!read.ok || read.value === undefined) {
      const why = read.ok ? 'it does not exist' : read.error;
      return warn(
        check,
        `could not read ${acl.original}, the subnets' own ACL: ${why}`,
        'run the preflight again; redeploy if the ACL was deleted',
      );
    }
    original = read.value;
  }
  const ipv6 = vpc.ok && (vpc.value?.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.Ipv6CidrBlockState?.State === 'associated');
  return checkAclRoom(plan, acl.original, aclEntries(original), quota, ipv6);
}
