// ssh.server.harden and Match blocks, with the REAL OpenSSH on loopback
// (test/helpers/sshd.ts: the test's own sshd on 127.0.0.1 and a free high
// port, the sysroot's /etc/ssh bind-mounted in a private mount namespace; a
// throwaway account with a password and a key).
//
// The admin runs the fix for weak Ciphers; a Match block gives the test
// account its password back (SFTP customers, say). By default the fix leaves
// that line alone and names it: the account's password login keeps working
// (commit-confirm would never notice it broke). With `--arg match=scrub` the
// line is commented out and the password is refused (keys still work); a
// block that also sets ForceCommand/ChrootDirectory is left even then.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { hardenServer } from '../../checks/ssh/fix-harden';
import { describeMatch } from '../../checks/ssh/harden-edit';
import { loadSshdConfig } from '../../src/parse/sshd-config';
import type { Finding } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { canRunRealSshd, freePort, keyLogin, passwordLogin, sshRoot, startSshd, testUser } from '../helpers/sshd';
import { ROOTS } from './ssh-server-helpers';

const ctx = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };
const withSshd = canRunRealSshd ? test.serial : test.serial.skip;

function hostAs(root: string, user: string): Host {
  const env: Record<string, string> = { SSH_CONNECTION: '127.0.0.1 40001 127.0.0.1 22', SUDO_USER: user };
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

async function passwordAuth(host: Host): Promise<Finding> {
  return catalog.checks.find((c) => c.id === 'ssh.server.password-auth')!.run(host, ctx);
}

async function waitFor(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ALICE = { name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'], keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop'] };
const WEAK_CIPHERS = 'Ciphers aes128-cbc,aes256-ctr\n';

function liveConfig(port: number, fixture: string, block: string): string {
  return `Port ${port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nUsePAM yes\n${WEAK_CIPHERS}${fixture}${block}`;
}

withSshd('default: the Match block that gives an account its password stays; the real sshd still takes that password after the fix; the weak Ciphers are fixed', async (t) => {
  t.timeout(120_000);
  const user = testUser(t);
  const port = await freePort();
  const fixture = fs.readFileSync(path.join(ROOTS, 'ssh-match/etc/ssh/sshd_config'), 'utf8');
  const config = liveConfig(port, fixture, `Match User ${user.name}\n\tPasswordAuthentication yes\n`);
  const root = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey], groups: ['sudo'] }] });
  const mainBefore = fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
  const sshd = await startSshd(t, root, port);
  const host = hostAs(root, user.name);
  const hups = () => (sshd.log().match(/Received SIGHUP/g) ?? []).length;
  t.true((await passwordLogin(t, user, port)).ok, 'the Match block gives the account its password login');

  const plan = await hardenServer.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  // The weak Ciphers line is read before the drop-in (above the Include): commented out. Nothing else changes.
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!;
  t.is(main.after, mainBefore.replace('\nCiphers aes128-cbc', '\n# hardtop: disabled, see 00-hardtop.conf: Ciphers aes128-cbc'), 'no Match line is commented out');
  t.regex(plan.edits.find((e) => e.path === '/etc/ssh/sshd_config.d/00-hardtop.conf')?.after ?? '', /^Ciphers /m, 'the weak Ciphers are replaced');
  const userLine = mainBefore.split('\n').indexOf('\tPasswordAuthentication yes', mainBefore.split('\n').indexOf(`Match User ${user.name}`)) + 1;
  t.true(
    plan.warnings.includes(
      `/etc/ssh/sshd_config:${userLine}: "PasswordAuthentication yes" left alone: Match User ${user.name} (/etc/ssh/sshd_config:${userLine - 1}) gives PasswordAuthentication yes to accounts ${user.name}; ssh.server.password-auth still reports it. To take it away too: --arg match=scrub (those logins are not tested by the commit-confirm, which only checks yours)`,
    ),
    plan.warnings.join('\n'),
  );
  t.true(plan.warnings.some((w) => w.startsWith('/etc/ssh/sshd_config:12: "PasswordAuthentication yes" left alone: Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:11) gives PasswordAuthentication yes to connections from 10.0.0.0/8')), plan.warnings.join('\n'));

  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  await waitFor('sshd to reload', () => hups() >= 1);
  t.true((await passwordLogin(t, user, port)).ok, 'the password login of the Match block still works');
  t.true((await keyLogin(user, port)).ok, 'and the key');
  // The checks the apply re-runs pass: none of them judges the Match block left alone.
  for (const id of hardenServer.verifies ?? []) {
    const f = await catalog.checks.find((c) => c.id === id)!.run(host, ctx);
    t.not(f.status, 'fail', `${id}: ${f.summary}`);
    t.not(f.status, 'error', `${id}: ${f.summary}`);
  }
  t.is((await passwordAuth(host)).status, 'fail', 'the audit still names the exception');
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.is(fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8'), mainBefore);
});

