// `hardtop check --format json --no-network`: wall time from spawn to exit on
// this machine and on fixture sysroots, and, from the report's per-check
// durationMs, where the time goes on this machine (per area: the sum of its
// checks' times and its slowest check). Checks run 4 at a time, so the sum
// of an area is CPU-and-waiting time, not a share of the wall time.

import * as path from 'node:path';
import type { BenchConfig } from '../lib/config';
import type { Figure } from '../lib/figures';
import { median, runCommand } from '../lib/measure';
import { hardtopBin } from '../lib/build';
import { repo } from './dashboard';

const FIXTURES = ['deb12-auto-off', 'ssh-weak', 'f2b-stock', 'rkh-warnings', 'tls-weak'];

interface ReportCheck {
  id: string;
  area: string;
  status: string;
  durationMs?: number;
}

export interface CheckRun {
  wallMs: number;
  checks: ReportCheck[];
}

/**
 * One `hardtop check` run; throws when the output is not a report (a usage or
 * internal error). `wrap` is a command prefix (e.g. an unshare that bind-mounts
 * a config over /etc in a private namespace); it is timed with hardtop.
 */
export async function hardtopCheck(args: readonly string[], wrap: readonly string[] = []): Promise<CheckRun> {
  const argv = [...wrap, process.execPath, hardtopBin(), 'check', '--format', 'json', ...args];
  const r = await runCommand(argv[0], argv.slice(1), { timeoutMs: 120_000 });
  // Exit 1 only means a check failed; 2 and 3 are usage and internal errors.
  if (r.code !== 0 && r.code !== 1) throw new Error(`hardtop check ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`);
  const report = JSON.parse(r.stdout) as { checks: ReportCheck[] };
  return { wallMs: r.wallMs, checks: report.checks };
}

const RKHUNTER_NOTE =
  'rkhunter.config runs `rkhunter -C` (~1.4 s alone on an idle 2-core VM, 2.5–3 s when the machine is busy): /usr/bin/rkhunter is a 21,646-line bash script, and -C validates every option with grep|tr|sed|cut pipelines and looks up each command it may use — ~850 short-lived processes, i.e. fork/exec cost, not I/O';

export async function benchCheck(cfg: BenchConfig): Promise<Figure[]> {
  const figures: Figure[] = [];
  const scopes = [{ label: 'this machine', args: [] as string[] }, ...FIXTURES.map((f) => ({ label: `fixture ${f}`, args: ['--root', path.join(repo, 'test/fixtures/roots', f)] }))];
  let hostRuns: CheckRun[] = [];
  for (const scope of scopes) {
    const runs: CheckRun[] = [];
    for (let i = 0; i < cfg.runs; i++) runs.push(await hardtopCheck(['--no-network', ...scope.args]));
    if (scope.label === 'this machine') hostRuns = runs;
    const walls = runs.map((r) => r.wallMs);
    figures.push({ section: 'check', name: '`check --format json --no-network` wall', scope: scope.label, value: median(walls), unit: 'ms', target: { op: '<=', value: 1500 }, samples: walls });
  }
  figures.push(...areaFigures(hostRuns));
  return figures;
}

/** Per area on this machine: median over runs of Σ durationMs, with the slowest check named. */
export function areaFigures(runs: readonly CheckRun[]): Figure[] {
  if (runs.length === 0) return [];
  const areas = [...new Set(runs[0].checks.map((c) => c.area))];
  return areas.map((area) => {
    const sums = runs.map((r) => r.checks.filter((c) => c.area === area).reduce((s, c) => s + (c.durationMs ?? 0), 0));
    const byCheck = new Map<string, number[]>();
    for (const r of runs) for (const c of r.checks) if (c.area === area) byCheck.set(c.id, [...(byCheck.get(c.id) ?? []), c.durationMs ?? 0]);
    const slowest = [...byCheck.entries()].map(([id, ds]) => [id, median(ds)] as const).sort((a, b) => b[1] - a[1])[0];
    const n = byCheck.size;
    let note = `${n} checks; slowest ${slowest[0]} ${Math.round(slowest[1])} ms`;
    if (area === 'rkhunter') note += `. ${RKHUNTER_NOTE}`;
    return { section: 'check areas', name: `${area}: Σ per-check durationMs`, scope: 'this machine', value: median(sums), unit: 'ms' as const, samples: sums, note };
  });
}
