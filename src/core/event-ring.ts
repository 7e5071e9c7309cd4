// Bounded memory for live streams (a log growing at 10,000 lines a second):
// whatever comes in, these hold a fixed amount.
//   EventRing     the last N items, newest first on the way out
//   MinuteCounts  counts per minute for the last M minutes (a sparkline)
//   TopCounts     the heaviest keys of an unbounded stream, in a bounded map
// Pure: no clock of their own (callers pass times), no I/O.

/** The last `capacity` items pushed; older ones are overwritten. */
export class EventRing<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  /** Every item ever pushed (not only the ones still held). */
  total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be an integer ≥ 1, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.total++;
  }

  get size(): number {
    return this.count;
  }

  /** Up to `n` items, newest first. */
  newest(n = this.count): T[] {
    const out: T[] = [];
    const take = Math.min(n, this.count);
    for (let i = 1; i <= take; i++) out.push(this.items[(this.next - i + this.capacity) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}

const MINUTE_MS = 60_000;

/**
 * Counts per minute over a sliding window of `minutes` minutes, in a fixed
 * array of buckets: each bucket remembers which minute it holds, so a bucket
 * left over from an older hour reads as zero instead of being cleared by a timer.
 */
export class MinuteCounts {
  private readonly counts: Float64Array;
  private readonly stamps: Float64Array;

  constructor(readonly minutes = 60) {
    if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError(`minutes must be an integer ≥ 1, got ${minutes}`);
    this.counts = new Float64Array(minutes);
    this.stamps = new Float64Array(minutes).fill(-1);
  }

  /**
   * Count one event at `atMs`, seen at `nowMs`. Events older than the window
   * are dropped; events stamped in the future (clock skew between the log
   * writer and us) count in the current minute.
   */
  add(atMs: number, nowMs: number, by = 1): boolean {
    const now = Math.floor(nowMs / MINUTE_MS);
    const minute = Math.min(Math.floor(atMs / MINUTE_MS), now);
    if (!Number.isFinite(minute) || minute <= now - this.minutes) return false;
    const slot = ((minute % this.minutes) + this.minutes) % this.minutes;
    // A newer minute in this slot: the clock went back since; never clobber newer counts with older ones.
    if (this.stamps[slot] > minute) return false;
    if (this.stamps[slot] !== minute) {
      this.stamps[slot] = minute;
      this.counts[slot] = 0;
    }
    this.counts[slot] += by;
    return true;
  }

  /** `minutes` counts, oldest first, the last one the minute of `nowMs`. */
  series(nowMs: number): number[] {
    const now = Math.floor(nowMs / MINUTE_MS);
    const out: number[] = [];
    for (let m = now - this.minutes + 1; m <= now; m++) {
      const slot = ((m % this.minutes) + this.minutes) % this.minutes;
      out.push(this.stamps[slot] === m ? this.counts[slot] : 0);
    }
    return out;
  }

  total(nowMs: number): number {
    return this.series(nowMs).reduce((a, b) => a + b, 0);
  }
}

export interface TopEntry<K> {
  key: K;
  /** One count per field (e.g. failures, bans). */
  counts: number[];
  total: number;
}

/**
 * The keys with the highest counts, from a stream with any number of
 * distinct keys, in a map that never holds more than 2 × capacity entries:
 * when it gets there, it keeps the `capacity` heaviest and forgets the rest.
 *
 * This is lossy counting: a key that is forgotten and comes back starts from
 * zero again, so counts are lower bounds. Keys that keep coming (the real
 * offenders) stay in; a flood of one-off addresses cannot push them out,
 * because a one-off never outweighs them at pruning time. Pruning sorts
 * 2 × capacity entries once per `capacity` new keys: O(log capacity) amortized.
 */
export class TopCounts<K> {
  private readonly map = new Map<K, number[]>();
  /** Keys forgotten by pruning, ever (shown so the admin knows counts are partial). */
  forgotten = 0;

  constructor(
    readonly capacity: number,
    readonly fields = 1,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    if (!Number.isInteger(fields) || fields < 1) throw new RangeError(`fields must be an integer ≥ 1, got ${fields}`);
  }

  add(key: K, field = 0, by = 1): void {
    let counts = this.map.get(key);
    if (!counts) {
      if (this.map.size >= this.capacity * 2) this.prune();
      counts = new Array<number>(this.fields).fill(0);
      this.map.set(key, counts);
    }
    counts[field] += by;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): number[] | undefined {
    return this.map.get(key)?.slice();
  }

  /** The `k` heaviest keys, heaviest first (ties: the key seen first). One pass, no full sort. */
  top(k: number): TopEntry<K>[] {
    const best: TopEntry<K>[] = [];
    if (k < 1) return best;
    for (const [key, counts] of this.map) {
      const total = sum(counts);
      if (best.length === k && total <= best[best.length - 1].total) continue;
      let i = best.length;
      while (i > 0 && best[i - 1].total < total) i--;
      best.splice(i, 0, { key, counts: counts.slice(), total });
      if (best.length > k) best.pop();
    }
    return best;
  }

  private prune(): void {
    const entries = [...this.map].sort((a, b) => sum(b[1]) - sum(a[1]));
    this.map.clear();
    for (const [key, counts] of entries.slice(0, this.capacity)) this.map.set(key, counts);
    this.forgotten += Math.max(0, entries.length - this.capacity);
  }
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
