/**
 * Network ACL entries as EC2 validates and returns them: rule numbers 1-32766 per direction, the
 * immutable default deny rules, exactly one CIDR of one family, ports for TCP and UDP, type and
 * code for ICMP, and protocol names or numbers.
 */
import type { CreateNetworkAclEntryCommandInput, NetworkAclEntry } from '@aws-sdk/client-ec2';
import { cidrText, parseNetwork, type AddressFamily } from '../../core/addresses';
import { ec2Error } from './errors';

export interface Entry {
  ruleNumber: number;
  egress: boolean;
  protocol: string;
  ruleAction: 'allow' | 'deny';
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
  icmpTypeCode?: { type: number; code: number };
}

const MIN_RULE_NUMBER = 1;
const MAX_RULE_NUMBER = 32766;
const DEFAULT_RULE = { ipv4: 32767, ipv6: 32768 } as const;

/** The default deny rules every ACL holds, in and out, per family of its VPC; no call can change them. */
export function defaultDenyEntries(hasIpv6: boolean): Entry[] {
  const entries: Entry[] = [];
  for (const egress of [false, true]) {
    entries.push({ ruleNumber: DEFAULT_RULE.ipv4, egress, protocol: '-1', ruleAction: 'deny', cidrBlock: '0.0.0.0/0' });
    if (hasIpv6) entries.push({ ruleNumber: DEFAULT_RULE.ipv6, egress, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: '::/0' });
  }
  return entries;
}

export function familyOf(entry: Pick<Entry, 'ipv6CidrBlock'>): AddressFamily {
  return entry.ipv6CidrBlock !== undefined ? 'ipv6' : 'ipv4';
}

export function sortedEntries(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber);
}

export function toSdkEntry(entry: Entry): NetworkAclEntry {
  return {
    RuleNumber: entry.ruleNumber,
    Egress: entry.egress,
    Protocol: entry.protocol,
    RuleAction: entry.ruleAction,
    ...(entry.cidrBlock !== undefined ? { CidrBlock: entry.cidrBlock } : {}),
    ...(entry.ipv6CidrBlock !== undefined ? { Ipv6CidrBlock: entry.ipv6CidrBlock } : {}),
    ...(entry.portRange ? { PortRange: { From: entry.portRange.from, To: entry.portRange.to } } : {}),
    ...(entry.icmpTypeCode ? { IcmpTypeCode: { Type: entry.icmpTypeCode.type, Code: entry.icmpTypeCode.code } } : {}),
  };
}

export function validRuleNumber(ruleNumber: number | undefined): number {
  if (ruleNumber === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter ruleNumber');
  if (!Number.isInteger(ruleNumber) || ruleNumber < MIN_RULE_NUMBER || ruleNumber > MAX_RULE_NUMBER) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${ruleNumber}) for parameter ruleNumber is invalid. Rule number must be between ${MIN_RULE_NUMBER} and ${MAX_RULE_NUMBER}.`,
    );
  }
  return ruleNumber;
}

/** Validates a Create/Replace input as EC2 does and returns the entry in canonical form. */
export function validEntry(input: CreateNetworkAclEntryCommandInput): Entry {
  const ruleNumber = validRuleNumber(input.RuleNumber);
  if (input.Egress === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter egress');
  if (input.RuleAction !== 'allow' && input.RuleAction !== 'deny')
    throw ec2Error('InvalidParameterValue', `Invalid value '${input.RuleAction}' for ruleAction`);
  const protocol = validProtocol(input.Protocol);
  const hasV4 = input.CidrBlock !== undefined;
  const hasV6 = input.Ipv6CidrBlock !== undefined;
  if (hasV4 === hasV6)
    throw ec2Error(hasV4 ? 'InvalidParameterCombination' : 'MissingParameter', 'Specify exactly one of cidrBlock and ipv6CidrBlock');
  const family: AddressFamily = hasV4 ? 'ipv4' : 'ipv6';
  const network = parseNetwork((hasV4 ? input.CidrBlock : input.Ipv6CidrBlock)!, { allowHostBits: true });
  if (!network || network.family !== family)
    throw ec2Error('InvalidParameterValue', `Invalid ${family} CIDR '${input.CidrBlock ?? input.Ipv6CidrBlock}'`);
  const entry: Entry = { ruleNumber, egress: input.Egress, protocol, ruleAction: input.RuleAction };
  if (family === 'ipv4') entry.cidrBlock = cidrText(network);
  else entry.ipv6CidrBlock = cidrText(network);
  if (protocol === '6' || protocol === '17') {
    const range = input.PortRange;
    if (range?.From === undefined || range.To === undefined)
      throw ec2Error('MissingParameter', 'The request must contain the parameter portRange for TCP and UDP rules');
    if (range.From < 0 || range.To > 65535 || range.From > range.To)
      throw ec2Error('InvalidParameterValue', `Invalid port range ${range.From}-${range.To}`);
    entry.portRange = { from: range.From, to: range.To };
  }
  if (protocol === '1' || (protocol === '58' && family === 'ipv6')) {
    const icmp = input.IcmpTypeCode;
    if (icmp?.Type === undefined || icmp.Code === undefined)
      throw ec2Error('MissingParameter', 'The request must contain the parameter icmpTypeCode for ICMP rules');
    entry.icmpTypeCode = { type: icmp.Type, code: icmp.Code };
  }
  return entry;
}

function validProtocol(protocol: string | undefined): string {
  if (protocol === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter protocol');
  if (protocol === '-1' || protocol === 'all') return '-1';
  const named: Record<string, string> = { tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };
  const value = named[protocol.toLowerCase()] ?? protocol;
  if (!/^\d{1,3}$/.test(value) || Number(value) > 255) throw ec2Error('InvalidParameterValue', `Invalid value '${protocol}' for protocol`);
  return String(Number(value));
}

/** The rules-per-ACL quota counts entries of one direction and family, the default deny rule included. */
export function checkQuota(entries: readonly Entry[], entry: Entry, replacing: Entry | undefined, limit: number): void {
  const family = familyOf(entry);
  const sameSlot = entries.filter((e) => e.egress === entry.egress && familyOf(e) === family && e !== replacing).length;
  if (sameSlot + 1 > limit) {
    throw ec2Error(
      'NetworkAclEntryLimitExceeded',
      `The maximum number of entries (${limit}) for this network ACL has been reached for ${family} ${entry.egress ? 'egress' : 'ingress'} rules.`,
    );
  }
}

/** The rules of a VPC's default network ACL: allow all in and out, per family. */
export function defaultAllowEntries(hasIpv6: boolean): Entry[] {
  return [false, true].flatMap((egress): Entry[] => [
    { ruleNumber: 100, egress, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' },
    ...(hasIpv6 ? [{ ruleNumber: 101, egress, protocol: '-1', ruleAction: 'allow' as const, ipv6CidrBlock: '::/0' }] : []),
  ]);
}
