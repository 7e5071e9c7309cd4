// The nginx config fixes end to end — tls.protocols, tls.stapling and
// web.headers — against a REAL nginx on 127.0.0.1 started by this test from a
// temp sysroot, with a REAL loopback OCSP responder. Each fix is planned by
// hardtop on the sysroot, applied through src/fix/engine's applyPlan with its
// commands run for real (nginx -t on a staged copy, SIGHUP to the sysroot's
// nginx, a settle pause), VERIFIED by re-probing the live server (the apply's
// verify step re-runs the owning checks with a real prober: a fix that does
// not show on the wire is rolled back), then undone: every file back byte for
// byte, nginx reloaded, and the live finding back to what it was.
//
// The configuration is built to exercise where each fix must act:
// - http sets ssl_protocols TLSv1 TLSv1.1 TLSv1.2 (a.test inherits it), b.test
//   sets its own TLSv1.2: both lines must change, nothing else;
// - a.test's certificate has an OCSP URL and `ssl_stapling off`: switched on,
//   ssl_stapling_verify added; b.test's has none: stapling must NOT be added;
// - http has an add_header (X-XSS-Protection "1; mode=block") and a.test none:
//   the include goes into http, so a.test keeps inheriting; a.test's
//   `location /api` has its own add_header: it gets the include too; b.test
//   has its own add_header lines (Public-Key-Pins, X-Frame-Options DENY) and
//   so does its `location /`: DENY passes web.frame-options and is kept, so
//   both get the missing headers written in (the location with b's DENY, not
//   the snippet's SAMEORIGIN) rather than the include; the HPKP and the XSS "1"
//   lines go.
// Serial: every test reloads the one nginx.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { applyPlan } from '../../src/fix/engine';
import { undoChange } from '../../src/cli/fix-command';
import { fixes as tlsFixes, makeTlsChecks } from '../../checks/tls/index';
import { fixes as webFixes, makeWebChecks } from '../../checks/web/index';
import { snippetText } from '../../checks/web/fix-headers';
import { nginxValidation } from '../../checks/tls/nginx-stage';
import { httpGet } from '../../src/host/http-probe';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot, type RunningNginx } from '../helpers/nginx';
import { startOcspResponder, writeIndex, type RunningResponder } from '../helpers/ocsp';
import { createTestCa } from '../helpers/test-ca';

let site: { live: LiveRoot; nginx: RunningNginx; responder: RunningResponder; ports: { a: number; b: number }; conf: string };
const cleanups: Array<() => void | Promise<void>> = [];
const prober = realProber();
const allChecks: Check[] = [...makeTlsChecks({ prober }), ...makeWebChecks({ prober })];
const now = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });
const STATE = '/var/lib/hardtop';

function sysroot(): Host {
  return createLocalHost({ root: site.live.root, network: true });
}

async function run(id: string): Promise<Finding> {
  return allChecks.find((c) => c.id === id)!.run(sysroot(), now());
}

function fix(id: string): Fix {
  return [...tlsFixes, ...webFixes].find((f) => f.id === id)!;
}

function statusOf(f: Finding, name: 'a' | 'b'): string {
  const subject = `${name}.test:${site.ports[name]}`;
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`${f.id}: no item ${subject} in ${JSON.stringify(f.items)}`);
  return `${i.status}: ${i.summary}`;
}

/** The apply's verify step: the fix's own `verifies` checks, re-run against the live server; fail or error rolls back. */
function verifier(fixed: Fix) {
  return async () => {
    const bad: string[] = [];
    for (const id of fixed.verifies ?? []) {
      const f = await run(id);
      if (f.status === 'fail' || f.status === 'error') bad.push(`${id} ${f.status}: ${f.summary}`);
    }
    return { ok: bad.length === 0, summary: bad.join('; ') || 'all pass' };
  };
}

function snapshot(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, fs.readFileSync(p));
    }
  };
  walk(site.live.prefix);
  return out;
}

