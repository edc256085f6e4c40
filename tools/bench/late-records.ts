import { planRun, type RequerySchedule } from '../../core/run-window';
import { prng } from '../../scenarios/generator';

/**
 * Late flow-log records against a re-query schedule, simulated the way Logs Insights sees them: a
 * query of a minute scans (and bills) every byte delivered for that minute so far, and counts the
 * packets delivered so far; a bin keeps the count of the last query (the newest version wins).
 */
export interface LateRecordsOptions {
  readonly minutes: number;
  readonly recordsPerMinute: number;
  /** Delivery lag of each record, uniform in [min, max] ms. */
  readonly lagMs: readonly [number, number];
  readonly requeryMinutes: number;
  readonly schedule: RequerySchedule;
  /** Offsets of the two runs into each minute (the execution starts with the first). @default [2_000, 32_000] */
  readonly runOffsetsMs?: readonly [number, number];
  readonly bytesPerRecord?: number;
  readonly seed?: number;
}

export interface LateRecordsResult {
  /** Packets counted in their bins after the last run, over all packets. */
  readonly countedShare: number;
  /** Bytes scanned by all queries over bytes ingested. */
  readonly scanAmplification: number;
  /** Bytes scanned by all queries over the bytes of the records counted in the end. */
  readonly scansPerCountedByte: number;
  readonly queries: number;
}

const MINUTE_MS = 60_000;

interface MinuteData {
  /** Ingestion times, ascending, and the packets delivered up to each. */
  readonly ingestion: number[];
  readonly cumulativePackets: number[];
}

function generate(options: LateRecordsOptions): { minutes: MinuteData[]; totalPackets: number } {
  const random = prng(options.seed ?? 1);
  const [lagMin, lagMax] = options.lagMs;
  let totalPackets = 0;
  const minutes = Array.from({ length: options.minutes }, (_, m) => {
    const records = Array.from({ length: options.recordsPerMinute }, () => {
      const timestamp = m * MINUTE_MS + Math.floor(random() * 60) * 1000;
      const packets = 1 + Math.floor(random() * 100);
      totalPackets += packets;
      return { ingestion: timestamp + lagMin + random() * (lagMax - lagMin), packets };
    }).sort((a, b) => a.ingestion - b.ingestion);
    let sum = 0;
    return { ingestion: records.map((r) => r.ingestion), cumulativePackets: records.map((r) => (sum += r.packets)) };
  });
  return { minutes, totalPackets };
}

/** How many records of a minute are visible at `nowMs` (ingested at or before it). */
function visible(data: MinuteData, nowMs: number): number {
  let lo = 0;
  let hi = data.ingestion.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((data.ingestion[mid] as number) <= nowMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function simulateLateRecords(options: LateRecordsOptions): LateRecordsResult {
  const { minutes, totalPackets } = generate(options);
  const bytesPerRecord = options.bytesPerRecord ?? 60;
  const [first, second] = options.runOffsetsMs ?? [2_000, 32_000];
  const counted = new Array<number>(minutes.length).fill(0);
  const countedRecords = new Array<number>(minutes.length).fill(0);
  let scannedRecords = 0;
  let queries = 0;
  const lastRunMinute = options.minutes + options.requeryMinutes + 1;
  for (let k = 1; k <= lastRunMinute; k++) {
    for (const [run, offset] of [
      [1, first],
      [2, second],
    ] as const) {
      const now = k * MINUTE_MS + offset;
      const plan = planRun(
        now,
        { windowMinutes: Math.max(options.requeryMinutes, 60), requeryMinutes: options.requeryMinutes, schedule: options.schedule },
        // The execution starts with its first run.
        { run, executionStartMs: k * MINUTE_MS + first },
      );
      for (const startMs of plan.minuteStartsMs) {
        const data = minutes[startMs / MINUTE_MS];
        if (!data) continue;
        queries++;
        const n = visible(data, now);
        scannedRecords += n;
        counted[startMs / MINUTE_MS] = n === 0 ? 0 : (data.cumulativePackets[n - 1] as number);
        countedRecords[startMs / MINUTE_MS] = n;
      }
    }
  }
  const ingestedRecords = options.minutes * options.recordsPerMinute;
  return {
    countedShare: counted.reduce((a, b) => a + b, 0) / totalPackets,
    scanAmplification: (scannedRecords * bytesPerRecord) / (ingestedRecords * bytesPerRecord),
    scansPerCountedByte: scannedRecords / countedRecords.reduce((a, b) => a + b, 0),
    queries,
  };
}
