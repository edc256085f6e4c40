/**
 * Eventual consistency for the EC2 stand-in. The EC2 API "follows an eventual consistency model":
 * the result of a command "might not be immediately visible to all subsequent commands", and a
 * command on a resource just created may get an error saying it does not exist
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
 *
 * Modelled per call: each call draws a lag in [0, maxLagMs] from a seeded generator. A Describe
 * call answers from the state as it was that long ago; a call naming a resource created less than
 * that long ago (a network ACL, or the association id a ReplaceNetworkAclAssociation returned)
 * answers NotFound. Writes themselves always act on the current state.
 */
import type { Acl, Subnet } from './resources';

export interface ConsistencyOptions {
  /** Upper bound of the random lag of a call, ms. 0 answers every call from the current state. */
  readonly maxLagMs: number;
  /** Seed of the lag generator: the same seed and calls give the same lags. */
  readonly seed: number;
  /** The stand-in's clock, epoch ms (the simulated clock in a simulated deployment). */
  readonly now: () => number;
}

/** What reads are served from. */
export interface ReadableState {
  readonly acls: ReadonlyMap<string, Acl>;
  readonly subnets: ReadonlyMap<string, Subnet>;
}

interface Version {
  readonly at: number;
  readonly state: ReadableState;
}

/** mulberry32: small, fast and reproducible. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function copyOf(state: ReadableState): ReadableState {
  const acls = new Map(
    [...state.acls].map(([id, acl]) => [id, { ...acl, entries: acl.entries.map((e) => ({ ...e })), tags: new Map(acl.tags) }]),
  );
  const subnets = new Map([...state.subnets].map(([id, subnet]) => [id, { ...subnet }]));
  return { acls, subnets };
}

/** The versions of the stand-in's state over the last maxLagMs, and when each id came into existence. */
export class LaggingReads {
  private readonly versions: Version[] = [];
  private readonly createdAt = new Map<string, number>();
  private readonly random: () => number;

  constructor(private readonly options: ConsistencyOptions) {
    this.random = generator(options.seed);
  }

  /** Records the state after a change; versions too old to be read any more are dropped. */
  changed(state: ReadableState): void {
    const at = this.options.now();
    this.versions.push({ at, state: copyOf(state) });
    const horizon = at - this.options.maxLagMs;
    while (this.versions.length > 1 && this.versions[1]!.at <= horizon) this.versions.shift();
  }

  /** Records that a resource or association id exists from now on. */
  created(id: string): void {
    this.createdAt.set(id, this.options.now());
  }

  /** The lag of one call, ms. */
  lag(): number {
    return this.random() * this.options.maxLagMs;
  }

  /** The state a read with this lag sees: the newest version recorded at or before now - lag. */
  stateAt(lag: number, current: ReadableState): ReadableState {
    const asOf = this.options.now() - lag;
    const version = this.versions.findLast((v) => v.at <= asOf);
    return version?.state ?? this.versions[0]?.state ?? current;
  }

  /** Whether a call with this lag does not see `id` yet (it was created less than `lag` ago). */
  notYetVisible(id: string | undefined, lag: number): boolean {
    const at = this.createdAt.get(id ?? '');
    return at !== undefined && this.options.now() - at < lag;
  }
}

/**
 * What a fixed lag holds back: the associations DescribeNetworkAcls reports, the entries and tags
 * it reports, or (`ids`) the association ids ReplaceNetworkAclAssociation knows.
 */
export type LaggedPart = 'associations' | 'entries' | 'ids';

/** One part of EC2's answers lagging a fixed time behind the writes: a fault the campaign injects. */
export class FixedLag {
  private readonly reads: LaggingReads;

  constructor(
    private readonly part: LaggedPart,
    readonly lagMs: number,
    now: () => number,
  ) {
    this.reads = new LaggingReads({ maxLagMs: lagMs, seed: 0, now });
  }

  changed(state: ReadableState): void {
    this.reads.changed(state);
  }

  created(id: string): void {
    this.reads.created(id);
  }

  /** What a Describe sees: the lagging part as it was, the rest as it is; undefined when ids lag. */
  readable(current: ReadableState): ReadableState | undefined {
    if (this.part === 'ids') return undefined;
    const then = this.reads.stateAt(this.lagMs, current);
    return this.part === 'associations' ? { acls: current.acls, subnets: then.subnets } : { acls: then.acls, subnets: current.subnets };
  }

  /** Whether ReplaceNetworkAclAssociation does not know this association id yet. */
  hides(associationId: string | undefined): boolean {
    return this.part === 'ids' && this.reads.notYetVisible(associationId, this.lagMs);
  }
}

/**
 * What each call of the stand-in sees: the current state, or in eventual-consistency mode the state
 * as of the lag drawn for the call, and a fixed lag of one part while a fault injects one.
 */
export class StandInReads {
  private readonly lagging: LaggingReads | undefined;
  private fixed: FixedLag | undefined;
  /** The lag drawn for the call being served, ms. */
  private lag = 0;

  constructor(options: ConsistencyOptions | undefined) {
    this.lagging = options && options.maxLagMs > 0 ? new LaggingReads(options) : undefined;
  }

  /** Starts (`fixed`) or ends (undefined) a fixed lag; changes before it count as made at its start. */
  setFixed(fixed: FixedLag | undefined, current: ReadableState): void {
    this.fixed = fixed;
    fixed?.changed(current);
  }

  /** Draws the lag of the call about to be served. */
  begin(): void {
    this.lag = this.lagging?.lag() ?? 0;
  }

  readable(current: ReadableState): ReadableState {
    return this.fixed?.readable(current) ?? (this.lagging ? this.lagging.stateAt(this.lag, current) : current);
  }

  changed(current: ReadableState): void {
    this.lagging?.changed(current);
    this.fixed?.changed(current);
  }

  created(id: string): void {
    this.lagging?.created(id);
    this.fixed?.created(id);
  }

  /** Whether the call being served does not see this ACL or association id yet. */
  notYetVisible(id: string | undefined): boolean {
    return (this.fixed?.hides(id) ?? false) || (this.lagging?.notYetVisible(id, this.lag) ?? false);
  }
}
