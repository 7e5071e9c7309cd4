// The tls checks on fixture sysroots (offline: no probe runs here; the live
// side is test/checks/tls-live.test.ts against a real nginx). The clock is
// fixed at 2026-11-28T12:00Z; the fixture certificates are dated around it
// (test/fixtures/roots/tls-build.ts).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { checks, fixes, makeTlsChecks } from '../../checks/tls/index';
import { checks as webChecks } from '../../checks/web/index';
import { tlsPolicy, tlsPolicyProblems } from '../../checks/tls/policy';
import { NO_NETWORK, NOT_LIVE_ROOT } from '../../checks/tls/probe';
import { classifySuite, configEnables } from '../../checks/tls/ciphers';
import { judgeExpiry } from '../../checks/tls/expiry';
import { namesToCover } from '../../checks/tls/hostname';
import { parseRenewalConf } from '../../checks/tls/renewal';
import { at, copyRoot, ctx, evidencePathsAreHostPaths, ROOTS } from './updates-reboot-helpers';
import { realProber } from '../helpers/nginx';

const byId = (id: string): Check => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(id);
  return c;
};

async function run(id: string, root: string, context: RunContext = ctx): Promise<Finding> {
  const host = createLocalHost({ root: path.isAbsolute(root) ? root : path.join(ROOTS, root), network: true });
  return byId(id).run(host, context);
}

function itemOf(f: Finding, subject: string) {
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`${f.id}: no item ${subject} in ${JSON.stringify(f.items?.map((x) => x.subject))}`);
  return i;
}

const TLS_ROOTS = fs.readdirSync(ROOTS).filter((n) => n.startsWith('tls-') && fs.statSync(path.join(ROOTS, n)).isDirectory());
const live: RunContext = { ...ctx, network: true };

// ---------------------------------------------------------------------------
// The area

test('the tls area: CHECKS.md ids, order and severities; its fixes; each watches nginx and certbot files', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['tls.cert.expiry', 'tls', 'critical'],
      ['tls.cert.served', 'tls', 'high'],
      ['tls.cert.chain', 'tls', 'high'],
      ['tls.cert.hostname', 'tls', 'high'],
      ['tls.cert.key', 'tls', 'high'],
      ['tls.cert.ct', 'tls', 'medium'],
      ['tls.ocsp', 'tls', 'medium'],
      ['tls.protocols', 'tls', 'high'],
      ['tls.ciphers', 'tls', 'medium'],
      ['tls.renewal', 'tls', 'high'],
    ],
  );
  t.deepEqual(fixes.map((f) => [f.id, f.area, f.risk]), [['tls.renew', 'tls', 'disruptive'], ['tls.protocols', 'tls', 'disruptive'], ['tls.stapling', 'tls', 'safe']]);
  for (const c of checks) {
    t.true(c.watch!.includes('/etc/nginx/sites-enabled') && c.watch!.includes('/etc/letsencrypt/live'), c.id);
    t.true((c.interval ?? 0) > 0, c.id);
  }
});

