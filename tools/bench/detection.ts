import { planRun, type RequerySchedule } from '../../core/run-window';
import { SUMMARIZER_DEFAULTS } from '../../functions/summarizer/contract';
import { prng } from '../../scenarios/generator';

/**
 * Time to block a flood against a re-query schedule, with flow-log delivery delays. A flood starts
 * at a random second of a minute and sends `packetsPerSecond` until blocked. The flow log delivers
 * each minute's records as one batch (as the replay's --delivery-delay does): visible to Logs
 * Insights `lag` after the minute ends. A run blocks the flood when one of the minutes it queries
 * (core/run-window.ts, planRun: the summarizer's own plan) holds a delivered batch whose flood bin
 * is above the packet floor; the deny rule is in place at that run's start (the run's and the
 * updater's own seconds are left out). Two runs a minute, at `runOffsetsMs` into each minute.
 *
 * Two lag models: `independent` draws each minute's lag on its own (a late batch can be overtaken
 * by a prompter one), `steady` gives every minute of a flood the same lag (a slow delivery stays
 * slow for the flood's minutes, so no later minute comes sooner).
 */
export type LagModel = 'independent' | 'steady';

export interface DetectionOptions {
  readonly floods: number;
  /** Delivery lag after the minute's end, uniform in [min, max] ms. */
  readonly lagMs: readonly [number, number];
  readonly lagModel: LagModel;
  readonly requeryMinutes: number;
  readonly schedule: RequerySchedule;
  /** @default [2_000, 32_000] */
  readonly runOffsetsMs?: readonly [number, number];
  /** @default 400 (24,000 packets in a full minute) */
  readonly packetsPerSecond?: number;
  /** A bin above this many packets is anomalous (the summarizer's minPacketsPerBin). @default 12,000 */
  readonly floorPackets?: number;
  /** Minutes after the flood's start within which it must be blocked to count. @default 30 */
  readonly horizonMinutes?: number;
  readonly seed?: number;
}

