// ssh.server.harden and Match blocks, with the REAL OpenSSH on loopback
// (test/helpers/sshd.ts: the test's own sshd on 127.0.0.1 and a free high
// port, the sysroot's /etc/ssh bind-mounted in a private mount namespace; a
// throwaway account with a password and a key).
//
// The configuration is the ssh-match fixture's (passwords off globally, but
// `Match Address 10.0.0.0/8` turns them back on) plus a block that gives the
// test account its password back: a drop-in cannot override a Match block,
// so the fix comments those lines out (harden-edit.ts says why). Before: the
// account's password login is accepted; after: refused, its key still works;
// undo: accepted again.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { hardenServer } from '../../checks/ssh/fix-harden';
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
  const host = createLocalHost({ root, network: false });
  const env: Record<string, string> = { SSH_CONNECTION: '127.0.0.1 40001 127.0.0.1 22', SUDO_USER: user };
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'env') return (name: string) => env[name];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
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

withSshd("ssh-match: a Match block's PasswordAuthentication yes is commented out; the real sshd accepts that password before, refuses it after (keys still work); undo brings it back", async (t) => {
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

  const plan = await hardenServer.plan(host, ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!.after;
  t.is(main, mainBefore.replace('Match Address 10.0.0.0/8\n\tPasswordAuthentication yes', 'Match Address 10.0.0.0/8\n# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes').replace(`Match User ${user.name}\n\tPasswordAuthentication yes`, `Match User ${user.name}\n# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes`));
  t.true(
    plan.warnings.includes(`/etc/ssh/sshd_config:16: "PasswordAuthentication yes" commented out: Match User ${user.name} (/etc/ssh/sshd_config:15) gives PasswordAuthentication yes to the connections it matches, and a Match block wins over any global line`),
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

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('taking passwords back from a Match block is a lockout risk too: with nobody holding a key, the guard refuses', async (t) => {
  const fixture = fs.readFileSync(path.join(ROOTS, 'ssh-match/etc/ssh/sshd_config'), 'utf8');
  const config = `HostKey /etc/ssh/ssh_host_ed25519_key\n${fixture}`;
  const noKeys = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'] }] });
  const refused = await hardenServer.plan(hostAs(noKeys, 'alice'), ctx);
  t.regex(refused.guard?.reason ?? '', /alice/, 'the refusal names the admin');
  t.false(refused.guard?.ok ?? true);
  const withKey = sshRoot(t, { config, hostKeys: [{ type: 'ed25519' }], users: [{ name: 'alice', uid: 1000, gid: 1000, groups: ['sudo'], keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop'] }] });
  const plan = await hardenServer.plan(hostAs(withKey, 'alice'), ctx);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.true(plan.warnings[0].startsWith('lockout guard: you are alice'), plan.warnings[0]);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!;
  t.is(main.after, main.before!.replace('\tPasswordAuthentication yes', '# hardtop: disabled, see 00-hardtop.conf: \tPasswordAuthentication yes'), 'in the main file only the Match line changes');
  const dropIn = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config.d/00-hardtop.conf')?.after ?? '';
  t.false(/^PasswordAuthentication/m.test(dropIn), 'the global value is already no: not written again');
});
