// The live tls checks against a REAL nginx on 127.0.0.1, started by this test
// from a temp sysroot whose certificates come from a test CA made now. The
// checks read the sysroot (createLocalHost({ root })) and probe the running
// nginx through a prober built from src/host's probe functions — the explicit
// prober is what lets a --root run probe at all.
//
// Serial: the stale-certificate test renews a file and reloads nginx, and the
// last test stops nginx.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { makeTlsChecks } from '../../checks/tls/index';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot, type RunningNginx } from '../helpers/nginx';
import { createTestCa, daysFromNow, type Issued, type TestCa } from '../helpers/test-ca';

const MOZILLA = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

let site: { live: LiveRoot; ca: TestCa; nginx: RunningNginx; ports: { main: number; old: number; tls13: number; stale: number }; staleNext: Issued };
const cleanups: Array<() => void | Promise<void>> = [];
const checks = makeTlsChecks({ prober: realProber() });
const now = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });

function check(id: string): Check {
  return checks.find((c) => c.id === id)!;
}

async function run(id: string): Promise<Finding> {
  return check(id).run(createLocalHost({ root: site.live.root, network: true }), now());
}

function itemOf(f: Finding, subject: string) {
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`${f.id}: no item ${subject} in ${JSON.stringify(f.items?.map((x) => `${x.subject}: ${x.status}: ${x.summary}`))}`);
  return i;
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-live-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  const certs = path.join(live.prefix, 'certs');
  const write = (name: string, pem: string, key: string) => {
    fs.writeFileSync(path.join(certs, `${name}.pem`), pem);
    fs.writeFileSync(path.join(certs, `${name}.key`), key, { mode: 0o600 });
  };
  const good = ca.issue({ name: 'good', sans: ['good.test', 'www.good.test'], key: 'ec256' });
  write('good', good.certPem + ca.intermediatePem, good.keyPem);
  const disorder = ca.issue({ name: 'disorder', sans: ['disorder.test'], key: 'ec256' });
  write('disorder', disorder.certPem + ca.rootPem + ca.intermediatePem, disorder.keyPem);
  const leafonly = ca.issue({ name: 'leafonly', sans: ['leafonly.test'], key: 'ec256' });
  write('leafonly', leafonly.certPem, leafonly.keyPem);
  const old = ca.issue({ name: 'old', sans: ['old.test'], key: 'rsa2048' });
  write('old', old.certPem + ca.intermediatePem, old.keyPem);
  const stale = ca.issue({ name: 'stale', sans: ['stale.test'], key: 'ec256', startDate: daysFromNow(-80), endDate: daysFromNow(10) });
  write('stale', stale.certPem + ca.intermediatePem, stale.keyPem);
  // The renewal certbot would write, made now and swapped in by a test.
  const staleNext = ca.issue({ name: 'stale-next', sans: ['stale.test'], key: 'ec256' });

  const ports = { main: await freePort(), old: await freePort(), tls13: await freePort(), stale: await freePort() };
  const modern = `ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers ${MOZILLA};\n    ssl_prefer_server_ciphers off;\n    ssl_session_tickets off;`;
  fs.writeFileSync(
    path.join(live.prefix, 'nginx.conf'),
    `events {}
http {
  ${httpTempPaths(live.runDir)}
  server {
    listen 127.0.0.1:${ports.main} ssl default_server;
    server_name good.test www.good.test;
    ssl_certificate certs/good.pem;
    ssl_certificate_key certs/good.key;
    ${modern}
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:${ports.main} ssl;
    server_name disorder.test;
    ssl_certificate certs/disorder.pem;
    ssl_certificate_key certs/disorder.key;
    ${modern}
  }
  server {
    listen 127.0.0.1:${ports.main} ssl;
    server_name leafonly.test;
    ssl_certificate certs/leafonly.pem;
    ssl_certificate_key certs/leafonly.key;
    ${modern}
  }
  server {
    listen 127.0.0.1:${ports.old} ssl;
    server_name old.test;
    ssl_certificate certs/old.pem;
    ssl_certificate_key certs/old.key;
    # What this OpenSSL allows at all: TLS 1.0/1.1 only at security level 0.
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers ALL:@SECLEVEL=0;
    ssl_session_tickets off;
  }
  server {
    listen 127.0.0.1:${ports.tls13} ssl;
    server_name tls13.test;
    ssl_certificate certs/good.pem;
    ssl_certificate_key certs/good.key;
    ssl_protocols TLSv1.3;
    ssl_session_tickets off;
  }
  server {
    listen 127.0.0.1:${ports.stale} ssl;
    server_name stale.test;
    ssl_certificate certs/stale.pem;
    ssl_certificate_key certs/stale.key;
    ${modern}
  }
}
`,
  );
  const nginx = await startNginx({ teardown: (fn) => cleanups.push(fn) }, { prefix: live.prefix, runDir: live.runDir, ports: Object.values(ports) });
  cleanups.unshift(() => nginx.stop());
  site = { live, ca, nginx, ports, staleNext };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial('served: each name over loopback serves the file on disk', async (t) => {
  const f = await run('tls.cert.served');
  t.is(f.status, 'pass', JSON.stringify(f.items));
  t.deepEqual(
    f.items!.map((i) => i.subject),
    [`good.test:${site.ports.main}`, `www.good.test:${site.ports.main}`, `disorder.test:${site.ports.main}`, `leafonly.test:${site.ports.main}`, `old.test:${site.ports.old}`, `tls13.test:${site.ports.tls13}`, `stale.test:${site.ports.stale}`],
  );
  t.regex(itemOf(f, `www.good.test:${site.ports.main}`).summary, /^serves \/etc\/nginx\/certs\/good.pem \(serial [0-9A-F]+, until \d{4}-\d{2}-\d{2}\)$/);
});

