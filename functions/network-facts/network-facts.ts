/**
 * Deploy-time facts about the protected network, read from EC2: the protected subnets' own
 * network ACL (the "original" the updater mirrors and falls back to) and the VPC's CIDRs; and the
 * teardown step that moves subnets off the stack's blue/green ACLs before CloudFormation deletes them.
 */
import {
  CreateTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  type EC2Client,
  type NetworkAcl,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { associatedCidrs } from '../common/vpc-cidrs';
import { ORIGINAL_ACL_TAG } from './contract';

export interface ProtectedNetwork {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** The stack's blue and green ACLs: a subnet on one of them is mid-mitigation, not on its own ACL. */
  readonly stackAclIds: readonly string[];
}

export interface NetworkFacts {
  readonly originalNetworkAclId: string;
  /** Every associated IPv4 and IPv6 CIDR of the VPC. */
  readonly vpcCidrs: readonly string[];
}

/** A problem the operator must fix; its message is shown as the CloudFormation failure reason. */
export class NetworkFactsError extends Error {
  override name = 'NetworkFactsError';
}

const PAGE_SIZE = 100;
/**
 * Waits before repeating a call on a resource CloudFormation has just created. EC2 is eventually
 * consistent: a command on a resource just created may answer that it does not exist, and EC2 asks
 * for exponential backoff starting at a couple of seconds
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). About a minute in
 * all, well within the function's timeout.
 */
const NOT_FOUND_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000];

export type Sleep = (ms: number) => Promise<void>;

/** Runs `call`, repeating it after each `<Resource>.NotFound` answer with growing waits; the last answer is thrown. */
export async function retryingNotFound<T>(call: () => Promise<T>, sleep: Sleep): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = NOT_FOUND_DELAYS_MS[attempt];
      if (delay === undefined || !(errorCode(error)?.endsWith('.NotFound') ?? false)) throw error;
      await sleep(delay);
    }
  }
}

/**
 * Finds the protected subnets' shared ACL and the VPC CIDRs.
 * `previousOriginalAclId` (on update) stands in for subnets currently moved onto a stack ACL.
 */
export async function discoverNetworkFacts(
  ec2: EC2Client,
  network: ProtectedNetwork,
  previousOriginalAclId?: string,
): Promise<NetworkFacts> {
  await checkSubnets(ec2, network);
  const aclBySubnet = await aclsOfSubnets(ec2, network.subnetIds);
  const originalNetworkAclId = sharedOriginalAcl(network, aclBySubnet, previousOriginalAclId);
  const vpcCidrs = await cidrsOfVpc(ec2, network.vpcId);
  return { originalNetworkAclId, vpcCidrs };
}

/** The original ACL recorded on the stack ACLs, or undefined when neither carries the tag. */
export async function recordedOriginalAcl(ec2: EC2Client, stackAclIds: readonly string[]): Promise<string | undefined> {
  const acls = await describeAcls(ec2, [{ Name: 'network-acl-id', Values: [...stackAclIds] }]);
  return originalFromTags(acls);
}

/**
 * Records the original ACL on both stack ACLs, where stack deletion will find it. CloudFormation
 * has just created them, so EC2 may not know them yet: NotFound is retried.
 */
export async function recordOriginalAcl(
  ec2: EC2Client,
  stackAclIds: readonly string[],
  originalNetworkAclId: string,
  sleep: Sleep,
): Promise<void> {
  const tag = new CreateTagsCommand({ Resources: [...stackAclIds], Tags: [{ Key: ORIGINAL_ACL_TAG, Value: originalNetworkAclId }] });
  await retryingNotFound(() => ec2.send(tag), sleep);
}

function originalFromTags(acls: readonly NetworkAcl[]): string | undefined {
  return acls.flatMap((acl) => acl.Tags ?? []).find((tag) => tag.Key === ORIGINAL_ACL_TAG)?.Value;
}

/**
 * Moves subnets that sit on a stack ACL back to the original ACL recorded on the stack ACLs (or
 * the one given). With `onlySubnetIds`, only those subnets move (subnets dropped from protection
 * on update); otherwise every subnet on a stack ACL moves, because CloudFormation cannot delete an
 * ACL that still has associations. Returns the subnets moved.
 */
export async function restoreOriginalAcl(
  ec2: EC2Client,
  stackAclIds: readonly string[],
  options: { originalNetworkAclId?: string; onlySubnetIds?: readonly string[] } = {},
): Promise<string[]> {
  const acls = await describeAcls(ec2, [{ Name: 'network-acl-id', Values: [...stackAclIds] }]);
  const onStackAcls = acls
    .flatMap((acl) => acl.Associations ?? [])
    .filter((a) => a.SubnetId && a.NetworkAclAssociationId && (!options.onlySubnetIds || options.onlySubnetIds.includes(a.SubnetId)));
  if (onStackAcls.length === 0) return [];
  const original = options.originalNetworkAclId ?? originalFromTags(acls);
  if (!original) {
    throw new NetworkFactsError(
      `${onStackAcls.map((a) => a.SubnetId).join(', ')} ${onStackAcls.length === 1 ? 'is' : 'are'} on this stack's ACL, but the original ACL ` +
        `is not recorded (tag ${ORIGINAL_ACL_TAG} on ${stackAclIds.join(' and ')}). Associate each subnet with its own ACL ` +
        '(aws ec2 replace-network-acl-association --association-id <id> --network-acl-id <acl-id>), then delete the stack again.',
    );
  }
  const moved: string[] = [];
  for (const association of onStackAcls) {
    await replaceAssociation(ec2, association.NetworkAclAssociationId as string, original, association.SubnetId as string);
    moved.push(association.SubnetId as string);
  }
  return moved;
}