async function applyAndUndo(t: import('ava').ExecutionContext, plan: Plan, fixed: Fix, afterApply: () => Promise<void>): Promise<void> {
  t.is(plan.guard, undefined, plan.guard?.reason);
  const before = snapshot();
  const outcome = await applyPlan(sysroot(), plan, { stateDir: STATE, verify: verifier(fixed) });
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  await afterApply();
  const undone = await undoChange(sysroot(), outcome.journalId);
  t.true(undone.ok, undone.message);
  const after = snapshot();
  t.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no file left behind, none missing');
  for (const [p, bytes] of before) t.true(after.get(p)?.equals(bytes), `${p} restored byte for byte`);
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-fixes-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  fs.mkdirSync(path.join(live.prefix, 'snippets'));
  const index = path.join(dir, 'ca', 'index-ocsp.txt');
  fs.writeFileSync(index, '');
  const responder = await startOcspResponder(ca, index);
  cleanups.unshift(() => responder.stop());
  const certs = path.join(live.prefix, 'certs');
  const a = ca.issue({ name: 'a', sans: ['a.test'], key: 'ec256', ocspUrl: responder.url });
  const b = ca.issue({ name: 'b', sans: ['b.test'], key: 'ec256' });
  for (const [name, issued] of [['a', a], ['b', b]] as const) {
    fs.writeFileSync(path.join(certs, `${name}.pem`), issued.certPem + ca.intermediatePem);
    fs.writeFileSync(path.join(certs, `${name}.key`), issued.keyPem, { mode: 0o600 });
  }
  writeIndex(index, [{ issued: a }, { issued: b }]);
  const ports = { a: await freePort(), b: await freePort() };
  // @SECLEVEL=0: OpenSSL 3 would refuse TLS 1.0/1.1 at its default level, and the point is a server that accepts them.
  const conf = `events {}
http {
  ${httpTempPaths(live.runDir)}
  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
  ssl_ciphers DEFAULT:@SECLEVEL=0;
  add_header X-XSS-Protection "1; mode=block";

  server {
    listen 127.0.0.1:${ports.a} ssl;
    server_name a.test;
    ssl_certificate certs/a.pem;
    ssl_certificate_key certs/a.key;
    ssl_stapling off;
    location / { return 200 "a\\n"; }
    location /api {
      add_header Cache-Control "no-store";
      return 200 "api\\n";
    }
  }

  server {
    listen 127.0.0.1:${ports.b} ssl;
    server_name b.test;
    ssl_certificate certs/b.pem;
    ssl_certificate_key certs/b.key;
    ssl_protocols TLSv1.2;
    add_header Public-Key-Pins 'pin-sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; max-age=600';
    add_header X-Frame-Options DENY;
    location / {
      add_header X-Served-By b;
      return 200 "b\\n";
    }
  }
}
`;
  fs.writeFileSync(path.join(live.prefix, 'nginx.conf'), conf);
  const nginx = await startNginx({ teardown: (fn) => cleanups.unshift(fn) }, { prefix: live.prefix, runDir: live.runDir, ports: [ports.a, ports.b] });
  // The sysroot's pid file (Debian: pid /run/nginx.pid): what the plans signal.
  fs.mkdirSync(live.real('/run'), { recursive: true });
  fs.writeFileSync(live.real('/run/nginx.pid'), `${nginx.pid}\n`);
  site = { live, nginx, responder, ports, conf };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial('tls.protocols: fails live and offers the fix; the fix changes the http line and b\'s own line, passes live, undoes exactly', async (t) => {
  const before = await run('tls.protocols');
  t.is(before.status, 'fail');
  t.deepEqual(before.fixes, ['tls.protocols']);
  t.regex(statusOf(before, 'a'), /^fail: accepts TLS 1\.0, TLS 1\.1, TLS 1\.2; refuses TLS 1\.3/);
  t.regex(statusOf(before, 'b'), /^warn: accepts TLS 1\.2; refuses TLS 1\.0, TLS 1\.1, TLS 1\.3 \(no TLS 1\.3\)/);

  const plan = await fix('tls.protocols').plan(sysroot(), now());
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/nginx.conf']);
  const after = plan.edits[0].after;
  t.is(after, site.conf.replace('ssl_protocols TLSv1 TLSv1.1 TLSv1.2;', 'ssl_protocols TLSv1.2 TLSv1.3;').replace('ssl_protocols TLSv1.2;', 'ssl_protocols TLSv1.2 TLSv1.3;'), 'exactly the two lines change');
  t.deepEqual(plan.validate.map((v) => v.argv.slice(0, 4)), [['nginx', '-t', '-q', '-c']]);
  t.deepEqual(plan.commands.map((c) => c.argv), [['pkill', '--signal', 'HUP', '-F', site.live.real('/run/nginx.pid'), '-x', 'nginx'], ['sleep', '1']]);

  await applyAndUndo(t, plan, fix('tls.protocols'), async () => {
    const live = await run('tls.protocols');
    t.is(live.status, 'pass', live.summary);
    t.regex(statusOf(live, 'a'), /^pass: accepts TLS 1\.2, TLS 1\.3; refuses TLS 1\.0, TLS 1\.1/);
  });
  // Undone and reloaded: the live listener is back to what it was.
  t.is((await run('tls.protocols')).status, 'fail');
});

test.serial('tls.stapling: on (and verify) for a.test, whose certificate has an OCSP URL, never for b.test; the live staple is good; undo', async (t) => {
  const before = await run('tls.ocsp');
  t.is(before.status, 'warn');
  t.deepEqual(before.fixes, ['tls.stapling']);
  t.regex(statusOf(before, 'b'), /^pass: .*has no OCSP URL/);

  const plan = await fix('tls.stapling').plan(sysroot(), now());
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/nginx.conf']);
  t.is(
    plan.edits[0].after,
    site.conf.replace('    ssl_certificate_key certs/a.key;\n    ssl_stapling off;', '    ssl_certificate_key certs/a.key;\n    ssl_stapling_verify on;\n    ssl_stapling on;'),
    "a's ssl_stapling off turned on, ssl_stapling_verify added after its key line; b.test and http untouched",
  );
  t.false(plan.edits[0].after.includes('resolver'), 'the responder is an IP literal: no resolver needed');
  t.true(plan.warnings.some((w) => /left alone .*b\.test/.test(w)));

  await applyAndUndo(t, plan, fix('tls.stapling'), async () => {
    const live = await run('tls.ocsp');
    t.regex(statusOf(live, 'a'), /^pass: stapled OCSP response: good/);
    t.regex(statusOf(live, 'b'), /^pass: .*has no OCSP URL/);
    t.true(site.responder.requests() > 0, 'nginx fetched the response from the real responder');
  });
  t.is((await run('tls.ocsp')).status, 'warn');
});

test.serial('web.headers: the snippet is included where inheritance makes it count; headers present live on every path; HPKP and XSS "1" gone; undo', async (t) => {
  const hsts = await run('web.hsts');
  t.is(hsts.status, 'fail');
  t.deepEqual(hsts.fixes, ['web.headers']);
  t.deepEqual((await run('web.csp')).fixes, [], 'the snippet writes no CSP: web.csp does not offer it');

  const plan = await fix('web.headers').plan(sysroot(), now());
  t.deepEqual(plan.edits.map((e) => [e.path, e.before === null]), [
    ['/etc/nginx/snippets/hardtop-security-headers.conf', true],
    ['/etc/nginx/nginx.conf', false],
  ]);
  t.is(plan.edits[0].after, snippetText());
  const inc = 'include snippets/hardtop-security-headers.conf;';
  const expected = site.conf
    // http has add_header and a.test none: into http, so a.test keeps inheriting (and the XSS "1" line goes).
    .replace('  add_header X-XSS-Protection "1; mode=block";\n', '')
    .replace('http {\n', `http {\n  ${inc}\n`)
    // a.test's location with its own add_header: it inherits nothing, so it gets the include.
    .replace('    location /api {\n', `    location /api {\n      ${inc}\n`)
    // b.test's server block has its own add_header, among them a passing X-Frame-Options DENY: kept, and
    // the missing headers written beside it (the snippet's SAMEORIGIN would weaken it); HPKP removed.
    .replace(/ {4}add_header Public-Key-Pins .*\n/, '')
    .replace(
      `  server {\n    listen 127.0.0.1:${site.ports.b} ssl;\n`,
      `  server {\n    add_header Strict-Transport-Security max-age=63072000 always;\n    add_header X-Content-Type-Options nosniff always;\n    add_header Referrer-Policy strict-origin-when-cross-origin always;\n    listen 127.0.0.1:${site.ports.b} ssl;\n`,
    )
    // Its location inherits nothing: it gets the server's DENY, not the policy's SAMEORIGIN.
    .replace(
      '    location / {\n      add_header X-Served-By b;',
      '    location / {\n      add_header Strict-Transport-Security max-age=63072000 always;\n      add_header X-Content-Type-Options nosniff always;\n      add_header X-Frame-Options DENY always;\n      add_header Referrer-Policy strict-origin-when-cross-origin always;\n      add_header X-Served-By b;',
    );
  t.is(plan.edits[1].after, expected);
  t.true(plan.warnings.some((w) => /add_header X-Frame-Options "DENY" kept \(it passes web\.frame-options\)/.test(w)), 'the preview names the kept line');

  await applyAndUndo(t, plan, fix('web.headers'), async () => {
    for (const id of ['web.hsts', 'web.frame-options', 'web.nosniff', 'web.referrer-policy', 'web.xss-protection', 'web.hpkp']) {
      const f = await run(id);
      t.is(f.status, 'pass', `${id}: ${f.summary}`);
    }
    // Beyond GET /: a.test's /api (its own add_header) and an error page (`always`).
    for (const [name, p] of [['a', '/api'], ['a', '/nothing-here'], ['b', '/']] as const) {
      const r = await httpGet({ address: '127.0.0.1', port: site.ports[name], servername: `${name}.test`, tls: true, path: p }, { network: true, timeoutMs: 3000 });
      t.is(r.outcome, 'response');
      if (r.outcome !== 'response') continue;
      const names = r.headers.map(([n]) => n);
      t.true(names.includes('strict-transport-security') && names.includes('x-content-type-options'), `${name}.test${p}: ${JSON.stringify(r.headers)}`);
      t.false(names.includes('public-key-pins') || names.includes('x-xss-protection'), `${name}.test${p}`);
    }
  });
  t.is((await run('web.hsts')).status, 'fail');
  t.is((await run('web.xss-protection')).status, 'info', 'undo put the http-level X-XSS-Protection "1" back, and nginx serves it again');
});

test.serial('nginx -t on the staged copy refuses a broken change: nothing live is touched', async (t) => {
  const plan = await fix('tls.protocols').plan(sysroot(), now());
  const edits = plan.edits.map((e) => ({ ...e, after: e.after.replace('ssl_protocols TLSv1.2 TLSv1.3;', 'ssl_protocols TLSv1.2 TLSv9;') }));
  const broken: Plan = { ...plan, edits, validate: [await nginxValidation(sysroot(), edits)] };
  const before = snapshot();
  const outcome = await applyPlan(sysroot(), broken, { stateDir: STATE });
  t.false(outcome.ok);
  if (outcome.ok) return;
  t.is(outcome.stage, 'validate');
  t.regex(outcome.message, /invalid value "TLSv9"/);
  t.false(outcome.message.includes('/tmp/hardtop-stage'), 'the staging dir is cut out of the message');
  const after = snapshot();
  for (const [p, bytes] of before) t.true(after.get(p)?.equals(bytes), p);
});
