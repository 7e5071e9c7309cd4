// tls.cert.ct on a temp sysroot whose trust store holds the test CA's root
// (so, for this root, the test CA is "publicly trusted"), with leaves that
// carry synthetic SCT lists (a test CA cannot get real SCTs): 3 logs, 1 log,
// two SCTs from one log, none, 2 logs on a 200-day certificate, a malformed
// list, and a leaf from a CA that is not in the store. The real-world leaves
// of test/fixtures/tls-ct are judged through judgeCt.

import test from 'ava';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { checks } from '../../checks/tls/index';
import { anchorReached, judgeCt, requiredScts } from '../../checks/tls/ct';
import { tlsPolicy, tlsPolicyProblems } from '../../checks/tls/policy';
import { distinctLogs, embeddedScts } from '../../src/parse/sct';
import { sctExtensionLine } from '../helpers/sct';
import { createTestCa, daysFromNow, type IssueOptions, type TestCa } from '../helpers/test-ca';

const ct = checks.find((c) => c.id === 'tls.cert.ct')!;
const ctx: RunContext = { now: new Date(), network: false, signal: new AbortController().signal };
let root: string;
let ca: TestCa;
let tmp: string;

const LEAVES: Array<{ name: string; issuer?: 'private'; opts?: Partial<IssueOptions>; extensions?: string[] }> = [
  { name: 'three', extensions: [sctExtensionLine([1, 2, 3])] },
  { name: 'one', extensions: [sctExtensionLine([1])] },
  { name: 'dup', extensions: [sctExtensionLine([4, 4])] },
  { name: 'none' },
  { name: 'long', opts: { endDate: daysFromNow(199) }, extensions: [sctExtensionLine([1, 2])] },
  { name: 'long3', opts: { endDate: daysFromNow(199) }, extensions: [sctExtensionLine([1, 2, 3])] },
  { name: 'malformed', extensions: ['1.3.6.1.4.1.11129.2.4.2 = DER:0403000102'] },
  { name: 'private', issuer: 'private', extensions: [sctExtensionLine([1])] },
];

/** An nginx.conf (never started: tls.cert.ct reads files only) serving these leaves. */
function nginxConf(names: string[]): string {
  const servers = names.map((n) => `  server {\n    listen 443 ssl;\n    server_name ${n}.test;\n    ssl_certificate /etc/ssl/hardtop/${n}.pem;\n    ssl_certificate_key /etc/ssl/hardtop/${n}.key;\n  }`);
  return `events {}\nhttp {\n${servers.join('\n')}\n}\n`;
}

async function run(dir = root): Promise<Finding> {
  return ct.run(createLocalHost({ root: dir, network: false }), ctx);
}

function itemOf(f: Finding, name: string) {
  const subject = `/etc/ssl/hardtop/${name}.pem`;
  const i = f.items?.find((x) => x.subject === subject);
  if (!i) throw new Error(`no item ${subject}`);
  return i;
}

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-ct-'));
  ca = createTestCa(path.join(tmp, 'ca'), 'hardtop public');
  const other = createTestCa(path.join(tmp, 'other'), 'hardtop private');
  root = path.join(tmp, 'root');
  fs.mkdirSync(path.join(root, 'etc/ssl/hardtop'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/ssl/certs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/nginx'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/ssl/certs/ca-certificates.crt'), ca.rootPem);
  for (const leaf of LEAVES) {
    const by = leaf.issuer === 'private' ? other : ca;
    const issued = by.issue({ name: leaf.name, sans: [`${leaf.name}.test`], key: 'ec256', extensions: leaf.extensions, ...leaf.opts });
    fs.writeFileSync(path.join(root, `etc/ssl/hardtop/${leaf.name}.pem`), issued.certPem + by.intermediatePem);
    fs.writeFileSync(path.join(root, `etc/ssl/hardtop/${leaf.name}.key`), issued.keyPem);
  }
  fs.writeFileSync(path.join(root, 'etc/nginx/nginx.conf'), nginxConf(LEAVES.map((l) => l.name)));
});

