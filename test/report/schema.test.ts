// Every report validates against assets/report.schema.json: the real binary's
// `check --format json` on every fixture sysroot and on this machine, and
// reports built in-process from hostile findings. The negative cases show the
// schema (and the invariants beside it) can fail.

import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildReport, formatJson } from '../../src/core/report';
import type { Finding, Report } from '../../src/core/types';
import { invariantErrors, reportProblems, schemaErrors } from '../helpers/report-schema';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const rootsDir = path.join(repo, 'test/fixtures/roots');
const fixtureRoots = fs
  .readdirSync(rootsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

// A few binaries at a time: ava starts every test of a file at once.
let running = 0;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 4) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

function hardtop(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return limited(
    () =>
      new Promise((resolve) => {
        execFile(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
          const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
        });
      }),
  );
}

test('there are fixture roots to check', (t) => {
  t.true(fixtureRoots.length >= 10, fixtureRoots.join(' '));
});

for (const name of fixtureRoots) {
  test(`check --format json validates: fixture root ${name}`, async (t) => {
    const root = path.join(rootsDir, name);
    const r = await hardtop(['check', '--format', 'json', '--root', root, '--no-network']);
    t.true(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    t.deepEqual(reportProblems(r.stdout), []);
    t.is(JSON.parse(r.stdout).host.root, root);
  });
}

test('check --format json validates: this machine', async (t) => {
  const r = await hardtop(['check', '--format', 'json', '--no-network']);
  t.true(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  t.deepEqual(reportProblems(r.stdout), []);
  t.is(JSON.parse(r.stdout).host.root, '/');
});

test('check --format json --only validates: this machine, two areas', async (t) => {
  const r = await hardtop(['check', '--format', 'json', '--no-network', '--only', 'ssh,tls']);
  t.deepEqual(reportProblems(r.stdout), []);
});

// ---------------------------------------------------------------- in-process reports

const hostile = '\x1b]52;c;cm0gLXJmIC8=\x07evil\x1b[2J\r\nsecond line\u202e\x9b31m{bold}';

const findings: Finding[] = [
  {
    id: 'tls.cert.expiry',
    area: 'tls',
    title: 'Certificates are not about to expire',
    status: 'fail',
    severity: 'critical',
    summary: `2 certificates expire soon ${hostile}`,
    evidence: [{ file: '/etc/nginx/sites-enabled/default', line: 3, text: `ssl_certificate ${hostile}` }, { command: `openssl x509 ${hostile}` }],
    fixes: ['tls.renew'],
    items: [
      { subject: `CN=${hostile}`, status: 'fail', summary: 'expires in 2 days', evidence: [{ file: '/etc/ssl/a.pem' }] },
      { subject: '/etc/ssl/b.pem', status: 'pass', summary: 'valid for 80 days', evidence: [] },
    ],
    durationMs: 12,
  },
  { id: 'reboot.livepatch', area: 'reboot', title: 'Live patching', status: 'info', severity: 'info', summary: 'none', evidence: [], fixes: [] },
];

function sampleReport(): Report {
  return buildReport({
    version: '0.1.0',
    host: { hostname: `web${hostile}`, os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-26-amd64', root: '/' },
    startedAt: new Date('2026-11-28T18:00:00Z'),
    durationMs: 412,
    findings,
  });
}

test('a report built from hostile findings validates once formatted', (t) => {
  t.deepEqual(reportProblems(formatJson(sampleReport())), []);
});

test('the control-character rule of the schema is real: unsanitised text is refused', (t) => {
  // JSON.stringify without formatJson's sanitiser: escapes are legal JSON but not legal report text.
  const raw = JSON.parse(JSON.stringify(sampleReport()));
  t.true(schemaErrors(raw).some((e) => /pattern/.test(e)), 'control characters must fail the schema');
});

type Mutation = [string, (r: any) => void];
const mutations: Mutation[] = [
  ['unknown schema', (r) => (r.schema = 'hardtop.report/2')],
  ['unknown status', (r) => (r.checks[0].status = 'ok')],
  ['unknown severity', (r) => (r.checks[0].severity = 'urgent')],
  ['unknown area', (r) => (r.checks[0].area = 'dns')],
  ['id outside its area', (r) => (r.checks[0].id = 'ssh.server.x')],
  ['id not dotted', (r) => (r.checks[0].id = 'Expiry')],
  ['extra property', (r) => (r.checks[0].extra = 1)],
  ['missing summary', (r) => delete r.checks[0].summary],
  ['missing evidence', (r) => delete r.checks[1].evidence],
  ['relative evidence path', (r) => (r.checks[0].evidence[0].file = 'etc/nginx/nginx.conf')],
  ['line without file', (r) => (r.checks[0].evidence[1].line = 4)],
  ['line zero', (r) => (r.checks[0].evidence[0].line = 0)],
  ['empty evidence object', (r) => (r.checks[0].evidence[0] = {})],
  ['item without subject', (r) => delete r.checks[0].items[0].subject],
  ['item with unknown status', (r) => (r.checks[0].items[0].status = 'bad')],
  ['score over 100', (r) => (r.summary.score = 101)],
  ['fractional count', (r) => (r.summary.pass = 1.5)],
  ['startedAt not ISO', (r) => (r.startedAt = 'Sat Nov 28 2026')],
  ['negative duration', (r) => (r.durationMs = -1)],
  ['duplicate fix ids', (r) => (r.checks[0].fixes = ['tls.renew', 'tls.renew'])],
  ['tool renamed', (r) => (r.tool.name = 'other')],
  ['root relative', (r) => (r.host.root = 'srv/root')],
];

for (const [what, mutate] of mutations) {
  test(`the schema refuses: ${what}`, (t) => {
    const report = JSON.parse(formatJson(sampleReport()));
    t.deepEqual(schemaErrors(report), []);
    mutate(report);
    t.not(schemaErrors(report).length, 0);
  });
}

test('the invariants beside the schema can fail: duplicate id, wrong count, wrong score, --root in evidence', (t) => {
  const base = () => JSON.parse(formatJson(sampleReport()));
  t.deepEqual(invariantErrors(base()), []);
  const dup = base();
  dup.checks.push({ ...dup.checks[1] });
  t.true(invariantErrors(dup).some((e) => /duplicate check id reboot.livepatch/.test(e)));
  const count = base();
  count.summary.fail = 7;
  t.true(invariantErrors(count).some((e) => /summary.fail/.test(e)));
  const score = base();
  score.summary.score = 99;
  t.true(invariantErrors(score).some((e) => /summary.score/.test(e)));
  const rooted = base();
  rooted.host.root = '/srv/fixture';
  rooted.checks[0].evidence[0].file = '/srv/fixture/etc/nginx/nginx.conf';
  t.true(invariantErrors(rooted).some((e) => /--root prefix/.test(e)));
});
