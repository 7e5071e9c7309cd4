// tls.renew end to end: a REAL certbot renews against Debian's pebble (ACME
// test server) on 127.0.0.1, for a lineage in a temp sysroot that a REAL nginx
// (also on 127.0.0.1) serves; the plan goes through src/fix/engine's
// applyPlan with a runCommand that runs each command for real. Before: nginx
// serves serial A. After: /etc/letsencrypt/live/NAME/cert.pem holds serial B,
// and nginx — reloaded by the plan's own command — serves B (tls.cert.served
// passes, and is the apply's verify step).
//
// Nothing touches this machine's /etc/letsencrypt, /var/lib/letsencrypt or
// /var/log/letsencrypt: certbot gets the sysroot's directories, from the
// initial `certbot certonly` (run by this test) to the renewal (planned by
// hardtop). certbot trusts pebble through REQUESTS_CA_BUNDLE only.
//
// Also: the plan's refusals (--root safety rules, nothing due, unknown name,
// --no-network) and tls.cert.expiry offering the fix.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command, Finding, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { applyPlan } from '../../src/fix/engine';
import { checkFixArgs } from '../../src/core/catalog';
import { checks as defaultChecks, makeRenewFix, makeTlsChecks } from '../../checks/tls/index';
import { outsideRoot, renewFix } from '../../checks/tls/fix-renew';
import { parseRenewalConf } from '../../checks/tls/renewal';
import { parseCertbotCertificates } from '../../src/parse/certbot-certificates';
import { freePort, httpTempPaths, makeLiveRoot, realProber, startNginx, type LiveRoot, type RunningNginx } from '../helpers/nginx';
import { startPebble, type RunningPebble } from '../helpers/pebble';
import { at, copyRoot, ROOTS } from './updates-reboot-helpers';

const NAME = 'renew.test';
let site: { live: LiveRoot; pebble: RunningPebble; nginx: RunningNginx; port: number };
const cleanups: Array<() => void | Promise<void>> = [];
const served = makeTlsChecks({ prober: realProber() }).find((c) => c.id === 'tls.cert.served')!;
const now = (): RunContext => ({ now: new Date(), network: true, signal: new AbortController().signal });

function sysroot(network = true): Host {
  return createLocalHost({ root: site.live.root, network });
}

function diskSerial(): string {
  return new X509Certificate(fs.readFileSync(site.live.real(`/etc/letsencrypt/live/${NAME}/cert.pem`))).serialNumber;
}

function servedItem(f: Finding) {
  const i = f.items?.find((x) => x.subject === `${NAME}:${site.port}`);
  if (!i) throw new Error(`no item for ${NAME}: ${JSON.stringify(f.items)}`);
  return i;
}

/** `certbot` as the test's own tool (the initial issuance), with the sysroot's directories. */
function certbot(args: string[]): string {
  const le = site.live.real('/etc/letsencrypt');
  return execFileSync(
    'certbot',
    [...args, '--non-interactive', '--config-dir', le, '--work-dir', site.live.real('/var/lib/letsencrypt'), '--logs-dir', site.live.real('/var/log/letsencrypt')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', REQUESTS_CA_BUNDLE: site.pebble.caBundle }, timeout: 120_000 },
  );
}

test.before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-tls-renew-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const teardown = { teardown: (fn: () => void | Promise<void>) => cleanups.unshift(fn) };
  const pebble = await startPebble(teardown, path.join(dir, 'pebble'));
  const live = makeLiveRoot(dir, '');
  fs.mkdirSync(live.real('/var/www/html'), { recursive: true });
  site = { live, pebble, nginx: undefined as unknown as RunningNginx, port: 0 };
  certbot(['certonly', '--agree-tos', '--register-unsafely-without-email', '--server', pebble.directory, '--webroot', '-w', live.real('/var/www/html'), '-d', NAME, '--cert-name', NAME, '--key-type', 'ecdsa']);

  const port = await freePort();
  // Relative paths: nginx resolves them against its prefix (ROOT/etc/nginx), hardtop against /etc/nginx under ROOT.
  fs.writeFileSync(
    path.join(live.prefix, 'nginx.conf'),
    `events {}
http {
  ${httpTempPaths(live.runDir)}
  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${NAME};
    ssl_certificate ../letsencrypt/live/${NAME}/fullchain.pem;
    ssl_certificate_key ../letsencrypt/live/${NAME}/privkey.pem;
  }
}
`,
  );
  const nginx = await startNginx(teardown, { prefix: live.prefix, runDir: live.runDir, ports: [port] });
  // nginx's pid file as the sysroot has it (Debian: pid /run/nginx.pid): what the plan signals.
  fs.mkdirSync(live.real('/run'), { recursive: true });
  fs.writeFileSync(live.real('/run/nginx.pid'), `${nginx.pid}\n`);
  site = { live, pebble, nginx, port };
});

