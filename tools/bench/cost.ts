/**
 * The monthly cost of one deployment at a number of sources a minute, for each packet-bin store
 * and for the reference design, from measured usage times the list prices of ./prices.ts:
 *
 * - flow-log bytes: the simulation's flow-log lines, one record per source and minute;
 * - Logs Insights bytes scanned per byte ingested: the late-records simulation of each design, twice
 *   for minutes with 10,000 sources or more (ours then runs the statistics query over the minute too);
 * - store usage per run: the real summarizer on each store's stand-in (./store-calls.ts) with the
 *   deployment's number of sources above the packet floor; sources below it never reach the store;
 * - the platform (functions, state machine, key, alarms, dashboard, topic): the same for all.
 */
import { ALARM_NAMES } from '../../dashboards/alarms';
import { INSIGHTS_RESULT_LIMIT } from '../../core/insights-query';
import { flowLogMessage } from '../../core/flow-log-format';
import { SUMMARIZER_DEPLOYMENT } from '../../functions/summarizer/contract';
import { UPDATER_DEPLOYMENT } from '../../functions/nacl-updater/contract';
import { PRICES, TIMESTREAM_MIN_QUERY_SECONDS, TIMESTREAM_MIN_TCU } from './prices';
import type { StoreCallsPerRun } from './store-calls';

export const HOURS_PER_MONTH = 730;
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
/** Two summarizer runs a minute. */
export const RUNS_PER_MONTH = MINUTES_PER_MONTH * 2;
/** The reference re-queried 5 minutes every run and stored every row it got (at most 10,000 a minute). */
export const REFERENCE_REQUERY_MINUTES = 5;
/** Assumed, not measured: the summarizer's and the updater's run time (the simulation's clock does not run with the code). */
export const ASSUMED_SUMMARIZER_SECONDS = 2;
export const ASSUMED_UPDATER_SECONDS = 1;
/** The state machine waits 30 s between its two runs. */
const EXPRESS_SECONDS = 31;
const GB = 1e9;

/** Mean bytes of a flow-log line of the stack's format, over IPv4 sources of every length. */
export function flowLogBytesPerRecord(samples = 1000): number {
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const start = 1_768_467_600 + i;
    bytes += Buffer.byteLength(
      flowLogMessage({
        srcAddr: `${1 + (i % 223)}.${(i * 7) % 256}.${(i * 13) % 256}.${(i * 31) % 256}`,
        dstPort: 443,
        protocol: 6,
        packets: 1 + ((i * 7919) % 5000),
        start,
        end: start + 60,
        action: 'ACCEPT',
        flowDirection: 'ingress',
      }),
    );
  }
  return bytes / samples;
}

export interface CostInputs {
  readonly bytesPerRecord: number;
  readonly scanAmplification: { readonly ours: number; readonly reference: number };
  /** Store usage per run, measured with the deployment's sources above the packet floor. */
  readonly timestream: StoreCallsPerRun;
  readonly dynamodb: StoreCallsPerRun;
}

export interface MonthlyCost {
  readonly flowLogs: number;
  readonly insights: number;
  readonly store: number;
  readonly platform: number;
  readonly total: number;
}

export type CostOption = 'timestream' | 'dynamodb' | 'reference';

export function monthlyCost(option: CostOption, sources: number, inputs: CostInputs): MonthlyCost {
  const ingestedGb = (sources * inputs.bytesPerRecord * MINUTES_PER_MONTH) / GB;
  const capped = sources >= INSIGHTS_RESULT_LIMIT;
  const scans = option === 'reference' ? inputs.scanAmplification.reference : inputs.scanAmplification.ours * (capped ? 2 : 1);
  const flowLogs = ingestedGb * PRICES.vendedLogsIngestionPerGb;
  const insights = ingestedGb * scans * PRICES.insightsScannedPerGb;
  const store = storeCost(option, sources, inputs);
  const platform = platformCost();
  return { flowLogs, insights, store, platform, total: flowLogs + insights + store + platform };
}

function storeCost(option: CostOption, sources: number, inputs: CostInputs): number {
  if (option === 'dynamodb') {
    const usage = inputs.dynamodb;
    return (
      (usage.writeUnits * RUNS_PER_MONTH * PRICES.dynamoWriteRequestUnitsPerMillion) / 1e6 +
      (usage.readUnits * RUNS_PER_MONTH * PRICES.dynamoReadRequestUnitsPerMillion) / 1e6
    );
  }
  const usage = inputs.timestream;
  // Each record the reference wrote is one bin of under 1 KB: one write unit.
  const writeUnits = option === 'reference' ? REFERENCE_REQUERY_MINUTES * Math.min(sources, INSIGHTS_RESULT_LIMIT) : usage.writeUnits;
  return (writeUnits * RUNS_PER_MONTH * PRICES.timestreamWritesPerMillion) / 1e6 + timestreamQueryCost(usage.queries);
}

/**
 * A run's queries start together and each holds the 4-TCU minimum for at least 30 s; runs are 30 s
 * apart, so the minimum is held all month whenever a run queries at all.
 */
export function timestreamQueryCost(queriesPerRun: number): number {
  const heldShare = queriesPerRun > 0 ? Math.min(1, TIMESTREAM_MIN_QUERY_SECONDS / 30) : 0;
  return heldShare * TIMESTREAM_MIN_TCU * HOURS_PER_MONTH * PRICES.timestreamTcuHour;
}

/** Functions, state machine, KMS key, the alarms, dashboard and the verdict topic: the same for every option. */
export function platformCost(): number {
  const gbSeconds =
    RUNS_PER_MONTH * ASSUMED_SUMMARIZER_SECONDS * (SUMMARIZER_DEPLOYMENT.memoryMiB / 1024) +
    RUNS_PER_MONTH * ASSUMED_UPDATER_SECONDS * (UPDATER_DEPLOYMENT.memoryMiB / 1024);
  const lambda = gbSeconds * PRICES.lambdaArmGbSecond + ((2 * RUNS_PER_MONTH) / 1e6) * PRICES.lambdaRequestsPerMillion;
  const executions = MINUTES_PER_MONTH;
  const express =
    (executions / 1e6) * PRICES.expressRequestsPerMillion + executions * EXPRESS_SECONDS * (64 / 1024) * PRICES.expressGbSecond;
  const sns = (RUNS_PER_MONTH / 1e6) * PRICES.snsPublishesPerMillion;
  return lambda + express + sns + PRICES.kmsKeyMonth + ALARM_NAMES.length * PRICES.alarmMonth + PRICES.dashboardMonth;
}
