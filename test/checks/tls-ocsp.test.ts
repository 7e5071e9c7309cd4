// tls.ocsp against a REAL nginx on 127.0.0.1 (temp sysroot, test CA made
// now), each vhost stapling a different response.
//
// Most responses are fixed files (nginx's `ssl_stapling_file`), made offline
// by the real `openssl ocsp` from the CA's index (test/helpers/ocsp.ts): no
// responder has to run, and the test gets exactly the bytes it wants —
// including ones nginx would never fetch and staple itself (revoked, signed
// by the wrong key, about another certificate). Two vhosts use nginx's own
// fetch: one against a real loopback responder (answered by `openssl ocsp`
// per request; `openssl ocsp -port` itself would listen on every interface),
// one against a loopback port where nothing listens (responder down).

import test from 'ava';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { makeTlsChecks } from '../../checks/tls/index';
import { judgeStaple, ocspUrls } from '../../checks/tls/ocsp';
import { nginxLogTime, parseOcspFetchErrors } from '../../src/parse/nginx-error-log';
import { NO_NETWORK } from '../../checks/tls/probe';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot, type RunningNginx } from '../helpers/nginx';
import { ocspResponse, startOcspResponder, writeIndex, type RunningResponder } from '../helpers/ocsp';
import { createTestCa, type TestCa } from '../helpers/test-ca';

let site: { live: LiveRoot; ca: TestCa; port: number; responder: RunningResponder; nginx: RunningNginx };
const cleanups: Array<() => void | Promise<void>> = [];
const ocsp: Check = makeTlsChecks({ prober: realProber() }).find((c) => c.id === 'tls.ocsp')!;
const at = (now: Date, network = true): RunContext => ({ now, network, signal: new AbortController().signal });

async function run(context: RunContext = at(new Date())): Promise<Finding> {
  return ocsp.run(createLocalHost({ root: site.live.root, network: true }), context);
}

