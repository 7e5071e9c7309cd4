// The network probes (src/host/tls-probe.ts, http-probe.ts) against a REAL
// nginx on 127.0.0.1, and the loopback gate that keeps them off every other
// address.

import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { httpGet } from '../../src/host/http-probe';
import { checkLoopback } from '../../src/host/loopback-target';
import { certificatesFromHandshakeBytes, tlsAccepts, tlsHandshake } from '../../src/host/tls-probe';
import { freePort, httpTempPaths, startNginx } from '../helpers/nginx';
import { createTestCa, type TestCa } from '../helpers/test-ca';

const on = { network: true, timeoutMs: 3000 };

interface Live {
  dir: string;
  ca: TestCa;
  ports: { all: number; tls13: number; disorder: number; http: number };
}

let live: Live;
const cleanups: Array<() => void | Promise<void>> = [];

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-probe-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const leaf = ca.issue({ name: 'site', sans: ['site.test', 'localhost'] });
  const prefix = path.join(dir, 'prefix');
  fs.mkdirSync(prefix);
  fs.copyFileSync(leaf.fullchain, path.join(prefix, 'site.pem'));
  fs.copyFileSync(leaf.key, path.join(prefix, 'site.key'));
  // The chain in the wrong order: leaf, root, intermediate.
  fs.writeFileSync(path.join(prefix, 'disorder.pem'), leaf.certPem + ca.rootPem + ca.intermediatePem);
  // A big body for the body cap: a static file the (unprivileged) worker can read.
  fs.mkdirSync(path.join(prefix, 'www'));
  fs.writeFileSync(path.join(prefix, 'www/big.txt'), 'x'.repeat(1_000_000));
  for (const d of [dir, prefix, path.join(prefix, 'www')]) fs.chmodSync(d, 0o755);
  const ports = { all: await freePort(), tls13: await freePort(), disorder: await freePort(), http: await freePort() };
  const runDir = path.join(dir, 'run');
  fs.writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `events {}
http {
  ${httpTempPaths(runDir)}
  ssl_certificate site.pem;
  ssl_certificate_key site.key;
  server {
    listen 127.0.0.1:${ports.all} ssl;
    server_name site.test;
    # SECLEVEL=0: OpenSSL 3 will not speak TLS 1.0/1.1 otherwise.
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_ciphers ALL:@SECLEVEL=0;
    add_header Strict-Transport-Security "max-age=10" always;
    add_header Strict-Transport-Security "max-age=20" always;
    root ${prefix}/www;
    location / { try_files /big.txt =404; }
  }
  server {
    listen 127.0.0.1:${ports.tls13} ssl;
    server_name site.test;
    ssl_protocols TLSv1.3;
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:${ports.disorder} ssl;
    server_name site.test;
    ssl_certificate disorder.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { return 204; }
  }
  server {
    listen 127.0.0.1:${ports.http};
    server_name one.test;
    add_header X-Site one;
    location / { return 200 "one"; }
  }
  server {
    listen 127.0.0.1:${ports.http};
    server_name two.test;
    add_header X-Site two;
    location / { return 301 https://two.test/; }
  }
}
`,
  );
  const ngx = await startNginx({ teardown: (fn) => cleanups.push(fn) }, { prefix, runDir, ports: Object.values(ports) });
  cleanups.unshift(() => ngx.stop());
  live = { dir, ca, ports };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

// ---------------------------------------------------------------------------
// The loopback gate

const NOT_LOOPBACK = ['10.0.0.1', '8.8.8.8', '192.168.1.10', '0.0.0.0', '::', 'fe80::1', '::ffff:10.0.0.1', '2001:db8::1', 'example.com', 'site.test', 'localhost.example.com', '', '127.0.0.1.nip.io', '[::2]'];
const LOOPBACK = ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST', 'localhost.'];

test('the gate: only 127.0.0.0/8, ::1 and "localhost" pass; names are never resolved', (t) => {
  for (const a of NOT_LOOPBACK) t.false(checkLoopback(a).ok, a);
  for (const a of LOOPBACK) t.true(checkLoopback(a).ok, a);
  t.deepEqual(checkLoopback('localhost'), { ok: true, ip: '127.0.0.1', family: 4 }, 'localhost is mapped, not looked up');
});

test('every probe refuses a non-loopback address before opening anything', async (t) => {
  for (const address of NOT_LOOPBACK) {
    const started = Date.now();
    const results = await Promise.all([
      tlsHandshake({ address, port: 443, servername: 'x.test' }, on),
      tlsAccepts({ address, port: 443 }, { version: 'TLSv1.2' }, on),
      httpGet({ address, port: 80, servername: 'x.test', tls: false }, on),
      httpGet({ address, port: 443, servername: 'x.test', tls: true }, on),
    ]);
    for (const r of results) t.is(r.outcome, 'refused', address);
    // No socket was opened: the outcome says refused (a connect to 10.0.0.1 would be 'unreachable' after a timeout).
    t.true(Date.now() - started < 5000, `${address}: refused at once`);
  }
});

