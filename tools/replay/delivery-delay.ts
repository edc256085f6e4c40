/**
 * Flow-log delivery delay of the replay (`--delivery-delay`, `--seed`).
 *
 * A flow log publishes its records to CloudWatch Logs in batches: after each aggregation interval
 * (one minute for the stack's flow logs), the records of that interval reach the log group some
 * minutes later, as a batch (about five minutes typically, best effort). The replay draws one
 * delay per delivery batch: the records whose `end` falls in the same minute share it, and each
 * becomes visible to Logs Insights that long after its `end`. The draw depends only on the seed
 * and the minute, so a replay is deterministic whatever the order records are read in. Flow-log
 * files do not always carry `interface-id`, so the batch is the minute across all interfaces.
 */

/** A delay distribution as the command line gives it, in milliseconds. */
export type DelaySpec =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly p99Ms: number };

/** A bad `--delivery-delay` value; the message names the value and the accepted forms. */
export class DelaySpecError extends Error {
  override readonly name = 'DelaySpecError';
}

export const DELAY_FORMS =
  'a duration (0, 90s, 5m, 1.5m, 1h), uniform:min=<duration>,max=<duration> or lognormal:median=<duration>,p99=<duration>';

/** The longest delay a spec may name: a day (flow-log delivery is best effort, not that slow). */
export const MAX_DELAY_MS = 24 * 3_600_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** z of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.3263478740408408;

function fail(text: string, why: string): never {
  throw new DelaySpecError(`"${text}" ${why}; use ${DELAY_FORMS}`);
}

/** `5m`, `90s`, `1.5m`, `250ms`, `1h` or `0`, in milliseconds. */
function duration(text: string, whole: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) fail(whole, `is not a delay: "${text}" is not a duration`);
  const value = Number(match[1]);
  if (match[2] === undefined && value !== 0) fail(whole, `is not a delay: "${text}" has no unit (ms, s, m or h)`);
  const ms = Math.round(value * UNIT_MS[match[2] ?? 'ms']!);
  if (ms > MAX_DELAY_MS) fail(whole, `is not a delay: "${text}" is more than 24h`);
  return ms;
}

function parameters(text: string, body: string, names: readonly [string, string]): [number, number] {
  const values = new Map<string, string>();
  for (const part of body.split(',')) {
    const [key, value, extra] = part.split('=');
    if (key === undefined || value === undefined || extra !== undefined || !names.includes(key.trim()) || values.has(key.trim()))
      fail(text, `is not a delay: "${part}" is not one of ${names.map((n) => `${n}=<duration>`).join(', ')}`);
    values.set(key.trim(), value);
  }
  const missing = names.filter((n) => !values.has(n));
  if (missing.length > 0) fail(text, `is not a delay: it lacks ${missing.join(' and ')}`);
  return [duration(values.get(names[0])!, text), duration(values.get(names[1])!, text)];
}

/** Parses a `--delivery-delay` value; throws DelaySpecError naming the value and the accepted forms. */
export function parseDelaySpec(text: string): DelaySpec {
  const trimmed = text.trim().toLowerCase();
  const colon = trimmed.indexOf(':');
  if (colon < 0) return { kind: 'fixed', ms: duration(trimmed, text) };
  const kind = trimmed.slice(0, colon);
  const body = trimmed.slice(colon + 1);
  if (kind === 'uniform') {
    const [minMs, maxMs] = parameters(text, body, ['min', 'max']);
    if (maxMs < minMs) fail(text, 'is not a delay: max is below min');
    return { kind, minMs, maxMs };
  }
  if (kind === 'lognormal') {
    const [medianMs, p99Ms] = parameters(text, body, ['median', 'p99']);
    if (medianMs <= 0) fail(text, 'is not a delay: median must be above 0');
    if (p99Ms <= medianMs) fail(text, 'is not a delay: p99 must be above median');
    return { kind, medianMs, p99Ms };
  }
  return fail(text, `is not a delay: unknown distribution "${kind}"`);
}

