/**
 * Network checks: the VPC and subnets exist, the subnets share one ACL that no other deployment
 * holds, and that ACL's own rules leave room for deny rules within the configured and the real quota.
 */
import type { NetworkAcl, Subnet, Vpc } from '@aws-sdk/client-ec2';
import { denyCapacity, isDefaultRule, type AclEntry } from '../../../core/nacl-plan';
import { fromSdkEntry } from '../../../functions/nacl-updater/ec2-acls';
import { WATERMARK_TAG } from '../../../functions/nacl-updater/contract';
import { fail, listed, pass, STACK_NAME_TAG, tagValue, unreadable, warn, type CheckResult, type DeploymentPlan, type Read } from './result';

/** Service Quotas code of the Amazon VPC quota "Rules per network ACL" (service code `vpc`). */
export const RULES_PER_ACL_QUOTA = { serviceCode: 'vpc', quotaCode: 'L-2AEEBF1A' } as const;

/** Fewer IPv4 deny rules than this leave room for only a handful of flooding sources. */
export const FEW_DENY_RULES = 5;

const VPC_CHECK = 'VPC and subnets';

/** `vpc`: the VPC, undefined when EC2 answered InvalidVpcID.NotFound; `subnets`: those of `subnetIds` that exist. */
export function checkVpcAndSubnets(plan: DeploymentPlan, vpc: Read<Vpc | undefined>, subnets: Read<readonly Subnet[]>): CheckResult {
  const { vpcId, subnetIds } = plan.config;
  if (!vpc.ok) return unreadable(VPC_CHECK, `VPC ${vpcId}`, vpc.error, 'ec2:DescribeVpcs');
  if (vpc.value === undefined) {
    return fail(
      VPC_CHECK,
      `VPC ${vpcId} does not exist in this account and region`,
      'check -c vpcId, and the region (AWS_REGION or the profile)',
    );
  }
  if (!subnets.ok) return unreadable(VPC_CHECK, 'the subnets', subnets.error, 'ec2:DescribeSubnets');
  const found = new Map(subnets.value.map((s) => [s.SubnetId, s]));
  const missing = subnetIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    return fail(VPC_CHECK, `${listed(missing)} not found in this account and region`, 'check -c subnetIds (comma-separated subnet ids)');
  }
  const elsewhere = subnetIds.filter((id) => found.get(id)?.VpcId !== vpcId);
  if (elsewhere.length > 0) {
    const where = elsewhere.map((id) => `${id} is in ${found.get(id)?.VpcId ?? 'another VPC'}`);
    return fail(VPC_CHECK, `${listed(where)}, not in ${vpcId}`, `list only subnets of ${vpcId} in -c subnetIds, or set -c vpcId to theirs`);
  }
  return pass(VPC_CHECK, `${vpcId} and its ${subnetIds.length} subnet${subnetIds.length === 1 ? '' : 's'} exist`);
}

const ACL_CHECK = 'one network ACL';

/** The ACL the subnets share, and the ACL whose own rules the stack mirrors (different when this deployment already protects them). */
export interface SharedAcl {
  readonly inUse: string;
  readonly original: string;
}

/**
 * `acls`: the ACLs associated with any of the subnets (DescribeNetworkAcls by association.subnet-id).
 * `stackOutputs`: this deployment's outputs when its stack exists. Subnets on one of this
 * deployment's blue/green ACLs are fine (a redeploy): their own ACL is the recorded original.
 */
