// The tls and web checks against a REAL Apache httpd (Debian's apache2) on
// 127.0.0.1, started by this test from a temp sysroot: ROOT/etc/apache2 is
// both what the checks read (createLocalHost({ root })) and httpd's -d
// ServerRoot, so relative SSLCertificateFile lines name the same files for
// both. Certificates come from a test CA made now; ROOT's trust store holds
// its root. Probes go through the explicit prober (a --root run probes only
// with one).
//
// TLS vhosts on their own ports: modern.test (TLS 1.2/1.3, Mozilla
// ciphers, every header) and legacy.test (SSLProtocol all with
// @SECLEVEL=0: TLS 1.0 and 1.1 really accepted; no headers of its own but
// the server-config nosniff, X-XSS-Protection "1" and a Public-Key-Pins), and
// le.test, serving a certbot lineage of the sysroot (tls.renew's Apache
// reload is run for real on it), and a plain vhost that redirects
// modern.test to https. The PidFile is Debian's ${APACHE_PID_FILE}.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { makeTlsChecks } from '../../checks/tls/index';
import { renewFix } from '../../checks/tls/fix-renew';
import { protocolsFix } from '../../checks/tls/fix-protocols';
import { apacheValidation } from '../../checks/tls/apache-fix';
import { applyPlan } from '../../src/fix/engine';
import { undoChange } from '../../src/cli/fix-command';
import { makeWebChecks } from '../../checks/web/index';
import { apacheBase, startApache, type RunningApache } from '../helpers/apache';
import { freePort, makeLiveRoot, realProber, type LiveRoot } from '../helpers/nginx';
import { createTestCa, type Issued } from '../helpers/test-ca';

const MOZILLA = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
const CONF = '/etc/apache2/apache2.conf';

let site: { live: LiveRoot; apache: RunningApache; ports: { modern: number; legacy: number; plain: number; le: number }; conf: string[]; renewed: Issued; intermediatePem: string };
const cleanups: Array<() => void | Promise<void>> = [];
const prober = realProber();
const all: Check[] = [...makeTlsChecks({ prober }), ...makeWebChecks({ prober })];
const now = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });

