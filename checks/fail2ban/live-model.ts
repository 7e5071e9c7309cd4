// The live fail2ban model behind the dashboard's fail2ban view: fail2ban's
// log followed incrementally (live-log.ts) into bounded counters
// (live-events.ts), plus the running server's counters and ban lists
// (live-status.ts). Everything goes through the Host; the screen only gets
// snapshots (src/core/fail2ban-live.ts).
//
// Change notifications are coalesced here (at most one per `notifyMs`), and
// the render scheduler coalesces again: a flood of log lines costs a few
// paints a second, never one per line.

import type { AddressHistory, Fail2banLive, Fail2banLiveSnapshot, JailLive } from '../../src/core/fail2ban-live';
import type { Host } from '../../src/host/host';
import { readAddressHistory, readRecentBans } from './db';
import { LiveEvents } from './live-events';
import { LogFollower } from './live-log';
import { livePolicy, type LivePolicy } from './live-policy';
import { loadServerSettings, type ServerSettingsLoad } from './server';
import { StatusPoller } from './live-status';

/** Past bans of one address shown at most (the newest; the total is counted apart). */
export const HISTORY_BANS = 20;

export interface OpenLiveOptions {
  policy?: LivePolicy;
}

export function openFail2banLive(host: Host, opts: OpenLiveOptions = {}): Fail2banLiveModel {
  const model = new Fail2banLiveModel(host, opts.policy ?? livePolicy);
  model.start();
  return model;
}

export class Fail2banLiveModel implements Fail2banLive {
  readonly events: LiveEvents;
  follower: LogFollower | null = null;
  poller: StatusPoller | null = null;
  private logNote: { path: string | null; state: Fail2banLiveSnapshot['log']['state']; text: string } = { path: null, state: 'starting', text: 'reading fail2ban.conf…' };
  private readonly listeners = new Set<() => void>();
  private notifyTimer: NodeJS.Timeout | null = null;
  private lastNotify = 0;
  private disposed = false;
  /** Resolves once settings are loaded and the follower and poller are started. */
  ready: Promise<void> = Promise.resolve();
  /** fail2ban.conf's settings, read once at start (the database path for history()). */
  private settings: Promise<ServerSettingsLoad> | null = null;
  /** Aborts history reads still running when the view closes. */
  private readonly aborter = new AbortController();

  constructor(
    private readonly host: Host,
    private readonly policy: LivePolicy,
  ) {
    this.events = new LiveEvents(policy);
  }

  start(): void {
    this.ready = this.begin();
  }

  private loadSettings(): Promise<ServerSettingsLoad> {
    this.settings ??= loadServerSettings(this.host).catch(
      (err: unknown): ServerSettingsLoad => ({ kind: 'error', summary: `cannot read fail2ban.conf: ${err instanceof Error ? err.message : String(err)}`, evidence: [] }),
    );
    return this.settings;
  }

  private async begin(): Promise<void> {
    const settings = await this.loadSettings();
    if (this.disposed) return;
    // Without a log to watch, nothing says when to ask: ask on a short fixed interval.
    const logged = settings.kind === 'ok' && settings.settings.logtarget.value.startsWith('/');
    this.poller = new StatusPoller(
      this.host,
      settings,
      { idleMs: logged ? this.policy.statusIdleMs : this.policy.statusMinGapMs * 2, minGapMs: this.policy.statusMinGapMs },
      () => this.changed(),
    );
    this.poller.start();
    if (settings.kind === 'error') {
      this.logNote = { path: null, state: 'error', text: settings.summary };
    } else {
      const target = settings.settings.logtarget.value;
      if (!target.startsWith('/')) {
        this.logNote = { path: null, state: 'elsewhere', text: `fail2ban logs to ${target}, not a file: no live events (logtarget = /var/log/fail2ban.log in fail2ban.local shows them)` };
      } else {
        // The sparkline's last hour from the database first, then the log (which skips bans the database counted).
        await this.seedFromDatabase(settings.settings.dbfile.value);
        if (this.disposed) return;
        this.logNote = { path: target, state: 'starting', text: `opening ${target}` };
        this.follower = new LogFollower(
          this.host,
          target,
          this.policy,
          (text) => {
            // Only a ban or an unban changes the ban lists, which are what a
            // status round costs (a 1.4 MB answer with 100,000 bans): ask the
            // server soon after one; failures alone wait for the idle round
            // (their rate is on screen from the log itself).
            // History read at open (the backfill: with 100,000 bans, 100,000
            // Ban lines) is older than the round that started with the view:
            // that round saw its result already. Log times are whole seconds.
            const before = this.events.banChanges;
            this.events.feedText(text, this.host.now().getTime());
            const poller = this.poller;
            if (poller && this.events.banChanges !== before && this.events.lastBanChangeMs >= poller.lastStartMs - 1000) poller.nudge();
            this.changed();
          },
          () => this.changed(),
        );
        this.follower.start();
      }
    }
    this.changed();
  }

