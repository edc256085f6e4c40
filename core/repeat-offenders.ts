/**
 * Repeat offenders (docs/operator-controls.md, Repeat offenders): a network blocked again within
 * `windowHours` of an earlier block keeps its rule longer after its last anomalous minute,
 * `windowMinutes x 2^k` where k counts its earlier blocks in that period, capped at
 * `maxBlockHours`. k = 0 is the reference rule: the rule is lifted when the last anomalous minute
 * leaves the baseline window. Pure: the updater reads and writes the state (an S3 object).
 */
import { z } from 'zod';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Version of the state object; a state of another version is treated as lost (reference rule). */
export const REPEAT_OFFENDER_STATE_VERSION = 1;
/** Networks the state remembers at most: the oldest histories are forgotten first (their k falls back towards 0). */
export const MAX_REMEMBERED_NETWORKS = 10_000;
/** Block starts kept per network: 2^20 x 5 minutes is far above any cap. */
export const MAX_BLOCKS_PER_NETWORK = 20;

export interface RepeatPolicy {
  /** Earlier blocks within this many hours count; 0 turns repeat offenders off. */
  readonly windowHours: number;
  /** The longest hold after the last anomalous minute. */
  readonly maxBlockHours: number;
}

/** What the state remembers of one network (the CIDR of its deny rule). */
export interface NetworkHistory {
  /** Start times (ms) of its blocks within the window, oldest first; the last is the block in place, if any. */
  readonly blocks: readonly number[];
  /** k of the block in place: its earlier blocks within the window when it started. */
  readonly k: number;
  /** Set once the network is no longer anomalous: its rule stays until then (ms). */
  readonly holdUntil?: number;
}

export type RepeatOffenderState = Readonly<Record<string, NetworkHistory>>;

/**
 * Minutes a rule stays after the end of its last anomalous minute: windowMinutes x 2^k, capped at
 * maxBlockHours, never below windowMinutes (the reference rule), whatever the cap.
 */
export function holdMinutes(k: number, windowMinutes: number, maxBlockHours: number): number {
  const cap = maxBlockHours * 60;
  // 2^k overflows nothing that matters: past the cap the cap decides.
  const scaled = k >= 53 ? Infinity : windowMinutes * 2 ** Math.max(0, Math.floor(k));
  return Math.max(windowMinutes, Math.min(scaled, cap));
}

/** k of a block starting at `startMs`: the earlier block starts within the window before it. */
export function repeatCount(blocks: readonly number[], startMs: number, windowHours: number): number {
  if (windowHours <= 0) return 0;
  return blocks.filter((at) => at < startMs && at > startMs - windowHours * HOUR_MS).length;
}

/** Records the blocks that started at `nowMs` (networks newly placed), each with its k. */
export function recordBlocks(
  state: RepeatOffenderState,
  started: readonly string[],
  nowMs: number,
  policy: RepeatPolicy,
): RepeatOffenderState {
  const next: Record<string, NetworkHistory> = { ...state };
  for (const cidr of started) {
    const earlier = state[cidr]?.blocks ?? [];
    const k = repeatCount(earlier, nowMs, policy.windowHours);
    next[cidr] = { blocks: [...earlier, nowMs].slice(-MAX_BLOCKS_PER_NETWORK), k };
  }
  return next;
}

export interface HoldInput {
  readonly state: RepeatOffenderState;
  /** Networks denied before this run. */
  readonly inPlace: readonly string[];
  /** Of them, those the verdict keeps without any hold (still anomalous, deny-listed, or kept by an incomplete run). */
  readonly keptAnyway: ReadonlySet<string>;
  /** The verdict's window start: its last anomalous minute ended at the latest then. */
  readonly windowStartMs: number;
  readonly windowMinutes: number;
  /** The verdict's time. */
  readonly nowMs: number;
  readonly policy: RepeatPolicy;
}

export interface Hold {
  readonly cidr: string;
  readonly k: number;
  readonly holdUntil: number;
}

export interface HoldDecision {
  /** Networks the reference would lift now that stay for their hold. */
  readonly held: readonly Hold[];
  readonly state: RepeatOffenderState;
}