async function replaceAssociation(ec2: EC2Client, associationId: string, aclId: string, subnetId: string): Promise<void> {
  try {
    await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: associationId, NetworkAclId: aclId }));
  } catch (error) {
    if (errorCode(error) === 'InvalidNetworkAclID.NotFound') {
      throw new NetworkFactsError(
        `Cannot move ${subnetId} back to its original network ACL ${aclId}: that ACL no longer exists. ` +
          `Associate ${subnetId} with an ACL of your choice (aws ec2 replace-network-acl-association --association-id ${associationId} ` +
          '--network-acl-id <acl-id>), then delete the stack again.',
      );
    }
    throw error;
  }
}

async function checkSubnets(ec2: EC2Client, network: ProtectedNetwork): Promise<void> {
  const subnets: Subnet[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: 'subnet-id', Values: [...network.subnetIds] }],
        MaxResults: PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    subnets.push(...(page.Subnets ?? []));
    nextToken = page.NextToken;
  } while (nextToken);

  const problems = network.subnetIds.flatMap((id) => {
    const subnet = subnets.find((s) => s.SubnetId === id);
    if (!subnet) return [`${id} was not found in this account and region`];
    if (subnet.VpcId !== network.vpcId) return [`${id} is in ${subnet.VpcId}, not in ${network.vpcId}`];
    return [];
  });
  if (problems.length > 0) {
    throw new NetworkFactsError(`Protected subnets are wrong: ${problems.join('; ')}. Fix -c subnetIds (and -c vpcId) and deploy again.`);
  }
}

async function aclsOfSubnets(ec2: EC2Client, subnetIds: readonly string[]): Promise<Map<string, string>> {
  const acls = await describeAcls(ec2, [{ Name: 'association.subnet-id', Values: [...subnetIds] }]);
  const aclBySubnet = new Map<string, string>();
  for (const acl of acls) {
    for (const association of acl.Associations ?? []) {
      if (association.SubnetId && acl.NetworkAclId) aclBySubnet.set(association.SubnetId, acl.NetworkAclId);
    }
  }
  return aclBySubnet;
}

async function describeAcls(ec2: EC2Client, filters: { Name: string; Values: string[] }[]): Promise<NetworkAcl[]> {
  const acls: NetworkAcl[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeNetworkAclsCommand({ Filters: filters, MaxResults: PAGE_SIZE, NextToken: nextToken }));
    acls.push(...(page.NetworkAcls ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return acls;
}

/** The one ACL all protected subnets use, counting a subnet on a stack ACL as on the previous original. */
export function sharedOriginalAcl(
  network: ProtectedNetwork,
  aclBySubnet: ReadonlyMap<string, string>,
  previousOriginalAclId?: string,
): string {
  const originals = network.subnetIds.map((subnetId) => {
    const acl = aclBySubnet.get(subnetId);
    if (!acl) throw new NetworkFactsError(`${subnetId} has no network ACL association; every VPC subnet has one, so check the id.`);
    if (!network.stackAclIds.includes(acl)) return { subnetId, acl };
    if (!previousOriginalAclId) {
      throw new NetworkFactsError(
        `${subnetId} is on this stack's own ACL ${acl}, but its original ACL is unknown. Move it back to its own ACL and deploy again.`,
      );
    }
    return { subnetId, acl: previousOriginalAclId };
  });
  const distinct = [...new Set(originals.map((o) => o.acl))];
  if (distinct.length !== 1) {
    throw new NetworkFactsError(
      'The protected subnets must share one network ACL, but ' +
        originals.map((o) => `${o.subnetId} uses ${o.acl}`).join(', ') +
        '. Associate them with one ACL or deploy one stack per ACL.',
    );
  }
  return distinct[0] as string;
}

async function cidrsOfVpc(ec2: EC2Client, vpcId: string): Promise<string[]> {
  let vpcs;
  try {
    vpcs = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs ?? [];
  } catch (error) {
    if (errorCode(error) === 'InvalidVpcID.NotFound') {
      throw new NetworkFactsError(`VPC ${vpcId} was not found in this account and region. Fix -c vpcId and deploy again.`);
    }
    throw error;
  }
  const vpc = vpcs.find((v) => v.VpcId === vpcId);
  if (!vpc) throw new NetworkFactsError(`VPC ${vpcId} was not found in this account and region. Fix -c vpcId and deploy again.`);
  // Only CIDRs in use: a disassociated block no longer belongs to the VPC.
  const cidrs = associatedCidrs(vpc);
  if (cidrs.length === 0) throw new NetworkFactsError(`VPC ${vpcId} has no associated CIDR block.`);
  return cidrs;
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown };
  return typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
}
