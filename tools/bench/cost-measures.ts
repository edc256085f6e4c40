/**
 * The cost section of the benchmark: measures what ./cost.ts prices (store usage on both stores'
 * stand-ins, flow-log bytes, Insights scan amplification) and prices one deployment a month.
 */
import { BIN_STORES } from '../../functions/summarizer/contract';
import { flowLogBytesPerRecord, monthlyCost, type CostInputs, type CostOption } from './cost';
import { simulateLateRecords } from './late-records';
import { PRICE_REGION, PRICES_AS_OF } from './prices';
import { measureStoreCalls, type StoreCallsPerRun } from './store-calls';

/**
 * Sources below the floor beside the flooders in the measured runs: the store never sees them
 * (test/tools/bench/cost.test.ts shows usage does not change with their number), so a few do.
 */
const QUIET_SOURCES = 300;

/** Bytes Insights scans per byte ingested, with delivery lags of 1-9 minutes, for ours and the reference. */
export function scanAmplification(): { ours: number; reference: number } {
  const options = { minutes: 120, recordsPerMinute: 500, lagMs: [60_000, 540_000] as const, seed: 7 };
  return {
    ours: simulateLateRecords({ ...options, requeryMinutes: 10, schedule: 'by-age' }).scanAmplification,
    reference: simulateLateRecords({ ...options, requeryMinutes: 5, schedule: 'every-run' }).scanAmplification,
  };
}

export async function costMeasures(sourceCounts: readonly number[], flooders: number, log: (text: string) => void) {
  const perRun: Partial<Record<(typeof BIN_STORES)[number], StoreCallsPerRun>> = {};
  for (const store of BIN_STORES) {
    log(`cost: the summarizer on the ${store} stand-in with ${flooders} sources above the floor...`);
    perRun[store] = await measureStoreCalls(store, flooders + QUIET_SOURCES, flooders);
  }
  const inputs: CostInputs = {
    bytesPerRecord: flowLogBytesPerRecord(),
    scanAmplification: scanAmplification(),
    timestream: perRun.timestream!,
    dynamodb: perRun.dynamodb!,
  };
  const monthly = (option: CostOption) =>
    Object.fromEntries(sourceCounts.map((sources) => [String(sources), monthlyCost(option, sources, inputs)]));
  const reference = monthly('reference');
  return {
    monthlyUsd: {
      timestream: monthly('timestream'),
      dynamodb: monthly('dynamodb'),
      reference: { timestream: reference, dynamodb: reference },
    },
    sourcesAboveFloor: flooders,
    flowLogBytesPerRecord: inputs.bytesPerRecord,
    insightsScansPerIngestedByte: inputs.scanAmplification.ours,
    storePerRun: perRun,
    prices: `${PRICE_REGION} list prices of ${PRICES_AS_OF}`,
    reference: { insightsScansPerIngestedByte: inputs.scanAmplification.reference },
  };
}
