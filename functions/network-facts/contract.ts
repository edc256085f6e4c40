/**
 * The deploy-time function's contract with the stack: how it is deployed, the two custom
 * resources it serves (type names, properties, returned attributes, physical ids) and the tag it
 * writes, which the stack's IAM policy names. It reads no environment variable: everything it
 * needs comes with each custom resource event.
 *
 * Pure: no SDK client, no environment read at import.
 */
import type { CallTimeouts } from '../common/client-options';
import type { FunctionDeployment } from '../common/contract';

/** CloudFormation waits for the response; EC2 retries with backoff fit well inside this. */
export const NETWORK_FACTS_DEPLOYMENT: FunctionDeployment = { timeoutSeconds: 300, memoryMiB: 256 };

/**
 * Its EC2 and S3 calls: 8 attempts of at most 5 s with the SDK's backoff between (about 65 s for a
 * call that never answers), so a hung call fails the custom resource with its reason well inside
 * the 300 s, and CloudFormation gets an answer instead of waiting an hour.
 */
export const NETWORK_FACTS_CALLS: CallTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 8 };

/** The `service` key of its log lines (it has no environment to set POWERTOOLS_SERVICE_NAME). */
export const NETWORK_FACTS_SERVICE_NAME = 'network-facts';

/** The function's environment: none of its own. */
export function toEnvironment(): Record<string, never> {
  return {};
}

/**
 * Tag on the stack's blue and green ACLs that records the protected subnets' original ACL.
 * Stack deletion reads it to move subnets back; the stack's IAM policy names it too.
 */
export const ORIGINAL_ACL_TAG = 'nacl-flood-guard:original-acl';

/** Custom resource: the protected network's facts (original ACL, VPC CIDRs), and ACL teardown on delete. */
export const NETWORK_FACTS_TYPE = 'Custom::NetworkFacts';

/** Custom resource: the empty, commented allow list put in place at deploy time. */
export const ALLOW_LIST_SEED_TYPE = 'Custom::AllowListSeed';

export interface NetworkFactsProperties {
  readonly VpcId: string;
  readonly SubnetIds: readonly string[];
  readonly BlueNetworkAclId: string;
  readonly GreenNetworkAclId: string;
}

/** Attributes of a NetworkFacts resource (Fn::GetAtt). */
export const NETWORK_FACTS_ATTRIBUTES = {
  originalNetworkAclId: 'OriginalNetworkAclId',
  /** Comma-joined IPv4 and IPv6 CIDRs of the VPC. */
  vpcCidrs: 'VpcCidrs',
} as const;

/**
 * Custom resource, deployed in report mode only: moves every protected subnet off the stack's
 * ACLs onto its original ACL (docs/report-mode.md). Created when a deploy switches to report
 * mode, so the subnets leave the deny rules during that deploy; deleting it changes nothing.
 */
export const REPORT_MODE_RESTORE_TYPE = 'Custom::ReportModeRestore';

export interface ReportModeRestoreProperties {
  readonly BlueNetworkAclId: string;
  readonly GreenNetworkAclId: string;
  readonly OriginalNetworkAclId: string;
}

/** The objects a seed resource can put in place. */
export const SEEDED_OBJECTS = ['allow', 'deny', 'repeat-offenders'] as const;
export type SeededObject = (typeof SEEDED_OBJECTS)[number];

export interface AllowListSeedProperties {
  readonly Bucket: string;
  readonly Key: string;
  /** Which object's empty form to put in place: a list's template, or the repeat-offender state. @default 'allow' */
  readonly List?: SeededObject;
}

/** Physical id when Create failed: a later Delete of it has nothing to undo. */
export const FAILED_CREATE_ID = 'network-facts-not-created';

/**
 * Physical id of a created resource, unique per deployment (its blue ACL is its own). An update
 * keeps the id the resource was created with, so it never triggers a cleanup Delete.
 */
export function physicalIdOf(vpcId: string, blueNetworkAclId: string): string {
  return `nacl-flood-guard-network-facts-${vpcId}-${blueNetworkAclId}`;
}
