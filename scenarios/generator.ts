/**
 * Deterministic flow-log traffic for demos and end-to-end tests: steady background sources plus
 * flood waves. Same spec, same records, on every machine (seeded PRNG, fixed epoch).
 */
import type { FlowRecord } from '../core/flow-log-format';

export interface FloodWave {
  /** Flooding source addresses (IPv4 or IPv6, canonical). */
  readonly sources: readonly string[];
  /** Minute offset from the scenario start when the wave begins. */
  readonly fromMinute: number;
  readonly minutes: number;
  /** Packets per minute of the first source; each next source adds `packetsStep` (distinct Z-scores). */
  readonly packets: number;
  readonly packetsStep?: number;
}

export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  /** Unix seconds of minute 0; a multiple of 60. */
  readonly startEpoch: number;
  readonly minutes: number;
  readonly seed: number;
  readonly steadySources: number;
  /** Per source per minute, uniformly drawn. */
  readonly steadyPackets: readonly [min: number, max: number];
  /** Chance a steady source sends in a given minute. */
  readonly steadyPresence: number;
  readonly waves: readonly FloodWave[];
  readonly listenerPort: number;
  readonly listenerProtocol: 6 | 17;
  readonly vpcCidrs: readonly string[];
  /** Destination of the traffic (the endpoint's address). */
  readonly endpoint: string;
}

/** mulberry32: tiny, fast, good enough for synthetic traffic, and reproducible. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Background sources from documentation-free public-looking ranges, never inside the VPC. */
export function steadySourceAddress(index: number): string {
  return `100.${64 + Math.floor(index / 250)}.${index % 250}.${((index * 7) % 250) + 1}`;
}

export interface ScenarioRecord extends FlowRecord {
  readonly dstAddr: string;
  readonly srcPort: number;
}

/** Every record of the scenario, in start order, minute by minute. */
export function* scenarioRecords(spec: ScenarioSpec): Generator<ScenarioRecord> {
  const random = prng(spec.seed);
  const [low, high] = spec.steadyPackets;
  for (let minute = 0; minute < spec.minutes; minute++) {
    const minuteStart = spec.startEpoch + minute * 60;
    const flow = (srcAddr: string, packets: number, extra: Partial<ScenarioRecord> = {}): ScenarioRecord => {
      // A 60 s aggregation interval: the record starts early in its minute and ends before the next.
      const start = minuteStart + Math.floor(random() * 5);
      return {
        srcAddr,
        dstAddr: spec.endpoint,
        srcPort: 1024 + Math.floor(random() * 60000),
        dstPort: spec.listenerPort,
        protocol: spec.listenerProtocol,
        packets,
        start,
        end: start + 50 + Math.floor(random() * 5),
        action: 'ACCEPT',
        flowDirection: 'ingress',
        ...extra,
      };
    };
    for (let i = 0; i < spec.steadySources; i++) {
      if (random() >= spec.steadyPresence) continue;
      const src = steadySourceAddress(i);
      yield flow(src, low + Math.floor(random() * (high - low + 1)));
      // The endpoint's replies: egress, never part of the baseline.
      if (i % 10 === 0) yield flow(spec.endpoint, 50, { dstAddr: src, dstPort: 40000 + i, flowDirection: 'egress' });
    }
    // Scanners probing other ports, rejected by security groups: noise the query must ignore.
    yield flow('198.51.100.77', 3, { dstPort: 22, action: 'REJECT' });
    for (const wave of spec.waves) {
      if (minute < wave.fromMinute || minute >= wave.fromMinute + wave.minutes) continue;
      for (const [k, src] of wave.sources.entries()) yield flow(src, wave.packets + k * (wave.packetsStep ?? 0));
    }
  }
}

export const FLOW_LOG_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';

/** One record as a version 5 line in FLOW_LOG_HEADER order. */
export function flowLogLine(record: ScenarioRecord): string {
  const bytes = record.packets * 60;
  return `5 123456789012 eni-0a1b2c3d4e5f60718 ${record.srcAddr} ${record.dstAddr} ${record.srcPort} ${record.dstPort} ${record.protocol} ${record.packets} ${bytes} ${record.start} ${record.end} ${record.action} OK ${record.flowDirection}`;
}
