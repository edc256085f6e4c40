import type { MinuteSummary } from './packet-bins';
import type { Baseline, ZScoreAnomaly, ZScoreQueryOptions } from './zscore-query';

/** One stored value: a candidate bin (measure `packets`) or one of a minute's statistics. */
export interface StoredValue {
  readonly measure: string;
  /** The listener's label, when the store keeps several listeners. */
  readonly listener?: string;
  /** The bin's source, or the store's marker for "all sources" on a statistics value. */
  readonly sourceIp: string;
  readonly minuteStartMs: number;
  readonly value: bigint;
}

/** What happened to one run's bin writes. */
export interface BinWriteOutcome {
  /** Records the store accepted (including identical re-writes). */
  readonly accepted: number;
  /** Records that lost to a newer version already stored: expected when runs overlap, not a failure. */
  readonly versionLosses: number;
  /** Records rejected for any other reason. */
  readonly rejected: readonly { readonly record: StoredValue; readonly reason: string }[];
  /** Write requests that failed as a whole (after the SDK's retries), and the records they held. */
  readonly failedBatches: number;
  readonly failedRecords: number;
}

/**
 * When one run's writes must end (docs/failure-handling.md, Hung calls): no write starts at or
 * after `deadlineMs`, and `signal` (aborted at that moment on the run's clock) ends the calls
 * still in flight.
 */
export interface WriteDeadline {
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
}

/**
 * The packet-bin store port (docs/architecture.md, Packet-bin store): Timestream is its first adapter; the local
 * replay and other stores implement the same three operations with the same semantics.
 */
export interface PacketBinStore {
  /**
   * Upserts each minute's statistics and candidate bins, per listener; `version` orders writes of
   * the same minute and listener (a newer run wins). What is not written by `deadline` counts as failed.
   */
  writeMinutes(minutes: readonly MinuteSummary[], version: number, deadline?: WriteDeadline): Promise<BinWriteOutcome>;
  /**
   * Mean, population sd and count of every bin at or after windowStartMs (from the statistics) of
   * the first listener: the baseline the verdict and the dashboard show.
   */
  baseline(windowStartMs: number): Promise<Baseline>;
  /**
   * Anomalous sources over the window, each bin judged against its own listener's baseline;
   * one per source, highest Z-score first, capped.
   */
  anomalies(options: Omit<ZScoreQueryOptions, 'database' | 'table'>): Promise<ZScoreAnomaly[]>;
}
