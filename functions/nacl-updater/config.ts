import { z } from 'zod';
import { cidrList, integer, logGroupName, readEnvironment, text, vpcId } from '../shared/environment';

export { ConfigError } from '../shared/environment';
import type { AddressFamily, Network } from '../../core/addresses';
import { DEFAULT_MAX_AGGREGATE_PREFIX } from '../../core/prefix-aggregation';
import { DEFAULT_BLOCK_CAPS } from '../../core/block-selection';
import { DEFAULT_METRICS_NAMESPACE } from '../../core/metrics';

/** NACL updater settings, read once at cold start from the environment the stack sets. */
export interface UpdaterConfig {
  readonly vpcId: string;
  readonly vpcNetworks: readonly Network[];
  readonly subnetIds: readonly string[];
  readonly originalNaclId: string;
  readonly blueNaclId: string;
  readonly greenNaclId: string;
  /** The "rules per network ACL" quota configured for the account (per direction and family). */
  readonly naclRuleLimit: number;
  readonly ipv4Mask: number;
  readonly ipv6Mask: number;
  /** New deny rules one verdict may add, and deny rules in place at once (both families). */
  readonly maxNewBlocksPerRun: number;
  readonly maxBlockedNetworks: number;
  /**
   * Adaptive aggregation: widest prefix per family that host rules may be merged into when they do
   * not fit (NACL_MAX_AGGREGATE_PREFIX, NACL_MAX_AGGREGATE_PREFIX_IPV6; setting either turns it on,
   * the other then defaults to /16 or /48). Absent: off, the highest Z-scores get host rules.
   */
  readonly aggregation?: Readonly<Record<AddressFamily, number>>;
  readonly allowListBucket: string;
  readonly allowListKey: string;
  readonly auditLogGroupName: string;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

export const DEFAULT_MAX_NEW_BLOCKS_PER_RUN = DEFAULT_BLOCK_CAPS.newPerRun;
export const DEFAULT_MAX_BLOCKED_NETWORKS = DEFAULT_BLOCK_CAPS.total;

const naclId = text.regex(/^acl-[0-9a-f]{8,17}$/, 'expected a network ACL id like acl-0123456789abcdef0');

const subnetList = text.min(1, 'expected at least one subnet id').transform((value, ctx) => {
  const ids = value.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !/^subnet-[0-9a-f]{8,17}$/.test(id));
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not a subnet id like subnet-0123456789abcdef0` });
    return z.NEVER;
  }
  return [...new Set(ids)];
});

const schema = z
  .object({
    VPC_ID: vpcId,
    VPC_CIDRS: cidrList,
    SUBNET_IDS: subnetList,
    ORIGINAL_NACL_ID: naclId,
    BLUE_NACL_ID: naclId,
    GREEN_NACL_ID: naclId,
    // The quota is 20 by default and can be raised to 40; it includes the default rule.
    NACL_RULE_LIMIT: integer(2, 40).default(20),
    NACL_RULE_NETWORK_MASK: integer(0, 32).default(32),
    NACL_RULE_NETWORK_MASK_IPV6: integer(0, 128).default(128),
    // Caps on what a (possibly spoofed) flood can make the stack block; see docs/threat-model.md.
    MAX_NEW_BLOCKS_PER_RUN: integer(1, 100).default(DEFAULT_MAX_NEW_BLOCKS_PER_RUN),
    MAX_BLOCKED_NETWORKS: integer(1, 100).default(DEFAULT_MAX_BLOCKED_NETWORKS),
    NACL_MAX_AGGREGATE_PREFIX: integer(1, 32).optional(),
    NACL_MAX_AGGREGATE_PREFIX_IPV6: integer(1, 128).optional(),
    ALLOW_LIST_BUCKET: text.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    ALLOW_LIST_KEY: text.min(1).max(1024).default('allow-list.txt'),
    AUDIT_LOG_GROUP_NAME: logGroupName,
    POWERTOOLS_METRICS_NAMESPACE: text.min(1).max(255).default(DEFAULT_METRICS_NAMESPACE),
    POWERTOOLS_SERVICE_NAME: text.min(1).default('nacl-updater'),
  })
  .refine((env) => new Set([env.ORIGINAL_NACL_ID, env.BLUE_NACL_ID, env.GREEN_NACL_ID]).size === 3, {
    path: ['BLUE_NACL_ID'],
    message: 'ORIGINAL_NACL_ID, BLUE_NACL_ID and GREEN_NACL_ID must be three different ACLs: the updater only ever writes blue or green',
  });

export function loadConfig(env: Record<string, string | undefined>): UpdaterConfig {
  const e = readEnvironment(schema, env, 'nacl-updater');
  return {
    vpcId: e.VPC_ID,
    vpcNetworks: e.VPC_CIDRS,
    subnetIds: e.SUBNET_IDS,
    originalNaclId: e.ORIGINAL_NACL_ID,
    blueNaclId: e.BLUE_NACL_ID,
    greenNaclId: e.GREEN_NACL_ID,
    naclRuleLimit: e.NACL_RULE_LIMIT,
    ipv4Mask: e.NACL_RULE_NETWORK_MASK,
    ipv6Mask: e.NACL_RULE_NETWORK_MASK_IPV6,
    maxNewBlocksPerRun: e.MAX_NEW_BLOCKS_PER_RUN,
    maxBlockedNetworks: e.MAX_BLOCKED_NETWORKS,
    ...(e.NACL_MAX_AGGREGATE_PREFIX === undefined && e.NACL_MAX_AGGREGATE_PREFIX_IPV6 === undefined
      ? {}
      : {
          aggregation: {
            ipv4: e.NACL_MAX_AGGREGATE_PREFIX ?? DEFAULT_MAX_AGGREGATE_PREFIX.ipv4,
            ipv6: e.NACL_MAX_AGGREGATE_PREFIX_IPV6 ?? DEFAULT_MAX_AGGREGATE_PREFIX.ipv6,
          },
        }),
    allowListBucket: e.ALLOW_LIST_BUCKET,
    allowListKey: e.ALLOW_LIST_KEY,
    auditLogGroupName: e.AUDIT_LOG_GROUP_NAME,
    metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
    serviceName: e.POWERTOOLS_SERVICE_NAME,
  };
}
