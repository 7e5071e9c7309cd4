// One owner of time: decides when each check runs. A check re-runs when a
// watched file changes (debounced) or when its interval passes; two runs of
// one check never overlap (a trigger during a run queues exactly one re-run).

import type { Disposable, Host } from '../host/host';
import { runCheck } from './run-check';
import type { Check, Finding } from './types';

export interface SchedulerOptions {
  network: boolean;
  /** Debounce for file-change bursts (an editor writes a file in several steps). */
  debounceMs?: number;
  /** How many checks may run at once (the first frame must not wait for slow ones). */
  concurrency?: number;
  now?: () => Date;
  /** Live mode watches files and re-runs on intervals; one-shot mode does neither. */
  live?: boolean;
}

export type SchedulerEvent =
  | { type: 'started'; id: string }
  | { type: 'finished'; finding: Finding }
  | { type: 'idle' };

export class Scheduler implements Disposable {
  readonly results = new Map<string, Finding>();
  readonly running = new Set<string>();
  private readonly rerunWanted = new Set<string>();
  private readonly queue: Check[] = [];
  private readonly listeners = new Set<(e: SchedulerEvent) => void>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: Disposable[] = [];
  private readonly byId: Map<string, Check>;
  private active = 0;
  private disposed = false;
  private readonly abort = new AbortController();

  constructor(
    readonly checks: readonly Check[],
    private readonly host: Host,
    private readonly opts: SchedulerOptions,
  ) {
    this.byId = new Map(checks.map((c) => [c.id, c]));
  }

  on(listener: (e: SchedulerEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Run every check once; in live mode also start watching and interval timers. */
  start(): void {
    // Slow checks first: with a bounded number running at once, a slow one
    // started last would be the whole run's tail.
    for (const check of [...this.checks].sort((a, b) => Number(!!b.slow) - Number(!!a.slow))) this.trigger(check.id);
    if (!this.opts.live) return;
    for (const check of this.checks) {
      if (check.watch?.length) {
        this.disposables.push(this.host.watch(check.watch, () => this.debounced(check.id)));
      }
    }
  }

  /** Resolves when nothing is running or queued. */
  async idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      const d = this.on((e) => {
        if (e.type === 'idle') {
          d.dispose();
          resolve();
        }
      });
    });
  }

  /** Re-run one check (or all) now, e.g. the `r` key. */
  refresh(id?: string): void {
    for (const check of id ? [this.byId.get(id)].filter((c): c is Check => !!c) : this.checks) this.trigger(check.id);
  }

  dispose(): void {
    this.disposed = true;
    this.abort.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.listeners.clear();
  }

  private debounced(id: string): void {
    const key = `debounce:${id}`;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.trigger(id);
      }, this.opts.debounceMs ?? 250),
    );
  }

  private trigger(id: string): void {
    const check = this.byId.get(id);
    if (!check || this.disposed) return;
    if (this.running.has(id) || this.queue.includes(check)) {
      this.rerunWanted.add(id);
      return;
    }
    this.queue.push(check);
    this.pump();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 4;
    while (!this.disposed && this.active < limit && this.queue.length) {
      const check = this.queue.shift()!;
      this.active++;
      this.running.add(check.id);
      this.emit({ type: 'started', id: check.id });
      void this.runOne(check);
    }
  }

  private async runOne(check: Check): Promise<void> {
    const finding = await runCheck(check, this.host, {
      now: this.opts.now?.() ?? new Date(),
      network: this.opts.network,
      signal: this.abort.signal,
    });
    this.active--;
    this.running.delete(check.id);
    if (this.disposed) return;
    this.results.set(check.id, finding);
    this.emit({ type: 'finished', finding });
    if (this.rerunWanted.delete(check.id)) this.trigger(check.id);
    else if (this.opts.live && check.interval) this.scheduleInterval(check);
    this.pump();
    if (this.active === 0 && this.queue.length === 0) this.emit({ type: 'idle' });
  }

  private scheduleInterval(check: Check): void {
    const key = `interval:${check.id}`;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.trigger(check.id);
    }, check.interval! * 1000);
    t.unref?.();
    this.timers.set(key, t);
  }

  private emit(e: SchedulerEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
