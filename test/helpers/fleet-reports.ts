// Generated fleets for the fleet-view tests: N reports built with the real
// report builder from the real check catalogue (ids, areas, titles,
// severities), with statuses drawn from a seeded PRNG so every run makes the
// same fleet. Written as plain JSON reports or as ansible --tree files.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { buildReport, formatJson } from '../../src/core/report';
import type { Finding, Report, Status } from '../../src/core/types';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hostName(i: number): string {
  return `host-${String(i).padStart(4, '0')}`;
}

/** One host's report: `health` in [0,1] is the chance that a check passes. */
export function generateReport(name: string, health: number, random: () => number): Report {
  const findings: Finding[] = catalog.checks.map((c) => {
    const r = random();
    const status: Status = r < health ? 'pass' : r < health + (1 - health) * 0.4 ? 'warn' : r < health + (1 - health) * 0.9 ? 'fail' : r < health + (1 - health) * 0.95 ? 'error' : 'skip';
    return {
      id: c.id,
      area: c.area,
      title: c.title,
      status,
      severity: c.severity,
      summary: `${c.id} is ${status} on ${name}`,
      evidence: status === 'pass' ? [] : [{ file: `/etc/${c.area}/config`, line: 1 + Math.floor(random() * 200), text: `${c.id} setting` }],
      fixes: status === 'fail' ? [`${c.area}.harden`] : [],
      durationMs: Math.floor(random() * 20),
    };
  });
  return buildReport({
    version: '0.1.0',
    host: { hostname: name, os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-26-amd64', root: '/' },
    startedAt: new Date(Date.UTC(2026, 10, 28, 18, 0, 0)),
    durationMs: 400 + Math.floor(random() * 100),
    findings,
  });
}

export function generateFleet(n: number, seed = 9): Report[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i) => generateReport(hostName(i + 1), 0.3 + 0.7 * random(), random));
}

/** The file ansible --tree writes for a `command` task that ran hardtop check. */
export function ansibleTreeFile(reportJson: string, rc: number): string {
  return JSON.stringify({
    changed: true,
    cmd: ['hardtop', 'check', '--format', 'json'],
    delta: '0:00:00.412000',
    end: '2026-11-28 18:00:00.500000',
    msg: rc === 0 ? '' : 'non-zero return code',
    rc,
    start: '2026-11-28 18:00:00.088000',
    stderr: '',
    stderr_lines: [],
    stdout: reportJson.replace(/\n$/, ''),
    stdout_lines: reportJson.replace(/\n$/, '').split('\n'),
  });
}

/** Write reports into dir: `<hostname>.json`, or ansible tree files named after the host. */
export function writeFleet(dir: string, reports: readonly Report[], format: 'report' | 'ansible' = 'report'): void {
  for (const r of reports) {
    const json = formatJson(r);
    if (format === 'report') fs.writeFileSync(path.join(dir, `${r.host.hostname}.json`), json);
    else fs.writeFileSync(path.join(dir, r.host.hostname), ansibleTreeFile(json, r.summary.fail > 0 ? 1 : 0));
  }
}