/**
 * Which rules in place stay beyond the reference rule. A network the verdict still keeps has no
 * hold (its last anomalous minute may move on); one it would lift gets its hold-until the first
 * time (window start + windowMinutes x 2^k: the window start is at or after the end of its last
 * anomalous minute, so the hold is never shorter) and stays until then. k = 0 lifts at once,
 * exactly as the reference does.
 */
export function decideHolds(input: HoldInput): HoldDecision {
  const next: Record<string, NetworkHistory> = { ...input.state };
  const held: Hold[] = [];
  for (const cidr of input.inPlace) {
    const entry = input.state[cidr] ?? { blocks: [], k: 0 };
    if (input.keptAnyway.has(cidr)) {
      next[cidr] = { blocks: entry.blocks, k: entry.k };
      continue;
    }
    const holdUntil =
      entry.holdUntil ?? input.windowStartMs + holdMinutes(entry.k, input.windowMinutes, input.policy.maxBlockHours) * MINUTE_MS;
    if (input.nowMs < holdUntil) {
      next[cidr] = { ...entry, holdUntil };
      held.push({ cidr, k: entry.k, holdUntil });
    } else next[cidr] = { blocks: entry.blocks, k: entry.k };
  }
  return { held, state: next };
}

/**
 * Forgets what can no longer count: block starts older than the window, networks not in place
 * with no block left, and the oldest histories beyond MAX_REMEMBERED_NETWORKS. Networks in place
 * keep their entry (k and hold).
 */
export function pruneState(
  state: RepeatOffenderState,
  inPlace: readonly string[],
  nowMs: number,
  policy: RepeatPolicy,
): RepeatOffenderState {
  const placed = new Set(inPlace);
  const kept: [string, NetworkHistory][] = [];
  for (const [cidr, entry] of Object.entries(state)) {
    const blocks = entry.blocks.filter((at) => at > nowMs - policy.windowHours * HOUR_MS);
    if (placed.has(cidr))
      kept.push([cidr, { ...entry, blocks: placed.has(cidr) && blocks.length === 0 ? entry.blocks.slice(-1) : blocks }]);
    else if (blocks.length > 0) kept.push([cidr, { blocks, k: entry.k }]);
  }
  const newest = (e: NetworkHistory) => e.blocks.at(-1) ?? 0;
  kept.sort(([a, x], [b, y]) => Number(placed.has(b)) - Number(placed.has(a)) || newest(y) - newest(x) || a.localeCompare(b));
  return Object.fromEntries(kept.slice(0, Math.max(MAX_REMEMBERED_NETWORKS, placed.size)));
}

const isoTime = z.iso.datetime({ offset: false });
const historySchema = z.strictObject({
  blocks: z.array(isoTime).max(MAX_BLOCKS_PER_NETWORK),
  k: z.number().int().min(0).max(MAX_BLOCKS_PER_NETWORK),
  holdUntil: isoTime.optional(),
});
const stateSchema = z.strictObject({
  version: z.literal(REPEAT_OFFENDER_STATE_VERSION),
  networks: z.record(z.string().min(1).max(64), historySchema),
});

export type ParsedState = { ok: true; state: RepeatOffenderState } | { ok: false; reason: string };

/** Parses the state object's text; never throws. */
export function parseRepeatOffenderState(text: string): ParsedState {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = stateSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, reason: `invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message}` };
  }
  if (Object.keys(result.data.networks).length > MAX_REMEMBERED_NETWORKS) return { ok: false, reason: 'too many networks' };
  const state: Record<string, NetworkHistory> = {};
  for (const [cidr, e] of Object.entries(result.data.networks)) {
    const blocks = e.blocks.map(Date.parse).sort((a, b) => a - b);
    state[cidr] = { blocks, k: e.k, ...(e.holdUntil === undefined ? {} : { holdUntil: Date.parse(e.holdUntil) }) };
  }
  return { ok: true, state };
}

/** The state object's text: readable JSON, times in ISO-8601 UTC. */
export function serializeRepeatOffenderState(state: RepeatOffenderState): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const networks = Object.fromEntries(
    Object.entries(state)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cidr, e]) => [
        cidr,
        { blocks: e.blocks.map(iso), k: e.k, ...(e.holdUntil === undefined ? {} : { holdUntil: iso(e.holdUntil) }) },
      ]),
  );
  return `${JSON.stringify({ version: REPEAT_OFFENDER_STATE_VERSION, networks }, null, 1)}\n`;
}
