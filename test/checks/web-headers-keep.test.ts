// web.headers must never weaken a header the admin already set well: against
// a REAL nginx on 127.0.0.1 (started by this test from a temp sysroot), a TLS
// server sends HSTS with includeSubDomains and preload, X-Frame-Options DENY
// and Referrer-Policy no-referrer, but no nosniff. The fix must keep those
// three lines byte for byte and add only nosniff; its `location /app` (own
// add_header, so it inherits nothing) must get the admin's strong values, not
// the policy's weaker defaults. Applied through src/fix/engine's applyPlan
// (nginx -t on a staged copy, SIGHUP, verify by re-probing), checked on the
// wire, then undone byte for byte.
// A second sysroot (plan only): an HSTS line that FAILS (max-age too short)
// is replaced, and its includeSubDomains/preload are carried over.
// Serial: the tests share the one nginx.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, Fix, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { applyPlan } from '../../src/fix/engine';
import { validateOnStagedCopy } from '../../src/fix/validate';
import { undoChange } from '../../src/cli/fix-command';
import { fixes as webFixes, makeWebChecks } from '../../checks/web/index';
import { snippetText } from '../../checks/web/fix-headers';
import { httpGet } from '../../src/host/http-probe';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot } from '../helpers/nginx';
import { createTestCa } from '../helpers/test-ca';

const prober = realProber();
const webChecks = makeWebChecks({ prober });
const now = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });
const cleanups: Array<() => void | Promise<void>> = [];
let site: { live: LiveRoot; port: number; plain: number; conf: string };

const STRONG_HSTS = 'max-age=63072000; includeSubDomains; preload';

function sysroot(): Host {
  return createLocalHost({ root: site.live.root, network: true });
}

const headersFix = (): Fix => webFixes.find((f) => f.id === 'web.headers')!;

async function runAll(): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const c of webChecks) out.push(await c.run(sysroot(), now()));
  return out;
}

function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