async function run(id: string): Promise<Finding> {
  return all.find((c) => c.id === id)!.run(createLocalHost({ root: site.live.root, network: true }), now());
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

const modern = () => `modern.test:${site.ports.modern}`;
const legacy = () => `legacy.test:${site.ports.legacy}`;

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-apache-live-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = createTestCa(path.join(dir, 'ca'));
  const live = makeLiveRoot(dir, ca.rootPem);
  const serverRoot = live.real('/etc/apache2');
  fs.mkdirSync(path.join(serverRoot, 'certs'), { recursive: true });
  fs.mkdirSync(path.join(serverRoot, 'www'), { recursive: true });
  fs.writeFileSync(path.join(serverRoot, 'www/index.html'), 'hello\n', { mode: 0o644 });
  fs.chmodSync(path.join(serverRoot, 'www'), 0o755);
  for (const d of [dir, live.root, live.real('/etc'), serverRoot]) fs.chmodSync(d, 0o755);
  const write = (name: string, pem: string, key: string) => {
    fs.writeFileSync(path.join(serverRoot, `certs/${name}.pem`), pem);
    fs.writeFileSync(path.join(serverRoot, `certs/${name}.key`), key, { mode: 0o600 });
  };
  const modernCert = ca.issue({ name: 'modern', sans: ['modern.test'], key: 'ec256' });
  write('modern', modernCert.certPem + ca.intermediatePem, modernCert.keyPem);
  const legacyCert = ca.issue({ name: 'legacy', sans: ['legacy.test'], key: 'rsa2048' });
  write('legacy', legacyCert.certPem + ca.intermediatePem, legacyCert.keyPem);

  // A certbot lineage (as certbot lays it out) that an Apache vhost serves; its renewal is swapped in by a test.
  const leCert = ca.issue({ name: 'le', sans: ['le.test'], key: 'ec256' });
  const renewed = ca.issue({ name: 'le-next', sans: ['le.test'], key: 'ec256' });
  const leLive = live.real('/etc/letsencrypt/live/le.test');
  fs.mkdirSync(leLive, { recursive: true });
  fs.mkdirSync(live.real('/etc/letsencrypt/renewal'), { recursive: true });
  fs.mkdirSync(live.real('/var/www/le'), { recursive: true });
  fs.writeFileSync(path.join(leLive, 'cert.pem'), leCert.certPem);
  fs.writeFileSync(path.join(leLive, 'fullchain.pem'), leCert.certPem + ca.intermediatePem);
  fs.writeFileSync(path.join(leLive, 'privkey.pem'), leCert.keyPem, { mode: 0o600 });
  fs.writeFileSync(
    live.real('/etc/letsencrypt/renewal/le.test.conf'),
    `version = 2.1.0\narchive_dir = ${live.real('/etc/letsencrypt/archive/le.test')}\ncert = ${leLive}/cert.pem\nprivkey = ${leLive}/privkey.pem\nfullchain = ${leLive}/fullchain.pem\n[renewalparams]\nauthenticator = webroot\nserver = https://127.0.0.1:14000/dir\n[[webroot_map]]\nle.test = ${live.real('/var/www/le')}\n`,
  );

  const ports = { modern: await freePort(), legacy: await freePort(), plain: await freePort(), le: await freePort() };
  const conf = `${apacheBase(live.runDir, Object.values(ports))}
# Server config: merged into every vhost by mod_headers.
Header always set X-Content-Type-Options nosniff
# Stapling for every vhost, though no certificate here has an OCSP URL: needless.
SSLStaplingCache shmcb:${live.runDir}/ssl_stapling(32768)
SSLUseStapling on

<VirtualHost 127.0.0.1:${ports.modern}>
  ServerName modern.test
  SSLEngine on
  SSLCertificateFile certs/modern.pem
  SSLCertificateKeyFile certs/modern.key
  SSLProtocol -all +TLSv1.2 +TLSv1.3
  SSLCipherSuite ${MOZILLA}
  SSLHonorCipherOrder off
  SSLSessionTickets off
  Header always set Strict-Transport-Security "max-age=63072000; includeSubDomains"
  Header always set X-Frame-Options SAMEORIGIN
  Header always set Content-Security-Policy "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
  Header always set Referrer-Policy strict-origin-when-cross-origin
</VirtualHost>

<VirtualHost 127.0.0.1:${ports.legacy}>
  ServerName legacy.test
  SSLEngine on
  SSLCertificateFile certs/legacy.pem
  SSLCertificateKeyFile certs/legacy.key
  # What this OpenSSL allows at all: TLS 1.0/1.1 only at security level 0.
  SSLProtocol all
  SSLCipherSuite ALL:@SECLEVEL=0
  Header always set X-XSS-Protection "1; mode=block"
  Header always set Public-Key-Pins "pin-sha256=\\"d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM=\\"; max-age=5184000"
</VirtualHost>

<VirtualHost 127.0.0.1:${ports.le}>
  ServerName le.test
  SSLEngine on
  SSLCertificateFile ../letsencrypt/live/le.test/fullchain.pem
  SSLCertificateKeyFile ../letsencrypt/live/le.test/privkey.pem
  SSLProtocol -all +TLSv1.2 +TLSv1.3
</VirtualHost>

<VirtualHost 127.0.0.1:${ports.plain}>
  ServerName modern.test
  Redirect permanent / https://modern.test/
</VirtualHost>
`;
  fs.writeFileSync(path.join(serverRoot, 'apache2.conf'), conf);
  const apache = await startApache({ teardown: (fn) => cleanups.unshift(fn) }, { serverRoot, runDir: live.runDir, ports: Object.values(ports), root: live.root });
  site = { live, apache, ports, conf: conf.split('\n'), renewed, intermediatePem: ca.intermediatePem };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial('the inventory: every TLS vhost of the Apache config, each probed on its own port, serves the file on disk', async (t) => {
  const f = await run('tls.cert.served');
  t.deepEqual(
    f.items!.map((i) => [i.subject, i.status]),
    [
      [modern(), 'pass'],
      [legacy(), 'pass'],
      [`le.test:${site.ports.le}`, 'pass'],
    ],
    JSON.stringify(f.items),
  );
  t.true(
    itemOf(f, modern()).evidence.some((e) => e.file === CONF && e.line === lineOf(`<VirtualHost 127.0.0.1:${site.ports.modern}>`)),
    'the <VirtualHost> line is the evidence',
  );
});

test.serial('tls.protocols live: TLS 1.0 and 1.1 really accepted by "SSLProtocol all" fail, with that line; the modern vhost passes', async (t) => {
  const f = await run('tls.protocols');
  t.is(f.status, 'fail');
  t.is(itemOf(f, modern()).status, 'pass', itemOf(f, modern()).summary);
  const old = itemOf(f, legacy());
  t.is(old.status, 'fail');
  t.regex(old.summary, /TLS ?v?1(\.0)?\b.*1\.1|TLSv1, TLSv1\.1/, old.summary);
  t.true(old.evidence.some((e) => e.file === CONF && e.line === lineOf('SSLProtocol all')), JSON.stringify(old.evidence));
  t.deepEqual(f.fixes, ['tls.protocols'], 'the fix edits Apache too');
});

test.serial('tls.ciphers live: the legacy vhost\'s weak classes are found by handshake; nothing nginx-specific is said about Apache', async (t) => {
  const f = await run('tls.ciphers');
  t.is(f.status, 'fail');
  t.deepEqual(itemOf(f, modern()), { ...itemOf(f, modern()), status: 'pass', summary: 'only forward-secret AEAD suites for TLS 1.2' });
  t.regex(itemOf(f, legacy()).summary, /^accepts static RSA \(accepted [A-Z0-9-]+\), CBC/);
  t.false(f.items!.some((i) => /nginx|ssl_session_tickets/.test(i.summary)), JSON.stringify(f.items!.map((i) => i.summary)));
});

test.serial('tls.ocsp live: no OCSP URL passes, and SSLUseStapling on is named as needless in Apache\'s words, with its line', async (t) => {
  const f = await run('tls.ocsp');
  t.is(f.status, 'pass', f.summary);
  const i = itemOf(f, modern());
  t.is(i.summary, `"modern.test" has no OCSP URL (revocation by CRL): nothing to staple; SSLUseStapling on (${CONF}:${lineOf('SSLUseStapling on')}) is needless: Apache ignores it for this certificate (remove it, and SSLStaplingCache if nothing else staples)`);
  t.false(f.items!.some((x) => /nginx|ssl_stapling/.test(x.summary)));
  t.deepEqual(f.fixes, [], 'the nginx stapling fix is never offered for Apache');
});

test.serial('tls.cert.chain, key, hostname and expiry judge what Apache serves and names', async (t) => {
  const chain = await run('tls.cert.chain');
  t.is(chain.status, 'pass', chain.summary);
  const key = await run('tls.cert.key');
  t.is(itemOf(key, '/etc/apache2/certs/legacy.pem').status, 'warn', 'RSA 2048: below the recommended 3072');
  t.is(itemOf(key, '/etc/apache2/certs/modern.pem').status, 'pass');
  t.true(itemOf(key, '/etc/apache2/certs/modern.pem').evidence.some((e) => e.text === 'SSLCertificateFile certs/modern.pem' && e.line === lineOf('SSLCertificateFile certs/modern.pem')));
  t.is((await run('tls.cert.hostname')).status, 'pass');
  t.is((await run('tls.cert.expiry')).status, 'pass');
});

test.serial('web headers live: what each Apache vhost really sends, with the Header line or the <VirtualHost> that should set it', async (t) => {
  const hsts = await run('web.hsts');
  t.is(itemOf(hsts, modern()).summary, 'HSTS max-age=63072000 (730 days), includeSubDomains');
  const missing = itemOf(hsts, legacy());
  t.is(missing.status, 'fail');
  t.true(
    missing.evidence.some((e) => e.file === CONF && e.line === lineOf(`<VirtualHost 127.0.0.1:${site.ports.legacy}>`)),
    `the block that should set it: ${JSON.stringify(missing.evidence)}`,
  );
  t.true(itemOf(hsts, modern()).evidence.some((e) => e.line === lineOf('Strict-Transport-Security')));

  const nosniff = await run('web.nosniff');
  t.is(nosniff.status, 'pass', 'the server-config Header reaches both vhosts');
  t.true(itemOf(nosniff, legacy()).evidence.some((e) => e.file === CONF && e.line === lineOf('Header always set X-Content-Type-Options nosniff')));

  t.is(itemOf(await run('web.frame-options'), modern()).status, 'pass');
  t.is(itemOf(await run('web.frame-options'), legacy()).status, 'fail');
  t.is(itemOf(await run('web.csp'), modern()).status, 'pass');
  t.is(itemOf(await run('web.referrer-policy'), modern()).status, 'pass');
  const xss = await run('web.xss-protection');
  t.is(itemOf(xss, legacy()).status, 'info');
  const hpkp = await run('web.hpkp');
  t.is(hpkp.status, 'fail');
  t.is(hpkp.items!.filter((i) => i.status === 'fail').map((i) => i.subject).join(), legacy());
  t.is(itemOf(hpkp, legacy()).evidence[1]?.line, lineOf('Public-Key-Pins'));
});

test.serial('web.https-redirect live: the plain Apache vhost redirects modern.test to https', async (t) => {
  const f = await run('web.https-redirect');
  t.regex(itemOf(f, 'http://modern.test/').summary, /^http:\/\/modern.test\/ → 301 \(permanent\) https:\/\/modern.test\/$/);
});

test.serial('tls.renew on a lineage Apache serves: the plan reloads Apache gracefully (SIGUSR1 to the sysroot\'s pid file); run for real, Apache serves the renewed certificate', async (t) => {
  const host = createLocalHost({ root: site.live.root, network: true });
  const expiry = await run('tls.cert.expiry');
  const own = itemOf(expiry, '/etc/letsencrypt/live/le.test/fullchain.pem').fix;
  t.deepEqual(own, { id: 'tls.renew', args: { 'cert-name': 'le.test' } });
  // tls.renewal: Apache serves the lineage and nothing in its renewal conf reloads Apache.
  const renewal = itemOf(await run('tls.renewal'), 'le.test');
  t.regex(renewal.summary, /Apache serves it, but nothing reloads Apache after a renewal \(installer is not apache, no deploy\/post hook\)/);
  const plan = await renewFix.plan(host, now(), own!.args);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.commands.map((c) => c.argv[0]), ['certbot', 'pkill', 'sleep']);
  t.deepEqual(plan.commands[1].argv, ['pkill', '--signal', 'USR1', '-F', site.live.real('/var/run/apache2/apache2.pid'), '-x', 'apache2']);
  t.true(plan.commands[1].reload);
  t.regex(plan.commands[1].describe, /^reload Apache \(graceful restart: SIGUSR1 to the pid in \/var\/run\/apache2\/apache2.pid\) so that it serves the renewed le.test$/);

  // What certbot would have written (certbot against pebble is proven with nginx in tls-renew.test.ts).
  const le = site.live.real('/etc/letsencrypt/live/le.test');
  fs.writeFileSync(path.join(le, 'cert.pem'), site.renewed.certPem);
  fs.writeFileSync(path.join(le, 'fullchain.pem'), site.renewed.certPem + site.intermediatePem);
  fs.writeFileSync(path.join(le, 'privkey.pem'), site.renewed.keyPem, { mode: 0o600 });
  const stale = await run('tls.cert.served');
  t.is(itemOf(stale, `le.test:${site.ports.le}`).status, 'fail', 'not reloaded yet: the old serial is served');

  const reload = plan.commands[1];
  const r = await host.exec(reload.argv[0], reload.argv.slice(1), { timeoutMs: reload.timeoutMs });
  t.is(r.exitCode, 0, r.stderr);
  let after = await run('tls.cert.served');
  for (let i = 0; i < 40 && itemOf(after, `le.test:${site.ports.le}`).status !== 'pass'; i++) {
    await new Promise((res) => setTimeout(res, 250));
    after = await run('tls.cert.served');
  }
  t.is(itemOf(after, `le.test:${site.ports.le}`).status, 'pass', itemOf(after, `le.test:${site.ports.le}`).summary);
  t.regex(site.apache.errorLog(), /SIGUSR1 received|Graceful restart requested/);
});

