/**
 * The resources of the EC2 stand-in (VPCs, subnets, network ACLs), the rules for their tags, how
 * DescribeNetworkAcls filters them, and their SDK shapes.
 */
import type { DescribeNetworkAclsCommandInput, NetworkAcl, Tag, Vpc as SdkVpc } from '@aws-sdk/client-ec2';
import type { AddressFamily } from '../../core/addresses';
import { sortedEntries, toSdkEntry, type Entry } from './acl-entries';
import { ec2Error } from './errors';

export interface Acl {
  id: string;
  vpcId: string;
  isDefault: boolean;
  entries: Entry[];
  tags: Map<string, string>;
}

export interface Vpc {
  id: string;
  hasIpv6: boolean;
  defaultAclId: string;
  /** CIDR blocks in association order; the first IPv4 one is the primary. */
  cidrs: { cidr: string; family: AddressFamily; associationId: string }[];
}

export interface Subnet {
  id: string;
  vpcId: string;
  aclId: string;
  associationId: string;
}

const MAX_TAGS_PER_RESOURCE = 50;

/** Checks tags as CreateTags does before changing anything: valid keys and values, at most 50 tags per resource afterwards. */
export function checkNewTags(targets: readonly Acl[], tags: readonly Tag[]): void {
  for (const tag of tags) {
    if (!tag.Key || tag.Key.length > 128 || tag.Key.startsWith('aws:'))
      throw ec2Error('InvalidParameterValue', `Tag key '${tag.Key}' is not valid`);
    if ((tag.Value ?? '').length > 256) throw ec2Error('InvalidParameterValue', 'Tag value exceeds 256 characters');
  }
  for (const acl of targets) {
    const next = new Map(acl.tags);
    for (const tag of tags) next.set(tag.Key!, tag.Value ?? '');
    if (next.size > MAX_TAGS_PER_RESOURCE)
      throw ec2Error('TagLimitExceeded', `The maximum number of tags per resource (${MAX_TAGS_PER_RESOURCE}) would be exceeded`);
  }
}

type Filters = NonNullable<DescribeNetworkAclsCommandInput['Filters']>;

/** Whether `subnet` passes every DescribeSubnets filter (`subnet-id` and `vpc-id` are modelled); another name fails the call, as on AWS. */
export function subnetMatchesFilters(subnet: Subnet, filters: Filters): boolean {
  return filters.every((filter) => {
    if (filter.Name === 'subnet-id') return (filter.Values ?? []).includes(subnet.id);
    if (filter.Name === 'vpc-id') return (filter.Values ?? []).includes(subnet.vpcId);
    throw ec2Error('InvalidParameterValue', `The filter '${filter.Name}' is invalid`);
  });
}

/** Whether `acl` passes every DescribeNetworkAcls filter; an unknown filter name fails the call, as on AWS. */
export function aclMatchesFilters(acl: Acl, subnets: Iterable<Subnet>, filters: Filters): boolean {
  const associations = [...subnets].filter((s) => s.aclId === acl.id);
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    const name = filter.Name ?? '';
    if (name.startsWith('tag:')) return values.includes(acl.tags.get(name.slice(4)) ?? '\u0000');
    switch (name) {
      case 'association.subnet-id':
        return associations.some((s) => values.includes(s.id));
      case 'association.association-id':
        return associations.some((s) => values.includes(s.associationId));
      case 'association.network-acl-id':
      case 'network-acl-id':
        return values.includes(acl.id);
      case 'vpc-id':
        return values.includes(acl.vpcId);
      case 'default':
        return values.includes(String(acl.isDefault));
      case 'tag-key':
        return values.some((v) => acl.tags.has(v));
      default:
        throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  });
}

export function toSdkAcl(acl: Acl, subnets: Iterable<Subnet>, ownerId: string): NetworkAcl {
  return {
    NetworkAclId: acl.id,
    VpcId: acl.vpcId,
    IsDefault: acl.isDefault,
    OwnerId: ownerId,
    Entries: sortedEntries(acl.entries).map(toSdkEntry),
    Associations: [...subnets]
      .filter((s) => s.aclId === acl.id)
      .map((s) => ({ NetworkAclAssociationId: s.associationId, NetworkAclId: acl.id, SubnetId: s.id })),
    Tags: [...acl.tags].map(([Key, Value]) => ({ Key, Value })),
  };
}

/** A VPC as DescribeVpcs returns it: every CIDR block `associated`, the first IPv4 one as the primary. */
export function toSdkVpc(vpc: Vpc, ownerId: string): SdkVpc {
  const ipv4 = vpc.cidrs.filter((c) => c.family === 'ipv4');
  const ipv6 = vpc.cidrs.filter((c) => c.family === 'ipv6');
  return {
    VpcId: vpc.id,
    OwnerId: ownerId,
    State: 'available',
    CidrBlock: ipv4[0]?.cidr,
    CidrBlockAssociationSet: ipv4.map((c) => ({
      AssociationId: c.associationId,
      CidrBlock: c.cidr,
      CidrBlockState: { State: 'associated' },
    })),
    Ipv6CidrBlockAssociationSet: ipv6.map((c) => ({
      AssociationId: c.associationId,
      Ipv6CidrBlock: c.cidr,
      Ipv6CidrBlockState: { State: 'associated' },
    })),
  };
}