  /** Seeds bans per minute of the last sparklineMinutes from fail2ban's sqlite database (read-only, bounded in time). */
  private async seedFromDatabase(dbfile: string): Promise<void> {
    const now = this.host.now().getTime();
    const since = Math.floor(now / 1000) - this.policy.sparklineMinutes * 60;
    const recent = await readRecentBans(this.host, dbfile, since, this.policy.maxJails * this.policy.sparklineMinutes).catch(() => null);
    // No database, or an unreadable one: the log alone fills the sparkline, as before.
    if (recent?.kind === 'ok') this.events.seedBans(recent.rows, now, now);
  }

  onChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  refresh(): void {
    this.poller?.refresh();
  }

  async history(address: string): Promise<AddressHistory> {
    try {
      const settings = await this.loadSettings();
      if (this.disposed) return { kind: 'error', why: 'the view was closed' };
      if (settings.kind === 'error') return { kind: 'error', why: settings.summary };
      return await readAddressHistory(this.host, settings.settings.dbfile.value, address, HISTORY_BANS, this.aborter.signal);
    } catch (err) {
      return { kind: 'error', why: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Coalesced: at most one notification per notifyMs, the last change never lost. */
  private changed(): void {
    if (this.disposed || this.notifyTimer) return;
    const wait = Math.max(0, this.lastNotify + this.policy.notifyMs - Date.now());
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      this.lastNotify = Date.now();
      for (const l of [...this.listeners]) l();
    }, wait);
  }

  snapshot(): Fail2banLiveSnapshot {
    const now = this.host.now().getTime();
    const server = this.poller?.view;
    const jails: JailLive[] = [];
    const seen = new Set<string>();
    for (const j of server?.jails ?? []) {
      seen.add(j.jail);
      jails.push({
        jail: j.jail,
        running: true,
        counters: j.counters,
        countersError: j.error,
        bansPerMinute: this.events.bansPerMinute(j.jail, now),
        failuresPerMinute: this.events.failuresPerMinute(j.jail, now),
      });
    }
    // Jails only the log knows (the server is down, or they were removed).
    for (const jail of this.events.jails()) {
      if (seen.has(jail)) continue;
      jails.push({ jail, running: false, counters: null, bansPerMinute: this.events.bansPerMinute(jail, now), failuresPerMinute: this.events.failuresPerMinute(jail, now) });
    }
    const f = this.follower?.status;
    const log: Fail2banLiveSnapshot['log'] = f
      ? {
          path: this.logNote.path,
          state: f.state,
          text: f.state === 'starting' ? this.logNote.text : f.message,
          linesRead: f.linesRead,
          bytesRead: f.bytesRead,
          skippedBytes: f.skippedBytes,
          rotations: f.rotations,
        }
      : { ...this.logNote, linesRead: 0, bytesRead: 0, skippedBytes: 0, rotations: 0 };
    return {
      server: server ? { state: server.state, text: server.text } : { state: 'starting', text: 'reading fail2ban.conf…' },
      log,
      jails,
      events: this.events.events(this.policy.eventsShown),
      eventsTotal: this.events.eventsTotal,
      offenders: this.events.top(this.policy.topOffenders),
      offendersPartial: this.events.offendersPartial,
      bans: server?.bans ?? [],
      bansVersion: server?.bansVersion ?? 0,
      statusAt: server?.at ?? null,
    };
  }

  dispose(): void {
    this.disposed = true;
    this.aborter.abort();
    this.follower?.dispose();
    this.poller?.dispose();
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    this.listeners.clear();
  }
}