withSshd("match=scrub: the Match block's PasswordAuthentication yes is commented out; the real sshd refuses that password after (keys still work); undo brings it back", async (t) => {
  t.timeout(120_000);
  const user = testUser(t);
  const port = await freePort();
  const fixture = fs.readFileSync(path.join(ROOTS, 'ssh-match/etc/ssh/sshd_config'), 'utf8');
  const config = `Port ${port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nUsePAM yes\n${fixture}Match User ${user.name}\n\tPasswordAuthentication yes\n`;
  const root = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey], groups: ['sudo'] }] });
  const mainBefore = fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
  const sshd = await startSshd(t, root, port);
  const host = hostAs(root, user.name);
  const hups = () => (sshd.log().match(/Received SIGHUP/g) ?? []).length;

  // Before: the audit names the block and sshd really takes the password.
  const before = await passwordAuth(host);
  t.is(before.status, 'fail');
  t.deepEqual(
    before.items?.map((i) => [i.subject, i.status]),
    [
      ['every connection no Match block singles out', 'pass'],
      ['Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:10)', 'fail'],
      [`Match User ${user.name} (/etc/ssh/sshd_config:15)`, 'fail'],
    ],
  );
  t.true((await passwordLogin(t, user, port)).ok, 'the Match block gives the account its password login');

  const plan = await hardenServer.plan(host, ctx, { match: 'scrub' });
  t.is(plan.guard, undefined, plan.guard?.reason);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!.after;
  t.is(main, mainBefore.replace('Match Address 10.0.0.0/8\n\tPasswordAuthentication yes', 'Match Address 10.0.0.0/8\n# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes').replace(`Match User ${user.name}\n\tPasswordAuthentication yes`, `Match User ${user.name}\n# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes`));
  t.true(
    plan.warnings.includes(`/etc/ssh/sshd_config:16: "PasswordAuthentication yes" commented out: Match User ${user.name} (/etc/ssh/sshd_config:15) gives PasswordAuthentication yes to accounts ${user.name}, and a Match block wins over any global line (match=scrub)`),
    plan.warnings.join('\n'),
  );
  t.true(plan.commands.some((c) => c.reload), 'the running sshd is reloaded');

  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  await waitFor('sshd to reload', () => hups() >= 1);
  t.true((await keyLogin(user, port)).ok, 'the key still logs in');
  const refused = await passwordLogin(t, user, port);
  t.false(refused.ok, 'the password is refused now');
  t.regex(refused.stderr, /Permission denied \(publickey\)/);
  const after = await passwordAuth(host);
  t.is(after.status, 'pass', after.summary);
  t.is(after.items, undefined, 'no Match block sets it any more');

  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.is(fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8'), mainBefore, 'undo restores the main file byte for byte');
  t.false(fs.existsSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardtop.conf')));
  // undo hands back the fix's reloads for the caller to run (the CLI does the same).
  if (undone.ok) for (const argv of undone.commands) t.is((await host.exec(argv[0], argv.slice(1))).exitCode, 0, argv.join(' '));
  await waitFor('sshd to reload the restored config', () => hups() >= 2);
  t.true((await passwordLogin(t, user, port)).ok, 'and the password works again');
});

withSshd('match=scrub never touches a block with ForceCommand: that account keeps its password login (the SFTP-customer setup)', async (t) => {
  t.timeout(120_000);
  const user = testUser(t);
  const port = await freePort();
  const fixture = fs.readFileSync(path.join(ROOTS, 'ssh-match/etc/ssh/sshd_config'), 'utf8');
  // ForceCommand stands in for internal-sftp: the login helper only needs its marker printed.
  const config = liveConfig(port, fixture, `Match User ${user.name}\n\tPasswordAuthentication yes\n\tForceCommand echo hardtop-login-ok\n`);
  const root = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey], groups: ['sudo'] }] });
  const sshd = await startSshd(t, root, port);
  const host = hostAs(root, user.name);
  const hups = () => (sshd.log().match(/Received SIGHUP/g) ?? []).length;
  t.true((await passwordLogin(t, user, port)).ok);

  const plan = await hardenServer.plan(host, ctx, { match: 'scrub' });
  t.is(plan.guard, undefined, plan.guard?.reason);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!;
  t.true(main.after.includes(`Match User ${user.name}\n\tPasswordAuthentication yes\n\tForceCommand echo hardtop-login-ok\n`), 'the restricted block is untouched');
  t.true(main.after.includes('# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes'), 'the plain Match Address block is scrubbed');
  t.true(
    plan.warnings.some((w) => w.includes(`left alone: Match User ${user.name}`) && w.includes('Not changed even with match=scrub: the block also sets ForceCommand echo hardtop-login-ok')),
    plan.warnings.join('\n'),
  );
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  await waitFor('sshd to reload', () => hups() >= 1);
  t.true((await passwordLogin(t, user, port)).ok, 'the restricted account still logs in with its password');
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('taking passwords back from a Match block (match=scrub) is a lockout risk too: with nobody holding a key, the guard refuses; by default nothing in a Match block changes', async (t) => {
  const fixture = fs.readFileSync(path.join(ROOTS, 'ssh-match/etc/ssh/sshd_config'), 'utf8');
  const config = `HostKey /etc/ssh/ssh_host_ed25519_key\n${fixture}`;
  const noKeys = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'] }] });
  const refused = await hardenServer.plan(hostAs(noKeys, 'alice'), ctx, { match: 'scrub' });
  t.regex(refused.guard?.reason ?? '', /alice/, 'the refusal names the admin');
  t.false(refused.guard?.ok ?? true);
  const withKey = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'], keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop'] }] });
  const plan = await hardenServer.plan(hostAs(withKey, 'alice'), ctx, { match: 'scrub' });
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.true(plan.warnings[0].startsWith('lockout guard: you are alice'), plan.warnings[0]);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!;
  t.is(main.after, main.before!.replace('\tPasswordAuthentication yes', '# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes'), 'in the main file only the Match line changes');
  const dropIn = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config.d/00-hardtop.conf')?.after ?? '';
  t.false(/^PasswordAuthentication/m.test(dropIn), 'the global value is already no: not written again');

  const byDefault = await hardenServer.plan(hostAs(noKeys, 'alice'), ctx);
  t.false(byDefault.edits.some((e) => e.path === '/etc/ssh/sshd_config' && e.after.includes('# hardtop: disabled')), 'no Match line is touched');
  t.true(byDefault.warnings.some((w) => w.startsWith('/etc/ssh/sshd_config:8: "PasswordAuthentication yes" left alone: Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:7) gives PasswordAuthentication yes to connections from 10.0.0.0/8')), byDefault.warnings.join('\n'));
});

