import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2ServiceException,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  type CreateTagsCommandInput,
  type DeleteNetworkAclEntryCommandInput,
  type DescribeNetworkAclsCommandInput,
  type DescribeNetworkAclsCommandOutput,
  type DescribeSubnetsCommandInput,
  type DescribeSubnetsCommandOutput,
  type DescribeVpcsCommandInput,
  type DescribeVpcsCommandOutput,
  type NetworkAcl,
  type NetworkAclEntry,
  type ReplaceNetworkAclAssociationCommandInput,
  type ReplaceNetworkAclAssociationCommandOutput,
  type ReplaceNetworkAclEntryCommandInput,
} from '@aws-sdk/client-ec2';
import { cidrText, parseNetwork, type AddressFamily } from '../core/addresses';
import type { Route } from './sdk-routing';

/**
 * A stateful, in-process stand-in for the EC2 network-ACL API, as strict as AWS where it matters
 * to the NACL updater: the rules-per-ACL quota (per direction and address family, default deny
 * rules included), rule numbers 1-32766 unique per direction across families, immutable default
 * rules (32767 IPv4, 32768 IPv6), association ids that change on every replace, the documented
 * error codes, DescribeNetworkAcls filters and pagination, and tags.
 *
 * Plug it into an EC2Client with `routeCommands(client, standIn.routes())`.
 */

export type Ec2Action =
  | 'DescribeNetworkAcls'
  | 'DescribeSubnets'
  | 'DescribeVpcs'
  | 'CreateNetworkAclEntry'
  | 'ReplaceNetworkAclEntry'
  | 'DeleteNetworkAclEntry'
  | 'ReplaceNetworkAclAssociation'
  | 'CreateTags';

export interface StandInOptions {
  /** The account's real "rules per network ACL" quota. @default 20 */
  readonly ruleLimit?: number;
  /** Account id reported as OwnerId. */
  readonly ownerId?: string;
}

export interface VpcSpec {
  /** IPv4 and IPv6 CIDRs of the VPC; an IPv6 CIDR gives its ACLs the IPv6 default rules. */
  readonly cidrs: readonly string[];
}

/** One recorded call, for assertions on what the updater did. */
export interface RecordedCall {
  readonly action: Ec2Action;
  readonly input: unknown;
}

interface Entry {
  ruleNumber: number;
  egress: boolean;
  protocol: string;
  ruleAction: 'allow' | 'deny';
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
  icmpTypeCode?: { type: number; code: number };
}

interface Acl {
  id: string;
  vpcId: string;
  isDefault: boolean;
  entries: Entry[];
  tags: Map<string, string>;
}

interface Vpc {
  id: string;
  hasIpv6: boolean;
  defaultAclId: string;
  /** CIDR blocks in association order; the first IPv4 one is the primary. */
  cidrs: { cidr: string; family: AddressFamily; associationId: string }[];
}

interface Subnet {
  id: string;
  vpcId: string;
  aclId: string;
  associationId: string;
}

interface Fault {
  readonly action: Ec2Action;
  readonly error: () => Error;
  remaining: number;
}

const MIN_RULE_NUMBER = 1;
const MAX_RULE_NUMBER = 32766;
const DEFAULT_RULE = { ipv4: 32767, ipv6: 32768 } as const;
const MAX_TAGS_PER_RESOURCE = 50;
const PAGE_MIN = 5;
const PAGE_MAX = 1000;

/** An EC2 error as the SDK raises it: `name` is the EC2 error code. */
export function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
    message,
  });
}

export class Ec2NetworkAclStandIn {
  /** Every call received, in order, failed ones included. */
  readonly calls: RecordedCall[] = [];
  private ruleLimit: number;
  private readonly ownerId: string;
  private readonly vpcs = new Map<string, Vpc>();
  private readonly acls = new Map<string, Acl>();
  private readonly subnets = new Map<string, Subnet>();
  private readonly faults: Fault[] = [];
  private readonly pageTokens = new Map<string, { key: string; offset: number }>();
  private sequence = 0;

  constructor(options: StandInOptions = {}) {
    this.ruleLimit = options.ruleLimit ?? 20;
    this.ownerId = options.ownerId ?? '111122223333';
  }

  // ---- Set-up ---------------------------------------------------------------------------

