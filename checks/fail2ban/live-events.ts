// What the live view keeps of fail2ban's log, pure and bounded: lines go in
// (any number), and memory stays fixed by the limits:
//   - the last `eventRing` events;
//   - per jail, bans and failures per minute for the last `minutes` minutes,
//     for at most `maxJails` jails (a log naming more, say a hostile one,
//     counts the rest under "(other)");
//   - failures and bans per address in a bounded top-k map.
// Times come from the lines (the server's local time); `nowMs` is passed in.

import { EventRing, MinuteCounts, TopCounts } from '../../src/core/event-ring';
import type { LiveEvent, Offender } from '../../src/core/fail2ban-live';
import { formatLocalTime, localTimeMs, parseLogLine } from '../../src/parse/fail2ban-log';

export interface LiveEventLimits {
  eventRing: number;
  trackedAddresses: number;
  maxJails: number;
  sparklineMinutes: number;
}

/** Longest jail name or address we keep; fail2ban's are far shorter. */
const MAX_FIELD = 64;
export const OTHER_JAILS = '(other)';

const FAILURES = 0;
const BANS = 1;

interface JailCounts {
  bans: MinuteCounts;
  failures: MinuteCounts;
}

/**
 * A string that shares no memory with the chunk it was cut from. V8 keeps a
 * slice or regex group of 13 characters or more as a "sliced string" that
 * pins its whole parent: an address kept in the offenders map or a time kept
 * in the event ring would keep a 256 KiB read chunk alive each (measured by
 * the bench: 88 MiB peak for a 200 MB log). Shorter ones are copies already.
 */