test.serial('tls.protocols fix on Apache: SSLProtocol replaced in place, apache2ctl configtest on a staged copy, graceful restart, TLS 1.0/1.1 refused live; undo restores the bytes and the old behaviour', async (t) => {
  const host = createLocalHost({ root: site.live.root, network: true });
  const before = await run('tls.protocols');
  t.is(itemOf(before, legacy()).status, 'fail');
  t.deepEqual(before.fixes, ['tls.protocols']);
  const confPath = site.live.real(CONF);
  const bytes = fs.readFileSync(confPath);
  const plan = await protocolsFix.plan(host, now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), [CONF]);
  t.is(plan.edits[0].after, bytes.toString('utf8').replace('\n  SSLProtocol all\n', '\n  SSLProtocol -all +TLSv1.2 +TLSv1.3\n'), 'exactly the one line changes');
  t.deepEqual(plan.validate.map((v) => v.argv), [['env', 'APACHE_CONFDIR={stage}/etc/apache2', 'apache2ctl', 'configtest']]);
  t.deepEqual(plan.commands.map((c) => c.argv), [['pkill', '--signal', 'USR1', '-F', site.live.real('/var/run/apache2/apache2.pid'), '-x', 'apache2'], ['sleep', '1']]);

  const verify = async () => {
    const f = await run('tls.protocols');
    return { ok: f.status === 'pass', summary: f.summary };
  };
  const outcome = await applyPlan(host, plan, { stateDir: '/var/lib/hardtop', verify });
  t.true(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) return;
  const live = await run('tls.protocols');
  t.is(itemOf(live, legacy()).status, 'pass', itemOf(live, legacy()).summary);
  t.regex(itemOf(live, legacy()).summary, /^accepts TLS 1\.2, TLS 1\.3; refuses TLS 1\.0, TLS 1\.1/);
  t.regex(site.apache.errorLog(), /SIGUSR1 received|Graceful restart requested/);

  const undone = await undoChange(host, outcome.journalId);
  t.true(undone.ok, undone.message);
  t.deepEqual(fs.readFileSync(confPath), bytes, 'restored byte for byte');
  let back = await run('tls.protocols');
  for (let i = 0; i < 20 && itemOf(back, legacy()).status !== 'fail'; i++) {
    await new Promise((r) => setTimeout(r, 250));
    back = await run('tls.protocols');
  }
  t.is(itemOf(back, legacy()).status, 'fail', 'undo reloaded Apache: TLS 1.0/1.1 accepted again');
});

