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
import { localTimeMs, parseLogLine } from '../../src/parse/fail2ban-log';

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

export class LiveEvents {
  private readonly ring: EventRing<LiveEvent>;
  private readonly perJail = new Map<string, JailCounts>();
  private readonly offenders: TopCounts<string>;
  linesSeen = 0;

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
    const event: LiveEvent = {
      time: parsed.time,
      timeMs: localTimeMs(parsed.time) ?? nowMs,
      jail: parsed.jail.slice(0, MAX_FIELD),
      kind: parsed.kind,
      ip: parsed.ip.slice(0, MAX_FIELD),
    };
    this.ring.push(event);
    if (event.kind === 'Found' || event.kind === 'Ban') {
      const counts = this.countsFor(event.jail);
      if (event.kind === 'Ban') counts.bans.add(event.timeMs, nowMs);
      else counts.failures.add(event.timeMs, nowMs);
      this.offenders.add(event.ip, event.kind === 'Ban' ? BANS : FAILURES);
    }
    return true;
  }

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
    return this.ring.newest(n);
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
