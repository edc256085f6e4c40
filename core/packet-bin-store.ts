import type { PacketBin } from './packet-bins';
import type { Baseline, ZScoreAnomaly, ZScoreQueryOptions } from './zscore-query';

/** What happened to one run's bin writes. */
export interface BinWriteOutcome {
  /** Records the store accepted (including identical re-writes). */
  readonly accepted: number;
  /** Records that lost to a newer version already stored: expected when runs overlap, not a failure. */
  readonly versionLosses: number;
  /** Records rejected for any other reason. */
  readonly rejected: readonly { readonly bin: PacketBin; readonly reason: string }[];
  /** Write requests that failed as a whole (after the SDK's retries), and the records they held. */
  readonly failedBatches: number;
  readonly failedRecords: number;
}

/**
 * The packet-bin store port (DESIGN.md section 6): Timestream is its first adapter; the local
 * replay and other stores implement the same three operations with the same semantics.
 */
export interface PacketBinStore {
  /** Upserts bins; `version` orders writes of the same bin (a newer run wins). */
  writeBins(bins: readonly PacketBin[], version: number): Promise<BinWriteOutcome>;
  /** Mean, population sd and count of every bin at or after windowStartMs. */
  baseline(windowStartMs: number): Promise<Baseline>;
  /** Anomalous sources over the window, highest Z-score first, capped. */
  anomalies(options: Omit<ZScoreQueryOptions, 'database' | 'table'>): Promise<ZScoreAnomaly[]>;
}
