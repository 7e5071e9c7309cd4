// `npm run bench`: the speed and memory figures the tests must not assert
// (they would flake on a loaded machine). Prints one line per measurement
// and a JSON summary; numbers are medians over a few runs.
//
// Measured: the dashboard's first frame and time until every check has
// reported (the real binary in a pty, read through @xterm/headless), RSS
// after the first frame, idle CPU over a few seconds, and `hardtop check`
// wall time on this machine and on a fixture root.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTui } from '../test/helpers/tui';

const repo = path.resolve(__dirname, '..');
const bin = path.join(repo, 'bin/hardtop');
const fixtureRoot = path.join(repo, 'test/fixtures/roots/deb12-auto-off');
const RUNS = Number(process.env.HARDTOP_BENCH_RUNS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function procStat(pid: number): { cpuTicks: number; rssKiB: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuTicks, rssKiB };
  } catch {
    return null;
  }
}

async function dashboardRun(root: string[]): Promise<{ firstFrameMs: number; allChecksMs: number; rssMiB: number; idleCpuPct: number }> {
  const t0 = process.hrtime.bigint();
  const tui = startTui({ cmd: process.execPath, args: [bin, ...root, '--no-network'], cols: 120, rows: 40, env: { TERM: 'xterm-256color' } });
  try {
    await tui.waitForText('Web headers', 30_000);
    const firstFrameMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await tui.waitForNoText('checking…', 60_000);
    const allChecksMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const pid = tui.pid;
    const before = procStat(pid);
    const idleSeconds = 3;
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const after = procStat(pid);
    const hz = 100; // USER_HZ on Linux
    const idleCpuPct = before && after ? ((after.cpuTicks - before.cpuTicks) / hz / idleSeconds) * 100 : NaN;
    tui.press('q');
    await tui.exited;
    return { firstFrameMs, allChecksMs, rssMiB: (after?.rssKiB ?? 0) / 1024, idleCpuPct };
  } finally {
    tui.dispose();
  }
}

function checkRun(args: string[]): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-network', ...args], { encoding: 'utf8' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const results: Record<string, number> = {};
  for (const [label, root] of [['this machine', []], ['fixture root', ['--root', fixtureRoot]]] as const) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await dashboardRun([...root]));
    const key = label === 'this machine' ? 'host' : 'fixture';
    results[`dashboard.${key}.first_frame_ms`] = median(runs.map((r) => r.firstFrameMs));
    results[`dashboard.${key}.all_checks_ms`] = median(runs.map((r) => r.allChecksMs));
    results[`dashboard.${key}.rss_mib`] = median(runs.map((r) => r.rssMiB));
    results[`dashboard.${key}.idle_cpu_pct`] = median(runs.map((r) => r.idleCpuPct));
    const checks = [];
    for (let i = 0; i < RUNS; i++) checks.push(checkRun([...root]));
    results[`check.${key}.wall_ms`] = median(checks);
  }
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(40)} ${v.toFixed(1)}`);
  console.log(JSON.stringify({ runs: RUNS, node: process.version, results }));
}

void main();
