// The web checks: pure header judgements, then every web.* check against a
// REAL nginx on 127.0.0.1 (GET / with Host/SNI = the vhost's name), with the
// config line (or the server block that should hold one) in the evidence.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { checks, fixes, makeWebChecks } from '../../checks/web/index';
import { judgeCsp, judgeFrameOptions, judgeHpkp, judgeHsts, judgeNosniff, judgeReferrerPolicy, judgeXssProtection } from '../../checks/web/judges';
import { webPolicy, webPolicyProblems } from '../../checks/web/policy';
import { judgeRedirect } from '../../checks/web/redirect';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot } from '../helpers/nginx';
import { createTestCa } from '../helpers/test-ca';

type H = Array<[string, string]>;
const h = (...pairs: Array<[string, string]>): H => pairs.map(([n, v]) => [n.toLowerCase(), v]);

// ---------------------------------------------------------------------------
// The area and its policy

test('the web area: CHECKS.md ids, order and severities; its fix', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['web.hsts', 'web', 'high'],
      ['web.frame-options', 'web', 'medium'],
      ['web.nosniff', 'web', 'medium'],
      ['web.csp', 'web', 'medium'],
      ['web.xss-protection', 'web', 'low'],
      ['web.hpkp', 'web', 'medium'],
      ['web.https-redirect', 'web', 'medium'],
      ['web.referrer-policy', 'web', 'low'],
    ],
  );
  t.deepEqual(fixes.map((f) => [f.id, f.area, f.risk, f.verifies]), [['web.headers', 'web', 'disruptive', ['web.hsts', 'web.frame-options', 'web.nosniff', 'web.xss-protection', 'web.hpkp', 'web.referrer-policy']]]);
  t.deepEqual(webPolicyProblems(webPolicy), []);
  t.is(webPolicy.hsts.failBelowSeconds, 15768000);
  t.is(webPolicy.hsts.warnBelowSeconds, 31536000);
});

// ---------------------------------------------------------------------------
// Judgements

test('HSTS: thresholds of CHECKS.md, the first of several headers wins, a bad max-age fails', (t) => {
  t.is(judgeHsts(h()).status, 'fail');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=63072000; includeSubDomains; preload'])).summary, 'HSTS max-age=63072000 (730 days), includeSubDomains, preload');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=31536000'])).status, 'pass');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=31535999'])).status, 'warn');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age="15768000"'])).status, 'warn', 'quoted value (RFC 6797 allows it)');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=15767999'])).status, 'fail');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=0'])).status, 'fail');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'includeSubDomains'])).status, 'fail');
  t.is(judgeHsts(h(['Strict-Transport-Security', 'max-age=abc'])).status, 'fail');
  const two = judgeHsts(h(['Strict-Transport-Security', 'max-age=600'], ['Strict-Transport-Security', 'max-age=63072000']));
  t.is(two.status, 'fail');
  t.regex(two.summary, /2 HSTS headers sent, browsers use the first/);
});

test('CSP: missing and report-only fail; unsafe-inline warns unless a nonce/hash neutralises it; unsafe-eval always warns', (t) => {
  t.is(judgeCsp(h()).summary, 'no Content-Security-Policy');
  t.is(judgeCsp(h(['Content-Security-Policy-Report-Only', "default-src 'self'"])).status, 'fail');
  t.deepEqual(judgeCsp(h(['Content-Security-Policy', "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"])), { status: 'pass', summary: 'CSP restricts scripts' });
  t.is(judgeCsp(h(['Content-Security-Policy', "script-src 'self' 'unsafe-inline'"])).summary, "CSP allows 'unsafe-inline' without a nonce or hash in scripts; missing default-src, object-src, base-uri, frame-ancestors");
  t.is(judgeCsp(h(['Content-Security-Policy', "default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'"])).status, 'pass');
  t.is(judgeCsp(h(['Content-Security-Policy', "default-src 'self'; script-src 'sha256-xyz' 'unsafe-eval'"])).status, 'warn');
  t.is(judgeCsp(h(['Content-Security-Policy', "default-src 'unsafe-inline'"])).status, 'warn', 'default-src is the fallback for scripts');
  t.is(judgeCsp(h(['Content-Security-Policy', "img-src 'self'"])).status, 'warn', 'no script-src and no default-src: scripts unrestricted');
  t.is(judgeCsp(h(['Content-Security-Policy', "script-src https: 'self'"])).status, 'warn', 'a scheme wildcard');
  t.is(judgeCsp(h(['Content-Security-Policy', "script-src 'nonce-r4nd' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'"])).status, 'pass', 'the strict-CSP fallback pattern');
  t.is(judgeCsp(h(['Content-Security-Policy', "img-src *"], ['Content-Security-Policy', "script-src 'self'"])).status, 'pass', 'every policy is enforced: the strict one restricts scripts');
});

