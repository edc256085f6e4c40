/**
 * The replay: flow records in, the product's own pipeline run over simulated time, a result out.
 * Every 30 simulated seconds the real summarizer runs (through the simulated pipeline: Insights,
 * Timestream on DuckDB, SNS) and the real NACL updater applies what it published to the EC2
 * stand-in. Records reach Logs Insights as the flow log would deliver them: visible once their
 * aggregation interval has ended, plus the delivery delay of their batch (none by default). While a deny rule covers a source, its traffic is what the ACL
 * would have made of it: rejected, so it leaves the baseline as it would in production.
 */
import { cidrText, networkContains, parseNetwork, type Network } from '../../core/addresses';
import type { AnomalyMessage } from '../../core/anomaly-message';
import { activeDenyList, type DenyList } from '../../core/deny-list';
import type { FlowRecord } from '../../core/flow-log-format';
import { listenerLabel, type Listener } from '../../core/listeners';
import { evaluate, denyNetworksOf, type AclEntry } from '../../core/nacl-plan';
import { flowLogEvent } from '../../simulation/flow-log-events';
import type { LogEvent } from '../../simulation/logs-insights/log-groups';
import type { DeliveryDelays } from './delivery-delay';
import type { RepeatPolicy } from '../../core/repeat-offenders';
import type { RepeatOffenderLine } from '../../functions/nacl-updater/repeat-offenders';
import { listenersOf, noteBlocked, type BlockedState } from './blocked-entries';
import { ReplayInput } from './replay-input';

export { ReplayInput };
import type { BlockedEntry, ReplayRun, TimelineEvent, TrafficMinute } from './result';

/** What the replay needs from the simulated deployment (SimulatedDeployment in simulation/deployment.ts provides it). */
export interface SimulatedPipeline {
  /** Sets the simulated clock (never backwards). */
  advanceTo(ms: number): void;
  now(): number;
  /** Delivers flow-log events to the flow-log group. */
  deliver(events: readonly LogEvent[]): void;
  /** One scheduled summarizer invocation, then the updater for every message it published. */
  tick(): Promise<{ message?: AnomalyMessage; error?: string }>;
  /** Entries of the network ACL the protected subnets are on now. */
  activeAclEntries(): AclEntry[];
  /** True when every protected subnet is on its original network ACL. */
  onOriginalAcl(): boolean;
  /** What the functions logged: report mode reads what block mode would hold from the updater's log. */
  readonly telemetry: { readonly logs: readonly { readonly entry: Readonly<Record<string, unknown>> }[] };
}

export const RUN_INTERVAL_MS = 30_000;
const MINUTE_MS = 60_000;

export interface ReplaySettings {
  readonly listeners: readonly Listener[];
  readonly windowMinutes: number;
  readonly requeryMinutes: number;
  /** The deny list the deployment holds, to tell its rules from detected ones. @default none */
  readonly denyList?: DenyList;
  /** Report mode: nothing is denied, so the traffic is never rewritten; runs list what would be blocked. @default block */
  readonly mode?: 'block' | 'report';
  /** Flow-log delivery delay per batch (delivery-delay.ts). @default none: visible at the record's end */
  readonly deliveryDelays?: DeliveryDelays;
  /** Repeat offenders, as the deployment has them: runs and blocked entries then carry k and hold-until. @default off */
  readonly repeatOffenders?: RepeatPolicy;
}

export interface ReplayProgress {
  /** Simulated time reached and the span to cover, for a progress bar. */
  (doneMs: number, totalMs: number): void;
}