test.serial('served: a renewal nginx never reloaded is a serial mismatch; after the reload it passes', async (t) => {
  const certs = path.join(site.live.prefix, 'certs');
  fs.writeFileSync(path.join(certs, 'stale.pem'), site.staleNext.certPem + site.ca.intermediatePem);
  fs.writeFileSync(path.join(certs, 'stale.key'), site.staleNext.keyPem);
  const before = await run('tls.cert.served');
  t.is(before.status, 'fail');
  const item = itemOf(before, `stale.test:${site.ports.stale}`);
  t.regex(item.summary, new RegExp(`^serves serial [0-9A-F]+, until \\d{4}-\\d{2}-\\d{2}, but /etc/nginx/certs/stale.pem holds serial ${site.staleNext.serial}, until \\d{4}-\\d{2}-\\d{2}: the file was renewed but nginx was not reloaded$`));
  t.true(item.evidence.some((e) => e.file === '/etc/nginx/nginx.conf'), 'names the config line');
  await site.nginx.reload();
  const after = await run('tls.cert.served');
  t.is(itemOf(after, `stale.test:${site.ports.stale}`).status, 'pass');
  t.is(after.status, 'pass');
});

test.serial('chain as served: in order passes, out of order and leaf-only fail, a TLS 1.3-only server is judged without order', async (t) => {
  const f = await run('tls.cert.chain');
  t.is(f.status, 'fail');
  t.regex(itemOf(f, `good.test:${site.ports.main}`).summary, /^verifies to "hardtop test root CA" with 1 intermediate\(s\) in order \(2 certificate\(s\) served\)$/);
  t.regex(itemOf(f, `disorder.test:${site.ports.main}`).summary, /^intermediates out of order: sent "disorder.test" → "hardtop test root CA" → "hardtop test intermediate CA"/);
  t.regex(itemOf(f, `leafonly.test:${site.ports.main}`).summary, /^incomplete chain: the issuer "hardtop test intermediate CA" of "leafonly.test" is neither sent nor a trust anchor/);
  const only13 = itemOf(f, `tls13.test:${site.ports.tls13}`);
  t.is(only13.status, 'pass');
  t.regex(only13.summary, /order unknown \(TLS 1.3 only server/);
});

test.serial('protocols, each version offered alone: TLS 1.0/1.1 accepted fails, the modern ones pass', async (t) => {
  const f = await run('tls.protocols');
  t.is(f.status, 'fail');
  t.is(itemOf(f, `good.test:${site.ports.main}`).summary, 'accepts TLS 1.2, TLS 1.3; refuses TLS 1.0, TLS 1.1');
  t.is(itemOf(f, `old.test:${site.ports.old}`).summary, 'accepts TLS 1.0, TLS 1.1, TLS 1.2, TLS 1.3 (TLS 1.0, TLS 1.1 must be off)');
  t.is(itemOf(f, `tls13.test:${site.ports.tls13}`).status, 'pass');
  const conf = fs.readFileSync(path.join(site.live.prefix, 'nginx.conf'), 'utf8').split('\n');
  const line = conf.findIndex((l) => l.includes('ssl_protocols TLSv1 TLSv1.1')) + 1;
  t.deepEqual(itemOf(f, `old.test:${site.ports.old}`).evidence[1], { file: '/etc/nginx/nginx.conf', line, text: 'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3' });
});

test.serial('ciphers, each class offered alone at TLS 1.2: the weak ones are found by handshake', async (t) => {
  const f = await run('tls.ciphers');
  t.is(f.status, 'fail');
  t.is(itemOf(f, `good.test:${site.ports.main}`).summary, 'only forward-secret AEAD suites for TLS 1.2');
  const old = itemOf(f, `old.test:${site.ports.old}`);
  t.is(old.status, 'fail');
  t.regex(old.summary, /^accepts NULL\/anonymous \(accepted [A-Z0-9-]+\), static RSA \(accepted [A-Z0-9-]+\), CBC \(accepted [A-Z0-9-]+\)/);
  t.notRegex(old.summary, /RC4|3DES|EXPORT/, 'ALL enables none of what this OpenSSL cannot offer');
  t.true(old.evidence.some((e) => e.text === 'static RSA: no forward secrecy (ROBOT)'));
  t.regex(itemOf(f, `tls13.test:${site.ports.tls13}`).summary, /^TLS 1.2 refused: TLS 1.3 only/);
});

test.serial('the offline checks agree on the same root', async (t) => {
  const names = await run('tls.cert.hostname');
  t.deepEqual(
    names.items!.filter((i) => i.status !== 'pass').map((i) => [i.subject, i.summary]),
    [[`tls13.test:${site.ports.tls13}`, '/etc/nginx/certs/good.pem does not cover tls13.test (its names: good.test, www.good.test)']],
    'tls13.test borrows good.test\'s certificate',
  );
  const key = await run('tls.cert.key');
  t.is(itemOf(key, '/etc/nginx/certs/old.pem').status, 'warn', 'RSA 2048 < 3072');
  t.is((await run('tls.cert.expiry')).status, 'pass');
});

test.serial('nginx stopped: the live checks are errors that say the listener is not reachable', async (t) => {
  await site.nginx.stop();
  const f = await run('tls.cert.served');
  t.is(f.status, 'error');
  t.regex(itemOf(f, `good.test:${site.ports.main}`).summary, /^handshake not reachable: .*ECONNREFUSED/);
  const p = await run('tls.protocols');
  t.is(p.status, 'error');
});