test('framing: frame-ancestors or XFO DENY/SAMEORIGIN; ALLOW-FROM is dead', (t) => {
  t.is(judgeFrameOptions(h(['X-Frame-Options', 'sameorigin'])).status, 'pass');
  t.is(judgeFrameOptions(h(['Content-Security-Policy', "default-src 'self'; frame-ancestors 'self'"])).summary, "CSP frame-ancestors 'self'");
  t.regex(judgeFrameOptions(h(['X-Frame-Options', 'ALLOW-FROM https://a.test/'])).summary, /ALLOW-FROM is ignored by every current browser/);
  t.is(judgeFrameOptions(h(['Content-Security-Policy-Report-Only', "frame-ancestors 'none'"])).status, 'fail', 'report-only protects nothing');
  t.is(judgeFrameOptions(h()).status, 'fail');
});

test('nosniff, X-XSS-Protection, HPKP, Referrer-Policy', (t) => {
  t.is(judgeNosniff(h(['X-Content-Type-Options', ' NoSniff '])).status, 'pass');
  t.is(judgeNosniff(h(['X-Content-Type-Options', 'sniff'])).status, 'fail');
  t.is(judgeXssProtection(h()).status, 'pass');
  t.is(judgeXssProtection(h(['X-XSS-Protection', '0'])).status, 'pass');
  t.is(judgeXssProtection(h(['X-XSS-Protection', '1; mode=block'])).status, 'info');
  t.is(judgeHpkp(h(['Public-Key-Pins-Report-Only', 'pin-sha256="x"; max-age=1'])).status, 'fail');
  t.is(judgeHpkp(h()).status, 'pass');
  t.is(judgeReferrerPolicy(h()).status, 'warn');
  t.is(judgeReferrerPolicy(h(['Referrer-Policy', 'no-referrer, strict-origin-when-cross-origin'])).summary, 'Referrer-Policy strict-origin-when-cross-origin');
  t.is(judgeReferrerPolicy(h(['Referrer-Policy', 'no-referrer, unsafe-url'])).status, 'fail', 'the last known token wins');
  t.is(judgeReferrerPolicy(h(['Referrer-Policy', 'strict-origin, made-up-policy'])).status, 'pass', 'unknown tokens are skipped');
  t.is(judgeReferrerPolicy(h(['Referrer-Policy', 'nonsense'])).status, 'warn');
});

test('header values are untrusted: control characters never reach a summary', (t) => {
  const f = judgeXssProtection(h(['X-XSS-Protection', '1\u001b[2J; mode=block']));
  t.false(/[\u0000-\u001f]/.test(f.summary));
});

test('redirect judgement: https on the same host passes; another host warns; http or no redirect fails', (t) => {
  t.is(judgeRedirect('a.test', 301, 'https://a.test/').status, 'pass');
  t.is(judgeRedirect('a.test', 308, 'https://A.test:8443/x').status, 'pass');
  t.is(judgeRedirect('a.test', 301, 'https://b.test/').status, 'warn');
  t.is(judgeRedirect('a.test', 302, 'http://a.test/x').status, 'fail');
  t.is(judgeRedirect('a.test', 200, undefined).status, 'fail');
  t.is(judgeRedirect('a.test', 301, undefined).status, 'fail');
  t.is(judgeRedirect('a.test', 301, '/relative').status, 'fail', 'a relative Location stays on http');
});

// ---------------------------------------------------------------------------
// Live, against nginx

let site: { live: LiveRoot; https: number; http: number; conf: string[] };
const cleanups: Array<() => void | Promise<void>> = [];
const live = makeWebChecks({ prober: realProber() });
const ctx = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });

async function run(id: string): Promise<Finding> {
  return live.find((c) => c.id === id)!.run(createLocalHost({ root: site.live.root, network: true }), ctx());
}

function itemOf(f: Finding, subject: string) {
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`${f.id}: no item ${subject} in ${JSON.stringify(f.items?.map((x) => `${x.subject}: ${x.status}: ${x.summary}`))}`);
  return i;
}

