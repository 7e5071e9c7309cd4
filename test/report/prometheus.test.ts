// `check --format prom` read by a REAL prometheus-node-exporter (textfile
// collector) on 127.0.0.1: what a Prometheus server scrapes carries
// hardtop_score and one hardtop_check_status per check of the report, and
// the collector reports no error for our file.

import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatProm } from '../../src/core/report';
import { promValue } from '../../src/core/score';
import type { Report } from '../../src/core/types';
import { NODE_EXPORTER, parseSamples, startNodeExporter, type Sample } from '../helpers/node-exporter';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const roots = path.join(repo, 'test/fixtures/roots');

function hardtop(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-prom-'));
  // node-exporter runs as us here, but keep the directory readable as the
  // Debian service user would need it.
  fs.chmodSync(dir, 0o755);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function exporterOn(t: { teardown(fn: () => void | Promise<void>): void }, dir: string) {
  const exporter = await startNodeExporter(dir);
  t.teardown(() => exporter.stop());
  return exporter;
}

const named = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);

test('the node exporter is installed (Debian package prometheus-node-exporter)', (t) => {
  t.truthy(NODE_EXPORTER);
});

// Fixtures picked for variety: failures, per-object items (tls), errors (malformed configs).
for (const fixture of ['deb12-auto-off', 'tls-weak', 'ssh-malformed', 'f2b-stock']) {
  test(`node-exporter serves hardtop's metrics without a scrape error: ${fixture}`, async (t) => {
    const dir = tempDir(t);
    const root = path.join(roots, fixture);
    const out = path.join(dir, 'hardtop.prom');
    const prom = await hardtop(['check', '--format', 'prom', '--output', out, '--root', root, '--no-network']);
    t.true(prom.code === 0 || prom.code === 1, prom.stderr);
    t.is(prom.stdout, '');
    const json = await hardtop(['check', '--format', 'json', '--root', root, '--no-network']);
    const report = JSON.parse(json.stdout) as Report;

    const exporter = await exporterOn(t, dir);
    const samples = parseSamples(await exporter.metrics());

    const scrapeError = named(samples, 'node_textfile_scrape_error');
    t.deepEqual(scrapeError.map((s) => s.value), ['0'], 'the textfile collector read our file without error');
    t.true(named(samples, 'node_textfile_mtime_seconds').some((s) => s.labels.file?.endsWith('hardtop.prom')), 'our file was read');

    const score = named(samples, 'hardtop_score');
    t.is(score.length, 1);
    t.is(Number(score[0].value), report.summary.score);

    const status = named(samples, 'hardtop_check_status');
    t.is(status.length, report.checks.length, 'one series per check');
    const byId = new Map(status.map((s) => [s.labels.id, s]));
    for (const c of report.checks) {
      const s = byId.get(c.id);
      if (!s) {
        t.fail(`no hardtop_check_status for ${c.id}`);
        continue;
      }
      t.is(s.labels.area, c.area, c.id);
      t.is(s.labels.severity, c.severity, c.id);
      t.is(Number(s.value), promValue(c.status), c.id);
    }
    t.is(named(samples, 'hardtop_last_run_timestamp_seconds').length, 1);
    t.true(named(samples, 'hardtop_check_duration_seconds').length > 0);
  });
}

test('label values with quotes, backslashes and line breaks are escaped as the exporter expects', async (t) => {
  const dir = tempDir(t);
  const nasty = 'web.x"y\\z\nnext\x1b[2J';
  const report = {
    schema: 'hardtop.report/1',
    tool: { name: 'hardtop', version: '0.1.0' },
    host: { hostname: 'h', os: 'o', kernel: 'k', root: '/' },
    startedAt: '2026-11-28T18:00:00.000Z',
    durationMs: 5,
    summary: { pass: 0, warn: 1, fail: 0, info: 0, error: 0, skip: 0, score: 50 },
    checks: [{ id: nasty, area: 'web', title: 't', status: 'warn', severity: 'low', summary: 's', evidence: [], fixes: [], durationMs: 1 }],
  } as unknown as Report;
  fs.writeFileSync(path.join(dir, 'hardtop.prom'), formatProm(report));
  const exporter = await exporterOn(t, dir);
  const samples = parseSamples(await exporter.metrics());
  t.deepEqual(named(samples, 'node_textfile_scrape_error').map((s) => s.value), ['0']);
  const status = named(samples, 'hardtop_check_status');
  t.is(status.length, 1);
  // The escape sequence is gone (sanitised), the rest survives the round trip.
  t.is(status[0].labels.id, 'web.x"y\\z\nnext');
  t.is(status[0].value, '1');
});

test('the scrape-error assertion can fail: a broken file makes node_textfile_scrape_error 1', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'hardtop.prom'), 'hardtop_score{ 12\n');
  const exporter = await exporterOn(t, dir);
  const samples = parseSamples(await exporter.metrics());
  t.deepEqual(named(samples, 'node_textfile_scrape_error').map((s) => s.value), ['1']);
  t.is(named(samples, 'hardtop_score').length, 0);
});