async function get(p: string) {
  const r = await httpGet({ address: '127.0.0.1', port: site.port, servername: 'strong.test', tls: true, path: p }, { network: true, timeoutMs: 3000 });
  if (r.outcome !== 'response') throw new Error(`GET ${p}: ${JSON.stringify(r)}`);
  return new Map(r.headers);
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-keep-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  fs.mkdirSync(path.join(live.prefix, 'snippets'));
  const issued = ca.issue({ name: 'strong', sans: ['strong.test'], key: 'ec256' });
  fs.writeFileSync(path.join(live.prefix, 'certs/strong.pem'), issued.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(live.prefix, 'certs/strong.key'), issued.keyPem, { mode: 0o600 });
  const port = await freePort();
  const plain = await freePort();
  // A CSP and a plain-HTTP redirect too, so that every web.* check can pass after the fix.
  const conf = `events {}
http {
  ${httpTempPaths(live.runDir)}

  server {
    listen 127.0.0.1:${plain};
    server_name strong.test;
    return 301 https://$host$request_uri;
  }

  server {
    listen 127.0.0.1:${port} ssl;
    server_name strong.test;
    ssl_certificate certs/strong.pem;
    ssl_certificate_key certs/strong.key;
    add_header Strict-Transport-Security "${STRONG_HSTS}" always;
    add_header X-Frame-Options "DENY" always;
    add_header Referrer-Policy "no-referrer" always;
    add_header Content-Security-Policy "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'" always;
    location / { return 200 "root\\n"; }
    location /app {
      add_header Cache-Control "no-store";
      return 200 "app\\n";
    }
  }
}
`;
  fs.writeFileSync(path.join(live.prefix, 'nginx.conf'), conf);
  const nginx = await startNginx({ teardown: (fn) => cleanups.unshift(fn) }, { prefix: live.prefix, runDir: live.runDir, ports: [port, plain] });
  fs.mkdirSync(live.real('/run'), { recursive: true });
  fs.writeFileSync(live.real('/run/nginx.pid'), `${nginx.pid}\n`);
  site = { live, port, plain, conf };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial('strong HSTS (preload), DENY and no-referrer are kept byte for byte; only nosniff is added; /app gets the admin\'s values; every web.* check passes live; undo', async (t) => {
  const before = new Map((await runAll()).map((f) => [f.id, f.status]));
  t.is(before.get('web.nosniff'), 'fail');
  t.is(before.get('web.hsts'), 'pass');
  t.is(before.get('web.frame-options'), 'pass');
  t.is(before.get('web.referrer-policy'), 'pass');

  const plan = await headersFix().plan(sysroot(), now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/nginx.conf'], 'no snippet: no level of this server can take the policy defaults');
  const expected = site.conf
    // The server keeps its lines and gets only the missing one, at the block's start.
    .replace(`  server {\n    listen 127.0.0.1:${site.port} ssl;\n`, `  server {\n    add_header X-Content-Type-Options nosniff always;\n    listen 127.0.0.1:${site.port} ssl;\n`)
    // /app inherits nothing (its own add_header): it gets the server's values, the admin's strong ones.
    .replace(
      '    location /app {\n',
      `    location /app {\n      add_header Strict-Transport-Security '${STRONG_HSTS}' always;\n      add_header X-Content-Type-Options nosniff always;\n      add_header X-Frame-Options DENY always;\n      add_header Referrer-Policy no-referrer always;\n`,
    );
  t.is(plan.edits[0].after, expected);
  t.true(plan.edits[0].after.includes(`    add_header Strict-Transport-Security "${STRONG_HSTS}" always;\n    add_header X-Frame-Options "DENY" always;\n    add_header Referrer-Policy "no-referrer" always;\n`), 'the admin\'s three lines, untouched');
  t.is((plan.edits[0].after.match(/X-Content-Type-Options/g) ?? []).length, 2, 'nosniff once in the server, once in /app');
  t.true(plan.warnings.some((w) => /add_header Strict-Transport-Security ".*preload" kept \(it passes web\.hsts\)/.test(w)), plan.warnings.join('\n'));

  const files = snapshot(site.live.prefix);
  const outcome = await applyPlan(sysroot(), plan, {
    stateDir: '/var/lib/hardtop',
    async verify() {
      const bad = [];
      for (const id of headersFix().verifies ?? []) {
        const f = await webChecks.find((c) => c.id === id)!.run(sysroot(), now());
        if (f.status === 'fail' || f.status === 'error') bad.push(`${id}: ${f.summary}`);
      }
      return { ok: bad.length === 0, summary: bad.join('; ') || 'all pass' };
    },
  });
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;

  for (const p of ['/', '/app']) {
    const h = await get(p);
    t.is(h.get('strict-transport-security'), STRONG_HSTS, `${p}: the admin's HSTS, preload included`);
    t.is(h.get('x-frame-options'), 'DENY', p);
    t.is(h.get('referrer-policy'), 'no-referrer', p);
    t.is(h.get('x-content-type-options'), 'nosniff', `${p}: the missing header is now sent`);
  }
  t.is((await get('/app')).get('cache-control'), 'no-store', "/app's own header stays");
  for (const f of await runAll()) t.is(f.status, 'pass', `${f.id}: ${f.summary}`);

  const undone = await undoChange(sysroot(), outcome.journalId);
  t.true(undone.ok, undone.message);
  const after = snapshot(site.live.prefix);
  t.deepEqual([...after.keys()].sort(), [...files.keys()].sort(), 'no file left behind, none missing');
  for (const [p, bytes] of files) t.true(after.get(p)?.equals(bytes), `${p} restored byte for byte`);
  t.is((await webChecks.find((c) => c.id === 'web.nosniff')!.run(sysroot(), now())).status, 'fail', 'undone and reloaded: nosniff is gone again');
  t.is((await get('/')).get('strict-transport-security'), STRONG_HSTS);
});

test.serial('a failing HSTS (max-age too short) is replaced, keeping its includeSubDomains and preload; a passing nosniff stays', async (t) => {
  // Plan only, on a copy of the sysroot with another server block: nothing here reloads the live nginx.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-keep-plan-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(site.live.root, dir, { recursive: true });
  const conf = site.conf.replace(
    `    add_header Strict-Transport-Security "${STRONG_HSTS}" always;\n`,
    '    add_header Strict-Transport-Security "max-age=3600; includeSubDomains; preload" always;\n    add_header X-Content-Type-Options nosniff;\n',
  );
  fs.writeFileSync(path.join(dir, 'etc/nginx/nginx.conf'), conf);
  const host = createLocalHost({ root: dir, network: false });
  const plan = await headersFix().plan(host, now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(await validateOnStagedCopy(host, plan.validate, plan.edits), { ok: true }, 'the real nginx -t accepts it (on a staged copy)');
  const after = plan.edits.find((e) => e.path === '/etc/nginx/nginx.conf')?.after ?? '';
  t.false(after.includes('max-age=3600'), 'the failing line is gone');
  t.true(after.includes("add_header Strict-Transport-Security 'max-age=63072000; includeSubDomains; preload' always;"), after);
  t.true(after.includes('    add_header X-Content-Type-Options nosniff;\n    add_header X-Frame-Options "DENY" always;'), 'the passing nosniff (no `always`) is the admin\'s and stays');
  t.true(plan.warnings.some((w) => /max-age=3600.*removed \(it fails web\.hsts/.test(w)), plan.warnings.join('\n'));

  // Applied to the copy (written as the engine would), a second plan has nothing left to do.
  for (const e of plan.edits) fs.writeFileSync(path.join(dir, e.path), e.after);
  const again = await headersFix().plan(createLocalHost({ root: dir, network: false }), now());
  t.regex(again.guard?.reason ?? '', /^nothing to change/);
  t.deepEqual(again.edits, []);
});

test.serial('an HSTS value built from a variable is never overwritten: hardtop cannot judge it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-keep-var-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(site.live.root, dir, { recursive: true });
  const conf = site.conf
    .replace('http {\n', 'http {\n  map $scheme $hsts { https "max-age=63072000; preload"; default ""; }\n')
    .replace(`    add_header Strict-Transport-Security "${STRONG_HSTS}" always;\n`, '    add_header Strict-Transport-Security $hsts always;\n');
  fs.writeFileSync(path.join(dir, 'etc/nginx/nginx.conf'), conf);
  const host = createLocalHost({ root: dir, network: false });
  const plan = await headersFix().plan(host, now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(await validateOnStagedCopy(host, plan.validate, plan.edits), { ok: true }, 'the real nginx -t accepts it (on a staged copy)');
  const after = plan.edits.find((e) => e.path === '/etc/nginx/nginx.conf')?.after ?? '';
  t.true(after.includes('    add_header Strict-Transport-Security $hsts always;\n'), after);
  t.is((after.match(/Strict-Transport-Security/g) ?? []).length, 2, "the server's own line, and /app's copy of it");
  t.true(after.includes("      add_header Strict-Transport-Security '$hsts' always;\n"), '/app inherits nothing: it gets the same variable (nginx expands it in quotes too)');
  t.true(plan.warnings.some((w) => /\$hsts" kept \(nothing hardtop can judge here/.test(w)), plan.warnings.join('\n'));
});

// A level that already includes hardtop's snippet AND has an HSTS line of the
// admin's in the warn band (half a year, with includeSubDomains and preload):
// the snippet's plain max-age must not take over (dropping the flags), and
// nginx must not send two HSTS headers (the snippet's and the admin's). The
// include goes from that level and its headers are written there explicitly.
// Its own nginx (another temp sysroot) on 127.0.0.1: applied, checked on the
// wire, then undone.
const WARN_HSTS = 'max-age=15768000; includeSubDomains; preload';

test.serial('a warn-band HSTS at a level that includes the snippet: exactly one HSTS header on the wire, flags kept; undo', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-keep-snip-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  fs.mkdirSync(path.join(live.prefix, 'snippets'));
  fs.writeFileSync(path.join(live.prefix, 'snippets/hardtop-security-headers.conf'), snippetText());
  const issued = ca.issue({ name: 'snip', sans: ['snip.test'], key: 'ec256' });
  fs.writeFileSync(path.join(live.prefix, 'certs/snip.pem'), issued.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(live.prefix, 'certs/snip.key'), issued.keyPem, { mode: 0o600 });
  const port = await freePort();
  const conf = `events {}
http {
  ${httpTempPaths(live.runDir)}

  server {
    listen 127.0.0.1:${port} ssl;
    server_name snip.test;
    ssl_certificate certs/snip.pem;
    ssl_certificate_key certs/snip.key;
    include snippets/hardtop-security-headers.conf;
    add_header Strict-Transport-Security "${WARN_HSTS}" always;
    location / { return 200 "root\\n"; }
  }
}
`;
  fs.writeFileSync(path.join(live.prefix, 'nginx.conf'), conf);
  const nginx = await startNginx(t, { prefix: live.prefix, runDir: live.runDir, ports: [port] });
  fs.mkdirSync(live.real('/run'), { recursive: true });
  fs.writeFileSync(live.real('/run/nginx.pid'), `${nginx.pid}\n`);
  const host = () => createLocalHost({ root: live.root, network: true });
  const hstsOnWire = async () => {
    const r = await httpGet({ address: '127.0.0.1', port, servername: 'snip.test', tls: true, path: '/' }, { network: true, timeoutMs: 3000 });
    if (r.outcome !== 'response') throw new Error(JSON.stringify(r));
    return r.headers;
  };
  const hstsValues = (h: Array<[string, string]>) => h.filter(([n]) => n.toLowerCase() === 'strict-transport-security').map(([, v]) => v);
  t.deepEqual(hstsValues(await hstsOnWire()), ['max-age=63072000', WARN_HSTS], 'before: the snippet\'s and the admin\'s');

  const plan = await headersFix().plan(host(), now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/nginx/nginx.conf'], 'the shared snippet is left as it is');
  const after = plan.edits[0].after;
  t.false(after.includes('include snippets/hardtop-security-headers.conf;'), after);
  t.true(after.includes("add_header Strict-Transport-Security 'max-age=63072000; includeSubDomains; preload' always;"), after);
  t.false(after.includes(WARN_HSTS), 'the warn-band line is replaced');
  t.true(plan.warnings.some((w) => /include snippets\/hardtop-security-headers\.conf removed/.test(w)), plan.warnings.join('\n'));

  const files = snapshot(live.prefix);
  const outcome = await applyPlan(host(), plan, {
    stateDir: '/var/lib/hardtop',
    async verify() {
      const f = await webChecks.find((c) => c.id === 'web.hsts')!.run(host(), now());
      return { ok: f.status === 'pass', summary: f.summary };
    },
  });
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  const h = await hstsOnWire();
  t.deepEqual(hstsValues(h), ['max-age=63072000; includeSubDomains; preload'], 'exactly one HSTS header, the admin\'s flags kept');
  const once = (name: string) => h.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  t.deepEqual(once('x-content-type-options'), ['nosniff']);
  t.deepEqual(once('x-frame-options'), ['SAMEORIGIN']);
  t.deepEqual(once('referrer-policy'), ['strict-origin-when-cross-origin']);

  const undone = await undoChange(host(), outcome.journalId);
  t.true(undone.ok, undone.message);
  const restored = snapshot(live.prefix);
  for (const [p, bytes] of files) t.true(restored.get(p)?.equals(bytes), `${p} restored byte for byte`);
  t.deepEqual(hstsValues(await hstsOnWire()), ['max-age=63072000', WARN_HSTS], 'undone and reloaded');
});

test.serial('the snippet reached through another include, at a level that needs its own HSTS: refused, nothing weakened', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-keep-nested-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(site.live.root, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/nginx/snippets/hardtop-security-headers.conf'), snippetText());
  fs.writeFileSync(path.join(dir, 'etc/nginx/snippets/common.conf'), 'include snippets/hardtop-security-headers.conf;\n');
  const conf = site.conf.replace(
    `    add_header Strict-Transport-Security "${STRONG_HSTS}" always;\n`,
    `    include snippets/common.conf;\n    add_header Strict-Transport-Security "${WARN_HSTS}" always;\n`,
  );
  fs.writeFileSync(path.join(dir, 'etc/nginx/nginx.conf'), conf);
  const plan = await headersFix().plan(createLocalHost({ root: dir, network: false }), now());
  t.regex(plan.guard?.reason ?? '', /gets \/etc\/nginx\/snippets\/hardtop-security-headers\.conf through another include/);
  t.deepEqual(plan.edits, []);
});