  /** Creates a VPC with its default network ACL (allow all in and out, per family). */
  createVpc(spec: VpcSpec): string {
    const id = this.nextId('vpc');
    const hasIpv6 = spec.cidrs.some((c) => parseNetwork(c)?.family === 'ipv6');
    const defaultAcl = this.newAcl(id, true, hasIpv6);
    for (const egress of [false, true]) {
      defaultAcl.entries.push({ ruleNumber: 100, egress, protocol: '-1', ruleAction: 'allow', cidrBlock: '0.0.0.0/0' });
      if (hasIpv6) defaultAcl.entries.push({ ruleNumber: 101, egress, protocol: '-1', ruleAction: 'allow', ipv6CidrBlock: '::/0' });
    }
    this.vpcs.set(id, { id, hasIpv6, defaultAclId: defaultAcl.id, cidrs: [] });
    for (const cidr of spec.cidrs) this.associateVpcCidr(id, cidr);
    return id;
  }

  /** Associates another CIDR block with a VPC, as AssociateVpcCidrBlock does once it completes. */
  associateVpcCidr(vpcId: string, cidr: string): void {
    const network = parseNetwork(cidr);
    if (!network) throw new Error(`stand-in set-up: invalid CIDR ${cidr}`);
    this.requireVpc(vpcId).cidrs.push({
      cidr: cidrText(network),
      family: network.family,
      associationId: this.nextId(network.family === 'ipv4' ? 'vpc-cidr-assoc' : 'vpc-cidr-assoc-v6'),
    });
  }

  /** Creates a subnet, associated with the VPC's default network ACL as AWS does. */
  createSubnet(vpcId: string): string {
    const vpc = this.requireVpc(vpcId);
    const id = this.nextId('subnet');
    this.subnets.set(id, { id, vpcId, aclId: vpc.defaultAclId, associationId: this.nextId('aclassoc') });
    return id;
  }

  /** Creates a custom network ACL: it denies everything (default rules only) until rules are added. */
  createNetworkAcl(vpcId: string, tags: Record<string, string> = {}): string {
    const vpc = this.requireVpc(vpcId);
    const acl = this.newAcl(vpcId, false, vpc.hasIpv6);
    for (const [key, value] of Object.entries(tags)) acl.tags.set(key, value);
    return acl.id;
  }

  defaultNetworkAclId(vpcId: string): string {
    return this.requireVpc(vpcId).defaultAclId;
  }

  /** Sets the real account quota, e.g. to model a quota lower than the configured one. */
  setRuleLimit(limit: number): void {
    this.ruleLimit = limit;
  }

  // ---- Inspection -----------------------------------------------------------------------

  /** The ACL a subnet is associated with. */
  aclOf(subnetId: string): string {
    return this.requireSubnet(subnetId).aclId;
  }

  associationIdOf(subnetId: string): string {
    return this.requireSubnet(subnetId).associationId;
  }

  /** Entries of an ACL (defaults included), sorted by direction then rule number. */
  entriesOf(aclId: string): NetworkAclEntry[] {
    return sortedEntries(this.requireAcl(aclId).entries).map(toSdkEntry);
  }

  tagsOf(aclId: string): Record<string, string> {
    return Object.fromEntries(this.requireAcl(aclId).tags);
  }

  /** Calls that change state (everything but the Describe calls). */
  mutatingCalls(): RecordedCall[] {
    return this.calls.filter((c) => !c.action.startsWith('Describe'));
  }

  /** A deep copy of the whole state, to compare before and after. */
  snapshot(): string {
    const acls = [...this.acls.values()].map((a) => ({ id: a.id, entries: sortedEntries(a.entries), tags: [...a.tags].sort() }));
    const subnets = [...this.subnets.values()].map((s) => ({ id: s.id, aclId: s.aclId }));
    return JSON.stringify({ acls, subnets });
  }

  // ---- Fault injection ------------------------------------------------------------------

  /** The next `times` calls of `action` fail with the EC2 error `code` (e.g. RequestLimitExceeded). */
  failNext(action: Ec2Action, code: string, times = 1, status = code === 'RequestLimitExceeded' ? 503 : 400): void {
    this.faults.push({ action, error: () => ec2Error(code, `injected ${code}`, status), remaining: times });
  }

  /** The next `times` calls of `action` fail with the given error. */
  failNextWith(action: Ec2Action, error: () => Error, times = 1): void {
    this.faults.push({ action, error, remaining: times });
  }