export interface EngineOutput {
  readonly runs: ReplayRun[];
  readonly traffic: TrafficMinute[];
  readonly timeline: TimelineEvent[];
  readonly blockedEntries: BlockedEntry[];
  readonly maxConcurrentRules: number;
  readonly backOnOriginalAclAt: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the pipeline from the first complete minute until every block has expired. */
export async function runReplay(
  input: ReplayInput,
  pipeline: SimulatedPipeline,
  settings: ReplaySettings,
  progress?: ReplayProgress,
): Promise<EngineOutput> {
  const { records } = input;
  const out: EngineOutput = { runs: [], traffic: [], timeline: [], blockedEntries: [], maxConcurrentRules: 0, backOnOriginalAclAt: null };
  if (records.length === 0) return out;
  const firstMinuteMs = Math.floor((records[0] as FlowRecord).start / 60) * MINUTE_MS;
  const lastEndMs = records.reduce((max, r) => Math.max(max, r.end), 0) * 1000;
  const delays = settings.deliveryDelays;
  // Records delivered later than the re-query reach are never queried: waiting for them longer changes nothing.
  const lastArrivalMs = () => lastEndMs + Math.min(delays?.maxMs ?? 0, settings.requeryMinutes * MINUTE_MS);
  // After the data ends, blocks live for one window (a repeat offender's up to its cap); give the runs that lift them time to happen.
  const longestHold = Math.max(settings.windowMinutes, (settings.repeatOffenders?.maxBlockHours ?? 0) * 60);
  const hardStopMs = () => lastArrivalMs() + (longestHold + settings.requeryMinutes + 5) * MINUTE_MS;
  // With one listener the verdict names none: every anomaly is on it.
  const sole = settings.listeners.length === 1 ? listenerLabel(settings.listeners[0] as Listener) : undefined;
  const state = new TimelineState(out, settings.denyList, sole);
  let next = 0;
  for (let at = firstMinuteMs + MINUTE_MS; at <= hardStopMs(); at += RUN_INTERVAL_MS) {
    const entries = pipeline.activeAclEntries();
    const deniedBefore = input.deniedPackets;
    next = deliverUntil(input, pipeline, entries, next, at, delays);
    state.deniedTraffic(at, input, input.deniedPackets > deniedBefore);
    pipeline.advanceTo(at);
    const logged = pipeline.telemetry.logs.length;
    const outcome = await pipeline.tick();
    if (settings.repeatOffenders) state.repeatOffenders(repeatOffenderLines(pipeline, logged));
    state.record(at, outcome, heldNetworks(pipeline, settings.mode ?? 'block'), pipeline.onOriginalAcl());
    progress?.(at - firstMinuteMs, lastEndMs - firstMinuteMs);
    if (next >= records.length && at > lastArrivalMs() && state.idle() && pipeline.onOriginalAcl()) break;
  }
  state.deniedTraffic(Number.POSITIVE_INFINITY, input, false);
  // Stretches of dropped traffic are reported when they end, dated when they began.
  out.timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  out.traffic.push(...trafficSeries(input));
  return out;
}

/** The networks the run ends with: denied by the ACL in use, or (report mode) those block mode would deny. */
function heldNetworks(pipeline: SimulatedPipeline, mode: 'block' | 'report'): { mode: 'block' | 'report'; networks: Network[] } {
  if (mode === 'block') return { mode, networks: denyNetworksOf(pipeline.activeAclEntries()) };
  const applied = pipeline.telemetry.logs.findLast((l) => l.entry.message === 'anomaly message applied' && 'wouldBlockNetworks' in l.entry);
  const cidrs = (applied?.entry.wouldBlockNetworks as string[] | undefined) ?? [];
  return { mode, networks: cidrs.flatMap((cidr) => parseNetwork(cidr) ?? []) };
}

/** What the updater logged in this run of the rules in place and their repeat-offender history; undefined when it applied nothing. */
function repeatOffenderLines(pipeline: SimulatedPipeline, from: number): readonly RepeatOffenderLine[] | undefined {
  const applied = pipeline.telemetry.logs
    .slice(from)
    .findLast((l) => l.entry.message === 'anomaly message applied' && 'repeatOffenders' in l.entry);
  return applied?.entry.repeatOffenders as RepeatOffenderLine[] | undefined;
}

/**
 * Delivers the records that started by `at`, each judged by the ACL in force when it was sent and
 * visible to Insights after its batch's delivery delay (none without `delays`); returns the next index.
 */
export function deliverUntil(
  input: ReplayInput,
  pipeline: SimulatedPipeline,
  entries: AclEntry[],
  from: number,
  at: number,
  delays?: DeliveryDelays,
): number {
  const { records } = input;
  const verdicts = new Map<string, boolean>();
  const events: LogEvent[] = [];
  let i = from;
  for (; i < records.length && (records[i] as FlowRecord).start * 1000 <= at; i++) {
    let record = records[i] as FlowRecord;
    const traffic = input.trafficMinute(record.start);
    if (record.flowDirection === 'ingress') traffic.sources.add(record.srcAddr);
    if (record.action === 'ACCEPT' && record.flowDirection === 'ingress') {
      let denied = verdicts.get(record.srcAddr);
      if (denied === undefined) {
        denied = evaluate(entries, { egress: false, address: record.srcAddr, protocol: record.protocol, port: record.dstPort }) === 'deny';
        verdicts.set(record.srcAddr, denied);
      }
      traffic.accepted += record.packets;
      if (denied) {
        traffic.denied += record.packets;
        input.deniedSources.add(record.srcAddr);
        input.deniedPackets += record.packets;
        record = { ...record, action: 'REJECT' };
      }
    } else if (record.flowDirection === 'ingress') traffic.rejected += record.packets;
    events.push(flowLogEvent(record, delays?.delayMs(record.end) ?? 0));
  }
  if (events.length > 0) pipeline.deliver(events);
  return i;
}

function trafficSeries(input: ReplayInput): TrafficMinute[] {
  return [...input.minutes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, t]) => ({
      minute: iso(minute),
      acceptedPackets: t.accepted,
      rejectedPackets: t.rejected,
      deniedBySimulation: t.denied,
      uniqueSources: t.sources.size,
    }));
}