function lineOf(text: string): number {
  const i = site.conf.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line with ${text}`);
  return i + 1;
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-web-live-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const liveRoot = makeLiveRoot(dir, ca.rootPem);
  const leaf = ca.issue({ name: 'web', sans: ['good.test', 'bad.test', 'trap.test', 'noalways.test', 'warn.test'], key: 'ec256' });
  fs.writeFileSync(path.join(liveRoot.prefix, 'certs/web.pem'), leaf.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(liveRoot.prefix, 'certs/web.key'), leaf.keyPem, { mode: 0o600 });
  const https = await freePort();
  const http = await freePort();
  const tlsServer = (names: string, body: string) => `  server {
    listen 127.0.0.1:${https} ssl;
    server_name ${names};
    ${body}
  }`;
  const conf = `events {}
http {
  ${httpTempPaths(liveRoot.runDir)}
  ssl_certificate certs/web.pem;
  ssl_certificate_key certs/web.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  # Inherited only by servers without an add_header of their own:
  add_header X-Content-Type-Options nosniff always;
  add_header X-Frame-Options DENY always;
${tlsServer(
  'good.test',
  `add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'" always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    location / { return 200 "good"; }`,
)}
${tlsServer(
  'bad.test',
  `add_header Strict-Transport-Security "max-age=86400" always;
    add_header X-Frame-Options "ALLOW-FROM https://evil.test/" always;
    add_header X-Content-Type-Options sniff always;
    add_header Content-Security-Policy "script-src 'self' 'unsafe-inline'" always;
    add_header X-XSS-Protection "1; mode=block" always;
    add_header Public-Key-Pins 'pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="; max-age=5184000' always;
    add_header Referrer-Policy unsafe-url always;
    location / { return 200 "bad"; }`,
)}
${tlsServer(
  'trap.test',
  `# This server's own add_header drops the two http-level ones.
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / { return 200 "trap"; }`,
)}
${tlsServer(
  'noalways.test',
  `add_header Strict-Transport-Security "max-age=63072000";
    location / { return 404; }`,
)}
${tlsServer(
  'warn.test',
  `add_header Strict-Transport-Security "max-age=20000000" always;
    location / { return 200 "warn"; }`,
)}
  server {
    listen 127.0.0.1:${http} default_server;
    server_name _;
    location / { return 200 "default"; }
  }
  server {
    listen 127.0.0.1:${http};
    server_name good.test;
    return 301 https://$host$request_uri;
  }
  server {
    listen 127.0.0.1:${http};
    server_name bad.test;
    return 302 http://bad.test/elsewhere;
  }
  server {
    listen 127.0.0.1:${http};
    server_name warn.test;
    return 301 https://www.warn.test/;
  }
}
`;
  fs.writeFileSync(path.join(liveRoot.prefix, 'nginx.conf'), conf);
  const nginx = await startNginx({ teardown: (fn) => cleanups.push(fn) }, { prefix: liveRoot.prefix, runDir: liveRoot.runDir, ports: [https, http] });
  cleanups.unshift(() => nginx.stop());
  site = { live: liveRoot, https, http, conf: conf.split('\n') };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

const at = (name: string) => `${name}:${site.https}`;

test('every web check on the live server: one finding, items per vhost, worst first in the summary', async (t) => {
  for (const c of live) {
    const f = await run(c.id);
    t.is(f.id, c.id);
    t.true(f.items!.length >= 4, c.id);
    t.false(/[\r\n]/.test(f.summary));
  }
});

test('web.hsts live: pass, warn below a year, fail below six months, and the config line as evidence', async (t) => {
  const f = await run('web.hsts');
  t.is(f.status, 'fail');
  t.is(itemOf(f, at('good.test')).summary, 'HSTS max-age=63072000 (730 days), includeSubDomains');
  t.is(itemOf(f, at('warn.test')).status, 'warn');
  const bad = itemOf(f, at('bad.test'));
  t.regex(bad.summary, /^HSTS max-age=86400 \(1 days\): below 15768000 s/);
  t.deepEqual(bad.evidence[1], { file: '/etc/nginx/nginx.conf', line: lineOf('max-age=86400'), text: 'add_header Strict-Transport-Security "max-age=86400" always (server level)' });
  t.regex(bad.evidence[0].command!, new RegExp(`^GET https://bad.test/ via 127.0.0.1:${site.https}$`));
});