function itemOf(f: Finding, name: string) {
  const subject = `${name}:${site.port}`;
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`no item ${subject} in ${JSON.stringify(f.items?.map((x) => `${x.subject}: ${x.status}: ${x.summary}`))}`);
  return i;
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-ocsp-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  const certs = path.join(live.prefix, 'certs');
  const index = path.join(dir, 'ca', 'index-ocsp.txt');
  fs.writeFileSync(index, '');
  const responder = await startOcspResponder(ca, index);
  cleanups.unshift(() => responder.stop());
  const nobody = `http://127.0.0.1:${await freePort()}/`;

  // A CA of its own with the same name as the intermediate: signs responses it has no right to.
  const impostor = createTestCa(path.join(dir, 'impostor'));
  const issue = (name: string, ocspUrl?: string, extensions?: string[]) => {
    const issued = ca.issue({ name, sans: [`${name}.test`], key: 'ec256', ocspUrl, extensions });
    fs.writeFileSync(path.join(certs, `${name}.pem`), issued.certPem + ca.intermediatePem);
    fs.writeFileSync(path.join(certs, `${name}.key`), issued.keyPem, { mode: 0o600 });
    return issued;
  };
  const nourl = issue('nourl');
  const good = issue('good', nobody);
  const revoked = issue('revoked', nobody);
  const forged = issue('forged', nobody);
  const other = issue('other', nobody);
  const nostaple = issue('nostaple', nobody);
  const must = issue('must', nobody, ['tlsfeature = status_request']);
  const fetched = issue('fetched', responder.url);
  const revokedFetch = issue('revokedfetch', responder.url);
  const down = issue('down', nobody);
  writeIndex(index, [{ issued: nourl }, { issued: good }, { issued: revoked, revoked: { reason: 'keyCompromise' } }, { issued: forged }, { issued: other }, { issued: nostaple }, { issued: must }, { issued: fetched }, { issued: revokedFetch, revoked: { reason: 'superseded' } }, { issued: down }]);
  const der = (name: string, buf: Buffer) => fs.writeFileSync(path.join(certs, `${name}.der`), buf);
  der('good', ocspResponse(ca, { cert: good, index, ndays: 1 }));
  der('revoked', ocspResponse(ca, { cert: revoked, index }));
  der('forged', ocspResponse(ca, { cert: forged, index, signer: { cert: impostor.intermediateCert, key: path.join(impostor.dir, 'intermediate', 'intermediate.key') } }));
  // A response about `good`, stapled for `other`: what a stale ssl_stapling_file looks like.
  der('other', ocspResponse(ca, { cert: good, index }));

  const port = await freePort();
  fs.mkdirSync(live.real('/var/log/nginx'), { recursive: true });
  const server = (name: string, stapling: string) => `
  server {
    listen 127.0.0.1:${port} ssl${name === 'nourl' ? ' default_server' : ''};
    server_name ${name}.test;
    ssl_certificate certs/${name}.pem;
    ssl_certificate_key certs/${name}.key;
    ${stapling}
  }`;
  fs.writeFileSync(
    path.join(live.prefix, 'nginx.conf'),
    `events {}
# Main level, where nginx logs its stapling fetches: besides the helper's own
# log (-g error_log …, which the test reads), Debian's default place in the sysroot (hardtop reads it).
error_log ${live.real('/var/log/nginx/error.log')};
http {
  ${httpTempPaths(live.runDir)}
  ${server('nourl', 'ssl_stapling on;')}
  ${server('good', 'ssl_stapling on;\n    ssl_stapling_file certs/good.der;')}
  ${server('revoked', 'ssl_stapling on;\n    ssl_stapling_file certs/revoked.der;')}
  ${server('forged', 'ssl_stapling on;\n    ssl_stapling_file certs/forged.der;')}
  ${server('other', 'ssl_stapling on;\n    ssl_stapling_file certs/other.der;')}
  ${server('nostaple', 'ssl_stapling off;')}
  ${server('must', '')}
  ${server('fetched', 'ssl_stapling on;')}
  ${server('revokedfetch', 'ssl_stapling on;')}
  ${server('down', 'ssl_stapling on;')}
}
`,
  );
  const nginx = await startNginx({ teardown: (fn) => cleanups.push(fn) }, { prefix: live.prefix, runDir: live.runDir, ports: [port] });
  cleanups.unshift(() => nginx.stop());
  site = { live, ca, port, responder, nginx };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial("nginx's own fetch: a real loopback responder gives a good staple; revoked in the CA index fails (nginx's error log says so); a dead responder warns with nginx's reason", async (t) => {
  // The first handshake ever: nginx starts its fetch then, and staples from the next one on. The check asks twice.
  const f = await run();
  const fetched = itemOf(f, 'fetched.test');
  t.is(fetched.status, 'pass', fetched.summary);
  t.regex(fetched.summary, /^stapled OCSP response: good/);
  t.true(site.responder.requests() >= 2, 'nginx asked the responder (for fetched and revokedfetch)');
  // nginx fetched "revoked" and refused to staple it: from outside that is no staple at all, but nginx's error log says why.
  t.regex(site.nginx.errorLog(), /certificate status "revoked" in the OCSP response/);
  const again = await run();
  const revoked = itemOf(again, 'revokedfetch.test');
  t.is(revoked.status, 'fail', revoked.summary);
  t.regex(revoked.summary, /^REVOKED: the OCSP responder told nginx "revokedfetch.test" is revoked \(\/var\/log\/nginx\/error.log:\d+, \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\); nginx staples nothing, and clients that check refuse the certificate: replace it$/);
  t.deepEqual(revoked.evidence[0].file, '/var/log/nginx/error.log');
  t.regex(revoked.evidence[0].text!, /\[error\] certificate status "revoked" in the OCSP response$/);
  const down = itemOf(again, 'down.test');
  t.is(down.status, 'warn', 'a responder that is down is a warn, with nginx\'s reason');
  t.regex(down.summary, /ssl_stapling is on, but nginx sent no OCSP response .*; nginx's last fetch: (?:(?:recv|connect)\(\) failed \(111: Connection refused\)|OCSP responder prematurely closed connection) \(\/var\/log\/nginx\/error.log:\d+, /);
  t.regex(itemOf(again, 'fetched.test').summary, /^stapled OCSP response: good/, 'a good fetch is untouched');
  // A certificate written after the log line (a renewal to the same path) does not inherit the old revocation.
  const file = site.live.real('/etc/nginx/certs/revokedfetch.pem');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const renewed = itemOf(await run(), 'revokedfetch.test');
  t.is(renewed.status, 'warn', renewed.summary);
  t.regex(renewed.summary, /ssl_stapling is on, but nginx sent no OCSP response/);
});

test.serial('each stapled response is judged: good passes; revoked, forged, about another certificate fail', async (t) => {
  const f = await run();
  t.is(f.status, 'fail');
  t.regex(itemOf(f, 'good.test').summary, /^stapled OCSP response: good, updated \d{4}-\d\d-\d\d \d\d:\d\d UTC, valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  t.is(itemOf(f, 'good.test').status, 'pass');
  const revoked = itemOf(f, 'revoked.test');
  t.is(revoked.status, 'fail');
  t.regex(revoked.summary, /^REVOKED on \d{4}-\d\d-\d\d \d\d:\d\d UTC, reason keyCompromise \(stapled OCSP response\)/);
  t.regex(itemOf(f, 'forged.test').summary, /^the stapled OCSP response is not signed by the certificate's issuer or a responder it authorised \(openssl: /);
  t.is(itemOf(f, 'forged.test').status, 'fail');
  t.regex(itemOf(f, 'other.test').summary, /^the stapled OCSP response is about another certificate/);
  t.true(itemOf(f, 'good.test').evidence.some((e) => e.text === `OCSP URL ${ocspUrls(new X509Certificate(fs.readFileSync(site.live.real('/etc/nginx/certs/good.pem')))).join(', ')}`));
});

test.serial('no OCSP URL: pass, and ssl_stapling on is named as needless with its line', async (t) => {
  const f = await run();
  const i = itemOf(f, 'nourl.test');
  t.is(i.status, 'pass');
  const conf = fs.readFileSync(site.live.real('/etc/nginx/nginx.conf'), 'utf8').split('\n');
  const line = conf.findIndex((l, n) => l.includes('ssl_stapling on;') && conf.slice(0, n).some((x) => x.includes('server_name nourl.test'))) + 1;
  t.is(i.summary, `"nourl.test" has no OCSP URL (revocation by CRL): nothing to staple; ssl_stapling on (/etc/nginx/nginx.conf:${line}) is needless: nginx ignores it for this certificate (remove it, with ssl_stapling_verify)`);
  t.deepEqual(i.evidence[0], { file: '/etc/nginx/nginx.conf', line, text: 'ssl_stapling on' });
});

test.serial('nothing stapled: warn; fail for a Must-Staple certificate', async (t) => {
  const f = await run();
  const off = itemOf(f, 'nostaple.test');
  t.is(off.status, 'warn');
  t.regex(off.summary, /^no stapled OCSP response for "nostaple.test": ssl_stapling off \(\/etc\/nginx\/nginx.conf:\d+\): clients ask the CA themselves/);
  const must = itemOf(f, 'must.test');
  t.is(must.status, 'fail');
  t.regex(must.summary, /ssl_stapling is not set \(off\): the certificate is Must-Staple, so Firefox refuses the site$/);
});

test.serial('a staple past its nextUpdate fails as expired; judged on the check clock', async (t) => {
  const later = new Date(Date.now() + 3 * 86_400_000);
  const f = await run(at(later));
  t.regex(itemOf(f, 'good.test').summary, /^good, but the stapled response expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(nextUpdate\)/);
  t.is(itemOf(f, 'good.test').status, 'fail');
});

test.serial('offline (--no-network): judged from the files and the config, and says so', async (t) => {
  const f = await ocsp.run(createLocalHost({ root: site.live.root, network: false }), at(new Date(), false));
  t.is(itemOf(f, 'nourl.test').status, 'pass');
  t.regex(itemOf(f, 'nourl.test').summary, new RegExp(`is needless.* — from the files \\(${NO_NETWORK}\\)$`));
  t.is(itemOf(f, 'good.test').status, 'info');
  t.regex(itemOf(f, 'good.test').summary, /has an OCSP URL and ssl_stapling is on \(\/etc\/nginx\/nginx.conf:\d+\); the stapled response was not probed \(skipped: --no-network\)$/);
  t.is(itemOf(f, 'nostaple.test').status, 'warn');
  t.is(itemOf(f, 'must.test').status, 'fail');
  t.is(f.status, 'fail');
});

test('judgeStaple: clock skew, a missing nextUpdate, unknown, a tool error', (t) => {
  const now = new Date('2026-11-28T12:00:00Z');
  const base = { kind: 'status' as const, status: 'good' as const, reason: null, revokedAt: null, verified: true, verifyError: null };
  t.is(judgeStaple({ ...base, thisUpdate: new Date('2026-11-28T12:04:00Z'), nextUpdate: null }, now).status, 'pass', 'within 5 minutes of skew');
  t.regex(judgeStaple({ ...base, thisUpdate: new Date('2026-11-28T12:06:00Z'), nextUpdate: null }, now).summary, /not valid before 2026-11-28 12:06 UTC/);
  t.regex(judgeStaple({ ...base, thisUpdate: now, nextUpdate: null }, now).summary, /no nextUpdate$/);
  t.is(judgeStaple({ ...base, thisUpdate: now, nextUpdate: new Date('2026-11-28T11:56:00Z') }, now).status, 'pass', 'expired 4 minutes ago: within skew');
  t.is(judgeStaple({ ...base, thisUpdate: now, nextUpdate: new Date('2026-11-28T11:54:00Z') }, now).status, 'fail');
  t.is(judgeStaple({ ...base, status: 'unknown', thisUpdate: now, nextUpdate: null }, now).status, 'fail');
  t.is(judgeStaple({ kind: 'responder-error', responseStatus: 'trylater' }, now).summary, 'the stapled OCSP response carries no status (the responder answered "trylater"): clients ignore it');
  t.deepEqual(judgeStaple({ kind: 'tool-error', why: 'openssl missing' }, now), { status: 'error', summary: 'openssl missing' });
});

test('parseOcspFetchErrors: nginx 1.22 lines as written; a cut first line, other errors, a client\'s forged URI and garbage are ignored; never a throw', (t) => {
  const log = [
    'ficate status, responder: 127.0.0.1, peer: 127.0.0.1:1, certificate: "/cut.pem"',
    '2026/11/28 23:01:48 [warn] 9928#9928: "ssl_stapling" ignored, no OCSP responder URL in the certificate "/etc/nginx/certs/nourl.pem"',
    '2026/11/28 23:01:49 [error] 9931#9931: certificate status "revoked" in the OCSP response while requesting certificate status, responder: ocsp.example, peer: 192.0.2.1:80, certificate: "/etc/letsencrypt/live/a.test/fullchain.pem"',
    '2026/11/28 23:01:50 [error] 9931#9931: connect() failed (111: Connection refused) while requesting certificate status, responder: 127.0.0.1, peer: 127.0.0.1:45487, certificate: "/etc/nginx/certs/down.pem"',
    // A client's URI, logged by nginx: it carries a connection number (*N), which a stapling fetch never has.
    '2026/11/28 23:01:50 [error] 9931#9931: *17 open() "/var/www/html/certificate status "revoked" in the OCSP response while requesting certificate status, responder: a, peer: b, certificate: "/etc/nginx/certs/good.pem"" failed (2: No such file or directory), client: 203.0.113.9, server: a.test, request: "GET /x HTTP/1.1"',
    '2026/11/28 23:01:51 [error] 9931#9931: certificate status "unknown" in the OCSP response while requesting certificate status, responder: r, peer: p:1, certificate: "/x\u001b[31m.pem"',
    '2026/11/28 23:01:52 [error] 9931#9931: open() "/var/www/x" failed (2: No such file or directory), client: 127.0.0.1, server: a.test',
  ].join('\n');
  t.deepEqual(parseOcspFetchErrors(log), [
    { line: 3, time: '2026/11/28 23:01:49', level: 'error', certificate: '/etc/letsencrypt/live/a.test/fullchain.pem', status: 'revoked', message: 'certificate status "revoked" in the OCSP response' },
    { line: 4, time: '2026/11/28 23:01:50', level: 'error', certificate: '/etc/nginx/certs/down.pem', status: null, message: 'connect() failed (111: Connection refused)' },
    { line: 6, time: '2026/11/28 23:01:51', level: 'error', certificate: '/x\u001b[31m.pem', status: 'unknown', message: 'certificate status "unknown" in the OCSP response' },
  ]);
  t.deepEqual(nginxLogTime('2026/11/28 23:01:49'), new Date(2026, 10, 28, 23, 1, 49));
  t.is(nginxLogTime('2026/11/28 23:01:49 junk'), null);
  for (let i = 0; i < 200; i++) {
    const junk = Array.from({ length: 200 }, () => String.fromCharCode(Math.floor(Math.random() * 256))).join('');
    t.notThrows(() => parseOcspFetchErrors(`${junk} while requesting certificate status, responder: ${junk}\n${junk}`));
  }
});