/** Turns run-by-run states into runs, timeline lines and the blocked-source table. */
class TimelineState {
  private denied = new Map<string, Network>();
  private listedBefore: ReadonlySet<string> = new Set();
  /** How the timeline names a rule put in place: report mode writes none. */
  private verb: 'blocked' | 'would block' = 'blocked';
  private unblocked = new Set<string>();
  private onOriginal = true;
  private readonly blocked = new Map<string, BlockedState>();
  /** Repeat offenders on: the rules in place with their k and hold-until, as the updater last logged them. */
  private repeat: Map<string, RepeatOffenderLine> | undefined;
  /** Networks under a repeat-offender hold after the previous run. */
  private heldBefore: ReadonlySet<string> = new Set();

  /** The updater's view of the rules in place after this run (undefined: it applied nothing, the last view stands). */
  repeatOffenders(lines: readonly RepeatOffenderLine[] | undefined): void {
    if (lines || !this.repeat) this.repeat = new Map((lines ?? []).map((l) => [l.network, l]));
  }

  constructor(
    private readonly out: EngineOutput,
    private readonly denyList?: DenyList,
    /** The one listener, when there is one: the verdicts name a listener only when there are several. */
    private readonly soleListener?: string,
  ) {}

  private denialStart: number | undefined;
  private denialEnd = 0;

  /**
   * Reports each stretch of time in which deny rules dropped traffic (e.g. a second wave from
   * blocked sources): one line when the stretch ends, with its sources and packets.
   */
  deniedTraffic(atMs: number, input: ReplayInput, droppedNow: boolean): void {
    if (droppedNow) {
      this.denialStart ??= atMs;
      this.denialEnd = atMs;
      return;
    }
    if (this.denialStart === undefined) return;
    this.note(
      iso(this.denialStart),
      'note',
      `deny rules in force dropped ${input.deniedPackets} packets from ${input.deniedSources.size} blocked source(s) until ${iso(this.denialEnd)}: rejected at once, no detection needed`,
    );
    this.denialStart = undefined;
    input.deniedSources.clear();
    input.deniedPackets = 0;
  }

  idle(): boolean {
    return this.denied.size === 0 && this.unblocked.size === 0;
  }

  record(
    atMs: number,
    outcome: { message?: AnomalyMessage; error?: string },
    held: { mode: 'block' | 'report'; networks: Network[] },
    onOriginal: boolean,
  ): void {
    const { networks } = held;
    this.verb = held.mode === 'report' ? 'would block' : 'blocked';
    const at = iso(atMs);
    const message = outcome.message;
    const sole = this.soleListener;
    const anomalies = (message?.anomalies ?? []).map((a) =>
      a.listener === undefined && sole !== undefined ? { ...a, listener: sole } : a,
    );
    const covered = (ip: string) => networks.some((n) => networkContains(n, ip));
    const unblocked = anomalies.filter((a) => !covered(a.sourceIp)).map((a) => a.sourceIp);
    const cidrs = networks.map(cidrText);
    // The deny list in force at this run, as the updater evaluated it on the same clock.
    const listed = new Set(this.denyList ? activeDenyList(this.denyList, atMs, []).networks.map(cidrText) : []);
    const denyListed = cidrs.filter((cidr) => listed.has(cidr));
    this.out.runs.push({
      at,
      anomalies: anomalies.map((a) => ({ ...a })),
      blocked: held.mode === 'report' ? [] : cidrs,
      denyListed,
      ...(held.mode === 'report' ? { wouldBlock: cidrs } : {}),
      ...(this.repeat ? { repeatOffenders: cidrs.map((cidr) => this.repeat?.get(cidr) ?? { network: cidr, k: 0 }) } : {}),
      unblocked,
      baseline: message?.baseline ?? { mean: null, standardDeviation: null, anomalyThreshold: null, binCount: 0 },
      complete: message?.complete ?? false,
    });
    if (outcome.error) this.note(at, 'note', `summarizer run failed: ${outcome.error}`);
    this.diffRules(at, networks, anomalies, new Set(denyListed));
    this.diffUnblocked(at, unblocked, anomalies);
    if (onOriginal && !this.onOriginal) {
      this.note(at, 'original-acl', 'no source needs blocking: protected subnets are back on their original network ACL');
      (this.out as { backOnOriginalAclAt: string | null }).backOnOriginalAclAt = at;
    }
    this.onOriginal = onOriginal;
    (this.out as { maxConcurrentRules: number }).maxConcurrentRules = Math.max(this.out.maxConcurrentRules, networks.length);
  }