test('a bad port is refused too', async (t) => {
  t.is((await tlsHandshake({ address: '127.0.0.1', port: 0 }, on)).outcome, 'refused');
  t.is((await httpGet({ address: '127.0.0.1', port: 70000, tls: false }, on)).outcome, 'refused');
});

test('--no-network: every probe answers "skipped: --no-network" and opens nothing', async (t) => {
  const off = { network: false };
  const target = { address: '127.0.0.1', port: live.ports.all, servername: 'site.test' };
  for (const r of [await tlsHandshake(target, off), await tlsAccepts(target, { version: 'TLSv1.2' }, off), await httpGet({ ...target, tls: true }, off)]) {
    t.deepEqual(r, { outcome: 'skipped', reason: 'skipped: --no-network' });
  }
});

// ---------------------------------------------------------------------------
// Handshakes against the real nginx

test('handshake: protocol, cipher, the chain as sent (leaf, intermediate), unverified against Node roots', async (t) => {
  const r = await tlsHandshake({ address: '127.0.0.1', port: live.ports.all, servername: 'site.test' }, on);
  if (r.outcome !== 'connected') return t.fail(JSON.stringify(r));
  t.is(r.protocol, 'TLSv1.3');
  t.regex(r.cipher.standardName, /^TLS_/);
  t.true(r.chainAsSent, 'read from a TLS 1.2 handshake in the clear');
  const subjects = r.chain.map((p) => new X509Certificate(p).subject);
  t.deepEqual(subjects, ['CN=site.test', 'CN=hardtop test intermediate CA']);
  t.false(r.authorized, 'the test CA is not in Node roots');
  t.is(r.ocspResponse, null);
});

test('handshake with the CA given: authorized', async (t) => {
  const r = await tlsHandshake({ address: 'localhost', port: live.ports.all, servername: 'site.test' }, { ...on, ca: [live.ca.rootPem] });
  t.is(r.outcome, 'connected');
  if (r.outcome === 'connected') t.true(r.authorized, r.authorizationError ?? '');
});

test('the chain keeps the ORDER the server sent (Node alone would re-order it)', async (t) => {
  const r = await tlsHandshake({ address: '127.0.0.1', port: live.ports.disorder, servername: 'site.test' }, on);
  if (r.outcome !== 'connected') return t.fail(JSON.stringify(r));
  t.true(r.chainAsSent);
  t.deepEqual(
    r.chain.map((p) => new X509Certificate(p).subject),
    ['CN=site.test', 'CN=hardtop test root CA', 'CN=hardtop test intermediate CA'],
  );
});

test('a TLS 1.3-only server: connected, chain from Node, flagged as not as-sent', async (t) => {
  const r = await tlsHandshake({ address: '127.0.0.1', port: live.ports.tls13, servername: 'site.test' }, on);
  if (r.outcome !== 'connected') return t.fail(JSON.stringify(r));
  t.is(r.protocol, 'TLSv1.3');
  t.false(r.chainAsSent);
  t.is(new X509Certificate(r.chain[0]).subject, 'CN=site.test');
});

test('accepts: each version alone; TLS 1.0 and 1.1 CAN be offered (the probe lowers its security level)', async (t) => {
  const all = { address: '127.0.0.1', port: live.ports.all, servername: 'site.test' };
  for (const version of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const) {
    const r = await tlsAccepts(all, { version }, on);
    t.is(r.outcome, 'accepted', version);
    if (r.outcome === 'accepted') t.is(r.protocol, version);
  }
  const only13 = { address: '127.0.0.1', port: live.ports.tls13, servername: 'site.test' };
  for (const version of ['TLSv1', 'TLSv1.1', 'TLSv1.2'] as const) t.is((await tlsAccepts(only13, { version }, on)).outcome, 'rejected', version);
});

test('accepts with a cipher string: a class the server has, one it lacks, one this OpenSSL cannot offer', async (t) => {
  const all = { address: '127.0.0.1', port: live.ports.all, servername: 'site.test' };
  const rsa = await tlsAccepts(all, { version: 'TLSv1.2', ciphers: 'kRSA' }, on);
  t.is(rsa.outcome, 'accepted');
  if (rsa.outcome === 'accepted') t.regex(rsa.cipher.standardName, /^TLS_RSA_WITH_/);
  const disorder = { address: '127.0.0.1', port: live.ports.disorder, servername: 'site.test' };
  t.is((await tlsAccepts(disorder, { version: 'TLSv1.2', ciphers: 'kRSA' }, on)).outcome, 'accepted', 'nginx default HIGH:!aNULL:!MD5 includes static RSA');
  t.is((await tlsAccepts(disorder, { version: 'TLSv1.2', ciphers: 'aNULL' }, on)).outcome, 'rejected');
  t.is((await tlsAccepts(all, { version: 'TLSv1.2', ciphers: 'RC4' }, on)).outcome, 'unsupported-locally');
});

