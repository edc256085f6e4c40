import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  type DescribeNetworkAclsCommandInput,
  type EC2Client,
  type NetworkAcl,
  type NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import type { SubnetAssociation } from '../../core/blue-green';
import type { AclEntry, AclOperation } from '../../core/nacl-plan';
import { associatedCidrs } from '../common/vpc-cidrs';

/** Error codes that mean "slow down": the request was not processed, so repeating it is safe. */
const THROTTLING_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);
const MAX_ATTEMPTS = 6;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 4_000;
/**
 * Waits before repeating a call answered `<Resource>.NotFound`. EC2 is eventually consistent: an id
 * just created (an ACL, the association id a swap returned) may not be visible to the next call
 * yet, and EC2 asks for exponential backoff starting at a couple of seconds
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
 */
const NOT_FOUND_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];
/** Time kept back from the invocation's budget for what follows the retried call (the moves, the record, the audit). */
export const RETRY_RESERVE_MS = 15_000;
/** DescribeNetworkAcls page size (the API accepts 5-1000). */
const PAGE_SIZE = 100;

export interface DescribedAcl {
  readonly id: string;
  readonly entries: AclEntry[];
  readonly tags: Readonly<Record<string, string>>;
}

/** Called before each wait for a retry, with the error that caused it. */
export type OnRetry = (error: unknown, delayMs: number) => void;

/**
 * The EC2 network-ACL calls of the updater. Throttled calls, and calls answered NotFound, are
 * repeated here with exponential backoff on the injected clock (the client itself is built with
 * maxAttempts 1), so each retry is counted and tests control the waiting. No wait reaches past
 * the deadline set for the invocation: the call's error is thrown instead.
 */
export class AclGateway {
  private deadlineMs = Infinity;

  constructor(
    private readonly ec2: EC2Client,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly onRetry: OnRetry,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The time after which no retry waits (epoch ms): the invocation's end less what it needs afterwards. */
  setDeadline(deadlineMs: number): void {
    this.deadlineMs = deadlineMs;
  }

  /** Waits `ms` before reading again, unless that reaches past the deadline: then false at once. */
  async pause(ms: number): Promise<boolean> {
    if (this.now() + ms > this.deadlineMs) return false;
    await this.sleep(ms);
    return true;
  }

  /** The current ACL association of each protected subnet; fails when a subnet has none. */
  async subnetAssociations(subnetIds: readonly string[]): Promise<SubnetAssociation[]> {
    const acls = await this.describeAll({ Filters: [{ Name: 'association.subnet-id', Values: [...subnetIds] }], MaxResults: PAGE_SIZE });
    const found = new Map<string, SubnetAssociation>();
    for (const acl of acls) {
      for (const a of acl.Associations ?? []) {
        if (a.SubnetId && subnetIds.includes(a.SubnetId) && a.NetworkAclAssociationId && acl.NetworkAclId) {
          found.set(a.SubnetId, { subnetId: a.SubnetId, associationId: a.NetworkAclAssociationId, networkAclId: acl.NetworkAclId });
        }
      }
    }
    const missing = subnetIds.filter((id) => !found.has(id));
    if (missing.length > 0) throw new Error(`no network ACL association found for protected subnet(s) ${missing.join(', ')}`);
    return subnetIds.map((id) => found.get(id)!);
  }

  /** Entries and tags of the given ACLs, by id; fails when one does not exist. */
  async describe(ids: readonly string[]): Promise<Map<string, DescribedAcl>> {
    const acls = await this.describeAll({ NetworkAclIds: [...ids] });
    const byId = new Map(acls.map((acl) => [acl.NetworkAclId!, toDescribed(acl)]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new Error(`network ACL(s) ${missing.join(', ')} not returned by DescribeNetworkAcls`);
    return byId;
  }

  /** The CIDR blocks associated with the VPC now (see associatedCidrs); fails when the VPC is not returned. */
  async vpcCidrs(vpcId: string): Promise<string[]> {
    const output = await this.retrying(() => this.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
    const vpc = (output.Vpcs ?? []).find((v) => v.VpcId === vpcId);
    if (!vpc) throw new Error(`VPC ${vpcId} not returned by DescribeVpcs`);
    return associatedCidrs(vpc);
  }

  async apply(networkAclId: string, operation: AclOperation): Promise<void> {
    if (operation.kind === 'delete') {
      await this.retrying(() =>
        this.ec2.send(
          new DeleteNetworkAclEntryCommand({ NetworkAclId: networkAclId, Egress: operation.egress, RuleNumber: operation.ruleNumber }),
        ),
      );
      return;
    }
    const input = { NetworkAclId: networkAclId, ...entryInput(operation.entry) };
    await this.retrying(() =>
      operation.kind === 'create'
        ? this.ec2.send(new CreateNetworkAclEntryCommand(input))
        : this.ec2.send(new ReplaceNetworkAclEntryCommand(input)),
    );
  }

  /**
   * Moves a subnet to another ACL; returns the NEW association id (the old one is gone). With
   * `retryNotFound` false, InvalidAssociationID.NotFound is thrown at once: for an id read from
   * a Describe that may be stale, waiting does not bring back an association already replaced.
   */
  async replaceAssociation(associationId: string, networkAclId: string, retryNotFound = true): Promise<string> {
    const call = () => this.ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: associationId, NetworkAclId: networkAclId }));
    const output = await this.retrying(call, retryNotFound);
    if (!output.NewAssociationId) throw new Error(`ReplaceNetworkAclAssociation returned no new association id for ${associationId}`);
    return output.NewAssociationId;
  }

  async tag(resourceIds: readonly string[], key: string, value: string): Promise<void> {
    await this.retrying(() => this.ec2.send(new CreateTagsCommand({ Resources: [...resourceIds], Tags: [{ Key: key, Value: value }] })));
  }

  private async describeAll(input: DescribeNetworkAclsCommandInput): Promise<NetworkAcl[]> {
    const acls: NetworkAcl[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.retrying(() => this.ec2.send(new DescribeNetworkAclsCommand({ ...input, NextToken })));
      acls.push(...(page.NetworkAcls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return acls;
  }

  private async retrying<Output>(call: () => Promise<Output>, retryNotFound = true): Promise<Output> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = retryDelay(error, attempt, retryNotFound);
        if (delay === undefined || this.now() + delay > this.deadlineMs) throw error;
        this.onRetry(error, delay);
        await this.sleep(delay);
      }
    }
  }
}

/** How long to wait before attempt `attempt + 1`, or undefined when the error is not worth repeating. */
function retryDelay(error: unknown, attempt: number, retryNotFound: boolean): number | undefined {
  if (isThrottling(error)) return attempt < MAX_ATTEMPTS ? Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1)) : undefined;
  if (retryNotFound && isNotFound(error)) return NOT_FOUND_DELAYS_MS[attempt - 1];
  return undefined;
}

