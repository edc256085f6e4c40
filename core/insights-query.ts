import { cidrText, type Network } from './addresses';
import { insightsParseCommand, queryField } from './flow-log-format';
import { LISTENER_PORT_BOUNDS, listenerLabel, MAX_LISTENERS, type Listener } from './listeners';

export { PROTOCOL_NUMBERS, type ListenerProtocol, type ListenerProtocolNumber } from './listeners';

/** Logs Insights returns at most this many rows per query; the query asks for exactly that many. */
export const INSIGHTS_RESULT_LIMIT = 10_000;

/**
 * Queries one run keeps running at once. StartQuery documents an account-wide limit of 30
 * concurrent Insights queries (dashboards included), and two runs a minute may overlap, so one
 * run holds at most a third of it; further minutes start as earlier ones finish.
 */
export const MAX_CONCURRENT_INSIGHTS_QUERIES = 10;

/**
 * Names of the result columns of the bin query. With several listeners a row also carries the
 * listener's port and protocol (the flow-log fields of the same names).
 */
export const BIN_QUERY_COLUMNS = {
  sourceIp: queryField('srcaddr'),
  packets: 'binPackets',
  maxLagMs: 'maxLagMs',
  port: queryField('dstport'),
  protocol: queryField('protocol'),
} as const;

export interface BinQueryOptions {
  /** The endpoint's listeners, in the operator's order. */
  readonly listeners: readonly Listener[];
  /** Every IPv4 and IPv6 CIDR of the VPC: sources inside any of them are not counted. */
  readonly vpcNetworks: readonly Network[];
}

function validate(options: BinQueryOptions): void {
  const { listeners, vpcNetworks } = options;
  if (listeners.length === 0 || listeners.length > MAX_LISTENERS)
    throw new RangeError(`1-${MAX_LISTENERS} listeners are required, got ${listeners.length}`);
  for (const { port, protocol } of listeners) {
    if (!Number.isInteger(port) || port < LISTENER_PORT_BOUNDS.min || port > LISTENER_PORT_BOUNDS.max) {
      throw new RangeError(`listener port must be an integer 1-65535, got ${port}`);
    }
    if (protocol !== 6 && protocol !== 17) throw new RangeError(`listener protocol must be 6 (TCP) or 17 (UDP), got ${String(protocol)}`);
  }
  const labels = listeners.map(listenerLabel);
  if (new Set(labels).size < labels.length) throw new RangeError(`listeners must be distinct, got ${labels.join(', ')}`);
  if (vpcNetworks.length === 0) throw new RangeError('at least one VPC CIDR is required to exclude VPC-internal sources');
}

/** Whether rows and statistics are per listener: with one listener they are exactly the one-listener query's. */
export function perListener(options: Pick<BinQueryOptions, 'listeners'>): boolean {
  return options.listeners.length > 1;
}

function listenerCondition(listeners: readonly Listener[]): string {
  const one = ({ port, protocol }: Listener) => `${queryField('dstport')} = ${port} and ${queryField('protocol')} = ${protocol}`;
  if (listeners.length === 1) return one(listeners[0] as Listener);
  return `(${listeners.map((listener) => `(${one(listener)})`).join(' or ')})`;
}

/** parse + filters: the records that count (docs/architecture.md, Detection), shared by both queries. */
function matchingRecords(options: BinQueryOptions): string[] {
  validate(options);
  const src = queryField('srcaddr');
  const exclusions = options.vpcNetworks.map((network) => `not isIpInSubnet(${src}, "${cidrText(network)}")`).join(' and ');
  return [
    insightsParseCommand(),
    `| filter ${listenerCondition(options.listeners)}` +
      ` and ${queryField('action')} = "ACCEPT" and ${queryField('flow-direction')} = "ingress"`,
    `| filter ${exclusions}`,
  ];
}

/** The group-by fields after the source: the listener's, when there are several. */
function listenerFields(options: BinQueryOptions): string {
  return perListener(options) ? `, ${BIN_QUERY_COLUMNS.port}, ${BIN_QUERY_COLUMNS.protocol}` : '';
}

/**
 * The Logs Insights query for ONE minute bin (the minute is the StartQuery time range):
 * packets per source (and listener, when there are several: one query covers them all) for
 * ingress ACCEPT traffic to the listeners from outside the VPC, with the largest delivery lag
 * seen, largest bins first so the 10,000-row cap drops the smallest talkers.
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
    `| fields ${src}${listenerFields(options)}, ${packets}, toMillis(@ingestionTime) - toMillis(@timestamp) as lagMs`,
    `| stats sum(${packets}) as ${binPackets}, max(lagMs) as ${maxLagMs} by ${src}${listenerFields(options)}`,
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
 * reduces them to one row (count, sum, sum of squares), one per listener when there are several. Insights allows two `stats` per query and
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
    `| stats sum(${packets}) as ${bin} by ${src}${listenerFields(options)}`,
    `| stats count(*) as ${c.binCount}, sum(${bin}) as ${c.packetSum}, sum(${bin} * ${bin}) as ${c.packetSquareSum}` +
      (perListener(options) ? ` by ${BIN_QUERY_COLUMNS.port}, ${BIN_QUERY_COLUMNS.protocol}` : ''),
  ].join('\n');
}