export function checkSharedAcl(
  plan: DeploymentPlan,
  acls: Read<readonly NetworkAcl[]>,
  stackOutputs: Readonly<Record<string, string>>,
): { result: CheckResult; acl?: SharedAcl } {
  if (!acls.ok) return { result: unreadable(ACL_CHECK, "the subnets' network ACLs", acls.error, 'ec2:DescribeNetworkAcls') };
  const aclOf = new Map<string, NetworkAcl>();
  for (const acl of acls.value) for (const a of acl.Associations ?? []) if (a.SubnetId) aclOf.set(a.SubnetId, acl);
  const { subnetIds } = plan.config;
  const ids = new Set(subnetIds.map((s) => aclOf.get(s)?.NetworkAclId));
  if (ids.size !== 1 || ids.has(undefined)) {
    const each = subnetIds.map((s) => `${s} uses ${aclOf.get(s)?.NetworkAclId ?? 'no ACL found'}`);
    const fix = 'associate the subnets with one network ACL, or deploy one stack per ACL (-c subnetIds=... -c stackName=...)';
    return { result: fail(ACL_CHECK, `the subnets do not share one network ACL: ${listed(each)}`, fix) };
  }
  const acl = aclOf.get(subnetIds[0] as string) as NetworkAcl;
  const id = acl.NetworkAclId as string;
  if (id === stackOutputs.BlueNetworkAclId || id === stackOutputs.GreenNetworkAclId) {
    const original = stackOutputs.OriginalNetworkAclId ?? id;
    return {
      result: pass(ACL_CHECK, `the subnets are on ${id}, this deployment's own ACL; their own ACL is ${original}`),
      acl: { inUse: id, original },
    };
  }
  const owner = tagValue(acl.Tags, STACK_NAME_TAG);
  if (tagValue(acl.Tags, WATERMARK_TAG) !== undefined && owner !== plan.stackName) {
    const detail = `the subnets are on ${id}, an ACL of the deployment in stack ${owner ?? '(unknown)'}: two deployments would move them between their ACLs`;
    return {
      result: fail(
        ACL_CHECK,
        detail,
        `protect these subnets with that deployment (deploy with -c stackName=${owner ?? '<its name>'}), or choose other subnets`,
      ),
    };
  }
  return { result: pass(ACL_CHECK, `all ${subnetIds.length} subnets use ${id}`), acl: { inUse: id, original: id } };
}

const ROOM_CHECK = 'room for deny rules';

/**
 * `entries`: the original ACL's rules. `quota`: the account's "rules per network ACL" from Service
 * Quotas, undefined where it has none for the account (then only the configured limit counts).
 * `ipv6`: whether the VPC has IPv6 CIDRs, so IPv6 sources can be blocked too.
 */
export function checkAclRoom(
  plan: DeploymentPlan,
  aclId: string,
  entries: readonly AclEntry[],
  quota: Read<number | undefined>,
  ipv6: boolean,
): CheckResult {
  const limit = plan.config.naclRuleLimit;
  const known = quota.ok ? quota.value : undefined;
  if (known !== undefined && limit > known) {
    return fail(
      ROOM_CHECK,
      `naclRuleLimit is ${limit} but the account's "rules per network ACL" quota is ${known}`,
      `-c naclRuleLimit=${known}, or request a quota increase (Service Quotas, vpc ${RULES_PER_ACL_QUOTA.quotaCode}, up to 40)`,
    );
  }
  const room = denyCapacity(limit, entries);
  const families = ipv6 ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const);
  const own = entries.filter((e) => !e.egress && !isDefaultRule(e)).length;
  const counts = families.map((f) => `${room[f]} ${f === 'ipv4' ? 'IPv4' : 'IPv6'}`).join(' and ');
  const detail = `${counts} deny rules fit in ${limit} rules per ACL beside ${own} inbound rule${own === 1 ? '' : 's'} of ${aclId}`;
  const quotaNote = quotaText(quota, limit);
  const full = families.filter((f) => room[f] === 0);
  if (full.length > 0) {
    return fail(
      ROOM_CHECK,
      `${detail}${quotaNote}`,
      `remove inbound rules from ${aclId}, or raise the quota and -c naclRuleLimit (up to 40)`,
    );
  }
  if (room.ipv4 < FEW_DENY_RULES) {
    return warn(
      ROOM_CHECK,
      `${detail}${quotaNote}`,
      `fewer than ${FEW_DENY_RULES} sources can be blocked: remove inbound rules from ${aclId} or raise the quota`,
    );
  }
  return pass(ROOM_CHECK, `${detail}${quotaNote}`);
}

function quotaText(quota: Read<number | undefined>, limit: number): string {
  if (!quota.ok) return ` (the account quota could not be read: ${quota.error})`;
  if (quota.value === undefined) return ' (Service Quotas has no value for this account: the default is 20)';
  return quota.value > limit ? ` (the account allows ${quota.value}: -c naclRuleLimit=${quota.value} gives more room)` : '';
}

/** The ACL's rules as the updater reads them. */
export function aclEntries(acl: NetworkAcl): AclEntry[] {
  return (acl.Entries ?? []).map(fromSdkEntry);
}
