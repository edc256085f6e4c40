/** Listener indexes a table keeps apart: at least the most listeners a deployment has (core/listeners.ts). */
const LISTENER_SLOTS = 16;

/**
 * Packets per (minute, listener, source id), the replay's bins; the listener is its index in the
 * replay's list (0 with one listener). Each minute of each listener has its own open-addressing
 * table over typed arrays: binning millions of records creates no key string or map entry per
 * record, and the table being filled stays small enough to sit in cache (records arrive roughly
 * in time order).
 */
export class PacketBinTable {
  /** Keyed by minute x LISTENER_SLOTS + listener. */
  private readonly minutes = new Map<number, MinuteBins>();
  private lastKey = NaN;
  private last: MinuteBins | undefined;

  add(minute: number, source: number, packets: number, listener = 0): void {
    const key = minute * LISTENER_SLOTS + listener;
    if (key !== this.lastKey || this.last === undefined) {
      if (!(listener >= 0 && listener < LISTENER_SLOTS)) throw new RangeError(`listener index ${listener} is not 0-${LISTENER_SLOTS - 1}`);
      this.lastKey = key;
      const previous = this.last;
      this.last = this.minutes.get(key);
      // Consecutive minutes see about as many sources: start the new table at the last one's size.
      if (this.last === undefined) this.minutes.set(key, (this.last = new MinuteBins(previous?.size ?? 0)));
    }
    this.last.add(source, packets);
  }

  /** Packets of one bin; 0 when the source sent nothing to the listener that minute. */
  packets(minute: number, source: number, listener = 0): number {
    return this.minutes.get(minute * LISTENER_SLOTS + listener)?.packets(source) ?? 0;
  }

  get size(): number {
    let bins = 0;
    for (const minute of this.minutes.values()) bins += minute.size;
    return bins;
  }

  /** The bins as arrays that can be handed to another thread, minute by minute (views of the table's own arrays, not copies). */
  export(): BinArrays {
    return [...this.minutes].map(([key, bins]) => ({
      minute: Math.floor(key / LISTENER_SLOTS),
      listener: key % LISTENER_SLOTS,
      sources: bins.sourceIds(),
      totals: bins.totalsOf(),
    }));
  }

  /**
   * Adds bins exported by another table, its source ids turned into this table's by `ids`. A
   * minute this table does not have yet takes the arrays as they are (ranges of one file rarely
   * share a minute), so merging costs one id lookup per bin.
   */
  merge(other: BinArrays, ids: Int32Array): void {
    for (const { minute, listener, sources, totals } of other) {
      for (let i = 0; i < sources.length; i++) sources[i] = ids[sources[i]!]!;
      const key = minute * LISTENER_SLOTS + listener;
      const existing = this.minutes.get(key);
      if (existing) for (let i = 0; i < sources.length; i++) existing.add(sources[i]!, totals[i]!);
      else this.minutes.set(key, MinuteBins.over(sources, totals));
    }
    this.last = undefined;
  }
}

/** Bins as plain arrays, minute by minute and listener by listener: the distinct sources and their packet totals. */
export type BinArrays = readonly {
  readonly minute: number;
  readonly listener: number;
  readonly sources: Int32Array;
  readonly totals: Float64Array;
}[];

/** Packets per source id within one minute. */
class MinuteBins {
  /** Bin index + 1 per slot; 0 = free. Empty until needed for bins adopted from arrays. */
  private slots: Int32Array;
  private sources: Int32Array;
  private totals: Float64Array;
  size = 0;

  constructor(expectedBins: number) {
    let bins = 1 << 9;
    while (bins < expectedBins) bins *= 2;
    this.slots = new Int32Array(bins * 2);
    this.sources = new Int32Array(bins);
    this.totals = new Float64Array(bins);
  }

  /** Bins over arrays of distinct sources and their totals (the arrays are taken, not copied). */
  static over(sources: Int32Array, totals: Float64Array): MinuteBins {
    const bins = new MinuteBins(0);
    bins.sources = sources;
    bins.totals = totals;
    bins.size = sources.length;
    bins.slots = new Int32Array(0);
    return bins;
  }

  sourceIds(): Int32Array {
    return this.sources.subarray(0, this.size);
  }

  totalsOf(): Float64Array {
    return this.totals.subarray(0, this.size);
  }

  add(source: number, packets: number): void {
    if (this.slots.length === 0) this.rehash();
    const { slots, sources } = this;
    const mask = slots.length - 1;
    for (let slot = hash(source) & mask; ; slot = (slot + 1) & mask) {
      const bin = slots[slot]! - 1;
      if (bin < 0) {
        this.insert(slot, source, packets);
        return;
      }
      if (sources[bin] === source) {
        this.totals[bin]! += packets;
        return;
      }
    }
  }

  packets(source: number): number {
    if (this.slots.length === 0) this.rehash();
    const mask = this.slots.length - 1;
    for (let slot = hash(source) & mask; ; slot = (slot + 1) & mask) {
      const bin = this.slots[slot]! - 1;
      if (bin < 0) return 0;
      if (this.sources[bin] === source) return this.totals[bin]!;
    }
  }

  private insert(slot: number, source: number, packets: number): void {
    const bin = this.size++;
    if (bin === this.sources.length) {
      this.sources = grow(this.sources, new Int32Array(Math.max(bin * 2, 64)));
      this.totals = grow(this.totals, new Float64Array(Math.max(bin * 2, 64)));
    }
    this.sources[bin] = source;
    this.totals[bin] = packets;
    this.slots[slot] = bin + 1;
    // At most half full, so probes stay short.
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    let length = Math.max(this.slots.length * 2, 1 << 10);
    while (length < this.size * 2) length *= 2;
    const slots = new Int32Array(length);
    const mask = slots.length - 1;
    for (let bin = 0; bin < this.size; bin++) {
      let slot = hash(this.sources[bin]!) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = bin + 1;
    }
    this.slots = slots;
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Source ids are consecutive integers: mix them so neighbours do not cluster in the table. */
function hash(source: number): number {
  const h = Math.imul(source, 0x9e3779b1);
  return h ^ (h >>> 16);
}
