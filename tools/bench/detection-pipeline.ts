import type { FlowRecord } from '../../core/flow-log-format';
import { denyNetworksOf } from '../../core/nacl-plan';
import { cidrText } from '../../core/addresses';
import { SimulatedDeployment } from '../../simulation/deployment';
import { DeliveryDelays } from '../replay/delivery-delay';
import { deliverUntil, ReplayInput, RUN_INTERVAL_MS } from '../replay/engine';
import { detectFlood, OUR_SCHEDULE } from './detection';

/**
 * The detection model checked against the real functions: one flood through the simulated
 * deployment (the summarizer on Logs Insights and the bin store, the updater on EC2), its records
 * delivered by the replay's fixed delivery delay, beside what detectFlood predicts for the same
 * start and lag with the simulation's run times (each minute's start and 30 s after).
 */
const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2026, 0, 15, 9, 0);
const FLOODER = '203.0.113.50';
const STEADY_MINUTES = 15;
const FLOOD_MINUTES = 20;
const RATE = 400;

function records(floodStartMs: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  const record = (srcAddr: string, startMs: number, endMs: number, packets: number): FlowRecord => ({
    srcAddr,
    dstPort: 443,
    protocol: 6,
    packets,
    start: startMs / 1000,
    end: endMs / 1000,
    action: 'ACCEPT',
    flowDirection: 'ingress',
  });
  const lastMinute = STEADY_MINUTES + FLOOD_MINUTES;
  for (let m = 0; m < lastMinute; m++) {
    const minute = START_MS + m * MINUTE_MS;
    for (let s = 0; s < 20; s++)
      out.push(record(`198.51.100.${10 + s}`, minute + s * 1000, minute + MINUTE_MS, 80 + ((s * 37 + m * 11) % 60)));
    const from = Math.max(minute, floodStartMs);
    if (from < minute + MINUTE_MS) out.push(record(FLOODER, from, minute + MINUTE_MS, (RATE * (minute + MINUTE_MS - from)) / 1000));
  }
  return out;
}

/** Seconds from the flood's first packet until the run after which a deny rule covers it; undefined if none within the data. */
export async function pipelineTimeToBlock(floodStartMs: number, lagMs: number): Promise<number | undefined> {
  const input = new ReplayInput({ listeners: [{ port: 443, protocol: 6 }] });
  input.add(records(floodStartMs));
  input.sort();
  const deployment = await SimulatedDeployment.create({
    startMs: START_MS,
    vpcCidrs: ['10.0.0.0/16'],
    listeners: [{ port: 443, protocol: 6 }],
    windowMinutes: 60,
    requeryMinutes: OUR_SCHEDULE.requeryMinutes,
    binStore: 'dynamodb',
  });
  try {
    const delays = new DeliveryDelays({ kind: 'fixed', ms: lagMs });
    let next = 0;
    const stopMs = START_MS + (STEADY_MINUTES + FLOOD_MINUTES) * MINUTE_MS;
    for (let at = START_MS + MINUTE_MS; at <= stopMs; at += RUN_INTERVAL_MS) {
      next = deliverUntil(input, deployment, deployment.activeAclEntries(), next, at, delays);
      deployment.advanceTo(at);
      await deployment.tick();
      if (denyNetworksOf(deployment.activeAclEntries()).some((n) => cidrText(n) === `${FLOODER}/32`)) return (at - floodStartMs) / 1000;
    }
    return undefined;
  } finally {
    deployment.close();
  }
}

/** For each lag: the real functions' time to block beside the model's, one flood starting 10 s into a minute. */
export async function pipelineCheck(lagsMs: readonly number[]): Promise<Record<string, { pipeline: number | null; model: number | null }>> {
  const floodStartMs = START_MS + STEADY_MINUTES * MINUTE_MS + 10_000;
  const out: Record<string, { pipeline: number | null; model: number | null }> = {};
  for (const lagMs of lagsMs) {
    const model = detectFlood(floodStartMs, () => lagMs, {
      floods: 1,
      lagMs: [lagMs, lagMs],
      lagModel: 'steady',
      ...OUR_SCHEDULE,
      runOffsetsMs: [0, 30_000],
      horizonMinutes: FLOOD_MINUTES - 1,
    });
    out[`lag ${lagMs / 1000} s`] = {
      pipeline: (await pipelineTimeToBlock(floodStartMs, lagMs)) ?? null,
      model: model?.timeToBlock ?? null,
    };
  }
  return out;
}
