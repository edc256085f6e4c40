import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
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
  type NetworkAclEntry,
  type ReplaceNetworkAclAssociationCommandInput,
  type ReplaceNetworkAclAssociationCommandOutput,
  type ReplaceNetworkAclEntryCommandInput,
} from '@aws-sdk/client-ec2';
import { cidrText, parseNetwork } from '../../core/addresses';
import type { Route } from '../sdk-routing';
import { checkQuota, defaultAllowEntries, defaultDenyEntries, sortedEntries, toSdkEntry, validEntry, validRuleNumber } from './acl-entries';
import { FixedLag, StandInReads, type ConsistencyOptions, type LaggedPart } from './consistency';
import { ec2Error } from './errors';
import { DescribePages } from './pagination';
import { aclMatchesFilters, checkNewTags, subnetMatchesFilters, toSdkAcl, toSdkVpc, type Acl, type Subnet, type Vpc } from './resources';

/**
 * A stateful, in-process stand-in for the EC2 network-ACL API, as strict as AWS where it matters
 * to the NACL updater: the rules-per-ACL quota (per direction and address family, default deny
 * rules included), rule numbers 1-32766 unique per direction across families, immutable default
 * rules (32767 IPv4, 32768 IPv6), association ids that change on every replace, the documented
 * error codes, DescribeNetworkAcls filters and pagination, and tags. With `consistency`, it is
 * eventually consistent as EC2 is (./consistency.ts): reads may lag writes, and calls naming a
 * resource just created may answer NotFound.
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
  /** Eventual-consistency mode: each call sees the state as of a random, seeded lag. @default every call sees the current state */
  readonly consistency?: ConsistencyOptions;
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

interface Fault {
  readonly action: Ec2Action;
  readonly error: () => Error;
  remaining: number;
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
  private readonly pages = new DescribePages(() => this.nextId('token'));
  private sequence = 0;
  private readonly reads: StandInReads;

  constructor(options: StandInOptions = {}) {
    this.ruleLimit = options.ruleLimit ?? 20;
    this.ownerId = options.ownerId ?? '111122223333';
    this.reads = new StandInReads(options.consistency);
    this.changed();
  }

  // ---- Set-up ---------------------------------------------------------------------------

  /** Creates a VPC with its default network ACL (allow all in and out, per family). */
  createVpc(spec: VpcSpec): string {
    const id = this.nextId('vpc');
    const hasIpv6 = spec.cidrs.some((c) => parseNetwork(c)?.family === 'ipv6');
    const defaultAcl = this.newAcl(id, true, hasIpv6);
    defaultAcl.entries.push(...defaultAllowEntries(hasIpv6));
    this.vpcs.set(id, { id, hasIpv6, defaultAclId: defaultAcl.id, cidrs: [] });
    for (const cidr of spec.cidrs) this.associateVpcCidr(id, cidr);
    this.changed();
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
    const associationId = this.nextId('aclassoc');
    this.subnets.set(id, { id, vpcId, aclId: vpc.defaultAclId, associationId });
    this.reads.created(associationId);
    this.changed();
    return id;
  }