test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('enough SCTs from distinct logs pass; fewer, duplicates and none fail; each says what the browsers need', async (t) => {
  const f = await run();
  t.is(f.status, 'fail');
  t.deepEqual(f.fixes, []);
  t.is(itemOf(f, 'three').summary, '"three.test": 3 SCTs from 3 distinct logs (Chrome and Apple need 2 for a 91-day lifetime)');
  t.is(itemOf(f, 'three').status, 'pass');
  t.is(itemOf(f, 'one').summary, '"one.test": 1 SCT from 1 distinct log; Chrome and Apple need 2 for a 91-day lifetime: Chrome and Apple will reject it');
  t.regex(itemOf(f, 'dup').summary, /^"dup.test": 2 SCTs but from only 1 distinct log; /);
  t.is(itemOf(f, 'dup').status, 'fail');
  t.regex(itemOf(f, 'none').summary, /^"none.test": no embedded SCT; /);
  t.deepEqual(itemOf(f, 'none').evidence[0], { file: '/etc/ssl/hardtop/none.pem', text: 'no SCT list extension (1.3.6.1.4.1.11129.2.4.2)' });
  t.deepEqual(itemOf(f, 'three').evidence[0], { file: '/etc/ssl/hardtop/three.pem', text: `SCT logs: ${['01', '02', '03'].map((b) => b.repeat(8)).join(', ')}` });
});

test('lifetime over 180 days: 3 logs needed', async (t) => {
  const f = await run();
  t.is(itemOf(f, 'long').status, 'fail');
  t.regex(itemOf(f, 'long').summary, /2 SCTs from 2 distinct logs; Chrome and Apple need 3 for a 200-day lifetime/);
  t.is(itemOf(f, 'long3').status, 'pass');
});

test('a private CA is skipped and says why; a malformed list is an error naming the file', async (t) => {
  const f = await run();
  const p = itemOf(f, 'private');
  t.is(p.status, 'skip');
  t.is(p.summary, '"private.test": not publicly trusted (its chain leads to no anchor of /etc/ssl/certs/ca-certificates.crt): CT does not apply to a private CA');
  t.deepEqual(p.evidence[0], { file: '/etc/ssl/hardtop/private.pem', text: 'issuer: hardtop private intermediate CA' });
  const m = itemOf(f, 'malformed');
  t.is(m.status, 'error');
  t.is(m.summary, '"malformed.test": the SCT list does not decode');
});

test('only the good ones left: pass, and the summary says operators are not checked', async (t) => {
  const dir = path.join(tmp, 'good-only');
  fs.cpSync(root, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/nginx/nginx.conf'), nginxConf(['three', 'long3', 'private']));
  const f = await run(dir);
  t.is(f.status, 'pass', JSON.stringify(f.items));
  t.is(f.summary, '2 publicly trusted certificate(s) carry enough SCTs for Chrome and Apple (counted by distinct log; log operators are not checked); 1 from a private CA (CT does not apply)');
});

test("an admin's own CA added to the bundle stays private where the distribution keeps its public roots apart", async (t) => {
  const dir = path.join(tmp, 'local-ca');
  fs.cpSync(root, dir, { recursive: true });
  const mozilla = path.join(dir, 'usr/share/ca-certificates/mozilla');
  fs.mkdirSync(mozilla, { recursive: true });
  // The public set as Debian ships it holds some other root; the bundle holds that root AND the test CA's (update-ca-certificates).
  const other = createTestCa(path.join(tmp, 'public-elsewhere'), 'some public');
  fs.writeFileSync(path.join(mozilla, 'Some_Public_Root.crt'), other.rootPem);
  fs.appendFileSync(path.join(dir, 'etc/ssl/certs/ca-certificates.crt'), other.rootPem);
  const local = await run(dir);
  t.is(itemOf(local, 'three').status, 'skip');
  t.regex(itemOf(local, 'three').summary, /not publicly trusted \(its chain leads to no anchor of the public roots of \/etc\/ssl\/certs\/ca-certificates.crt \(those also in \/usr\/share\/ca-certificates\/mozilla\)\)/);
  t.is(local.status, 'skip', 'every certificate here is private');
  // Shipped as public: judged.
  fs.writeFileSync(path.join(mozilla, 'Hardtop_Public.crt'), ca.rootPem);
  const pub = await run(dir);
  t.is(itemOf(pub, 'three').status, 'pass');
  t.is(itemOf(pub, 'one').status, 'fail');
});

test('no trust store: error, not a guess', async (t) => {
  const dir = path.join(tmp, 'no-store');
  fs.cpSync(root, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'etc/ssl/certs/ca-certificates.crt'));
  const f = await run(dir);
  t.is(f.status, 'error');
  t.regex(f.summary, /^no trust store to tell publicly trusted certificates from private ones/);
});

