// The running server's counters and ban lists for the live view:
// `fail2ban-client status` for the jails, then `status <jail>` for each.
// Each round runs the (Python) client once, then once per jail, so rounds are spent
// where they tell something: soon after the log shows activity (`nudge`,
// at most one round per `minGapMs`), at once when asked (`refresh`, after a
// ban or an unban), and otherwise every `idleMs` (a quiet server, or changes
// the log does not show). One round at a time, never overlapping. Every call
// has the client timeout (server.ts): a hung server costs a round, never the
// dashboard.

import type { BannedAddress, JailCounters } from '../../src/core/fail2ban-live';
import type { Disposable, Host } from '../../src/host/host';
import { parseIPv4 } from '../../src/parse/fail2ban-ipaddr';
import { thrownMessage } from '../updates/finding';
import { describeAnswer, jailStatus, liveJails, type ServerSettingsLoad } from './server';

export interface ServerView {
  state: 'starting' | 'up' | 'down' | 'error';
  text: string;
  /** Running jails in the server's order, with their counters (or why not). */
  jails: { jail: string; counters: JailCounters | null; error?: string }[];
  bans: readonly BannedAddress[];
  bansVersion: number;
  at: number | null;
}

/** Sort key: IPv4 by number (so .9 comes before .10), anything else after, as text. */
function addressKey(address: string): string {
  const v4 = parseIPv4(address.split('/')[0]);
  return v4 !== null ? `0${v4.toString(16).padStart(8, '0')}${address}` : `1${address}`;
}

function sameBans(a: readonly BannedAddress[], b: readonly BannedAddress[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].jail !== b[i].jail || a[i].address !== b[i].address) return false;
  return true;
}

export interface PollTiming {
  /** Between rounds when nothing happens. */
  idleMs: number;
  /** The shortest gap between two rounds asked for by log activity. */
  minGapMs: number;
}

export class StatusPoller implements Disposable {
  readonly view: ServerView = { state: 'starting', text: 'asking the server…', jails: [], bans: [], bansVersion: 0, at: null };
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private running = false;
  /** refresh() during a round: another round right after it. */
  private again = false;
  /** nudge() during a round: another round a gap after it. */
  private nudged = false;
  private lastEnd = 0;
  /** When the last round began (epoch ms, the host's clock), 0 before the first. */
  lastStartMs = 0;
  private disposed = false;
  private readonly abort = new AbortController();
  private readonly sortCache = new Map<string, { raw: string[]; sorted: string[] }>();
  /** Rounds run so far (tests, bench). */
  rounds = 0;

  constructor(
    private readonly host: Host,
    private readonly settings: ServerSettingsLoad,
    private readonly timing: PollTiming,
    private readonly onUpdate: () => void,
  ) {}

  start(): void {
    this.refresh();
  }

  /** A round now (or right after the one in flight). */
  refresh(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.running = true;
    this.lastStartMs = this.host.now().getTime();
    void this.round().finally(() => {
      this.running = false;
      this.rounds++;
      this.lastEnd = Date.now();
      if (this.disposed) return;
      if (this.again) {
        this.again = false;
        this.nudged = false;
        this.refresh();
        return;
      }
      this.schedule(this.lastEnd + (this.nudged ? this.timing.minGapMs : this.timing.idleMs));
      this.nudged = false;
    });
  }

  /** The log shows activity: a round soon, but not sooner than minGapMs after the last one. */
  nudge(): void {
    if (this.disposed) return;
    if (this.running) {
      this.nudged = true;
      return;
    }
    this.schedule(Math.max(Date.now(), this.lastEnd + this.timing.minGapMs));
  }

  /** Keep the earliest of the round already planned and this one. */
  private schedule(at: number): void {
    if (this.timer && this.timerDue <= at) return;
    this.clearTimer();
    this.timerDue = at;
    this.timer = setTimeout(() => this.refresh(), Math.max(0, at - Date.now()));
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
  }

  /** Resolves when no round is in flight (tests). */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }

  private async round(): Promise<void> {
    try {
      const signal = this.abort.signal;
      const live = await liveJails(this.host, this.settings, signal);
      if (this.disposed) return;
      if (live.kind === 'unknown') return this.set('error', live.summary, [], []);
      if (live.kind === 'not-up') return this.set(live.answer.kind === 'down' ? 'down' : 'error', `fail2ban ${describeAnswer(live.answer)}`, [], []);
      const jails: ServerView['jails'] = [];
      const bans: BannedAddress[] = [];
      for (const jail of [...this.sortCache.keys()]) if (!live.jails.includes(jail)) this.sortCache.delete(jail);
      for (const jail of live.jails) {
        const st = await jailStatus(this.host, live.socket, jail, signal);
        if (this.disposed) return;
        if (st.kind !== 'ok') {
          jails.push({ jail, counters: null, error: st.kind === 'timeout' ? 'no answer (timed out)' : describeAnswer(st) });
          continue;
        }
        const s = st.status;
        jails.push({ jail, counters: { currentlyFailed: s.currentlyFailed, totalFailed: s.totalFailed, currentlyBanned: s.currentlyBanned, totalBanned: s.totalBanned } });
        for (const address of this.sorted(jail, s.bannedIps)) bans.push({ jail, address });
      }
      this.set('up', `fail2ban answers on ${live.socket}: ${live.jails.length} jail${live.jails.length === 1 ? '' : 's'}`, jails, bans);
    } catch (err) {
      // Never: the calls above report, not throw. Said plainly if it happens.
      if (!this.disposed) this.set('error', `status failed: ${thrownMessage(err)}`, [], []);
    }
  }

  /** A jail's addresses in display order; sorted again only when the server's list changed (100,000 is normal). */
  private sorted(jail: string, raw: string[]): string[] {
    const cached = this.sortCache.get(jail);
    if (cached && cached.raw.length === raw.length && cached.raw.every((a, i) => a === raw[i])) return cached.sorted;
    const keyed = raw.map((address) => ({ key: addressKey(address), address }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const sorted = keyed.map((k) => k.address);
    this.sortCache.set(jail, { raw, sorted });
    return sorted;
  }

  private set(state: ServerView['state'], text: string, jails: ServerView['jails'], bans: BannedAddress[]): void {
    const v = this.view;
    v.state = state;
    v.text = text;
    v.jails = jails;
    if (!sameBans(v.bans, bans)) {
      v.bans = bans;
      v.bansVersion++;
    }
    v.at = this.host.now().getTime();
    this.onUpdate();
  }

  dispose(): void {
    this.disposed = true;
    this.abort.abort();
    this.clearTimer();
  }
}