test('assets/policy/tls.json is sane and says what it follows', (t) => {
  t.deepEqual(tlsPolicyProblems(tlsPolicy), []);
  t.regex(tlsPolicy.source, /Mozilla .*6\.0.*intermediate/);
  t.deepEqual(tlsPolicy.protocols.forbidden, ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1']);
  t.is(tlsPolicy.expiry.failDays, 7);
  t.deepEqual(tlsPolicyProblems({ ...tlsPolicy, expiry: { ...tlsPolicy.expiry, warnLifetimeDivisor: 1 } }), ['expiry.warnLifetimeDivisor must be an integer > 1']);
});

test('every tls root × every tls and web check: exactly one well-formed finding, host paths only, never a throw', async (t) => {
  for (const root of TLS_ROOTS) {
    for (const check of [...checks, ...webChecks]) {
      const f = await check.run(createLocalHost({ root: path.join(ROOTS, root), network: false }), ctx);
      t.is(f.id, check.id);
      t.is(f.severity, check.severity);
      t.true(f.summary.length > 0 && !/[\r\n]/.test(f.summary), `${root} ${check.id}`);
      t.true(evidencePathsAreHostPaths(f), `${root} ${check.id}: ${JSON.stringify(f.evidence)}`);
      for (const i of f.items ?? []) t.true(evidencePathsAreHostPaths({ ...f, evidence: i.evidence }), `${root} ${check.id} ${i.subject}`);
      // tls.renew is offered only for a certbot certificate that is due (none is, at this clock); the config fixes wherever their check does not pass.
      const offered: Record<string, string> = { 'tls.protocols': 'tls.protocols', 'web.hsts': 'web.headers' };
      // An invalid nginx configuration (tls-malformed) is an error no config fix can apply to: none offered.
      const expected = offered[check.id] && ['warn', 'fail'].includes(f.status) ? [offered[check.id]] : [];
      if (offered[check.id] && f.status !== 'error') t.deepEqual(f.fixes, expected, `${root} ${check.id}`);
      if (root === 'tls-malformed') t.deepEqual(f.fixes, [], `${root} ${check.id}`);
      else if (!offered[check.id] && check.id !== 'tls.ocsp' && !check.id.startsWith('web.')) t.deepEqual(f.fixes, [], `${root} ${check.id}`);
    }
  }
});

test('no nginx and no /etc/letsencrypt: every check is skipped and says why', async (t) => {
  for (const check of [...checks, ...webChecks]) {
    const f = await check.run(createLocalHost({ root: path.join(ROOTS, 'tls-none'), network: false }), live);
    t.is(f.status, 'skip', check.id);
    t.regex(f.summary, /no nginx \(\/etc\/nginx\/nginx.conf does not exist\)|no \/etc\/letsencrypt/, check.id);
  }
});

test('a malformed nginx config: every check is an error naming nginx file:line', async (t) => {
  for (const check of [...checks, ...webChecks]) {
    const f = await check.run(createLocalHost({ root: path.join(ROOTS, 'tls-malformed'), network: false }), live);
    t.is(f.status, 'error', check.id);
    t.regex(f.summary, /unexpected end of file, expecting "\}" in \/etc\/nginx\/sites-enabled\/broken:9 \(the block "server" at line 1 is never closed\)/, check.id);
    t.deepEqual(f.evidence[0], { file: '/etc/nginx/sites-enabled/broken', line: 9, text: f.evidence[0].text });
  }
});

// ---------------------------------------------------------------------------
// The live checks decide for themselves whether to probe

test('live checks: --no-network skips them, --root skips them', async (t) => {
  const liveIds = ['tls.cert.served', 'web.hsts', 'web.https-redirect'];
  const all = [...checks, ...webChecks].filter((c) => liveIds.includes(c.id));
  const sysroot = createLocalHost({ root: path.join(ROOTS, 'tls-letsencrypt'), network: true });
  for (const c of all) {
    t.deepEqual([(await c.run(sysroot, ctx)).summary, (await c.run(sysroot, ctx)).status], [NO_NETWORK, 'skip'], `${c.id} --no-network`);
    t.deepEqual([(await c.run(sysroot, live)).summary, (await c.run(sysroot, live)).status], [NOT_LIVE_ROOT, 'skip'], `${c.id} --root`);
  }
  t.is(NOT_LIVE_ROOT, 'not probed: --root is not the running system');
});

test('an explicit prober is honoured under --root, but never under --no-network', async (t) => {
  const served = makeTlsChecks({ prober: realProber(500) }).find((c) => c.id === 'tls.cert.served')!;
  const sysroot = createLocalHost({ root: path.join(ROOTS, 'tls-letsencrypt'), network: true });
  t.is((await served.run(sysroot, ctx)).summary, NO_NETWORK);
  const f = await served.run(sysroot, live);
  // The fixture's vhost listens on 443; nothing of ours listens there, so the probe ran and found nothing (or something else).
  t.not(f.summary, NOT_LIVE_ROOT);
  t.true(f.items!.length > 0);
});

test('offline, the chain/protocols/ciphers checks judge the files and config and say so', async (t) => {
  for (const id of ['tls.cert.chain', 'tls.protocols', 'tls.ciphers']) {
    const f = await run(id, 'tls-letsencrypt', live);
    t.is(f.status, 'pass', `${id}: ${f.summary}`);
    t.regex(itemOf(f, 'site.test:443').summary, /from the (file|config) \(not probed: --root is not the running system\)/, id);
  }
});

// ---------------------------------------------------------------------------
// tls.cert.expiry

test('expiry: a third of the lifetime and 7 days are the lines', (t) => {
  const from = new Date('2026-10-01T00:00:00Z');
  const to = new Date('2026-12-30T00:00:00Z');
  t.is(judgeExpiry(from, to, new Date('2026-11-28T12:00:00Z')).status, 'pass');
  t.is(judgeExpiry(from, to, new Date('2026-11-30T00:00:00Z')).status, 'warn', 'exactly a third left');
  t.is(judgeExpiry(from, to, new Date('2026-12-22T23:00:00Z')).status, 'fail', '7 days left');
  t.regex(judgeExpiry(from, to, new Date('2027-01-02T00:00:00Z')).summary, /^expired on 2026-12-30 \(3 days ago\)$/);
  t.is(judgeExpiry(new Date('2027-01-01T00:00:00Z'), new Date('2027-04-01T00:00:00Z'), new Date('2026-11-28T00:00:00Z')).status, 'fail', 'not yet valid');
  // A 365-day certificate with 30 days left is past its renewal point.
  t.is(judgeExpiry(new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z')).status, 'warn');
});

test('expiry of short-lived certificates follows CHECKS.md: warn under a third, fail at 7 days whatever the lifetime (a 6-day one always fails; a contract change is proposed, not made)', (t) => {
  // Let's Encrypt's 6-day profile: always ≤ 7 days left, so CHECKS.md's day line fails it from issuance.
  const from = new Date('2026-11-25T12:00:00Z');
  const to = new Date('2026-12-01T12:00:00Z');
  t.deepEqual(judgeExpiry(from, to, new Date('2026-11-25T13:00:00Z')), { status: 'fail', summary: 'expires in 5 days (2026-12-01)' }, 'just issued');
  t.is(judgeExpiry(from, to, new Date('2026-12-01T00:00:00Z')).summary, 'expires in 12 hours (2026-12-01)', 'hours when less than a day is left');
  t.is(judgeExpiry(from, to, new Date('2026-12-01T13:00:00Z')).status, 'fail', 'expired');
  // CA/B Forum's 47-day maximum (2029): a third is ~15.7 days, the 7-day line applies.
  const from47 = new Date('2026-11-01T00:00:00Z');
  const to47 = new Date('2026-12-18T00:00:00Z');
  t.is(judgeExpiry(from47, to47, new Date('2026-11-28T00:00:00Z')).status, 'pass', '20 days left');
  t.is(judgeExpiry(from47, to47, new Date('2026-12-03T00:00:00Z')).status, 'warn', '15 days left');
  t.is(judgeExpiry(from47, to47, new Date('2026-12-10T12:00:00Z')).summary, 'expires in 7 days (2026-12-18)');
  t.is(judgeExpiry(from47, to47, new Date('2026-12-10T00:00:00Z')).status, 'warn', '8 days left: warn, not fail');
});

test('expiry on the certbot root: pass now, warn under a third, fail at a week, fail expired', async (t) => {
  const f = await run('tls.cert.expiry', 'tls-letsencrypt');
  t.is(f.status, 'pass');
  t.deepEqual(f.items!.map((i) => [i.subject, i.status]), [
    ['/etc/letsencrypt/live/site.test/fullchain.pem', 'pass'],
    ['/etc/letsencrypt/live/spare.test/fullchain.pem', 'pass'],
  ]);
  t.is(itemOf(f, '/etc/letsencrypt/live/site.test/fullchain.pem').summary, '"site.test" 31 days left of 90, until 2026-12-30');
  t.deepEqual(itemOf(f, '/etc/letsencrypt/live/site.test/fullchain.pem').evidence.slice(1, 2), [{ file: '/etc/nginx/sites-enabled/site.test', line: 15, text: 'ssl_certificate /etc/letsencrypt/live/site.test/fullchain.pem' }]);
  t.regex(itemOf(f, '/etc/letsencrypt/live/spare.test/fullchain.pem').evidence[1].text!, /certbot lineage spare.test \(served by no nginx vhost\)/);
  t.is((await run('tls.cert.expiry', 'tls-letsencrypt', at('2026-12-05T00:00:00Z'))).status, 'warn');
  const week = await run('tls.cert.expiry', 'tls-letsencrypt', at('2026-12-25T00:00:00Z'));
  t.is(week.status, 'fail');
  t.regex(week.summary, /site.test\/fullchain.pem: "site.test" expires in 5 days \(2026-12-30\)/);
  t.regex((await run('tls.cert.expiry', 'tls-letsencrypt', at('2027-01-02T00:00:00Z'))).summary, /expired on 2026-12-30/);
});

test('expiry on the weak root: the expired and the 3-day certificates fail, each named', async (t) => {
  const f = await run('tls.cert.expiry', 'tls-weak');
  t.is(f.status, 'fail');
  t.regex(f.summary, /^\/etc\/ssl\/hardtop\/expired.pem: "expired.test" expired on 2026-04-01 \(242 days ago\); \/etc\/ssl\/hardtop\/soon.pem: "soon.test" expires in 2 days \(2026-12-01\)/);
  t.is(f.items!.length, 8, 'soon.pem is served by two vhosts but is one item');
});

test('expiry: a certificate file that is missing is an error item naming it', async (t) => {
  const root = copyRoot(t, 'tls-letsencrypt');
  fs.rmSync(path.join(root, 'etc/letsencrypt/archive/site.test/fullchain1.pem'));
  const f = await run('tls.cert.expiry', root);
  t.is(f.status, 'error');
  t.regex(itemOf(f, '/etc/letsencrypt/live/site.test/fullchain.pem').summary, /fullchain.pem does not exist/);
});

test('certbot without nginx: the certificates are still judged; vhost checks skip', async (t) => {
  t.is((await run('tls.cert.expiry', 'tls-le-only')).status, 'pass');
  t.is((await run('tls.cert.key', 'tls-le-only')).status, 'pass');
  t.is((await run('tls.cert.chain', 'tls-le-only')).status, 'pass');
  const h = await run('tls.cert.hostname', 'tls-le-only');
  t.deepEqual([h.status, h.summary], ['skip', 'no nginx (/etc/nginx/nginx.conf does not exist) and no Apache']);
});

// ---------------------------------------------------------------------------
// tls.cert.chain

test('chain from the files: out of order, leaf only, a private CA named by ssl_trusted_certificate', async (t) => {
  const f = await run('tls.cert.chain', 'tls-weak');
  t.is(f.status, 'fail');
  t.is(itemOf(f, 'expired.test:443').status, 'pass', 'an expired LEAF is tls.cert.expiry, not a chain fault');
  t.regex(itemOf(f, 'disorder.test:443').summary, /^intermediates out of order: sent "disorder.test" → "hardtop fixture root CA" → "hardtop fixture intermediate CA"/);
  t.regex(itemOf(f, 'leafonly.test:443').summary, /^incomplete chain: the issuer "hardtop fixture intermediate CA" of "leafonly.test" is neither sent nor a trust anchor \(\/etc\/ssl\/hardtop\/leafonly.pem holds the leaf only/);
  t.regex(itemOf(f, 'foreign.test:443').summary, /^verifies to "unrelated root CA"/);
});

test('chain: without the configured CA a private chain fails; with it given as an extra anchor it passes', async (t) => {
  const root = copyRoot(t, 'tls-weak');
  const conf = path.join(root, 'etc/nginx/sites-enabled/80-foreign.conf');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/\tssl_trusted_certificate .*\n/, ''));
  const host = createLocalHost({ root, network: false });
  const plain = await byId('tls.cert.chain').run(host, ctx);
  t.regex(itemOf(plain, 'foreign.test:443').summary, /incomplete chain: the issuer "unrelated root CA"/);
  const anchor = fs.readFileSync(path.join(root, 'etc/ssl/hardtop/unrelated-root.pem'), 'utf8');
  const withAnchor = makeTlsChecks({ extraAnchors: [anchor] }).find((c) => c.id === 'tls.cert.chain')!;
  t.is(itemOf(await withAnchor.run(host, ctx), 'foreign.test:443').status, 'pass');
});

test('chain: no trust store at all is an error, not a pass', async (t) => {
  const root = copyRoot(t, 'tls-letsencrypt');
  fs.rmSync(path.join(root, 'etc/ssl/certs/ca-certificates.crt'));
  const f = await run('tls.cert.chain', root);
  t.is(f.status, 'error');
  t.regex(f.summary, /no trust store to verify against/);
});

// ---------------------------------------------------------------------------
// tls.cert.hostname

test('hostname: every server_name must be in the SANs; the CN and a wildcard for another domain do not count', async (t) => {
  const f = await run('tls.cert.hostname', 'tls-weak');
  t.is(f.status, 'fail');
  const wrong = itemOf(f, 'wrong.test:443');
  t.is(wrong.summary, '/etc/ssl/hardtop/wrong.pem does not cover wrong.test, www.wrong.test (its names: other.test, *.other.test)');
  t.deepEqual(wrong.evidence.map((e) => [e.file, e.line]), [['/etc/nginx/sites-enabled/50-wrong.conf', 1], ['/etc/nginx/sites-enabled/50-wrong.conf', 3], ['/etc/nginx/sites-enabled/50-wrong.conf', 4]]);
  t.is(itemOf(f, 'weak.test:443').status, 'pass');
  t.is((await run('tls.cert.hostname', 'tls-letsencrypt')).status, 'pass');
});

test('namesToCover: ".x" means x and *.x; "_", "" and regex names are not names', (t) => {
  t.deepEqual(namesToCover(['_', '', '.Example.com', 'a.test', '~^(www\\.)?b\\.test$', 'c.$host']), { names: ['example.com', '*.example.com', 'a.test'], unchecked: ['~^(www\\.)?b\\.test$', 'c.$host'] });
});

// ---------------------------------------------------------------------------
// tls.cert.key

test('key: RSA 1024 fails, a key file of another certificate fails, RSA 2048 warns, EC and Ed25519 pass', async (t) => {
  const f = await run('tls.cert.key', 'tls-weak');
  t.is(f.status, 'fail');
  t.is(itemOf(f, '/etc/ssl/hardtop/weak.pem').summary, '"weak.test": RSA 1024: below 2048 bits; the private key matches');
  t.is(itemOf(f, '/etc/ssl/hardtop/mismatch.pem').summary, '"mismatch.test": EC prime256v1; the private key /etc/ssl/hardtop/mismatch.key does NOT match the certificate');
  t.is(itemOf(f, '/etc/ssl/hardtop/leafonly.pem').status, 'warn');
  t.is(itemOf(f, '/etc/ssl/hardtop/foreign.pem').summary, '"foreign.test": Ed25519; the private key matches');
  t.is(itemOf(f, '/etc/ssl/hardtop/wrong.pem').status, 'pass');
});

test('key: a missing key file is an error; an encrypted one is noted, its size still judged', async (t) => {
  const root = copyRoot(t, 'tls-letsencrypt');
  fs.rmSync(path.join(root, 'etc/letsencrypt/archive/spare.test/privkey1.pem'));
  const { execFileSync } = await import('node:child_process');
  const keyFile = path.join(root, 'etc/letsencrypt/archive/site.test/privkey1.pem');
  const encrypted = execFileSync('openssl', ['pkey', '-in', keyFile, '-aes256', '-passout', 'pass:secret'], { encoding: 'utf8' });
  fs.writeFileSync(keyFile, encrypted);
  const f = await run('tls.cert.key', root);
  t.is(f.status, 'error');
  t.regex(itemOf(f, '/etc/letsencrypt/live/spare.test/fullchain.pem').summary, /key \/etc\/letsencrypt\/live\/spare.test\/privkey.pem does not exist/);
  const site = itemOf(f, '/etc/letsencrypt/live/site.test/fullchain.pem');
  t.is(site.status, 'info');
  t.regex(site.summary, /EC prime256v1; key .* is passphrase-protected/);
});

// ---------------------------------------------------------------------------
// tls.protocols (offline: from the config)

test('protocols from the config: nginx 1.22 default keeps TLS 1.0/1.1 (version from the sysroot dpkg database); SSLv3 is named', async (t) => {
  const f = await run('tls.protocols', 'tls-weak');
  t.is(f.status, 'fail');
  const expired = itemOf(f, 'expired.test:443');
  t.is(expired.summary, 'enables TLS 1.0, TLS 1.1, TLS 1.2 (TLS 1.0, TLS 1.1 must be off) — from the config (skipped: --no-network)');
  t.deepEqual(expired.evidence[0], { file: '/var/lib/dpkg/status', line: 1, text: 'ssl_protocols not set: nginx 1.22.1 defaults to TLSv1 TLSv1.1 TLSv1.2' });
  t.regex(itemOf(f, 'oldproto.test:443').summary, /^enables SSLv3, TLS 1.0, TLS 1.2 \(SSLv3, TLS 1.0 must be off\)/);
  t.is(itemOf(f, 'foreign.test:443').status, 'pass');
});

test('protocols: without a version to go by, the older (permissive) default is assumed and said', async (t) => {
  const root = copyRoot(t, 'tls-weak');
  fs.rmSync(path.join(root, 'var/lib/dpkg/status'));
  const f = await run('tls.protocols', root);
  t.regex(itemOf(f, 'weak.test:443').evidence[0].text!, /nginx of unknown version \(assuming the older default\) defaults to TLSv1 TLSv1.1 TLSv1.2/);
});

// ---------------------------------------------------------------------------
// tls.ciphers (offline: from the config, as this machine's openssl expands it)

test('ciphers from the config: the default HIGH keeps static RSA and CBC; RC4/3DES named as written; tickets on nginx 1.22 warn', async (t) => {
  const f = await run('tls.ciphers', 'tls-weak');
  t.is(f.status, 'fail');
  const weak = itemOf(f, 'weak.test:443');
  t.regex(weak.summary, /^from the config \(skipped: --no-network\): enables static RSA \(\d+ suites, e\.g\. [A-Z0-9-]+\), CBC \(\d+ suites/);
  t.regex(weak.summary, /session tickets on with nginx 1.22.1, which never rotates the ticket key/);
  t.true(weak.evidence.some((e) => e.text === 'ssl_ciphers not set: nginx defaults to HIGH:!aNULL:!MD5'));
  t.regex(itemOf(f, 'oldproto.test:443').summary, /enables RC4 \(as written: RC4-SHA\), 3DES \(as written: DES-CBC3-SHA\)/);
  const foreign = itemOf(f, 'foreign.test:443');
  t.is(foreign.status, 'pass');
  t.regex(foreign.summary, /only forward-secret AEAD suites for TLS 1.2; ssl_prefer_server_ciphers on \(Mozilla 6.0: off\)/);
});

test('classifySuite and configEnables', (t) => {
  t.is(classifySuite('ECDHE-RSA-AES128-GCM-SHA256   TLSv1.2 Kx=ECDH     Au=RSA   Enc=AESGCM(128)            Mac=AEAD'), 'good');
  t.is(classifySuite('AES256-GCM-SHA384 TLSv1.2 Kx=RSA Au=RSA Enc=AESGCM(256) Mac=AEAD'), 'static-rsa');
  t.is(classifySuite('ECDHE-RSA-AES256-SHA TLSv1 Kx=ECDH Au=RSA Enc=AES(256) Mac=SHA1'), 'cbc');
  t.is(classifySuite('DHE-RSA-AES256-GCM-SHA384 TLSv1.2 Kx=DH Au=RSA Enc=AESGCM(256) Mac=AEAD'), 'dhe');
  t.is(classifySuite('AECDH-AES256-SHA SSLv3 Kx=ECDH Au=None Enc=AES(256) Mac=SHA1'), 'null');
  t.is(classifySuite('TLS_AES_256_GCM_SHA384 TLSv1.3 Kx=any Au=any Enc=AESGCM(256) Mac=AEAD'), null);
  t.is(classifySuite('PSK-AES256-GCM-SHA384 TLSv1.2 Kx=PSK Au=PSK Enc=AESGCM(256) Mac=AEAD'), null);
  const rc4 = tlsPolicy.cipherClasses.find((c) => c.id === 'rc4')!;
  t.deepEqual(configEnables(rc4, 'HIGH:!RC4:-RC4-SHA'), [], 'negated elements enable nothing');
  t.deepEqual(configEnables(rc4, 'ECDHE+RC4:RC4-SHA'), ['ECDHE+RC4', 'RC4-SHA']);
});

// ---------------------------------------------------------------------------
// tls.renewal

test('renewal: certbot.timer enabled passes; installer nginx counts as the reload', async (t) => {
  const f = await run('tls.renewal', 'tls-letsencrypt');
  t.is(f.status, 'pass');
  t.is(f.summary, '2 certbot lineage(s): certbot.timer enabled');
  t.is(itemOf(f, 'site.test').summary, 'certbot.timer enabled; installer nginx reloads it');
});

test("renewal: with the timer disabled, Debian's guarded cron entry does not count on a systemd system", async (t) => {
  const root = copyRoot(t, 'tls-letsencrypt');
  fs.rmSync(path.join(root, 'etc/systemd/system/timers.target.wants/certbot.timer'));
  const f = await run('tls.renewal', root);
  t.is(f.status, 'fail');
  t.regex(f.summary, /nothing renews the certificates: certbot.timer not enabled; \/etc\/cron.d\/certbot runs only where systemd is not running/);
  t.true(f.evidence.some((e) => e.file === '/etc/cron.d/certbot' && e.line === 17));
  // The same tree without systemd: the cron entry is what runs.
  fs.rmSync(path.join(root, 'lib/systemd/systemd'));
  const g = await run('tls.renewal', root);
  t.is(g.status, 'pass');
  t.regex(g.summary, /cron runs certbot renew \(\/etc\/cron.d\/certbot:17\)/);
});

test('renewal: certbot itself must be here: a timer that calls a missing certbot renews nothing; a program without a package counts', async (t) => {
  const root = copyRoot(t, 'tls-le-only');
  fs.mkdirSync(path.join(root, 'var/spool/cron/crontabs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'var/spool/cron/crontabs/root'), '17 3 * * * /usr/local/bin/certbot renew --quiet\n');
  t.is((await run('tls.renewal', root)).status, 'pass', 'package certbot in the dpkg database');
  fs.rmSync(path.join(root, 'var/lib/dpkg/status'));
  const gone = await run('tls.renewal', root);
  t.is(gone.status, 'fail');
  t.is(itemOf(gone, 'mail.test').summary, 'certbot is not installed (no certbot package, none of /usr/bin/certbot, /usr/local/bin/certbot, /snap/bin/certbot, /opt/certbot/bin/certbot): nothing can renew these certificates');
  fs.mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/local/bin/certbot'), '#!/bin/sh\n', { mode: 0o755 });
  t.is((await run('tls.renewal', root)).status, 'pass', 'a pip install: the program is enough');
});

test('renewal: an admin cron line in root\'s crontab counts', async (t) => {
  const root = copyRoot(t, 'tls-le-only');
  fs.mkdirSync(path.join(root, 'var/spool/cron/crontabs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'var/spool/cron/crontabs/root'), '# m h dom mon dow command\n17 3 * * * /usr/bin/certbot renew --quiet\n');
  t.is((await run('tls.renewal', root)).status, 'pass');
  t.is((await run('tls.renewal', 'tls-le-only')).status, 'fail');
});

test('renewal: a lineage nginx serves but nothing reloads nginx after renewal warns', async (t) => {
  const root = copyRoot(t, 'tls-letsencrypt');
  const conf = path.join(root, 'etc/letsencrypt/renewal/site.test.conf');
  fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('authenticator = nginx', 'authenticator = webroot').replace('installer = nginx', 'installer = None'));
  const f = await run('tls.renewal', root);
  t.is(f.status, 'warn');
  t.regex(itemOf(f, 'site.test').summary, /nginx serves it, but nothing reloads nginx after a renewal/);
  t.is(itemOf(f, 'spare.test').status, 'pass', 'spare.test is served by no vhost: nothing to reload');
  fs.mkdirSync(path.join(root, 'etc/letsencrypt/renewal-hooks/deploy'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/letsencrypt/renewal-hooks/deploy/reload-nginx'), '#!/bin/sh\nsystemctl reload nginx\n');
  t.is((await run('tls.renewal', root)).status, 'pass');
});

test('renewal: a malformed renewal conf is an error item with file:line; no /etc/letsencrypt skips', async (t) => {
  const root = copyRoot(t, 'tls-le-only');
  fs.writeFileSync(path.join(root, 'etc/letsencrypt/renewal/mail.test.conf'), 'version = 2.1.0\n[renewalparams]\nthis is not a key\n');
  const f = await run('tls.renewal', root);
  t.is(f.status, 'error');
  t.is(itemOf(f, 'mail.test').summary, '/etc/letsencrypt/renewal/mail.test.conf:3: not "key = value": this is not a key');
  const none = await run('tls.renewal', 'tls-weak');
  t.deepEqual([none.status, none.summary], ['skip', 'no /etc/letsencrypt: no certbot-managed certificate']);
  t.deepEqual(parseRenewalConf('# c\n[a]\nk = v = w\n', '/f').values.get('k'), { value: 'v = w', line: 3 });
});