/** One flood, in seconds from its first packet. */
export interface FloodDetection {
  /** Until its deny rule is in place. */
  readonly timeToBlock: number;
  /** Until the first batch whose bin reveals it reached Logs Insights. */
  readonly delivered: number;
  /** timeToBlock - delivered: what the schedule adds after delivery. */
  readonly afterDelivery: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

export interface DetectionResult {
  readonly timeToBlockSeconds: Percentiles;
  readonly afterDeliverySeconds: Percentiles;
  readonly deliverySeconds: Percentiles;
  /** Floods blocked within the horizon, over all floods; the percentiles are over the blocked ones. */
  readonly blockedShare: number;
}

const MINUTE_MS = 60_000;
/** Floods start after this minute: far enough from 0 for every run's plan to hold whole minutes. */
const FIRST_MINUTE = 10_000;

/** The value at or below which a share `q` of `values` lies (nearest rank). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

/**
 * One flood starting at `startMs` (whole seconds), its batches delivered `lagOf(minute)` ms after
 * each minute ends; undefined when no run blocks it within the horizon.
 */
export function detectFlood(startMs: number, lagOf: (minute: number) => number, options: DetectionOptions): FloodDetection | undefined {
  const [first, second] = options.runOffsetsMs ?? [2_000, 32_000];
  const rate = options.packetsPerSecond ?? 400;
  const floor = options.floorPackets ?? 12_000;
  const firstMinute = Math.floor(startMs / MINUTE_MS);
  const lastMinute = firstMinute + (options.horizonMinutes ?? 30);
  // When each flood minute's batch becomes visible, for the minutes whose bin is above the floor.
  const visibleAt = new Map<number, number>();
  for (let m = firstMinute; m <= lastMinute; m++) {
    const seconds = m === firstMinute ? (MINUTE_MS - (startMs - m * MINUTE_MS)) / 1000 : 60;
    if (rate * seconds > floor) visibleAt.set(m, (m + 1) * MINUTE_MS + lagOf(m));
  }
  const window = {
    windowMinutes: Math.max(60, options.requeryMinutes),
    requeryMinutes: options.requeryMinutes,
    schedule: options.schedule,
  };
  for (let k = firstMinute; k <= lastMinute; k++) {
    for (const [run, offset] of [
      [1, first],
      [2, second],
    ] as const) {
      const now = k * MINUTE_MS + offset;
      if (now < startMs) continue;
      const plan = planRun(now, window, { run, executionStartMs: k * MINUTE_MS + first });
      const seen = plan.minuteStartsMs.some((s) => (visibleAt.get(s / MINUTE_MS) ?? Infinity) <= now);
      if (!seen) continue;
      // Delivered: the first batch that could reveal the flood, whether or not a run looked at it then.
      const delivered = Math.min(...visibleAt.values());
      return { timeToBlock: (now - startMs) / 1000, delivered: (delivered - startMs) / 1000, afterDelivery: (now - delivered) / 1000 };
    }
  }
  return undefined;
}

export function simulateDetection(options: DetectionOptions): DetectionResult {
  const random = prng(options.seed ?? 11);
  const [lagMin, lagMax] = options.lagMs;
  const draw = () => Math.round(lagMin + random() * (lagMax - lagMin));
  const outcomes: FloodDetection[] = [];
  for (let i = 0; i < options.floods; i++) {
    // Floods far apart in time, so that their minutes never share a run's plan in a way that matters.
    const startMs = (FIRST_MINUTE + i * 100) * MINUTE_MS + Math.floor(random() * 60) * 1000;
    const steady = draw();
    const lags = new Map<number, number>();
    const lagOf = (m: number) => {
      if (options.lagModel === 'steady') return steady;
      if (!lags.has(m)) lags.set(m, draw());
      return lags.get(m) as number;
    };
    const outcome = detectFlood(startMs, lagOf, options);
    if (outcome) outcomes.push(outcome);
  }
  const of = (pick: (d: FloodDetection) => number): Percentiles => {
    const values = outcomes.map(pick);
    return { p50: percentile(values, 0.5), p95: percentile(values, 0.95) };
  };
  return {
    timeToBlockSeconds: of((d) => d.timeToBlock),
    afterDeliverySeconds: of((d) => d.afterDelivery),
    deliverySeconds: of((d) => d.delivered),
    blockedShare: outcomes.length / options.floods,
  };
}

// ---- The bench's detection section ---------------------------------------------------------------

/** A re-query schedule: how many minutes back and which of them each run queries. */
export interface ScheduleChoice {
  readonly requeryMinutes: number;
  readonly schedule: RequerySchedule;
}

/** The stack's default (the summarizer contract's requeryMinutes, the by-age schedule) and the reference's. */
export const OUR_SCHEDULE: ScheduleChoice = { requeryMinutes: SUMMARIZER_DEFAULTS.requeryMinutes, schedule: 'by-age' };
export const REFERENCE_SCHEDULE: ScheduleChoice = { requeryMinutes: 5, schedule: 'every-run' };

/** The schedules of the trade-off curve: time to block against bytes scanned. */
export const CURVE_SCHEDULES: readonly ScheduleChoice[] = [
  ...[5, 6, 8, 10, 12].map((requeryMinutes) => ({ requeryMinutes, schedule: 'by-age' as const })),
  { requeryMinutes: 5, schedule: 'every-run' },
  { requeryMinutes: 10, schedule: 'every-run' },
  { requeryMinutes: 10, schedule: 'every-minute' },
  { requeryMinutes: 9, schedule: 'every-minute-once' },
  { requeryMinutes: 10, schedule: 'every-minute-once' },
];

export const DETECTION_TARGETS = { afterDeliveryP95Seconds: 60, scanAmplification: 5, countedShare: 0.99 } as const;

const LAG_MS = [60_000, 540_000] as const;

export interface DetectionSectionOptions {
  readonly floods: number;
  /** Scan amplification and counted share of a schedule (late-records.ts, with the same lags). */
  readonly scans: (choice: ScheduleChoice) => { readonly scanAmplification: number; readonly countedShare: number };
  readonly seed?: number;
}

function figures(choice: ScheduleChoice, lagModel: LagModel, options: DetectionSectionOptions) {
  const d = simulateDetection({ floods: options.floods, lagMs: LAG_MS, lagModel, ...choice, seed: options.seed ?? 11 });
  return {
    timeToBlockP50: d.timeToBlockSeconds.p50,
    timeToBlockP95: d.timeToBlockSeconds.p95,
    afterDeliveryP50: d.afterDeliverySeconds.p50,
    afterDeliveryP95: d.afterDeliverySeconds.p95,
    blockedShare: d.blockedShare,
  };
}

export const scheduleName = (c: ScheduleChoice) => `${c.schedule} R=${c.requeryMinutes}`;

/**
 * The bench's `detection` section: seconds from a flood's first packet to its deny rule, and after
 * delivery, with lags of 1-9 minutes, ours beside the reference; then the trade-off curve, each
 * schedule's worse p95 of the two lag models against its scan amplification, and the schedules
 * meeting every target.
 */
export function detectionSection(options: DetectionSectionOptions) {
  const both = (choice: ScheduleChoice) => ({
    independentLags: figures(choice, 'independent', options),
    steadyLags: figures(choice, 'steady', options),
  });
  const curve: Record<string, Record<string, number>> = {};
  const meetingAll: string[] = [];
  for (const choice of CURVE_SCHEDULES) {
    const { independentLags, steadyLags } = both(choice);
    const { scanAmplification, countedShare } = options.scans(choice);
    const point = {
      timeToBlockP95: Math.max(independentLags.timeToBlockP95, steadyLags.timeToBlockP95),
      afterDeliveryP95: Math.max(independentLags.afterDeliveryP95, steadyLags.afterDeliveryP95),
      blockedShare: Math.min(independentLags.blockedShare, steadyLags.blockedShare),
      scanAmplification,
      countedShare,
    };
    curve[scheduleName(choice)] = point;
    const t = DETECTION_TARGETS;
    if (
      point.afterDeliveryP95 <= t.afterDeliveryP95Seconds &&
      point.scanAmplification <= t.scanAmplification &&
      point.countedShare >= t.countedShare &&
      point.blockedShare === 1
    )
      meetingAll.push(scheduleName(choice));
  }
  return {
    floods: options.floods,
    lagMinutes: `${LAG_MS[0] / 60_000}-${LAG_MS[1] / 60_000}`,
    schedule: scheduleName(OUR_SCHEDULE),
    ...both(OUR_SCHEDULE),
    curve,
    meetingEveryTarget: meetingAll.length > 0 ? meetingAll.join(', ') : 'none',
    reference: { schedule: scheduleName(REFERENCE_SCHEDULE), ...both(REFERENCE_SCHEDULE) },
  };
}