asRoot('the hosting and backup setups: Match Group sftponly with ChrootDirectory + ForceCommand is never scrubbed; Match Address <backup host> + PermitRootLogin forced-commands-only only with match=scrub', async (t) => {
  const config = [
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'Include /etc/ssh/sshd_config.d/*.conf',
    'PermitRootLogin no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'Ciphers aes128-cbc,aes256-ctr',
    'Match Group sftponly',
    '\tPasswordAuthentication yes',
    '\tChrootDirectory /srv/sftp/%u',
    '\tForceCommand internal-sftp',
    'Match Address 192.0.2.10',
    '\tPermitRootLogin forced-commands-only',
    '',
  ].join('\n');
  const root = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ ...ALICE }] });
  const host = hostAs(root, 'alice');
  const plan = await hardenServer.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/ssh/sshd_config.d/00-hardtop.conf'], 'the main file is not touched: the weak Ciphers are overridden by the drop-in read first');
  t.regex(plan.edits[0].after, /^Ciphers /m);
  t.true(plan.warnings.includes('/etc/ssh/sshd_config:8: "PasswordAuthentication yes" left alone: Match Group sftponly (/etc/ssh/sshd_config:7) gives PasswordAuthentication yes to members of group sftponly; ssh.server.password-auth still reports it. Not changed, nor with match=scrub: the block also sets ChrootDirectory /srv/sftp/%u, ForceCommand internal-sftp, a restricted-account setup whose logins the commit-confirm never tests; change it by hand if you mean it'), plan.warnings.join('\n'));
  t.true(plan.warnings.includes('/etc/ssh/sshd_config:12: "PermitRootLogin forced-commands-only" left alone: Match Address 192.0.2.10 (/etc/ssh/sshd_config:11) gives PermitRootLogin forced-commands-only to connections from 192.0.2.10; ssh.server.root-login still reports it. To take it away too: --arg match=scrub (those logins are not tested by the commit-confirm, which only checks yours)'), plan.warnings.join('\n'));

  const scrub = await hardenServer.plan(host, ctx, { match: 'scrub' });
  t.is(scrub.guard, undefined, scrub.guard?.reason);
  const scrubbed = scrub.edits.find((e) => e.path === '/etc/ssh/sshd_config')!.after;
  t.true(scrubbed.includes('# hardtop: disabled, see 00-hardtop.conf: \tPermitRootLogin forced-commands-only'));
  t.true(scrubbed.includes('Match Group sftponly\n\tPasswordAuthentication yes\n\tChrootDirectory /srv/sftp/%u\n\tForceCommand internal-sftp\n'), 'the SFTP block is untouched');
  t.true(scrub.warnings.some((w) => w.includes('Not changed even with match=scrub')), scrub.warnings.join('\n'));
});

test('describeMatch says who a block singles out', async (t) => {
  const source = { read: async () => ({ ok: true as const, text: 'Match Group sftponly Address 10.0.0.0/8,!10.1.0.0/16\n\tX11Forwarding no\nMatch User=bob LocalPort 2222\n\tX11Forwarding no\n' }), glob: async () => [] };
  const cfg = await loadSshdConfig('/etc/ssh/sshd_config', source);
  t.deepEqual(cfg.matches.map(describeMatch), ['members of group sftponly and connections from 10.0.0.0/8,!10.1.0.0/16', 'accounts bob and connections on local port 2222']);
});