/** A duration as the spec writes it: `0`, `90s`, `5m`, `1.5m`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** The canonical text of a spec, as the timeline and the report state it. */
export function describeDelay(spec: DelaySpec): string {
  if (spec.kind === 'fixed') return formatDuration(spec.ms);
  if (spec.kind === 'uniform') return `uniform:min=${formatDuration(spec.minMs)},max=${formatDuration(spec.maxMs)}`;
  return `lognormal:median=${formatDuration(spec.medianMs)},p99=${formatDuration(spec.p99Ms)}`;
}

/** Two uniforms in (0, 1) that depend only on the seed and the batch's minute (a splitmix-style hash). */
function uniforms(seed: number, minute: number): [number, number] {
  let state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(minute | 0, 0x85ebca6b) ^ Math.floor(minute / 2 ** 32)) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return [next(), next()];
}

/** The delay of the delivery batch of records ending in `minute` (epoch minutes), in whole milliseconds. */
export function batchDelayMs(spec: DelaySpec, seed: number, minute: number): number {
  if (spec.kind === 'fixed') return spec.ms;
  const [u, v] = uniforms(seed, minute);
  if (spec.kind === 'uniform') return Math.round(spec.minMs + u * (spec.maxMs - spec.minMs));
  // Box-Muller: a standard normal draw, scaled so that the median and the 99th percentile are the spec's.
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  const sigma = Math.log(spec.p99Ms / spec.medianMs) / Z_99;
  return Math.round(Math.min(MAX_DELAY_MS, spec.medianMs * Math.exp(sigma * z)));
}

/** What delay applied in a replay: the spec, the seed and the delays drawn. */
export interface DeliveryDelaySummary {
  readonly delay: string;
  readonly seed: number;
  /** Delivery batches (minutes of record ends) and the delays drawn for them, in seconds. */
  readonly batches: number;
  readonly minSeconds: number | null;
  readonly medianSeconds: number | null;
  readonly maxSeconds: number | null;
}

/** Draws and remembers one delay per batch; `delayMs` gives a record's delay by its end (Unix seconds). */
export class DeliveryDelays {
  private readonly drawn = new Map<number, number>();
  /** The longest delay drawn so far, in ms. */
  maxMs = 0;

  constructor(
    readonly spec: DelaySpec = { kind: 'fixed', ms: 0 },
    readonly seed = 1,
  ) {}

  get zero(): boolean {
    return this.spec.kind === 'fixed' && this.spec.ms === 0;
  }

  delayMs(endSeconds: number): number {
    const minute = Math.floor(endSeconds / 60);
    let delay = this.drawn.get(minute);
    if (delay === undefined) {
      delay = batchDelayMs(this.spec, this.seed, minute);
      this.drawn.set(minute, delay);
      if (delay > this.maxMs) this.maxMs = delay;
    }
    return delay;
  }

  summary(): DeliveryDelaySummary {
    const delays = [...this.drawn.values()].sort((a, b) => a - b);
    const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);
    return {
      delay: describeDelay(this.spec),
      seed: this.seed,
      batches: delays.length,
      minSeconds: seconds(delays[0]),
      medianSeconds: seconds(delays[Math.floor((delays.length - 1) / 2)]),
      maxSeconds: seconds(delays.at(-1)),
    };
  }
}

/** Which flow-log delivery delay applied, as the timeline states it. */
export function deliveryLine(delivery: DeliveryDelaySummary | undefined): string {
  if (delivery === undefined || delivery.maxSeconds === null || delivery.maxSeconds === 0)
    return `Flow-log delivery delay: ${delivery?.delay ?? '0'} (records visible to Logs Insights once their aggregation interval ends).`;
  const drawn =
    delivery.minSeconds === delivery.maxSeconds
      ? `${Math.round(delivery.maxSeconds)} s`
      : `${Math.round(delivery.minSeconds ?? 0)}-${Math.round(delivery.maxSeconds)} s, median ${Math.round(delivery.medianSeconds ?? 0)} s, seed ${delivery.seed}`;
  return `Flow-log delivery delay: ${delivery.delay}, one draw per minute of records (${delivery.batches} batches: ${drawn}).`;
}
