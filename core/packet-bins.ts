import { networkContains, parseAddress, type Network } from './addresses';
import { BIN_QUERY_COLUMNS, STATISTICS_QUERY_COLUMNS } from './insights-query';
import { listenerLabel, type Listener } from './listeners';

/** Packets one source sent to one listener in one minute: the unit the baseline is computed over. */
export interface PacketBin {
  /** Canonical address text (see parseAddress), so one source is one series however it was spelled. */
  readonly sourceIp: string;
  readonly minuteStartMs: number;
  readonly packets: number;
  /** The listener's label (`443/tcp`) when rows are per listener; absent when the endpoint has one. */
  readonly listener?: string;
}

/** One result row of GetQueryResults: a list of field/value pairs (absent values may be missing). */
export type InsightsRow = readonly { readonly field?: string; readonly value?: string }[];

export type RowRejectionReason =
  'missing source address' | 'invalid source address' | 'missing packets' | 'invalid packets' | 'source inside the VPC' | 'not a listener';

export interface RowRejection {
  readonly minuteStartMs: number;
  readonly reason: RowRejectionReason;
  /** The offending row, for the log. */
  readonly row: Record<string, string>;
}

export interface ParsedMinute {
  readonly bins: readonly PacketBin[];
  readonly rejections: readonly RowRejection[];
  /** Largest delivery lag among the accepted rows, when any row carried one. */
  readonly maxLagMs: number | undefined;
}

