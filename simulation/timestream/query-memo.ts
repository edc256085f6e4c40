/**
 * DuckDB's answers to the Timestream stand-in's queries, remembered by query text and table
 * contents. A query's answer depends on nothing else unless it reads the clock (the product's SQL
 * does not: times come in as literals), so the same query over the same rows is answered as DuckDB
 * answered it before; a query naming a clock function is never remembered.
 */
import { createHash } from 'node:crypto';
import type { ColumnInfo, Row } from '@aws-sdk/client-timestream-query';

const MODULUS = 1n << 128n;

/** A 128-bit hash of one row: its key (dimensions, measure name, time) and its value. */
function rowHash(key: string, value: bigint): bigint {
  return BigInt(`0x${createHash('sha256').update(key).update('\u0000').update(value.toString()).digest('hex').slice(0, 32)}`);
}

/**
 * The rows of a table summed up: the sum of their hashes (mod 2^128), kept as rows are added and
 * replaced, so it does not depend on the order they were written in.
 */
export class TableFingerprint {
  private sum = 0n;

  /** A row's value changed from `before` (undefined: a new row) to `after`. */
  replace(key: string, before: bigint | undefined, after: bigint): void {
    if (before !== undefined) this.sum -= rowHash(key, before);
    this.sum = (((this.sum + rowHash(key, after)) % MODULUS) + MODULUS) % MODULUS;
  }

  text(): string {
    return this.sum.toString(16);
  }
}

export interface QueryAnswer {
  readonly columnInfo: ColumnInfo[];
  readonly rows: Row[];
}

export class QueryMemo {
  private readonly answers = new Map<string, QueryAnswer>();

  /** @param capacity answers kept at most; the least recently used goes first */
  constructor(private readonly capacity = 5_000) {}

  /** Whether the query names a clock function (its answer then depends on when it runs). */
  static readsClock(queryString: string): boolean {
    return /\b(now|ago|current_timestamp|current_date|current_time|today)\b/i.test(queryString);
  }

  /** The memo key of a query over tables in the given states (each table's name, columns and fingerprint). */
  static key(queryString: string, tableStates: readonly string[]): string {
    return createHash('sha256')
      .update(queryString)
      .update('\u0000')
      .update([...tableStates].sort().join('\n'))
      .digest('hex');
  }

  /** A copy of the remembered answer: callers own what they get, as with an answer read from DuckDB. */
  get(key: string): QueryAnswer | undefined {
    const answer = this.answers.get(key);
    if (!answer) return undefined;
    this.answers.delete(key);
    this.answers.set(key, answer);
    return structuredClone(answer);
  }

  set(key: string, answer: QueryAnswer): void {
    this.answers.set(key, structuredClone(answer));
    if (this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value as string);
  }
}