test('web.hsts live: add_header without `always` is not sent with a 404, and the finding says so', async (t) => {
  const f = await run('web.hsts');
  const item = itemOf(f, at('noalways.test'));
  t.is(item.status, 'fail');
  t.regex(item.summary, /^no Strict-Transport-Security .*\(add_header without `always` is not sent with a 404 response\)$/);
  t.is(item.evidence[1].line, lineOf('add_header Strict-Transport-Security "max-age=63072000";'));
});

test("web.nosniff live: nginx's inheritance trap is named with both lines", async (t) => {
  const f = await run('web.nosniff');
  t.is(itemOf(f, at('good.test')).status, 'pass');
  t.is(itemOf(f, at('bad.test')).summary, 'X-Content-Type-Options "sniff" is not nosniff');
  const trap = itemOf(f, at('trap.test'));
  t.is(trap.status, 'fail');
  t.is(
    trap.summary,
    `no X-Content-Type-Options: nosniff (/etc/nginx/nginx.conf:${lineOf('add_header X-Content-Type-Options nosniff always;')} sets it at http level, but /etc/nginx/nginx.conf:${lineOf('add_header Strict-Transport-Security "max-age=63072000" always;')} adds its own add_header at server level, and nginx then inherits none)`,
  );
  t.deepEqual(
    trap.evidence.slice(1).map((e) => e.line),
    [lineOf('add_header X-Content-Type-Options nosniff always;'), lineOf('add_header Strict-Transport-Security "max-age=63072000" always;'), lineOf('server_name trap.test') - 2],
    'the hidden line, the line that hides it, the server block that should set it',
  );
  t.is(itemOf(f, at('warn.test')).status, 'fail');
});

test('web.frame-options, web.csp, web.xss-protection, web.hpkp, web.referrer-policy live', async (t) => {
  const frame = await run('web.frame-options');
  t.is(itemOf(frame, at('good.test')).summary, "CSP frame-ancestors 'self'");
  t.regex(itemOf(frame, at('bad.test')).summary, /ALLOW-FROM is ignored/);
  t.is(itemOf(frame, at('noalways.test')).status, 'fail', 'the 404 gets no inherited header either: its own add_header shadows them');

  const csp = await run('web.csp');
  t.is(itemOf(csp, at('good.test')).status, 'pass');
  t.is(itemOf(csp, at('bad.test')).status, 'warn');
  t.regex(itemOf(csp, at('trap.test')).summary, /^no Content-Security-Policy$/);
  t.is(csp.status, 'fail');

  const xss = await run('web.xss-protection');
  t.is(xss.status, 'info');
  t.regex(itemOf(xss, at('bad.test')).summary, /^X-XSS-Protection "1; mode=block": browsers removed the filter/);

  const hpkp = await run('web.hpkp');
  t.is(hpkp.status, 'fail');
  t.is(hpkp.items!.filter((i) => i.status === 'fail').map((i) => i.subject).join(), at('bad.test'));
  t.is(itemOf(hpkp, at('bad.test')).evidence[1].line, lineOf('add_header Public-Key-Pins'));

  const ref = await run('web.referrer-policy');
  t.is(itemOf(ref, at('good.test')).status, 'pass');
  t.is(itemOf(ref, at('bad.test')).summary, 'Referrer-Policy unsafe-url sends full URLs to other origins');
  t.is(itemOf(ref, at('warn.test')).status, 'warn');
});

test('web.https-redirect live: per name, the plain-HTTP server nginx picks for it', async (t) => {
  const f = await run('web.https-redirect');
  t.is(f.status, 'fail');
  t.regex(itemOf(f, 'http://good.test/').summary, new RegExp(`^http://good.test/ → 301 \\(permanent\\) https://good.test:?\\d*/$`));
  t.regex(itemOf(f, 'http://bad.test/').summary, /redirects to http:\/\/bad.test, not https/);
  t.is(itemOf(f, 'http://warn.test/').status, 'warn');
  const trap = itemOf(f, 'http://trap.test/');
  t.is(trap.status, 'fail');
  t.is(trap.summary, `http://trap.test/ answers 200 over plain HTTP instead of redirecting to https (answered by the default server /etc/nginx/nginx.conf:${lineOf('server_name _;') - 2}: no plain-HTTP server has this name)`);
  t.deepEqual(itemOf(f, 'http://good.test/').evidence.find((e) => e.text?.startsWith('return')), { file: '/etc/nginx/nginx.conf', line: lineOf('return 301 https://$host$request_uri;'), text: 'return 301 https://$host$request_uri' });
});