function ownCopy(s: string): string {
  return s.length < SLICED_MIN ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** V8's shortest sliced string (SlicedString::kMinLength): shorter substrings are copies. */
const SLICED_MIN = 13;
/** Distinct owned addresses and jail names kept for reuse (≈ 64 bytes each). */
const OWNED_MAX = 8192;

/** An event as held in the ring: `time` null when it is timeMs formatted (the usual case). */
type HeldEvent = Omit<LiveEvent, 'time'> & { time: string | null };

export class LiveEvents {
  private readonly ring: EventRing<HeldEvent>;
  private readonly perJail = new Map<string, JailCounts>();
  private readonly offenders: TopCounts<string>;
  linesSeen = 0;
  /** Ban, Unban and Restore Ban lines seen: the only ones that change the server's ban lists. */
  banChanges = 0;
  /** The newest of those lines' times (epoch ms), -Infinity before one. */
  lastBanChangeMs = -Infinity;

  constructor(private readonly limits: LiveEventLimits) {
    this.ring = new EventRing(limits.eventRing);
    this.offenders = new TopCounts(limits.trackedAddresses, 2);
  }

  /** Whole lines (as Host.readFrom returns them). Returns how many were events. */
  feedText(text: string, nowMs: number): number {
    let events = 0;
    let start = 0;
    // indexOf instead of split: no array of a chunk's lines is built.
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (end > start && this.feedLine(text.slice(start, end), nowMs)) events++;
      start = end + 1;
    }
    return events;
  }

  feedLine(line: string, nowMs: number): boolean {
    this.linesSeen++;
    // Every fail2ban line starts with a date; anything else (a cut line, NULs
    // of a sparse file) is not worth a regex.
    const c = line.charCodeAt(0);
    if (!(c >= 0x30 && c <= 0x39)) return false;
    const parsed = parseLogLine(line.length > 4096 ? line.slice(0, 4096) : line);
    if (!parsed) return false;
    const at = localTimeMs(parsed.time);
    const event: HeldEvent = {
      // The text is formatted again from timeMs when shown (events()): no copy per line.
      time: at === null ? ownCopy(parsed.time) : null,
      timeMs: at ?? nowMs,
      jail: this.own(parsed.jail.slice(0, MAX_FIELD)),
      kind: parsed.kind,
      ip: this.own(parsed.ip.slice(0, MAX_FIELD)),
    };
    this.ring.push(event);
    if (event.kind === 'Ban' || event.kind === 'Unban' || event.kind === 'Restore Ban') {
      this.banChanges++;
      if (event.timeMs > this.lastBanChangeMs) this.lastBanChangeMs = event.timeMs;
    }
    if (event.kind === 'Found' || event.kind === 'Ban') {
      const counts = this.countsFor(event.jail);
      // Bans up to the database read are already counted from it (seedBans).
      if (event.kind === 'Ban') {
        if (event.timeMs > this.bansCountedUntilMs) counts.bans.add(event.timeMs, nowMs);
      }
      else counts.failures.add(event.timeMs, nowMs);
      this.offenders.add(event.ip, event.kind === 'Ban' ? BANS : FAILURES);
    }
    return true;
  }

  /**
   * Bans per minute from fail2ban's database (the bans table), counted up to
   * `untilMs` (when it was read): Ban lines of the log stamped at or before
   * it are then not counted again. The log's seconds are truncated, so a
   * ban in the very second of the read can be counted once too few; never
   * twice.
   */
  seedBans(rows: ReadonlyArray<{ jail: string; minute: number; bans: number }>, untilMs: number, nowMs: number): void {
    for (const r of rows) this.countsFor(r.jail.slice(0, MAX_FIELD)).bans.add(r.minute * 60_000, nowMs, r.bans);
    this.bansCountedUntilMs = Math.max(this.bansCountedUntilMs, untilMs);
  }

  private bansCountedUntilMs = -Infinity;

  /**
   * `s` as a string of its own (ownCopy), shared by every event that names it:
   * addresses repeat (an attacker tries many times), so most lines find their
   * copy here instead of paying for a new one. Bounded: emptied when full.
   */
  private own(s: string): string {
    if (s.length < SLICED_MIN) return s;
    const held = this.owned.get(s);
    if (held !== undefined) return held;
    if (this.owned.size >= OWNED_MAX) this.owned.clear();
    const copy = ownCopy(s);
    this.owned.set(copy, copy);
    return copy;
  }

  private readonly owned = new Map<string, string>();

  private countsFor(jail: string): JailCounts {
    let counts = this.perJail.get(jail);
    if (counts) return counts;
    const key = this.perJail.size >= this.limits.maxJails ? OTHER_JAILS : jail;
    counts = this.perJail.get(key);
    if (!counts) {
      counts = { bans: new MinuteCounts(this.limits.sparklineMinutes), failures: new MinuteCounts(this.limits.sparklineMinutes) };
      this.perJail.set(key, counts);
    }
    return counts;
  }

  /** Newest first. */
  events(n: number): LiveEvent[] {
    return this.ring.newest(n).map((e) => ({ ...e, time: e.time ?? formatLocalTime(e.timeMs) }));
  }

  get eventsTotal(): number {
    return this.ring.total;
  }

  /** Jails seen in the log, in the order first seen. */
  jails(): string[] {
    return [...this.perJail.keys()];
  }

  bansPerMinute(jail: string, nowMs: number): number[] {
    return this.perJail.get(jail)?.bans.series(nowMs) ?? new Array<number>(this.limits.sparklineMinutes).fill(0);
  }

  failuresPerMinute(jail: string, nowMs: number): number[] {
    return this.perJail.get(jail)?.failures.series(nowMs) ?? new Array<number>(this.limits.sparklineMinutes).fill(0);
  }

  top(k: number): Offender[] {
    return this.offenders.top(k).map((e) => ({ ip: e.key, failures: e.counts[FAILURES], bans: e.counts[BANS] }));
  }

  get offendersPartial(): boolean {
    return this.offenders.forgotten > 0;
  }

  /** How many addresses and jails are held now (for the memory tests). */
  get held(): { events: number; addresses: number; jails: number } {
    return { events: this.ring.size, addresses: this.offenders.size, jails: this.perJail.size };
  }
}
