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

/** The listener's protocol as the operator names it, and as flow logs and NACL rules number it (IANA). */
export type ListenerProtocol = 'TCP' | 'UDP';
export type ListenerProtocolNumber = 6 | 17;
export const PROTOCOL_NUMBERS: Readonly<Record<ListenerProtocol, ListenerProtocolNumber>> = { TCP: 6, UDP: 17 };

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

/** parse + filters: the records that count (docs/architecture.md, Detection), shared by both queries. */
function matchingRecords(options: BinQueryOptions): string[] {
  validate(options);
  const src = queryField('srcaddr');
  const exclusions = options.vpcNetworks.map((network) => `not isIpInSubnet(${src}, "${cidrText(network)}")`).join(' and ');
  return [
    insightsParseCommand(),
    `| filter ${queryField('dstport')} = ${options.listenerPort} and ${queryField('protocol')} = ${options.listenerProtocol}` +
      ` and ${queryField('action')} = "ACCEPT" and ${queryField('flow-direction')} = "ingress"`,
    `| filter ${exclusions}`,
  ];
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
  const src = queryField('srcaddr');
  const packets = queryField('packets');
  const { packets: binPackets, maxLagMs } = BIN_QUERY_COLUMNS;
  return [
    ...matchingRecords(options),
    `| fields ${src}, ${packets}, toMillis(@ingestionTime) - toMillis(@timestamp) as lagMs`,
    `| stats sum(${packets}) as ${binPackets}, max(lagMs) as ${maxLagMs} by ${src}`,
    `| sort ${binPackets} desc`,
    `| limit ${INSIGHTS_RESULT_LIMIT}`,
  ].join('\n');
}

/** Names of the result columns of the minute-statistics query. */
export const STATISTICS_QUERY_COLUMNS = {
  binCount: 'binCount',
  packetSum: 'packetSum',
  packetSquareSum: 'packetSquareSum',
} as const;

/**
 * The statistics of ONE minute's bins, computed by Logs Insights itself, so they are exact however
 * many sources the minute had: the first `stats` makes the bins (packets per source), the second
 * reduces them to one row (count, sum, sum of squares). Insights allows two `stats` per query and
 * the second may only use fields the first defined (CloudWatch Logs docs, "Use multiple stats
 * commands in a single query"). The summarizer runs it only for a minute whose bin query hit the
 * 10,000-row cap: otherwise the bins themselves give the same numbers without a second scan.
 *
 * Insights sums in doubles: the sums are exact integers while below 2^53 (a minute's sum of
 * squares below 9.0e15, e.g. one source at 94 million packets a minute); a larger value is
 * rejected by the row parser rather than used rounded.
 */
export function buildMinuteStatisticsQuery(options: BinQueryOptions): string {
  const src = queryField('srcaddr');
  const packets = queryField('packets');
  const bin = BIN_QUERY_COLUMNS.packets;
  const c = STATISTICS_QUERY_COLUMNS;
  return [
    ...matchingRecords(options),
    `| stats sum(${packets}) as ${bin} by ${src}`,
    `| stats count(*) as ${c.binCount}, sum(${bin}) as ${c.packetSum}, sum(${bin} * ${bin}) as ${c.packetSquareSum}`,
  ].join('\n');
}