const UNSIGNED_NUMBER = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;
const SIGNED_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A packet count as Insights prints a sum: a non-negative whole number, possibly as `12.0` or `1.2E4`. */
export function parsePacketCount(text: string): number | undefined {
  const trimmed = text.trim();
  if (!UNSIGNED_NUMBER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

function parseLag(text: string | undefined): number | undefined {
  if (text === undefined || !SIGNED_NUMBER.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : undefined;
}

function rowObject(row: InsightsRow): Record<string, string> {
  const object: Record<string, string> = {};
  for (const { field, value } of row) {
    if (field !== undefined && value !== undefined) object[field] = value;
  }
  return object;
}

type RowVerdict = { ok: true; sourceIp: string; packets: number; listener?: string } | { ok: false; reason: RowRejectionReason };

/** The listener a row's port and protocol name, among `labels`; undefined when the row names none of them. */
function rowListener(fields: Record<string, string>, labels: ReadonlySet<string>): string | undefined {
  const port = Number(fields[BIN_QUERY_COLUMNS.port]);
  const protocol = Number(fields[BIN_QUERY_COLUMNS.protocol]);
  if (protocol !== 6 && protocol !== 17) return undefined;
  const label = listenerLabel({ port, protocol });
  return labels.has(label) ? label : undefined;
}

function judgeRow(fields: Record<string, string>, vpcNetworks: readonly Network[], labels?: ReadonlySet<string>): RowVerdict {
  const sourceText = fields[BIN_QUERY_COLUMNS.sourceIp];
  if (sourceText === undefined || sourceText.trim() === '') return { ok: false, reason: 'missing source address' };
  const source = parseAddress(sourceText);
  if (!source) return { ok: false, reason: 'invalid source address' };
  const packetsText = fields[BIN_QUERY_COLUMNS.packets];
  if (packetsText === undefined || packetsText.trim() === '') return { ok: false, reason: 'missing packets' };
  const packets = parsePacketCount(packetsText);
  if (packets === undefined) return { ok: false, reason: 'invalid packets' };
  // The query already excludes the VPC; checking again keeps internal hosts out of the
  // baseline (and out of any block) even if a CIDR were missing from the query.
  if (vpcNetworks.some((network) => networkContains(network, source.address))) return { ok: false, reason: 'source inside the VPC' };
  if (labels === undefined) return { ok: true, sourceIp: source.address, packets };
  const listener = rowListener(fields, labels);
  return listener === undefined ? { ok: false, reason: 'not a listener' } : { ok: true, sourceIp: source.address, packets, listener };
}

/** The labels rows are judged against: per-listener rows only when there are several listeners. */
function labelsOf(listeners: readonly Listener[] | undefined): ReadonlySet<string> | undefined {
  return listeners !== undefined && listeners.length > 1 ? new Set(listeners.map(listenerLabel)) : undefined;
}

/**
 * Turns the rows of one minute's Complete query into bins. Malformed rows are rejected with a
 * reason (never thrown); rows naming the same address in different spellings are summed. With
 * several `listeners` each row names its listener and the bins are per source and listener; a row
 * naming none of them is rejected. A malformed lag value only loses the lag, not the bin.
 */
export function parseMinuteRows(
  rows: readonly InsightsRow[],
  minuteStartMs: number,
  vpcNetworks: readonly Network[],
  listeners?: readonly Listener[],
): ParsedMinute {
  const labels = labelsOf(listeners);
  const bySourceAndListener = new Map<string, PacketBin>();
  const rejections: RowRejection[] = [];
  let maxLagMs: number | undefined;
  for (const row of rows) {
    const fields = rowObject(row);
    const verdict = judgeRow(fields, vpcNetworks, labels);
    if (!verdict.ok) {
      rejections.push({ minuteStartMs, reason: verdict.reason, row: fields });
      continue;
    }
    const { sourceIp, listener } = verdict;
    const key = listener === undefined ? sourceIp : `${listener} ${sourceIp}`;
    const packets = (bySourceAndListener.get(key)?.packets ?? 0) + verdict.packets;
    bySourceAndListener.set(
      key,
      listener === undefined ? { sourceIp, minuteStartMs, packets } : { sourceIp, minuteStartMs, packets, listener },
    );
    const lag = parseLag(fields[BIN_QUERY_COLUMNS.maxLagMs]);
    if (lag !== undefined) maxLagMs = Math.max(maxLagMs ?? lag, lag);
  }
  return { bins: [...bySourceAndListener.values()], rejections, maxLagMs };
}

// ---- Minute statistics (exact baseline at any number of sources) ------------------------------

/**
 * Count, sum and sum of squares of one minute's bins: what the window's mean and population
 * standard deviation need, whatever the number of sources. Integers: the sum of squares is a
 * bigint so that it stays exact where a double would round.
 */
export interface MinuteStatistics {
  readonly binCount: number;
  readonly packetSum: number;
  readonly packetSquareSum: bigint;
}

/** What a run stores for one minute of one listener: its statistics and the bins that may be anomalous. */
export interface MinuteSummary {
  readonly minuteStartMs: number;
  /** The listener's label (`443/tcp`); absent means the store's first listener. */
  readonly listener?: string;
  readonly statistics: MinuteStatistics;
  /** Bins above MinPacketsPerBin: only these can be anomalous (docs/architecture.md, Detection). */
  readonly candidates: readonly PacketBin[];
}

export function statisticsOfBins(bins: readonly PacketBin[]): MinuteStatistics {
  let packetSum = 0;
  let packetSquareSum = 0n;
  for (const { packets } of bins) {
    packetSum += packets;
    packetSquareSum += BigInt(packets) * BigInt(packets);
  }
  if (!Number.isSafeInteger(packetSum)) throw new RangeError(`a minute's packet sum ${packetSum} is beyond 2^53`);
  return { binCount: bins.length, packetSum, packetSquareSum };
}

export function summarizeMinute(
  minuteStartMs: number,
  bins: readonly PacketBin[],
  statistics: MinuteStatistics,
  minPacketsPerBin: number,
  listener?: string,
): MinuteSummary {
  const candidates = bins.filter((bin) => bin.packets > minPacketsPerBin);
  return listener === undefined ? { minuteStartMs, statistics, candidates } : { minuteStartMs, listener, statistics, candidates };
}

export type StatisticsParse =
  { readonly ok: true; readonly statistics: MinuteStatistics } | { readonly ok: false; readonly reason: string };

/**
 * Reads the one row of the minute-statistics query. No row means no matching record (an empty
 * minute); a missing, negative, fractional or inexact (beyond 2^53) value is refused, never rounded.
 */
export function parseStatisticsRows(rows: readonly InsightsRow[]): StatisticsParse {
  if (rows.length === 0) return { ok: true, statistics: EMPTY_STATISTICS };
  if (rows.length > 1) return { ok: false, reason: `expected one statistics row, got ${rows.length}` };
  return statisticsOfRow(rowObject(rows[0] as InsightsRow));
}

const EMPTY_STATISTICS: MinuteStatistics = { binCount: 0, packetSum: 0, packetSquareSum: 0n };

export type ListenerStatisticsParse =
  { readonly ok: true; readonly byListener: ReadonlyMap<string, MinuteStatistics> } | { readonly ok: false; readonly reason: string };

/**
 * Reads the rows of the per-listener statistics query (several listeners): one row per listener
 * that had traffic, every other listener's minute is empty. A row naming no listener, or one
 * listener twice, is refused.
 */
export function parseListenerStatisticsRows(rows: readonly InsightsRow[], listeners: readonly Listener[]): ListenerStatisticsParse {
  const labels = new Set(listeners.map(listenerLabel));
  const byListener = new Map<string, MinuteStatistics>([...labels].map((label) => [label, EMPTY_STATISTICS]));
  const seen = new Set<string>();
  for (const row of rows) {
    const fields = rowObject(row);
    const listener = rowListener(fields, labels);
    if (listener === undefined || seen.has(listener))
      return { ok: false, reason: `statistics row names ${listener === undefined ? 'no configured listener' : `${listener} twice`}` };
    seen.add(listener);
    const parsed = statisticsOfRow(fields);
    if (!parsed.ok) return parsed;
    byListener.set(listener, parsed.statistics);
  }
  return { ok: true, byListener };
}

function statisticsOfRow(fields: Record<string, string>): StatisticsParse {
  const values: Partial<Record<keyof typeof STATISTICS_QUERY_COLUMNS, number>> = {};
  for (const [key, column] of Object.entries(STATISTICS_QUERY_COLUMNS) as [keyof typeof STATISTICS_QUERY_COLUMNS, string][]) {
    const text = fields[column];
    const value = text === undefined ? undefined : parsePacketCount(text);
    if (value === undefined)
      return { ok: false, reason: `statistics column ${column} holds ${JSON.stringify(text)}, not an exact whole number` };
    values[key] = value;
  }
  const { binCount = 0, packetSum = 0, packetSquareSum = 0 } = values;
  return { ok: true, statistics: { binCount, packetSum, packetSquareSum: BigInt(packetSquareSum) } };
}
