// The real binary, as scripts and monitoring call it (REPORT.md is the contract).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AREAS, SEVERITIES, STATUSES } from '../../src/core/types';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const fixtureRoot = path.join(repo, 'test/fixtures/roots/deb12-auto-off');

function hardtop(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', ...opts.env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('check --format json on a fixture root follows REPORT.md', (t) => {
  const r = hardtop(['check', '--format', 'json', '--root', fixtureRoot]);
  t.true(r.code === 0 || r.code === 1, r.stderr);
  t.is(r.stderr, '');
  const report = JSON.parse(r.stdout);
  t.is(report.schema, 'hardtop.report/1');
  t.deepEqual(report.tool, { name: 'hardtop', version: '0.1.0' });
  t.is(report.host.root, fixtureRoot);
  t.is(typeof report.host.hostname, 'string');
  t.false(Number.isNaN(Date.parse(report.startedAt)));
  t.is(typeof report.durationMs, 'number');
  for (const s of STATUSES) t.is(typeof report.summary[s], 'number');
  t.true(report.summary.score >= 0 && report.summary.score <= 100);
  const ids = new Set<string>();
  for (const c of report.checks) {
    t.false(ids.has(c.id), `duplicate ${c.id}`);
    ids.add(c.id);
    t.true((AREAS as readonly string[]).includes(c.area));
    t.true((STATUSES as readonly string[]).includes(c.status));
    t.true((SEVERITIES as readonly string[]).includes(c.severity));
    t.is(typeof c.summary, 'string');
    t.true(Array.isArray(c.evidence) && Array.isArray(c.fixes));
    for (const e of c.evidence) if (e.file) t.false(e.file.startsWith(fixtureRoot), `evidence path must be a host path: ${e.file}`);
  }
  const counted = STATUSES.reduce((n, s) => n + report.summary[s], 0);
  t.is(counted, report.checks.length);
  // Exit code contract: 1 exactly when some check failed.
  t.is(r.code, report.checks.some((c: { status: string }) => c.status === 'fail') ? 1 : 0);
});

test('check without a terminal defaults to json; prom and text formats work', (t) => {
  t.notThrows(() => JSON.parse(hardtop(['check', '--root', fixtureRoot]).stdout));
  const prom = hardtop(['check', '--format', 'prom', '--root', fixtureRoot]).stdout;
  t.regex(prom, /^# HELP hardtop_score /m);
  t.regex(prom, /^hardtop_score \d+/m);
  const text = hardtop(['check', '--format', 'text', '--root', fixtureRoot]).stdout;
  t.regex(text, /score/);
  t.false(text.includes('\x1b'), 'no colour when NO_COLOR/not a terminal');
});

test('--output writes the report to a file', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-out-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'r.json');
  const r = hardtop(['check', '--format', 'json', '--output', out, '--root', fixtureRoot]);
  t.is(r.stdout, '');
  t.is(JSON.parse(fs.readFileSync(out, 'utf8')).schema, 'hardtop.report/1');
});

test('--only limits the report to the named areas', (t) => {
  const report = JSON.parse(hardtop(['check', '--format', 'json', '--only', 'reboot', '--root', fixtureRoot]).stdout);
  t.true(report.checks.length > 0);
  t.true(report.checks.every((c: { area: string }) => c.area === 'reboot'));
});

const usageErrors: [string[], RegExp][] = [
  [['check', '--bogus'], /unknown option '--bogus'/],
  [['check', '--root', '/nonexistent/hardtop-root'], /--root \/nonexistent\/hardtop-root: no such directory/],
  [['check', '--only', 'dns'], /unknown area 'dns'/],
  [['fix', 'no.such.fix', '--root', fixtureRoot], /unknown fix id 'no.such.fix'/],
];
for (const [args, message] of usageErrors) {
  test(`usage error is one line on stderr with exit 2: ${args.join(' ')}`, (t) => {
    const r = hardtop(args);
    t.is(r.code, 2);
    t.is(r.stdout, '');
    t.regex(r.stderr, message);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.regex(r.stderr, /^hardtop: /);
  });
}

test('--version and --help', (t) => {
  t.is(hardtop(['--version']).stdout, 'hardtop 0.1.0\n');
  const help = hardtop(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /hardtop check/);
});

test('the version constant matches package.json', (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  t.is(hardtop(['--version']).stdout.trim(), `hardtop ${pkg.version}`);
});

test('--output never writes through a planted symlink', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-out-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious\n');
  fs.symlinkSync(victim, path.join(dir, 'r.json'));
  const r = hardtop(['check', '--output', path.join(dir, 'r.json'), '--root', fixtureRoot]);
  t.is(r.code, 2);
  t.regex(r.stderr, /refusing to write the report there/);
  t.is(fs.readFileSync(victim, 'utf8'), 'precious\n');
});
