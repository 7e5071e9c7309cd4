// The dashboard's live fail2ban view (screens/fail2ban-view.ts), when the
// dashboard has one: a REAL fail2ban-server in a temp sysroot
// (test/helpers/fail2ban-server.ts: no firewall, everything in a temp dir),
// a runtime jail "bench" with no action at all holding HARDTOP_BENCH_BANS
// (default 100,000) bans of loopback addresses (127.16.0.0 upwards: bans
// without an action touch nothing, and loopback could not leave the machine
// anyway), and `hardtop --root <that sysroot>` in a pty.
//
// - appended line → on screen: a "Found" line for jail "bench" appended to
//   the server's fail2ban.log, timed until the view shows it;
// - ban list: Enter in the live view (once its counters show every ban)
//   until "banned now: 100,000 addresses" and the rows are drawn;
// - per page: PgDn until the rows shown are the next page's.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFail2banServer, type Fail2banServer } from '../../test/helpers/fail2ban-server';
import { startTui, type Tui } from '../../test/helpers/tui';
import type { Cleanup } from '../lib/cleanup';
import type { BenchConfig } from '../lib/config';
import type { Figure } from '../lib/figures';
import { CLOCK_TICKS_PER_SECOND, median, nowMs, procSample, sleep } from '../lib/measure';
import { quit, waitUntil } from '../lib/screen';
import { hardtopBin } from '../lib/build';
import { fullFrame, repo } from './dashboard';

const MARKER_NET = '203.0.113.'; // RFC 5737: written to a file only

export function liveViewBuilt(): boolean {
  const dash = path.join(repo, 'screens/dashboard.ts');
  return fs.existsSync(path.join(repo, 'screens/fail2ban-view.ts')) && fs.existsSync(dash) && fs.readFileSync(dash, 'utf8').includes('Fail2banView');
}

function notBuilt(): Figure[] {
  const absent = 'n/a (not built yet)';
  return [
    { section: 'fail2ban view', name: 'appended log line → on screen', scope: 'dashboard', value: null, unit: 'ms', absent, target: { op: '<=', value: 500 } },
    { section: 'ban list', name: 'open with 100,000 addresses', scope: 'dashboard', value: null, unit: 'ms', absent },
    { section: 'ban list', name: 'time per page scrolled', scope: 'dashboard', value: null, unit: 'ms', absent },
  ];
}

const num = (n: number) => n.toLocaleString('en-US');
const address = (i: number) => `127.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

async function banMany(server: Fail2banServer, count: number): Promise<void> {
  for (const args of [['add', 'bench', 'polling'], ['set', 'bench', 'addlogpath', server.authLog], ['set', 'bench', 'ignoreself', 'false'], ['set', 'bench', 'bantime', '86400'], ['start', 'bench']]) {
    const r = await server.client(args);
    if (r.code !== 0) throw new Error(`fail2ban-client ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  const batch = 5000;
  for (let i = 0; i < count; i += batch) {
    const ips: string[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) ips.push(address(j));
    const r = await server.client(['set', 'bench', 'banip', ...ips], 120_000);
    if (r.code !== 0) throw new Error(`fail2ban-client banip: ${r.stderr.trim().slice(0, 200)}`);
  }
}

