import { cidrText, type Network } from './addresses';
import { insightsParseCommand, queryField } from './flow-log-format';

/** Logs Insights returns at most this many rows per query; the query asks for exactly that many. */
export const INSIGHTS_RESULT_LIMIT = 10_000;

/**
 * Queries one run keeps running at once. StartQuery documents an account-wide limit of 30
 * concurrent Insights queries (dashboards included), and two runs a minute may overlap, so one
 * run holds at most a third of it; further minutes start as earlier ones finish.
 */
export const MAX_CONCURRENT_INSIGHTS_QUERIES = 10;

/** Names of the result columns of the bin query. */
export const BIN_QUERY_COLUMNS = {
  sourceIp: queryField('srcaddr'),
  packets: 'binPackets',
  maxLagMs: 'maxLagMs',
} as const;

export type ListenerProtocolNumber = 6 | 17;

export interface BinQueryOptions {
  readonly listenerPort: number;
  readonly listenerProtocol: ListenerProtocolNumber;
  /** Every IPv4 and IPv6 CIDR of the VPC: sources inside any of them are not counted. */
  readonly vpcNetworks: readonly Network[];
}

function validate(options: BinQueryOptions): void {
  const { listenerPort, listenerProtocol, vpcNetworks } = options;
  if (!Number.isInteger(listenerPort) || listenerPort < 1 || listenerPort > 65_535) {
    throw new RangeError(`listener port must be an integer 1-65535, got ${listenerPort}`);
  }
  if (listenerProtocol !== 6 && listenerProtocol !== 17) {
    throw new RangeError(`listener protocol must be 6 (TCP) or 17 (UDP), got ${String(listenerProtocol)}`);
  }
  if (vpcNetworks.length === 0) throw new RangeError('at least one VPC CIDR is required to exclude VPC-internal sources');
}

/**
 * The Logs Insights query for ONE minute bin (the minute is the StartQuery time range):
 * packets per source for ingress ACCEPT traffic to the listener from outside the VPC, with the
 * largest delivery lag seen, largest bins first so the 10,000-row cap drops the smallest talkers.
 *
 * `isIpInSubnet` accepts IPv4 and IPv6 fields and subnets (an address of the other family is
 * simply not inside), so one clause per VPC CIDR covers both families.
 */
export function buildBinQuery(options: BinQueryOptions): string {
  validate(options);
  const src = queryField('srcaddr');
  const packets = queryField('packets');
  const exclusions = options.vpcNetworks.map((network) => `not isIpInSubnet(${src}, "${cidrText(network)}")`).join(' and ');
  const { packets: binPackets, maxLagMs } = BIN_QUERY_COLUMNS;
  return [
    insightsParseCommand(),
    `| filter ${queryField('dstport')} = ${options.listenerPort} and ${queryField('protocol')} = ${options.listenerProtocol}` +
      ` and ${queryField('action')} = "ACCEPT" and ${queryField('flow-direction')} = "ingress"`,
    `| filter ${exclusions}`,
    `| fields ${src}, ${packets}, toMillis(@ingestionTime) - toMillis(@timestamp) as lagMs`,
    `| stats sum(${packets}) as ${binPackets}, max(lagMs) as ${maxLagMs} by ${src}`,
    `| sort ${binPackets} desc`,
    `| limit ${INSIGHTS_RESULT_LIMIT}`,
  ].join('\n');
}