export function isThrottling(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && THROTTLING_CODES.has(name);
}

/** InvalidNetworkAclID.NotFound, InvalidAssociationID.NotFound, InvalidNetworkAclEntry.NotFound, ...: possibly not visible yet. */
export function isNotFound(error: unknown): boolean {
  return errorCode(error)?.endsWith('.NotFound') ?? false;
}

export function errorCode(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function toDescribed(acl: NetworkAcl): DescribedAcl {
  return {
    id: acl.NetworkAclId!,
    entries: (acl.Entries ?? []).map(fromSdkEntry),
    tags: Object.fromEntries((acl.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

/** A rule as DescribeNetworkAcls reports it, in the core's terms. */
export function fromSdkEntry(entry: NetworkAclEntry): AclEntry {
  return {
    ruleNumber: entry.RuleNumber ?? 0,
    egress: entry.Egress ?? false,
    protocol: entry.Protocol ?? '-1',
    ruleAction: entry.RuleAction === 'allow' ? 'allow' : 'deny',
    ...(entry.CidrBlock !== undefined ? { cidrBlock: entry.CidrBlock } : {}),
    ...(entry.Ipv6CidrBlock !== undefined ? { ipv6CidrBlock: entry.Ipv6CidrBlock } : {}),
    ...(entry.PortRange?.From !== undefined && entry.PortRange.To !== undefined
      ? { portRange: { from: entry.PortRange.From, to: entry.PortRange.To } }
      : {}),
    ...(entry.IcmpTypeCode?.Type !== undefined && entry.IcmpTypeCode.Code !== undefined
      ? { icmpTypeCode: { type: entry.IcmpTypeCode.Type, code: entry.IcmpTypeCode.Code } }
      : {}),
  };
}

function entryInput(entry: AclEntry) {
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
