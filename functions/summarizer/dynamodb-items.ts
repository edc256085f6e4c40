/**
 * How the DynamoDB bin store lays out its items (docs/architecture.md, Packet-bin store). Every key
 * starts with the listener, so the bins of an endpoint's listeners are kept per source and
 * listener side by side in the same table, each listener with its own heads (its own baseline).
 *
 * - A minute's head: partition `minutes|<listener>`, sort key the minute start (fixed-width ms), with
 *   the minute's statistics over ALL its bins (n, s, q), the number of candidate bins (c) and the
 *   run version (v) that wrote them. The window's heads are one Query on a key range.
 * - The candidate bins a run wrote for a minute: partitions `bins|<listener>|<minute>|<version>|<shard>`,
 *   sort key the source address, packets in p. Each run writes its own partition, so candidate
 *   writes never race and need no condition; the head's conditional write (newer version wins) is
 *   what makes a run's minute current, statistics and candidates together.
 *
 * Every item carries the TTL attribute: it expires once no run can read or rewrite its minute.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Listener } from '../../core/listeners';
import type { StoredCandidate, StoredMinuteStatistics } from '../../core/zscore-compute';
import { DYNAMODB_BIN_TABLE_KEYS } from './contract';

export type Item = Record<string, AttributeValue>;

/** The listener a bin belongs to: protocol number and port, as flow logs name them. */
export type ListenerKey = Listener;

export interface MinuteHead extends StoredMinuteStatistics {
  readonly minuteStartMs: number;
  readonly version: number;
  readonly candidates: number;
}

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = DYNAMODB_BIN_TABLE_KEYS;
/** Sort keys compare as text: minute starts are written with a fixed width so text order is time order. */
const MINUTE_WIDTH = 15;

const listenerText = ({ protocol, port }: ListenerKey) => `${protocol}:${port}`;
export const minuteSortKey = (minuteStartMs: number) => String(minuteStartMs).padStart(MINUTE_WIDTH, '0');
export const headPartition = (listener: ListenerKey) => `minutes|${listenerText(listener)}`;
export const binPartition = (listener: ListenerKey, minuteStartMs: number, version: number, shard: number) =>
  `bins|${listenerText(listener)}|${minuteSortKey(minuteStartMs)}|${version}|${shard}`;

/**
 * Candidate bins per partition: a partition takes 1,000 write units a second, and a run writes a
 * minute's candidates in about an instant, so a minute with many candidates spreads them over
 * several partitions (shard i holds candidates i x 500 to i x 500 + 499, in the run's order).
 */
export const CANDIDATES_PER_SHARD = 500;
export const shardCount = (candidates: number) => Math.ceil(candidates / CANDIDATES_PER_SHARD);

const num = (value: number | bigint): AttributeValue => ({ N: String(value) });
const ttl = (expiresAtMs: number): AttributeValue => num(Math.ceil(expiresAtMs / 1000));

export function headItem(listener: ListenerKey, head: MinuteHead, expiresAtMs: number): Item {
  return {
    [PK]: { S: headPartition(listener) },
    [SK]: { S: minuteSortKey(head.minuteStartMs) },
    v: num(head.version),
    n: num(head.binCount),
    s: num(head.packetSum),
    q: num(head.packetSquareSum),
    c: num(head.candidates),
    [TTL]: ttl(expiresAtMs),
  };
}

export function binItem(partition: string, bin: StoredCandidate, expiresAtMs: number): Item {
  return { [PK]: { S: partition }, [SK]: { S: bin.sourceIp }, p: num(bin.packets), [TTL]: ttl(expiresAtMs) };
}

/** An item the store cannot read: never judged from, always reported. */
export class StoredItemError extends Error {
  override readonly name = 'StoredItemError';
}

function integerOf(item: Item, name: string): bigint {
  const text = item[name]?.N;
  if (text === undefined || !/^-?\d+$/.test(text)) throw new StoredItemError(`item ${describe(item)} has no whole number ${name}`);
  return BigInt(text);
}

function safeIntegerOf(item: Item, name: string): number {
  const value = Number(integerOf(item, name));
  if (!Number.isSafeInteger(value) || value < 0) throw new StoredItemError(`item ${describe(item)} has ${name} out of range`);
  return value;
}

function describe(item: Item): string {
  return `${item[PK]?.S ?? '?'} / ${item[SK]?.S ?? '?'}`;
}

export function readHead(item: Item): MinuteHead {
  const sortKey = item[SK]?.S ?? '';
  if (!/^\d+$/.test(sortKey)) throw new StoredItemError(`item ${describe(item)} has no minute as its sort key`);
  return {
    minuteStartMs: Number(sortKey),
    version: safeIntegerOf(item, 'v'),
    binCount: integerOf(item, 'n'),
    packetSum: integerOf(item, 's'),
    packetSquareSum: integerOf(item, 'q'),
    candidates: safeIntegerOf(item, 'c'),
  };
}

export function readBin(item: Item): StoredCandidate {
  const sourceIp = item[SK]?.S;
  if (!sourceIp) throw new StoredItemError(`item ${describe(item)} has no source address`);
  return { sourceIp, packets: safeIntegerOf(item, 'p') };
}
