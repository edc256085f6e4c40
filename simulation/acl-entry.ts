import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import type { AclEntry } from '../core/nacl-plan';

/** An EC2 entry as the core's ACL planning describes it. */
export function toAclEntry(entry: NetworkAclEntry): AclEntry {
  return {
    ruleNumber: entry.RuleNumber ?? 0,
    egress: entry.Egress ?? false,
    protocol: entry.Protocol ?? '-1',
    ruleAction: entry.RuleAction === 'deny' ? 'deny' : 'allow',
    ...(entry.CidrBlock !== undefined ? { cidrBlock: entry.CidrBlock } : {}),
    ...(entry.Ipv6CidrBlock !== undefined ? { ipv6CidrBlock: entry.Ipv6CidrBlock } : {}),
    ...(entry.PortRange ? { portRange: { from: entry.PortRange.From ?? 0, to: entry.PortRange.To ?? 65535 } } : {}),
    ...(entry.IcmpTypeCode ? { icmpTypeCode: { type: entry.IcmpTypeCode.Type ?? -1, code: entry.IcmpTypeCode.Code ?? -1 } } : {}),
  };
}
