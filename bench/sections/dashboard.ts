// The dashboard, as an admin starts it: the real binary (the bench's own
// build, lib/build.ts) in a pty, its screen read through @xterm/headless (test/helpers/tui.ts).
//
// - first full frame: every panel title and the key bar are on screen;
// - all local panels populated: no "checking…" row and no running count
//   ("…N") in a panel title, the header has the host facts and the score.
//   Runs use --no-network, so every panel is a local one.
// - idle: once populated, CPU over a window from /proc/PID/stat (the process
//   and the children it reaped: rkhunter -C, apt, sshd -T re-runs count), and
//   VmRSS at a fixed time after start.
//
// The terminal is 160×50 so every row of every panel fits: a "checking…"
// row pushed out of a small panel would otherwise be invisible.

import * as path from 'node:path';
import { AREA_TITLES } from '../../screens/view-model';
import { AREAS } from '../../src/core/types';
import { startTui, type Tui } from '../../test/helpers/tui';
import { hardtopBin } from '../lib/build';
import type { BenchConfig } from '../lib/config';
import type { Figure } from '../lib/figures';
import { CLOCK_TICKS_PER_SECOND, median, nowMs, procSample, sleep } from '../lib/measure';
import { quit, waitUntil } from '../lib/screen';

export const repo = path.resolve(__dirname, '../..');

export interface Scope {
  label: string;
  args: string[];
}

export const DASHBOARD_SCOPES: readonly Scope[] = [
  { label: 'this machine', args: [] },
  { label: 'fixture deb12-auto-off', args: ['--root', path.join(repo, 'test/fixtures/roots/deb12-auto-off')] },
];

const TITLES = AREAS.map((a) => AREA_TITLES[a]);
const KEY_BAR = '? help';

export function fullFrame(screen: string): boolean {
  return TITLES.every((t) => screen.includes(t)) && screen.includes(KEY_BAR);
}

function populated(screen: string): boolean {
  return fullFrame(screen) && !screen.includes('checking…') && !/…\d+ ─/.test(screen) && !screen.includes('reading host…') && !screen.includes('score …');
}

function start(scope: Scope): { tui: Tui; t0: number } {
  const t0 = nowMs();
  const tui = startTui({ cmd: process.execPath, args: [hardtopBin(), ...scope.args, '--no-network'], cols: 160, rows: 50, env: { TERM: 'xterm-256color' } });
  return { tui, t0 };
}

export async function benchDashboardStart(cfg: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const scope of DASHBOARD_SCOPES) {
    const first: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < cfg.runs; i++) {
      const { tui, t0 } = start(scope);
      try {
        await waitUntil(tui, fullFrame, 'full frame', 30_000);
        first.push(nowMs() - t0);
        await waitUntil(tui, populated, 'populated panels', 60_000);
        all.push(nowMs() - t0);
      } finally {
        await quit(tui);
      }
    }
    figures.push(
      { section: 'dashboard', name: 'cold start → first full frame', scope: scope.label, value: median(first), unit: 'ms', target: { op: '<=', value: 300 }, samples: first },
      { section: 'dashboard', name: 'cold start → all local panels populated', scope: scope.label, value: median(all), unit: 'ms', target: { op: '<=', value: 1000 }, samples: all },
    );
  }
  return figures;
}

export async function benchDashboardIdle(cfg: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const scope of DASHBOARD_SCOPES) {
    const { tui, t0 } = start(scope);
    try {
      await waitUntil(tui, populated, 'populated panels', 60_000);
      const before = procSample(tui.pid);
      const w0 = nowMs();
      await sleep(cfg.idleSeconds * 1000);
      const after = procSample(tui.pid);
      const windowS = (nowMs() - w0) / 1000;
      const cpu = before && after ? ((after.cpuTicks - before.cpuTicks) / CLOCK_TICKS_PER_SECOND / windowS) * 100 : NaN;
      const untilRss = t0 + cfg.rssAfterSeconds * 1000 - nowMs();
      if (untilRss > 0) await sleep(untilRss);
      const rss = procSample(tui.pid);
      const at = Math.round((nowMs() - t0) / 1000);
      figures.push(
        {
          section: 'idle',
          name: `idle CPU over ${cfg.idleSeconds} s`,
          scope: scope.label,
          value: cpu,
          unit: '%',
          target: { op: '<=', value: 1 },
          note: 'one core = 100 %; from /proc/PID/stat utime+stime+cutime+cstime after every panel is populated (re-runs on interval and file changes included)',
        },
        {
          section: 'idle',
          name: `RSS after ${at} s`,
          scope: scope.label,
          value: rss ? rss.rssKiB / 1024 : NaN,
          unit: 'MiB',
          target: { op: '<=', value: 150 },
          note: rss ? `VmRSS; peak (VmHWM) ${(rss.peakRssKiB / 1024).toFixed(1)} MiB` : 'process gone',
        },
      );
    } finally {
      await quit(tui);
    }
  }
  return figures;
}
