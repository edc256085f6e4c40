/**
 * The Z-score judgement of core/zscore-query.ts computed in code, for stores without SQL (the
 * DynamoDB adapter). Every step mirrors the SQL operation for operation, in the same types
 * (BIGINT sums as bigints, DOUBLE arithmetic as JavaScript numbers, in the same order), so both
 * stores give the same baseline and the same anomalies to the last bit, in the same order, with
 * the same cap (docs/architecture.md, Baseline and Z-score).
 */
import type { Baseline, ZScoreAnomaly } from './zscore-query';

/** One minute's statistics over ALL its bins, as stored. */
export interface StoredMinuteStatistics {
  readonly binCount: bigint;
  readonly packetSum: bigint;
  readonly packetSquareSum: bigint;
}

/** One stored candidate bin of the window. */
export interface StoredCandidate {
  readonly sourceIp: string;
  readonly packets: number;
}

export interface AnomalyThresholds {
  readonly minZScore: number;
  readonly minPacketsPerBin: number;
  readonly maxAnomalies: number;
}

/** The largest BIGINT: a sum past it is a query error in SQL, and an error here too (never a wrong value). */
const BIGINT_MAX = 2n ** 63n - 1n;

function bigintSum(name: string, values: readonly bigint[]): bigint {
  let sum = 0n;
  for (const value of values) {
    sum += value;
    if (sum > BIGINT_MAX || sum < -BIGINT_MAX - 1n) throw new RangeError(`the window's ${name} exceeds a 64-bit integer`);
  }
  return sum;
}

/**
 * The SQL's `totals`, `pivoted`, `centred` and `baseline` CTEs: n, s, q summed exactly; the pivot
 * k = ROUND(CAST(s AS DOUBLE) / n) (half away from zero, here on non-negative values); d and e as
 * exact integers; then mean and population sd in doubles, with the SQL's operation order. No
 * statistics, or n = 0, give no baseline, as the SQL's empty result does.
 */
export function computeBaseline(minutes: readonly StoredMinuteStatistics[]): Baseline {
  const none: Baseline = { binCount: 0, mean: null, standardDeviation: null };
  if (minutes.length === 0) return none;
  const n = bigintSum(
    'bin count',
    minutes.map((m) => m.binCount),
  );
  const s = bigintSum(
    'packet sum',
    minutes.map((m) => m.packetSum),
  );
  const q = bigintSum(
    'sum of squares',
    minutes.map((m) => m.packetSquareSum),
  );
  if (n <= 0n) return none;
  const k = BigInt(roundHalfAwayFromZero(Number(s) / Number(n)));
  const d = s - n * k;
  const e = q - k * s - k * d;
  const nd = Number(n);
  const mean = Number(k) + Number(d) / nd;
  const sd = Math.sqrt(Math.max(0, (Number(e) - (Number(d) * Number(d)) / nd) / nd));
  const binCount = Number(n);
  if (!Number.isSafeInteger(binCount)) throw new RangeError(`the window holds ${n} bins, more than can be counted exactly`);
  // A non-finite statistic cannot be judged against: "no baseline", as the SQL result's parser reads it.
  if (!Number.isFinite(mean) || !Number.isFinite(sd)) return { binCount, mean: null, standardDeviation: null };
  return { binCount, mean, standardDeviation: sd };
}

function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

function checkThresholds({ minZScore, minPacketsPerBin, maxAnomalies }: AnomalyThresholds): void {
  if (!Number.isFinite(minZScore)) throw new RangeError(`minZScore must be a finite number, got ${minZScore}`);
  if (!Number.isSafeInteger(minPacketsPerBin) || minPacketsPerBin < 0)
    throw new RangeError(`minPacketsPerBin must be an integer >= 0, got ${minPacketsPerBin}`);
  if (!Number.isSafeInteger(maxAnomalies) || maxAnomalies < 1)
    throw new RangeError(`maxAnomalies must be an integer >= 1, got ${maxAnomalies}`);
}

/**
 * The anomaly query: bins with sd > 0, (packets - mean) / sd > minZScore and packets above the
 * floor; per source the largest Z-score and the largest such bin; highest Z-score first, ties by
 * address (code-unit order, as VARCHAR compares ASCII text); at most maxAnomalies.
 */
export function computeAnomalies(baseline: Baseline, bins: readonly StoredCandidate[], thresholds: AnomalyThresholds): ZScoreAnomaly[] {
  checkThresholds(thresholds);
  const { mean, standardDeviation: sd } = baseline;
  if (mean === null || sd === null || !(sd > 0)) return [];
  const bySource = new Map<string, { maxZScore: number; maxPackets: number }>();
  for (const bin of bins) {
    const z = (bin.packets - mean) / sd;
    if (!(z > thresholds.minZScore) || !(bin.packets > thresholds.minPacketsPerBin)) continue;
    const found = bySource.get(bin.sourceIp);
    if (found) {
      found.maxZScore = Math.max(found.maxZScore, z);
      found.maxPackets = Math.max(found.maxPackets, bin.packets);
    } else bySource.set(bin.sourceIp, { maxZScore: z, maxPackets: bin.packets });
  }
  return [...bySource]
    .map(([sourceIp, best]) => ({ sourceIp, ...best }))
    .sort(byZScoreThenSource)
    .slice(0, thresholds.maxAnomalies);
}

const textOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byZScoreThenSource = (a: ZScoreAnomaly, b: ZScoreAnomaly) => b.maxZScore - a.maxZScore || textOrder(a.sourceIp, b.sourceIp);

/** One listener's window: its baseline and its candidate bins. */
export interface ListenerWindow {
  /** The listener's label (`443/tcp`). */
  readonly listener: string;
  readonly baseline: Baseline;
  readonly bins: readonly StoredCandidate[];
}

/**
 * The anomaly query with several listeners (core/zscore-query.ts): each bin judged against its own
 * listener's baseline; per source the largest Z-score on any listener, the listener of that
 * Z-score (ties: the first label in text order, as `ORDER BY z DESC, listener ASC`) and the largest
 * anomalous bin on any listener; ordered and capped as with one listener.
 */
export function computeListenerAnomalies(windows: readonly ListenerWindow[], thresholds: AnomalyThresholds): ZScoreAnomaly[] {
  checkThresholds(thresholds);
  const bySource = new Map<string, { maxZScore: number; maxPackets: number; listener: string }>();
  for (const { listener, baseline, bins } of windows) {
    const { mean, standardDeviation: sd } = baseline;
    if (mean === null || sd === null || !(sd > 0)) continue;
    for (const bin of bins) {
      const z = (bin.packets - mean) / sd;
      if (!(z > thresholds.minZScore) || !(bin.packets > thresholds.minPacketsPerBin)) continue;
      const found = bySource.get(bin.sourceIp);
      if (!found) {
        bySource.set(bin.sourceIp, { maxZScore: z, maxPackets: bin.packets, listener });
        continue;
      }
      if (z > found.maxZScore || (z === found.maxZScore && textOrder(listener, found.listener) < 0)) {
        found.maxZScore = z;
        found.listener = listener;
      }
      found.maxPackets = Math.max(found.maxPackets, bin.packets);
    }
  }
  return [...bySource]
    .map(([sourceIp, best]) => ({ sourceIp, maxZScore: best.maxZScore, maxPackets: best.maxPackets, listener: best.listener }))
    .sort(byZScoreThenSource)
    .slice(0, thresholds.maxAnomalies);
}