function logLine(ip: string): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const t = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${t},${p(d.getMilliseconds(), 3)} fail2ban.filter         [4242]: INFO    [bench] Found ${ip} - ${t}\n`;
}

/** The loopback addresses of the ban list's rows on screen, in order. */
function rowsShown(screen: string): string {
  return (screen.match(/\b127\.\d+\.\d+\.\d+\b/g) ?? []).join(' ');
}

export async function benchFail2banLive(cfg: BenchConfig, cleanup: Cleanup): Promise<Figure[]> {
  if (!liveViewBuilt()) return notBuilt();
  const bans = cfg.bans;
  const server = await startFail2banServer(cleanup, { omitJails: ['recidive'] });
  const tBan = nowMs();
  await banMany(server, bans);
  const banSeconds = (nowMs() - tBan) / 1000;

  const tui: Tui = startTui({ cmd: process.execPath, args: [hardtopBin(), '--root', server.root, '--no-network'], cols: 160, rows: 50 });
  const figures: Figure[] = [];
  try {
    await waitUntil(tui, fullFrame, 'full frame', 30_000);
    for (let i = 0; i < 3; i++) tui.key('tab'); // updates → reboot → ssh → fail2ban
    await waitUntil(tui, (s) => s.includes('▶ fail2ban'), 'fail2ban panel focused', 10_000);
    const tOpen = nowMs();
    tui.key('enter');
    await tui.waitForText('newest events', 15_000);
    const openMs = nowMs() - tOpen;
    // Every ban counted: the jail row's "ban now/all" column starts with N/
    // (the column is narrow: "100,000/100,…").
    const bansNow = new RegExp(`^│bench +\\S+ +${num(bans)}/`, 'm');
    await tui.waitForText(bansNow, 60_000);
    const countersMs = nowMs() - tOpen;

    // The open view's own cost: the status poll (every statusIntervalMs) re-reads
    // every banned address from fail2ban-client.
    const idleWindowS = Math.min(cfg.idleSeconds, 15);
    const c0 = procSample(tui.pid);
    await sleep(idleWindowS * 1000);
    const c1 = procSample(tui.pid);
    const viewCpu = c0 && c1 ? ((c1.cpuTicks - c0.cpuTicks) / CLOCK_TICKS_PER_SECOND / idleWindowS) * 100 : NaN;
    figures.push({
      section: 'fail2ban view',
      name: `CPU while open, idle, over ${idleWindowS} s`,
      scope: `${num(bans)} bans`,
      value: viewCpu,
      unit: '%',
      target: { op: '<=', value: 1 },
      note: `the dashboard's idle target applied to the open view; includes fail2ban-client runs (reaped children); RSS ${c1 ? (c1.rssKiB / 1024).toFixed(0) : '?'} MiB`,
    });

    const delays: number[] = [];
    for (let i = 0; i < cfg.runs; i++) {
      const ip = `${MARKER_NET}${10 + i}`;
      // Off the watcher's and poller's rhythm: appends land at different phases.
      await sleep(700 + 137 * i);
      const t0 = nowMs();
      fs.appendFileSync(server.fail2banLog, logLine(ip));
      await tui.waitForText(`Found ${ip}`, 15_000);
      delays.push(nowMs() - t0);
    }
    figures.push({
      section: 'fail2ban view',
      name: 'appended log line → on screen',
      scope: 'live view, real fail2ban-server',
      value: median(delays),
      unit: 'ms',
      target: { op: '<=', value: 500 },
      samples: delays,
      note: `median of ${delays.length}; the view opened in ${Math.round(openMs)} ms and showed the counters of ${num(bans)} bans after ${Math.round(countersMs)} ms`,
    });

    const tList = nowMs();
    tui.key('enter');
    await waitUntil(tui, (s) => /banned now: [\d,]+ address/.test(s) && rowsShown(s) !== '', 'ban list', 30_000);
    const listMs = nowMs() - tList;
    const shown = Number(/banned now: ([\d,]+) address/.exec(tui.screenText())?.[1].replace(/,/g, '') ?? NaN);
    figures.push({
      section: 'ban list',
      name: `open with ${num(bans)} addresses`,
      scope: 'live view, real fail2ban-server',
      value: listMs,
      unit: 'ms',
      note: `no target in the issue; Enter in the live view → rows drawn (bans already read by the view's status poll); banning them in fail2ban took ${banSeconds.toFixed(1)} s${shown === bans ? '' : `; WARNING: the list says ${num(shown)} banned, fail2ban holds ${num(bans)}`}`,
    });

    // The first PgDn only moves the selection to the last visible row (no new
    // rows): make it untimed, so every timed PgDn scrolls a whole page.
    const rawBefore = tui.rawOutput().length;
    tui.key('pagedown');
    await waitUntil(tui, () => tui.rawOutput().length > rawBefore, 'selection moved', 10_000);
    await sleep(300);
    const pages: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = rowsShown(tui.screenText());
      const t0 = nowMs();
      tui.key('pagedown');
      await waitUntil(tui, (s) => rowsShown(s) !== before, 'next page', 10_000);
      pages.push(nowMs() - t0);
    }
    figures.push({ section: 'ban list', name: 'time per page scrolled (PgDn)', scope: `${num(bans)} addresses`, value: median(pages), unit: 'ms', samples: pages, note: 'median of 20 PgDn, each until the next page of rows is drawn' });
  } finally {
    await quit(tui, 'q');
  }
  return figures;
}