  // ---- API (bound, so they can be passed to callsFake) ----------------------------------

  readonly describeNetworkAcls = async (input: DescribeNetworkAclsCommandInput): Promise<DescribeNetworkAclsCommandOutput> => {
    this.begin('DescribeNetworkAcls', input);
    for (const id of input.NetworkAclIds ?? []) {
      if (!this.acls.has(id)) throw ec2Error('InvalidNetworkAclID.NotFound', `The network ACL ID '${id}' does not exist`);
    }
    const matching = [...this.acls.values()].filter(
      (acl) => (input.NetworkAclIds?.length ? input.NetworkAclIds.includes(acl.id) : true) && this.matchesFilters(acl, input.Filters ?? []),
    );
    const { page, NextToken } = this.paged(matching, input, { ids: input.NetworkAclIds ?? [] });
    return { NetworkAcls: page.map((acl) => this.toSdkAcl(acl)), NextToken, $metadata: { httpStatusCode: 200 } };
  };

  /** DescribeSubnets by the `subnet-id` and `vpc-id` filters, paginated; a filter matching nothing is an empty page, as on AWS. */
  readonly describeSubnets = async (input: DescribeSubnetsCommandInput): Promise<DescribeSubnetsCommandOutput> => {
    this.begin('DescribeSubnets', input);
    if (input.SubnetIds?.length) throw new Error('stand-in: DescribeSubnets is modelled for filters only');
    const matching = [...this.subnets.values()].filter((subnet) =>
      (input.Filters ?? []).every((filter) => {
        if (filter.Name === 'subnet-id') return (filter.Values ?? []).includes(subnet.id);
        if (filter.Name === 'vpc-id') return (filter.Values ?? []).includes(subnet.vpcId);
        throw ec2Error('InvalidParameterValue', `The filter '${filter.Name}' is invalid`);
      }),
    );
    const { page, NextToken } = this.paged(matching, input, {});
    return { Subnets: page.map((subnet) => ({ SubnetId: subnet.id, VpcId: subnet.vpcId })), NextToken, $metadata: { httpStatusCode: 200 } };
  };