test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

test.serial('the plan: certbot renew with the sysroot\'s directories, then SIGHUP to the sysroot\'s nginx', async (t) => {
  const plan = await makeRenewFix({ certName: NAME }).plan(sysroot(), now());
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits, []);
  t.deepEqual(
    plan.commands.map((c) => [c.argv, !!c.interactive, !!c.reload]),
    [
      [
        ['certbot', 'renew', '--cert-name', NAME, '--force-renewal', '--no-random-sleep-on-renew', '--config-dir', site.live.real('/etc/letsencrypt'), '--work-dir', site.live.real('/var/lib/letsencrypt'), '--logs-dir', site.live.real('/var/log/letsencrypt'), '--no-directory-hooks'],
        true,
        false,
      ],
      [['pkill', '--signal', 'HUP', '-F', site.live.real('/run/nginx.pid'), '-x', 'nginx'], false, true],
    ],
  );
  t.regex(plan.commands[0].describe, new RegExp(`^renew ${NAME} now \\(certbot contacts the CA at ${site.pebble.directory.replace(/[.]/g, '\\.')}\\)$`));
  t.true(plan.warnings.some((w) => /cannot be undone by hardtop undo/.test(w)));
});

test.serial('applied for real: certbot gets a new certificate from pebble, nginx reloads and serves it', async (t) => {
  const before = await served.run(sysroot(), now());
  t.is(before.status, 'pass', JSON.stringify(before.items));
  const oldSerial = diskSerial();
  t.regex(servedItem(before).summary, new RegExp(`serial ${oldSerial},`), 'nginx serves the first certificate');

  const host = sysroot();
  // What the dashboard's f does on the certificate's own line: tls.renew with that item's args.
  const expiry = defaultChecks.find((c) => c.id === 'tls.cert.expiry')!;
  const certPath = `/etc/letsencrypt/live/${NAME}/fullchain.pem`;
  const expiryItem = async () => (await expiry.run(host, now())).items!.find((i) => i.subject === certPath)!;
  const itemBefore = await expiryItem();
  t.deepEqual(itemBefore.fix, { id: 'tls.renew', args: { 'cert-name': NAME } });
  t.is(checkFixArgs(renewFix, itemBefore.fix!.args), null);
  const plan = await renewFix.plan(host, now(), itemBefore.fix!.args);
  t.is(plan.title, `Renew the certificate ${NAME} now (certbot) and reload the web server`);
  // The dashboard's live refresh: the expiry check's watched paths must see the renewal.
  const changed: string[] = [];
  const watch = host.watch(expiry.watch!, (p) => changed.push(p));
  await watch.ready;
  const ran: Command[] = [];
  const runCommand = async (command: Command) => {
    ran.push(command);
    // The real program through the Host (trusted path, clean environment); certbot trusts pebble's HTTPS certificate only.
    const r = await host.exec(command.argv[0], command.argv.slice(1), { timeoutMs: command.timeoutMs, env: { REQUESTS_CA_BUNDLE: site.pebble.caBundle } });
    if (r.exitCode !== 0) t.log(`${command.argv.join(' ')} → ${r.exitCode}: ${r.stderr}`);
    return { exitCode: r.exitCode };
  };
  // Verify the way the fix engine should: the owning check on the live server. nginx swaps workers
  // right after the SIGHUP, so give it a few seconds to serve the new certificate.
  const verify = async () => {
    let last: Finding | null = null;
    for (let i = 0; i < 40; i++) {
      last = await served.run(host, now());
      if (last.status === 'pass') return { ok: true, summary: last.summary };
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ok: false, summary: last?.summary ?? 'no result' };
  };
  const outcome = await applyPlan(host, plan, { runCommand, verify });
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(ran.map((c) => c.argv[0]), ['certbot', 'pkill']);

  const newSerial = diskSerial();
  t.not(newSerial, oldSerial, 'the certificate on disk is new');
  t.regex(fs.readlinkSync(site.live.real(`/etc/letsencrypt/live/${NAME}/cert.pem`)), /cert2\.pem$/);
  // Old workers may still answer a connection or two while they shut down: settle first.
  let after = await served.run(host, now());
  for (let i = 0; i < 40 && (after.status !== 'pass' || !new RegExp(`serial ${newSerial},`).test(servedItem(after).summary)); i++) {
    await new Promise((r) => setTimeout(r, 250));
    after = await served.run(host, now());
  }
  t.is(after.status, 'pass');
  t.regex(servedItem(after).summary, new RegExp(`serial ${newSerial},`), 'nginx serves the renewed certificate');
  t.regex(site.nginx.errorLog(), /reconfiguring/, 'nginx got the SIGHUP');
  // The panel's line for the certificate: the new serial and dates, from the files.
  for (let i = 0; i < 40 && changed.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  watch.dispose();
  t.true(changed.some((p) => p.startsWith('/etc/letsencrypt/')), `a watched path of tls.cert.expiry changed: ${JSON.stringify(changed)}`);
  const itemAfter = await expiryItem();
  t.regex(itemAfter.evidence[0].text!, new RegExp(`serial ${newSerial}$`));
  t.notDeepEqual(itemAfter.evidence[0].text, itemBefore.evidence[0].text);
  // The journal of the sysroot (never this machine's) records the apply.
  const journal = fs.readFileSync(site.live.real('/var/lib/hardtop/journal.jsonl'), 'utf8');
  t.regex(journal, /"fixId":"tls.renew"/);
  t.regex(journal, /"outcome":"applied"/);
});

test.serial('refusals: unknown name, --no-network, nothing due (the pebble certificate lives 5 years)', async (t) => {
  t.regex((await makeRenewFix({ certName: 'nope.test' }).plan(sysroot(), now())).guard!.reason, /^certbot has no certificate named nope.test/);
  t.regex((await makeRenewFix({ certName: '--config-dir=/etc' }).plan(sysroot(), now())).guard!.reason, /is not a certificate name hardtop passes to certbot/);
  t.is((await makeRenewFix({ certName: NAME }).plan(sysroot(false), { ...now(), network: false })).guard!.reason, '--no-network: certbot must reach the CA');
  const due = await renewFix.plan(sysroot(), now());
  t.regex(due.guard!.reason, new RegExp(`^nothing to renew: no certbot certificate is due \\(the soonest: ${NAME} until \\d{4}-\\d\\d-\\d\\d\\)$`));
});

test.serial('tls.renewal asks certbot itself (certbot certificates): a valid lineage is listed; a renewal conf certbot finds invalid fails, as certbot skips it', async (t) => {
  // The sysroot's package database says certbot is installed (the schedule is judged, and certbot asked).
  fs.mkdirSync(site.live.real('/var/lib/dpkg'), { recursive: true });
  fs.writeFileSync(site.live.real('/var/lib/dpkg/status'), 'Package: certbot\nStatus: install ok installed\nVersion: 2.1.0-4\n');
  const bad = site.live.real('/etc/letsencrypt/renewal/broken.test.conf');
  fs.writeFileSync(bad, `version = 2.1.0\narchive_dir = ${site.live.real('/etc/letsencrypt/archive/broken.test')}\n`);
  t.teardown(() => fs.rmSync(bad, { force: true }));
  const renewal = defaultChecks.find((c) => c.id === 'tls.renewal')!;
  const f = await renewal.run(sysroot(), now());
  const good = f.items!.find((i) => i.subject === NAME)!;
  t.true(good.evidence.some((e) => e.command === 'certbot certificates' && new RegExp(`^${NAME.replace('.', '\\.')}: expiry \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\+00:00 \\(VALID: \\d+ days\\), domains ${NAME.replace('.', '\\.')}$`).test(e.text ?? '')), JSON.stringify(good.evidence));
  const broken = f.items!.find((i) => i.subject === 'broken.test')!;
  t.is(broken.status, 'fail');
  t.regex(broken.summary, /^certbot skips it: `certbot certificates` lists \/etc\/letsencrypt\/renewal\/broken\.test\.conf as an invalid renewal configuration, so nothing renews this certificate/);
  t.is(f.status, 'fail');
  // Nothing lasting written by asking: no lock file left, no log in the sysroot's log dir from this run.
  t.false(fs.existsSync(site.live.real('/etc/letsencrypt/.certbot.lock')));
});

test('parseCertbotCertificates: certbot 2.1 output, staging and expired lineages, invalid confs; never a throw', (t) => {
  const out = [
    '',
    '- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -',
    'Found the following certs:',
    '  Certificate Name: x.test',
    '    Serial Number: 9145b195417d783',
    '    Key Type: ECDSA',
    '    Domains: x.test www.x.test',
    '    Expiry Date: 2031-11-28 23:13:19+00:00 (VALID: 1825 days)',
    '    Certificate Path: /etc/letsencrypt/live/x.test/fullchain.pem',
    '    Private Key Path: /etc/letsencrypt/live/x.test/privkey.pem',
    '  Certificate Name: staging.test',
    '    Domains: staging.test',
    '    Expiry Date: 2026-12-01 00:00:00+00:00 (INVALID: TEST_CERT)',
    '  Certificate Name: old.test',
    '    Expiry Date: 2025-01-01 00:00:00+00:00 (INVALID: EXPIRED)',
    '',
    'The following renewal configurations were invalid:',
    '  /etc/letsencrypt/renewal/bad.test.conf',
    '  /etc/letsencrypt/renewal/worse test.conf',
    '- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -',
    '',
  ].join('\n');
  const p = parseCertbotCertificates(out);
  t.deepEqual(p.lineages.map((l) => [l.name, l.line, l.validity, l.domains.join(' ')]), [
    ['x.test', 4, 'VALID: 1825 days', 'x.test www.x.test'],
    ['staging.test', 11, 'INVALID: TEST_CERT', 'staging.test'],
    ['old.test', 14, 'INVALID: EXPIRED', ''],
  ]);
  t.deepEqual(p.lineages[0], { name: 'x.test', line: 4, serial: '9145b195417d783', keyType: 'ECDSA', domains: ['x.test', 'www.x.test'], expiry: '2031-11-28 23:13:19+00:00', validity: 'VALID: 1825 days', certificatePath: '/etc/letsencrypt/live/x.test/fullchain.pem', keyPath: '/etc/letsencrypt/live/x.test/privkey.pem' });
  t.deepEqual(p.invalid, ['/etc/letsencrypt/renewal/bad.test.conf', '/etc/letsencrypt/renewal/worse test.conf']);
  t.deepEqual(parseCertbotCertificates('No certificates found.\n'), { lineages: [], invalid: [] });
  for (let i = 0; i < 200; i++) {
    const junk = Array.from({ length: 300 }, () => String.fromCharCode(Math.floor(Math.random() * 128))).join('');
    t.notThrows(() => parseCertbotCertificates(`Found the following certs:\n${junk}\nThe following renewal configurations were invalid:\n ${junk}`));
  }
});

test('under --root, what would act on this machine is refused, naming the conf line', async (t) => {
  const conf = (text: string) => parseRenewalConf(text, '/etc/letsencrypt/renewal/x.conf');
  const root = '/srv/tree';
  const inside = `archive_dir = ${root}/etc/letsencrypt/archive/x\n[renewalparams]\nauthenticator = webroot\nwebroot_path = ${root}/var/www,\n[[webroot_map]]\nx = ${root}/var/www\n`;
  t.is(outsideRoot(conf(inside), root), null);
  t.regex(outsideRoot(conf(inside.replace('webroot', 'standalone')), root)!, /^the authenticator is standalone \(\/etc\/letsencrypt\/renewal\/x.conf:3\)/);
  t.regex(outsideRoot(conf(`${inside}installer = nginx\n`), root)!, /^installer nginx \(\/etc\/letsencrypt\/renewal\/x.conf:7\) would edit and reload this machine's web server/);
  t.regex(outsideRoot(conf(`${inside}deploy_hook = systemctl reload nginx\n`), root)!, /^deploy_hook .* would run on this machine/);
  t.regex(outsideRoot(conf(inside.replace(`${root}/etc/letsencrypt/archive/x`, '/etc/letsencrypt/archive/x')), root)!, /^archive_dir = \/etc\/letsencrypt\/archive\/x \(\/etc\/letsencrypt\/renewal\/x.conf:1\) is outside \/srv\/tree/);
  t.regex(outsideRoot(conf(inside.replace(`x = ${root}/var/www`, 'x = /srv/treehouse/www')), root)!, /^x = \/srv\/treehouse\/www .* is outside/, 'a sibling with the same prefix is outside');
});

test('the default fix renews what is due; on a sysroot whose lineage uses the nginx authenticator it is refused', async (t) => {
  const dir = copyRoot(t, 'tls-letsencrypt');
  const host = createLocalHost({ root: dir, network: true });
  const plan = await renewFix.plan(host, { ...at('2026-12-25T00:00:00Z'), network: true });
  t.regex(plan.guard!.reason, /^the authenticator is nginx \(\/etc\/letsencrypt\/renewal\/[a-z.]+\.conf:\d+\): under --root only webroot keeps certbot inside the tree$/);
  t.true(plan.commands.length >= 1 && plan.commands[0].argv.includes('--force-renewal'), 'the preview still shows the command');
  const early = await renewFix.plan(host, { ...at('2026-11-28T12:00:00Z'), network: true });
  t.regex(early.guard!.reason, /^nothing to renew/);
});

test('each certbot lineage carries its own tls.renew (--arg cert-name) on its expiry and renewal items; other certificates none', async (t) => {
  const host = createLocalHost({ root: path.join(ROOTS, 'tls-letsencrypt'), network: false });
  const expiry = defaultChecks.find((c) => c.id === 'tls.cert.expiry')!;
  const renewal = defaultChecks.find((c) => c.id === 'tls.renewal')!;
  const e = await expiry.run(host, at('2026-11-28T12:00:00Z'));
  t.deepEqual(
    e.items!.map((i) => [i.subject, i.fix]),
    [
      ['/etc/letsencrypt/live/site.test/fullchain.pem', { id: 'tls.renew', args: { 'cert-name': 'site.test' } }],
      ['/etc/letsencrypt/live/spare.test/fullchain.pem', { id: 'tls.renew', args: { 'cert-name': 'spare.test' } }],
    ],
    'offered whatever the status: the admin may renew a passing certificate',
  );
  const r = await renewal.run(host, at('2026-11-28T12:00:00Z'));
  t.deepEqual(r.items!.map((i) => [i.subject, i.fix?.args['cert-name']]), [['site.test', 'site.test'], ['spare.test', 'spare.test']]);
  const weak = await expiry.run(createLocalHost({ root: path.join(ROOTS, 'tls-weak'), network: false }), at('2026-11-28T12:00:00Z'));
  t.true(weak.items!.every((i) => i.fix === undefined), 'not a certbot lineage: nothing to renew it with');
  // The param: optional (left out = every due lineage), and never an option or a path.
  t.deepEqual(renewFix.params!.map((p) => [p.name, !!p.optional]), [['cert-name', true]]);
  t.is(checkFixArgs(renewFix, {}), null);
  t.regex(checkFixArgs(renewFix, { 'cert-name': '--config-dir=/etc' })!, /^--arg cert-name: '--config-dir=\/etc' is not a certbot certificate name/);
  t.regex(checkFixArgs(renewFix, { 'cert-name': '../x' })!, /is not a certbot certificate name/);
  const named = await renewFix.plan(host, { ...at('2026-11-28T12:00:00Z'), network: true }, { 'cert-name': 'spare.test' });
  t.true(named.commands[0].argv.join(' ').includes('--cert-name spare.test'), 'the named lineage, though it is not due');
  t.is(named.title, 'Renew the certificate spare.test now (certbot) and reload the web server');
});

test('tls.cert.expiry offers tls.renew for a due certbot certificate, not for others', async (t) => {
  const expiry = defaultChecks.find((c) => c.id === 'tls.cert.expiry')!;
  const le = await expiry.run(createLocalHost({ root: path.join(ROOTS, 'tls-letsencrypt'), network: false }), at('2026-12-25T00:00:00Z'));
  t.is(le.status, 'fail');
  t.deepEqual(le.fixes, ['tls.renew']);
  const weak = await expiry.run(createLocalHost({ root: path.join(ROOTS, 'tls-weak'), network: false }), at('2026-11-28T12:00:00Z'));
  t.is(weak.status, 'fail');
  t.deepEqual(weak.fixes, [], 'no certbot lineage among the failing certificates');
});