test('real-world leaves: cryptography.io (2 logs, 90 days) passes, badssl (1 log, 2 years) fails', (t) => {
  const FIX = path.join(__dirname, '..', 'fixtures', 'tls-ct');
  const judge = (file: string) => {
    const cert = new X509Certificate(fs.readFileSync(path.join(FIX, file)));
    const scts = embeddedScts(cert.raw);
    if (scts.kind !== 'ok') throw new Error(scts.kind);
    const days = (new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()) / 86_400_000;
    return judgeCt(scts.scts.length, distinctLogs(scts.scts).length, days);
  };
  t.deepEqual(judge('cryptography.io-2018.pem'), { status: 'pass', summary: '2 SCTs from 2 distinct logs (Chrome and Apple need 2 for a 90-day lifetime)' });
  t.deepEqual(judge('badssl-invalid-expected-sct-2016.pem'), { status: 'fail', summary: '1 SCT from 1 distinct log; Chrome and Apple need 3 for a 731-day lifetime: Chrome and Apple will reject it' });
});

test('requiredScts and the policy data: 180 days is the line; the steps are checked', (t) => {
  const [chrome, apple] = tlsPolicy.ct.policies;
  t.deepEqual([requiredScts(chrome, 180), requiredScts(chrome, 180.5), requiredScts(chrome, 800)], [2, 3, 3]);
  t.deepEqual([requiredScts(apple, 90), requiredScts(apple, 398), requiredScts(apple, 399)], [2, 3, 3]);
  t.regex(tlsPolicy.ct.source, /ct_policy\.md.*support\.apple\.com\/103214/);
  t.false(tlsPolicy.ct.logOperatorsChecked);
  t.deepEqual(tlsPolicyProblems(tlsPolicy), []);
  const bad = { ...tlsPolicy, ct: { ...tlsPolicy.ct, policies: [{ name: 'X', minScts: [{ maxLifetimeDays: 180, scts: 2 }, { maxLifetimeDays: 90, scts: 0 }] }] } };
  t.deepEqual(tlsPolicyProblems(bad), ['ct.X: minScts must end with an open-ended step (maxLifetimeDays: null)', 'ct.X: scts must be a positive integer', 'ct.X: maxLifetimeDays must increase']);
  t.is(judgeCt(2, 2, 90, [{ name: 'A', minScts: [{ maxLifetimeDays: null, scts: 2 }] }, { name: 'B', minScts: [{ maxLifetimeDays: null, scts: 3 }] }]).summary, '2 SCTs from 2 distinct logs; A needs 2, B needs 3 for a 90-day lifetime: B will reject it');
});

test('anchorReached: through the chain in any order, directly to an anchor, or not at all', (t) => {
  const leaf = new X509Certificate(fs.readFileSync(path.join(root, 'etc/ssl/hardtop/three.pem')));
  const inter = new X509Certificate(ca.intermediatePem);
  const rootCert = new X509Certificate(ca.rootPem);
  t.is(anchorReached([leaf, inter], [rootCert])?.subject, rootCert.subject);
  t.is(anchorReached([leaf], [inter])?.subject, inter.subject, 'an intermediate in the store is an anchor');
  t.is(anchorReached([leaf], [rootCert]), null, 'no intermediate: no path');
  t.is(anchorReached([], [rootCert]), null);
});