test('a closed port is unreachable, not rejected', async (t) => {
  const port = await freePort();
  const r = await tlsHandshake({ address: '127.0.0.1', port }, on);
  t.is(r.outcome, 'unreachable');
  if (r.outcome === 'unreachable') t.is(r.code, 'ECONNREFUSED');
  t.is((await httpGet({ address: '127.0.0.1', port, tls: false }, on)).outcome, 'unreachable');
});

test('a server that accepts and never answers: the probe gives up at its timeout', async (t) => {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    srv.close();
  });
  const port = (srv.address() as net.AddressInfo).port;
  const started = Date.now();
  const r = await tlsHandshake({ address: '127.0.0.1', port, servername: 'x.test' }, { network: true, timeoutMs: 300 });
  t.is(r.outcome, 'unreachable');
  if (r.outcome === 'unreachable') t.regex(r.error, /timed out after 300 ms during the TLS handshake/);
  const h = await httpGet({ address: '127.0.0.1', port, servername: 'x.test', tls: false }, { network: true, timeoutMs: 300 });
  t.is(h.outcome, 'error');
  t.true(Date.now() - started < 20_000, 'gave up at its timeout, not never');
});

// ---------------------------------------------------------------------------
// HTTP

test('httpGet over TLS: status, duplicate headers kept in order, body not read past the cap', async (t) => {
  const r = await httpGet({ address: '127.0.0.1', port: live.ports.all, servername: 'site.test', tls: true }, { ...on, maxBodyBytes: 1024 });
  if (r.outcome !== 'response') return t.fail(JSON.stringify(r));
  t.is(r.status, 200);
  t.deepEqual(r.headers.filter(([n]) => n === 'strict-transport-security').map(([, v]) => v), ['max-age=10', 'max-age=20']);
  t.is(r.tlsAuthorized, false);
  t.is(r.tlsAuthorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
});

test('httpGet picks the vhost by Host, as a browser would', async (t) => {
  const one = await httpGet({ address: '127.0.0.1', port: live.ports.http, servername: 'one.test', tls: false }, on);
  const two = await httpGet({ address: '127.0.0.1', port: live.ports.http, servername: 'two.test', tls: false }, on);
  if (one.outcome !== 'response' || two.outcome !== 'response') return t.fail();
  t.is(one.status, 200);
  t.deepEqual(one.headers.find(([n]) => n === 'x-site'), ['x-site', 'one']);
  t.is(two.status, 301);
  t.deepEqual(two.headers.find(([n]) => n === 'location'), ['location', 'https://two.test/']);
  t.is(two.tlsAuthorized, null);
});

// ---------------------------------------------------------------------------
// Reading the Certificate message

test('certificatesFromHandshakeBytes: null on TLS 1.3-style, truncated or garbage input, never a throw', (t) => {
  t.is(certificatesFromHandshakeBytes(Buffer.alloc(0)), null);
  t.is(certificatesFromHandshakeBytes(Buffer.from([22, 3, 3, 0, 10, 1, 2])), null, 'record longer than the bytes');
  t.is(certificatesFromHandshakeBytes(Buffer.from([20, 3, 3, 0, 1, 1])), null, 'ChangeCipherSpec first: encrypted from here');
  const cert = Buffer.from([0xaa, 0xbb]);
  const body = Buffer.concat([Buffer.from([0, 0, 5]), Buffer.from([0, 0, 2]), cert]);
  const hs = Buffer.concat([Buffer.from([11, 0, 0, body.length]), body]);
  const rec = Buffer.concat([Buffer.from([22, 3, 3, 0, hs.length]), hs]);
  t.deepEqual(certificatesFromHandshakeBytes(rec), [cert]);
  // The same message split over two records.
  const split = Buffer.concat([Buffer.from([22, 3, 3, 0, 3]), hs.subarray(0, 3), Buffer.from([22, 3, 3, 0, hs.length - 3]), hs.subarray(3)]);
  t.deepEqual(certificatesFromHandshakeBytes(split), [cert]);
  for (let i = 0; i < 500; i++) {
    const junk = Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 64) }, () => Math.floor(Math.random() * 256)));
    t.notThrows(() => certificatesFromHandshakeBytes(junk));
  }
});