  readonly createNetworkAclEntry = async (input: CreateNetworkAclEntryCommandInput) => {
    this.begin('CreateNetworkAclEntry', input);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    const entry = validEntry(input);
    if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber)) {
      throw ec2Error('NetworkAclEntryAlreadyExists', `The network ACL entry identified by ${entry.ruleNumber} already exists.`);
    }
    this.checkQuota(acl, entry, undefined);
    acl.entries.push(entry);
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly replaceNetworkAclEntry = async (input: ReplaceNetworkAclEntryCommandInput) => {
    this.begin('ReplaceNetworkAclEntry', input);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    const entry = validEntry(input);
    const index = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
    if (index === -1)
      throw ec2Error('InvalidNetworkAclEntry.NotFound', `The network ACL entry identified by ${entry.ruleNumber} does not exist.`);
    this.checkQuota(acl, entry, acl.entries[index]);
    acl.entries[index] = entry;
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly deleteNetworkAclEntry = async (input: DeleteNetworkAclEntryCommandInput) => {
    this.begin('DeleteNetworkAclEntry', input);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    if (input.Egress === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter egress');
    const ruleNumber = validRuleNumber(input.RuleNumber);
    const index = acl.entries.findIndex((e) => e.egress === input.Egress && e.ruleNumber === ruleNumber);
    if (index === -1)
      throw ec2Error('InvalidNetworkAclEntry.NotFound', `The network ACL entry identified by ${ruleNumber} does not exist.`);
    acl.entries.splice(index, 1);
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly replaceNetworkAclAssociation = async (
    input: ReplaceNetworkAclAssociationCommandInput,
  ): Promise<ReplaceNetworkAclAssociationCommandOutput> => {
    this.begin('ReplaceNetworkAclAssociation', input);
    const subnet = [...this.subnets.values()].find((s) => s.associationId === input.AssociationId);
    if (!subnet) throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${input.AssociationId}' does not exist`);
    const acl = this.acls.get(input.NetworkAclId ?? '');
    if (!acl) throw ec2Error('InvalidNetworkAclID.NotFound', `The network ACL ID '${input.NetworkAclId}' does not exist`);
    if (acl.vpcId !== subnet.vpcId)
      throw ec2Error('InvalidParameterValue', `Network ACL ${acl.id} and subnet ${subnet.id} belong to different VPCs`);
    subnet.aclId = acl.id;
    subnet.associationId = this.nextId('aclassoc');
    return { NewAssociationId: subnet.associationId, $metadata: { httpStatusCode: 200 } };
  };

  readonly createTags = async (input: CreateTagsCommandInput) => {
    this.begin('CreateTags', input);
    const resources = input.Resources ?? [];
    if (resources.length === 0) throw ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
    const targets = resources.map((id) => {
      const acl = this.acls.get(id);
      if (!acl) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
      return acl;
    });
    for (const tag of input.Tags ?? []) {
      if (!tag.Key || tag.Key.length > 128 || tag.Key.startsWith('aws:'))
        throw ec2Error('InvalidParameterValue', `Tag key '${tag.Key}' is not valid`);
      if ((tag.Value ?? '').length > 256) throw ec2Error('InvalidParameterValue', 'Tag value exceeds 256 characters');
    }
    for (const acl of targets) {
      const next = new Map(acl.tags);
      for (const tag of input.Tags ?? []) next.set(tag.Key!, tag.Value ?? '');
      if (next.size > MAX_TAGS_PER_RESOURCE)
        throw ec2Error('TagLimitExceeded', `The maximum number of tags per resource (${MAX_TAGS_PER_RESOURCE}) would be exceeded`);
    }
    for (const acl of targets) for (const tag of input.Tags ?? []) acl.tags.set(tag.Key!, tag.Value ?? '');
    return { $metadata: { httpStatusCode: 200 } };
  };

  /**
   * DescribeVpcs by VpcIds (the only form the updater uses): an unknown id fails the whole call
   * with InvalidVpcID.NotFound, as AWS does; CIDR blocks come back with state `associated`.
   */
  readonly describeVpcs = async (input: DescribeVpcsCommandInput): Promise<DescribeVpcsCommandOutput> => {
    this.begin('DescribeVpcs', input);
    if (input.Filters?.length || input.MaxResults !== undefined) throw new Error('stand-in: DescribeVpcs is modelled for VpcIds only');
    const vpcs = (input.VpcIds ?? [...this.vpcs.keys()]).map((id) => this.requireVpc(id));
    return {
      $metadata: { httpStatusCode: 200 },
      Vpcs: vpcs.map((vpc) => {
        const ipv4 = vpc.cidrs.filter((c) => c.family === 'ipv4');
        const ipv6 = vpc.cidrs.filter((c) => c.family === 'ipv6');
        return {
          VpcId: vpc.id,
          OwnerId: this.ownerId,
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
      }),
    };
  };

  /** Every command the product sends to EC2 (updater and deploy-time facts), for `routeCommands` (simulation/sdk-routing.ts). */
  routes(): Route[] {
    return [
      [DescribeNetworkAclsCommand, this.describeNetworkAcls],
      [DescribeSubnetsCommand, this.describeSubnets],
      [DescribeVpcsCommand, this.describeVpcs],
      [CreateNetworkAclEntryCommand, this.createNetworkAclEntry],
      [ReplaceNetworkAclEntryCommand, this.replaceNetworkAclEntry],
      [DeleteNetworkAclEntryCommand, this.deleteNetworkAclEntry],
      [ReplaceNetworkAclAssociationCommand, this.replaceNetworkAclAssociation],
      [CreateTagsCommand, this.createTags],
    ];
  }

  // ---- Internals ------------------------------------------------------------------------

  private begin(action: Ec2Action, input: unknown): void {
    this.calls.push({ action, input: structuredClone(input) });
    const fault = this.faults.find((f) => f.action === action && f.remaining > 0);
    if (fault) {
      fault.remaining--;
      throw fault.error();
    }
  }

  private nextId(prefix: string): string {
    this.sequence++;
    return `${prefix}-${this.sequence.toString(16).padStart(17, '0')}`;
  }

  private newAcl(vpcId: string, isDefault: boolean, hasIpv6: boolean): Acl {
    const acl: Acl = { id: this.nextId('acl'), vpcId, isDefault, entries: [], tags: new Map() };
    for (const egress of [false, true]) {
      acl.entries.push({ ruleNumber: DEFAULT_RULE.ipv4, egress, protocol: '-1', ruleAction: 'deny', cidrBlock: '0.0.0.0/0' });
      if (hasIpv6) acl.entries.push({ ruleNumber: DEFAULT_RULE.ipv6, egress, protocol: '-1', ruleAction: 'deny', ipv6CidrBlock: '::/0' });
    }
    this.acls.set(acl.id, acl);
    return acl;
  }

  private requireVpc(id: string): Vpc {
    const vpc = this.vpcs.get(id);
    if (!vpc) throw ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    return vpc;
  }

  private requireSubnet(id: string): Subnet {
    const subnet = this.subnets.get(id);
    if (!subnet) throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    return subnet;
  }

  private requireAcl(id: string | undefined): Acl {
    const acl = this.acls.get(id ?? '');
    if (!acl) throw ec2Error('InvalidNetworkAclID.NotFound', `The network ACL ID '${id}' does not exist`);
    return acl;
  }

  private requireAclForWrite(id: string | undefined): Acl {
    if (id === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter networkAclId');
    return this.requireAcl(id);
  }

  /** The quota counts entries of one direction and family, the default deny rule included. */
  private checkQuota(acl: Acl, entry: Entry, replacing: Entry | undefined): void {
    const family = familyOf(entry);
    const sameSlot = acl.entries.filter((e) => e.egress === entry.egress && familyOf(e) === family && e !== replacing).length;
    if (sameSlot + 1 > this.ruleLimit) {
      throw ec2Error(
        'NetworkAclEntryLimitExceeded',
        `The maximum number of entries (${this.ruleLimit}) for this network ACL has been reached for ${family} ${entry.egress ? 'egress' : 'ingress'} rules.`,
      );
    }
  }

  /** One page of `items` for a Describe call: MaxResults 5-1000, NextToken bound to the same request. */
  private paged<T>(
    items: readonly T[],
    input: { Filters?: unknown; MaxResults?: number; NextToken?: string },
    request: Record<string, unknown>,
  ): { page: T[]; NextToken?: string } {
    if (input.MaxResults !== undefined && (input.MaxResults < PAGE_MIN || input.MaxResults > PAGE_MAX)) {
      throw ec2Error('InvalidParameterValue', `MaxResults must be between ${PAGE_MIN} and ${PAGE_MAX}`);
    }
    const key = JSON.stringify({ ...request, filters: input.Filters ?? [], max: input.MaxResults ?? null });
    let offset = 0;
    if (input.NextToken !== undefined) {
      const token = this.pageTokens.get(input.NextToken);
      if (!token || token.key !== key) throw ec2Error('InvalidNextToken', 'The specified NextToken is not valid');
      offset = token.offset;
    }
    const size = input.MaxResults ?? items.length;
    let NextToken: string | undefined;
    if (offset + size < items.length) {
      NextToken = this.nextId('token');
      this.pageTokens.set(NextToken, { key, offset: offset + size });
    }
    return { page: items.slice(offset, offset + size), NextToken };
  }

  private matchesFilters(acl: Acl, filters: NonNullable<DescribeNetworkAclsCommandInput['Filters']>): boolean {
    return filters.every((filter) => {
      const values = filter.Values ?? [];
      const name = filter.Name ?? '';
      const associations = [...this.subnets.values()].filter((s) => s.aclId === acl.id);
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

  private toSdkAcl(acl: Acl): NetworkAcl {
    return {
      NetworkAclId: acl.id,
      VpcId: acl.vpcId,
      IsDefault: acl.isDefault,
      OwnerId: this.ownerId,
      Entries: sortedEntries(acl.entries).map(toSdkEntry),
      Associations: [...this.subnets.values()]
        .filter((s) => s.aclId === acl.id)
        .map((s) => ({ NetworkAclAssociationId: s.associationId, NetworkAclId: acl.id, SubnetId: s.id })),
      Tags: [...acl.tags].map(([Key, Value]) => ({ Key, Value })),
    };
  }
}

function familyOf(entry: Pick<Entry, 'ipv6CidrBlock'>): AddressFamily {
  return entry.ipv6CidrBlock !== undefined ? 'ipv6' : 'ipv4';
}

function sortedEntries(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber);
}

function toSdkEntry(entry: Entry): NetworkAclEntry {
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

function validRuleNumber(ruleNumber: number | undefined): number {
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
function validEntry(input: CreateNetworkAclEntryCommandInput): Entry {
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