  /** Creates a custom network ACL: it denies everything (default rules only) until rules are added. */
  createNetworkAcl(vpcId: string, tags: Record<string, string> = {}): string {
    const vpc = this.requireVpc(vpcId);
    const acl = this.newAcl(vpcId, false, vpc.hasIpv6);
    for (const [key, value] of Object.entries(tags)) acl.tags.set(key, value);
    this.changed();
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

  /**
   * From now on (until `lagReads(undefined)`), one part of EC2's answers lags `lagMs` behind the
   * writes, as eventual consistency may (./consistency.ts): DescribeNetworkAcls reports the
   * associations, or the entries and tags, as they were then; or (`ids`) ReplaceNetworkAclAssociation
   * answers NotFound for an association id created less than `lagMs` ago.
   */
  lagReads(lag: { part: LaggedPart; lagMs: number; now: () => number } | undefined): void {
    this.reads.setFixed(lag && new FixedLag(lag.part, lag.lagMs, lag.now), { acls: this.acls, subnets: this.subnets });
  }

  /** The next `times` calls of `action` fail with the given error. */
  failNextWith(action: Ec2Action, error: () => Error, times = 1): void {
    this.faults.push({ action, error, remaining: times });
  }

  // ---- API (bound, so they can be passed to callsFake) ----------------------------------

  readonly describeNetworkAcls = async (input: DescribeNetworkAclsCommandInput): Promise<DescribeNetworkAclsCommandOutput> => {
    this.begin('DescribeNetworkAcls', input);
    const seen = this.readable();
    for (const id of input.NetworkAclIds ?? []) {
      if (!seen.acls.has(id)) throw ec2Error('InvalidNetworkAclID.NotFound', `The network ACL ID '${id}' does not exist`);
    }
    const matching = [...seen.acls.values()].filter(
      (acl) =>
        (input.NetworkAclIds?.length ? input.NetworkAclIds.includes(acl.id) : true) &&
        aclMatchesFilters(acl, seen.subnets.values(), input.Filters ?? []),
    );
    const { page, NextToken } = this.pages.page(matching, input, { ids: input.NetworkAclIds ?? [] });
    return {
      NetworkAcls: page.map((acl) => toSdkAcl(acl, seen.subnets.values(), this.ownerId)),
      NextToken,
      $metadata: { httpStatusCode: 200 },
    };
  };

  /** DescribeSubnets by the `subnet-id` and `vpc-id` filters, paginated; a filter matching nothing is an empty page, as on AWS. */
  readonly describeSubnets = async (input: DescribeSubnetsCommandInput): Promise<DescribeSubnetsCommandOutput> => {
    this.begin('DescribeSubnets', input);
    if (input.SubnetIds?.length) throw new Error('stand-in: DescribeSubnets is modelled for filters only');
    const matching = [...this.readable().subnets.values()].filter((subnet) => subnetMatchesFilters(subnet, input.Filters ?? []));
    const { page, NextToken } = this.pages.page(matching, input, {});
    return { Subnets: page.map((subnet) => ({ SubnetId: subnet.id, VpcId: subnet.vpcId })), NextToken, $metadata: { httpStatusCode: 200 } };
  };

  readonly createNetworkAclEntry = async (input: CreateNetworkAclEntryCommandInput) => {
    this.begin('CreateNetworkAclEntry', input);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    const entry = validEntry(input);
    if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber)) {
      throw ec2Error('NetworkAclEntryAlreadyExists', `The network ACL entry identified by ${entry.ruleNumber} already exists.`);
    }
    checkQuota(acl.entries, entry, undefined, this.ruleLimit);
    acl.entries.push(entry);
    this.changed();
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly replaceNetworkAclEntry = async (input: ReplaceNetworkAclEntryCommandInput) => {
    this.begin('ReplaceNetworkAclEntry', input);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    const entry = validEntry(input);
    const index = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
    if (index === -1)
      throw ec2Error('InvalidNetworkAclEntry.NotFound', `The network ACL entry identified by ${entry.ruleNumber} does not exist.`);
    checkQuota(acl.entries, entry, acl.entries[index], this.ruleLimit);
    acl.entries[index] = entry;
    this.changed();
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
    this.changed();
    return { $metadata: { httpStatusCode: 200 } };
  };

  readonly replaceNetworkAclAssociation = async (
    input: ReplaceNetworkAclAssociationCommandInput,
  ): Promise<ReplaceNetworkAclAssociationCommandOutput> => {
    this.begin('ReplaceNetworkAclAssociation', input);
    const subnet = [...this.subnets.values()].find((s) => s.associationId === input.AssociationId);
    if (!subnet || this.reads.notYetVisible(input.AssociationId))
      throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${input.AssociationId}' does not exist`);
    const acl = this.requireAclForWrite(input.NetworkAclId);
    if (acl.vpcId !== subnet.vpcId)
      throw ec2Error('InvalidParameterValue', `Network ACL ${acl.id} and subnet ${subnet.id} belong to different VPCs`);
    subnet.aclId = acl.id;
    subnet.associationId = this.nextId('aclassoc');
    this.reads.created(subnet.associationId);
    this.changed();
    return { NewAssociationId: subnet.associationId, $metadata: { httpStatusCode: 200 } };
  };

  readonly createTags = async (input: CreateTagsCommandInput) => {
    this.begin('CreateTags', input);
    const resources = input.Resources ?? [];
    if (resources.length === 0) throw ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
    const targets = resources.map((id) => {
      const acl = this.acls.get(id);
      if (!acl) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
      return this.requireAclForWrite(id);
    });
    checkNewTags(targets, input.Tags ?? []);
    for (const acl of targets) for (const tag of input.Tags ?? []) acl.tags.set(tag.Key!, tag.Value ?? '');
    this.changed();
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
    return { $metadata: { httpStatusCode: 200 }, Vpcs: vpcs.map((vpc) => toSdkVpc(vpc, this.ownerId)) };
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
    this.reads.begin();
    const fault = this.faults.find((f) => f.action === action && f.remaining > 0);
    if (fault) {
      fault.remaining--;
      throw fault.error();
    }
  }

  /** The state the call being served sees: the current one, or an earlier one in eventual-consistency mode. */
  private readable() {
    return this.reads.readable({ acls: this.acls, subnets: this.subnets });
  }

  private changed(): void {
    this.reads.changed({ acls: this.acls, subnets: this.subnets });
  }

  private nextId(prefix: string): string {
    this.sequence++;
    return `${prefix}-${this.sequence.toString(16).padStart(17, '0')}`;
  }

  private newAcl(vpcId: string, isDefault: boolean, hasIpv6: boolean): Acl {
    const acl: Acl = { id: this.nextId('acl'), vpcId, isDefault, entries: defaultDenyEntries(hasIpv6), tags: new Map() };
    this.acls.set(acl.id, acl);
    this.reads.created(acl.id);
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
    // A network ACL created less than this call's lag ago is not visible to it yet.
    if (this.reads.notYetVisible(id)) throw ec2Error('InvalidNetworkAclID.NotFound', `The network ACL ID '${id}' does not exist`);
    return this.requireAcl(id);
  }
}