  private diffRules(at: string, networks: Network[], anomalies: AnomalyMessage['anomalies'], denyListed: ReadonlySet<string>): void {
    const now = new Map(networks.map((n) => [cidrText(n), n]));
    for (const [cidr, network] of now) {
      const worst = anomalies.filter((a) => networkContains(network, a.sourceIp));
      const { z, packets } = noteBlocked(this.blocked, cidr, at, worst);
      if (denyListed.has(cidr)) this.blocked.get(cidr)!.denyListed = true;
      const line = this.repeat?.get(cidr);
      if (this.repeat) Object.assign(this.blocked.get(cidr)!, { k: line?.k ?? 0 }, line?.holdUntil ? { holdUntil: line.holdUntil } : {});
      if (this.denied.has(cidr)) continue;
      if (denyListed.has(cidr)) this.note(at, 'blocked', `${this.verb} ${cidr}: on the deny list`);
      else
        this.note(
          at,
          'blocked',
          `${this.verb} ${cidr}: max Z-score ${z.toFixed(2)}, ${packets} packets in its largest minute${this.onListeners(worst)}`,
        );
    }
    for (const [cidr, network] of this.denied) {
      if (now.has(cidr)) continue;
      if (anomalies.some((a) => networkContains(network, a.sourceIp))) {
        this.note(at, 'unblocked', `${this.ruleFor(cidr)} given up to sources with higher Z-scores (no rule capacity left)`);
      } else if (this.listedBefore.has(cidr)) {
        this.note(at, 'expired', `${this.ruleFor(cidr)} lifted: no longer on the deny list (expired or removed)`);
      } else if (this.blocked.get(cidr)?.holdUntil && this.heldBefore.has(cidr)) {
        const { k, holdUntil } = this.blocked.get(cidr)!;
        this.note(at, 'expired', `${this.ruleFor(cidr)} lifted: its repeat-offender hold ended (k ${k}, held until ${holdUntil})`);
      } else this.note(at, 'expired', `${this.ruleFor(cidr)} lifted: no anomalous minute left in the window`);
    }
    this.denied = now;
    this.listedBefore = denyListed;
    this.heldBefore = new Set([...(this.repeat?.values() ?? [])].filter((l) => l.holdUntil !== undefined).map((l) => l.network));
    this.out.blockedEntries.splice(0, this.out.blockedEntries.length, ...[...this.blocked].map(([cidr, e]) => ({ cidr, ...e })));
  }

  /** With several listeners, which ones the blocked sources were anomalous on; nothing with one. */
  private onListeners(anomalies: AnomalyMessage['anomalies']): string {
    const listeners = listenersOf(anomalies);
    return this.soleListener !== undefined || listeners.length === 0 ? '' : ` on ${listeners.join(', ')}`;
  }

  private ruleFor(cidr: string): string {
    return this.verb === 'blocked' ? `rule for ${cidr}` : `would-be rule for ${cidr}`;
  }

  private diffUnblocked(at: string, unblocked: string[], anomalies: AnomalyMessage['anomalies']): void {
    const fresh = unblocked.filter((ip) => !this.unblocked.has(ip));
    if (fresh.length > 0) {
      const detail = fresh.map((ip) => `${ip} (Z ${anomalies.find((a) => a.sourceIp === ip)?.maxZScore.toFixed(2)})`).join(', ');
      this.note(at, 'unblocked', `could not block ${fresh.length} anomalous source(s), no rule capacity left: ${detail}`);
    }
    this.unblocked = new Set(unblocked);
  }

  private note(at: string, kind: TimelineEvent['kind'], text: string): void {
    this.out.timeline.push({ at, kind, text });
  }
}