test.serial('tls.protocols on Apache: a configuration apache2ctl refuses is never applied; nothing live changes', async (t) => {
  const host = createLocalHost({ root: site.live.root, network: true });
  const confPath = site.live.real(CONF);
  const bytes = fs.readFileSync(confPath);
  const plan = await protocolsFix.plan(host, now());
  t.is(plan.guard, undefined);
  // The edit as planned, plus a directive httpd does not know: what a bad edit looks like to the checker.
  const edits = plan.edits.map((e) => ({ ...e, after: `${e.after}NoSuchDirective on\n` }));
  // Validation is built from the edits it stages (as the fix builds it).
  const broken = { ...plan, edits, validate: [apacheValidation(edits)] };
  const outcome = await applyPlan(host, broken, { stateDir: '/var/lib/hardtop' });
  t.false(outcome.ok);
  t.regex(JSON.stringify(outcome), /configtest|NoSuchDirective|Invalid command/);
  t.deepEqual(fs.readFileSync(confPath), bytes, 'the live file is untouched');
  t.is(itemOf(await run('tls.protocols'), legacy()).status, 'fail', 'and Apache still serves the old configuration');
});

test.serial('Apache stopped: the live checks are errors that say the listener is not reachable', async (t) => {
  await site.apache.stop();
  const f = await run('tls.cert.served');
  t.is(f.status, 'error');
  t.regex(itemOf(f, modern()).summary, /refused|unreachable|not reachable/i);
});
