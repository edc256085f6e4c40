import type { Vpc } from '@aws-sdk/client-ec2';

/**
 * The IPv4 and IPv6 CIDR blocks of a DescribeVpcs result that belong to the VPC now: those in the
 * `associated` state (a block being associated or disassociated is left out).
 */
export function associatedCidrs(vpc: Vpc): string[] {
  const ipv4 = (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock);
  const ipv6 = (vpc.Ipv6CidrBlockAssociationSet ?? [])
    .filter((a) => a.Ipv6CidrBlockState?.State === 'associated')
    .map((a) => a.Ipv6CidrBlock);
  return [...ipv4, ...ipv6].filter((c): c is string => typeof c === 'string' && c.length > 0);
}
