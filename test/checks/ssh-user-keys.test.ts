// ssh.remove-authorized-key and ssh.rotate-user-key on throwaway sysroots
// with a real throwaway account (runuser needs one), the real engine and the
// real sshd -T: a key in a home file AND in a root-managed file, the session
// guard through ExposeAuthInfo, the lockout guard with passwords on and off,
// and the refusals of rotate-user-key. The live logins are in
// test/e2e/ssh-rotate.test.ts.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeAuthorizedKey } from '../../checks/ssh/fix-remove-authorized-key';
import { rotateUserKey } from '../../checks/ssh/fix-rotate-user-key';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { canRunRealSshd, sshRoot, tempDir } from '../helpers/sshd';

const withSshd = canRunRealSshd && fs.existsSync('/usr/sbin/runuser') ? test.serial : test.serial.skip;
const ctx = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };

function hostOf(root: string, env: Record<string, string> = {}): Host {
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

function account(t: ExecutionContext): Account {
  const name = `htk${process.pid % 10000}${Math.floor(Math.random() * 1000)}`;
  execFileSync('/usr/sbin/useradd', ['-M', '-s', '/bin/sh', name]);
  t.teardown(() => {
    spawnSync('/usr/sbin/userdel', ['-f', name]);
  });
  const uid = Number(execFileSync('/usr/bin/id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('/usr/bin/id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

function keyPair(t: ExecutionContext, comment: string): { pub: string; fp: string } {
  const file = path.join(tempDir(t, 'hardtop-ukey-'), 'k');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return { pub: fs.readFileSync(`${file}.pub`, 'utf8').trim(), fp: execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' }).split(' ')[1] };
}

function config(extra: string): string {
  return `Port 2222\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nUsePAM yes\nKbdInteractiveAuthentication no\n${extra}`;
}

function stateOf(file: string): string {
  const st = fs.statSync(file);
  return `${(st.mode & 0o777).toString(8)}:${st.uid}:${fs.readFileSync(file, 'base64')}`;
}

withSshd('remove: a key in a home file and in a root-managed file: the home one written as the account, the other as root; undo restores both exactly', async (t) => {
  const a = account(t);
  const old = keyPair(t, 'old@laptop');
  const keep = keyPair(t, 'new@laptop');
  const root = sshRoot(t, {
    config: config('PasswordAuthentication no\nAuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys/%u\n'),
    hostKeys: [{ type: 'ed25519' }],
    users: [{ name: a.name, uid: a.uid, gid: a.gid, keys: [old.pub, keep.pub] }],
  });
  fs.chmodSync(path.dirname(root), 0o711);
  const managed = path.join(root, 'etc/ssh/authorized_keys', a.name);
  fs.mkdirSync(path.dirname(managed), { recursive: true });
  fs.writeFileSync(managed, `# managed by config management\n${old.pub}\n`, { mode: 0o644 });
  const homeFile = path.join(root, 'home', a.name, '.ssh/authorized_keys');
  const before = [stateOf(homeFile), stateOf(managed)];

  const plan = await removeAuthorizedKey.plan(hostOf(root), ctx, { user: a.name, fingerprint: old.fp });
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => [e.path, e.asUser?.name ?? 'root']), [
    [`/home/${a.name}/.ssh/authorized_keys`, a.name],
    [`/etc/ssh/authorized_keys/${a.name}`, 'root'],
  ]);
  t.true(plan.warnings.some((w) => w.startsWith(`${a.name} keeps 1 usable key: ${keep.fp}`)));
  t.false(plan.warnings.some((w) => /cannot tell which key/.test(w)), 'not over SSH: nothing to warn about');

  const outcome = await applyPlan(hostOf(root), plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.is(fs.readFileSync(homeFile, 'utf8'), `${keep.pub}\n`);
  t.is(fs.statSync(homeFile).uid, a.uid);
  t.is(fs.readFileSync(managed, 'utf8'), '# managed by config management\n');
  t.is(fs.statSync(managed).uid, 0);

  t.true((await undo(hostOf(root), {})).ok);
  t.deepEqual([stateOf(homeFile), stateOf(managed)], before);
});

withSshd('remove: the session key is never removed (ExposeAuthInfo names it); unknown, it is said; the last key goes only while passwords work', async (t) => {
  const a = account(t);
  const only = keyPair(t, 'only@laptop');
  const root = sshRoot(t, { config: config('PasswordAuthentication yes\n'), hostKeys: [{ type: 'ed25519' }], users: [{ name: a.name, uid: a.uid, gid: a.gid, keys: [only.pub] }] });
  fs.chmodSync(path.dirname(root), 0o711);

  // ExposeAuthInfo: sshd writes the methods this session used to a file named by SSH_USER_AUTH
  // (read under --root like every other path: here, the sysroot's /tmp).
  fs.mkdirSync(path.join(root, 'tmp'), { recursive: true, mode: 0o1777 });
  fs.writeFileSync(path.join(root, 'tmp/sshauth.Xy12'), `publickey ${only.pub.split(' ').slice(0, 2).join(' ')}\n`);
  const viaExpose = await removeAuthorizedKey.plan(hostOf(root, { SSH_CONNECTION: '127.0.0.1 40001 127.0.0.1 2222', SSH_USER_AUTH: '/tmp/sshauth.Xy12' }), ctx, { user: a.name, fingerprint: only.fp });
  t.regex(viaExpose.guard?.reason ?? '', /is the key this SSH session logged in with \(ExposeAuthInfo/);

  const unknown = await removeAuthorizedKey.plan(hostOf(root, { SSH_CONNECTION: '127.0.0.1 40001 127.0.0.1 2222' }), ctx, { user: a.name, fingerprint: only.fp });
  t.is(unknown.guard, undefined, unknown.guard?.reason);
  t.true(unknown.warnings.some((w) => /^cannot tell which key this SSH session logged in with \(no sshd log found/.test(w)), unknown.warnings.join('\n'));
  t.true(unknown.warnings.some((w) => w === `${a.name} keeps no key: only a password login remains`), 'passwords on: the last key may go, said plainly');

  const missing = await removeAuthorizedKey.plan(hostOf(root), ctx, { user: a.name, fingerprint: `SHA256:${'A'.repeat(43)}` });
  t.regex(missing.guard?.reason ?? '', new RegExp(`${a.name} has no authorized key SHA256:A+ \\(looked in /home/${a.name}/\\.ssh/authorized_keys\\)`));
});

withSshd('rotate-user-key refuses: unknown account, another uid on this machine, no loopback listener, no key file in the home, a symlinked ~/.ssh', async (t) => {
  const a = account(t);
  const k = keyPair(t, 'k');
  const user = { name: a.name, uid: a.uid, gid: a.gid, keys: [k.pub] };
  const refusal = async (root: string, name = a.name) => (await rotateUserKey.plan(hostOf(root), ctx, { user: name })).guard?.reason ?? '';

  const ok = sshRoot(t, { config: config(''), hostKeys: [{ type: 'ed25519' }], users: [user] });
  const plan = await rotateUserKey.plan(hostOf(ok), ctx, { user: a.name });
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.true(plan.commands.every((c) => c.argv[0] === 'runuser' && c.argv[2] === a.name), 'every command runs as the account');
  t.regex(await refusal(ok, 'nobody-here'), /no account nobody-here in \/etc\/passwd/);

  const otherUid = sshRoot(t, { config: config(''), hostKeys: [{ type: 'ed25519' }], users: [{ ...user, uid: a.uid + 5 }] });
  t.regex(await refusal(otherUid), new RegExp(`${a.name} is uid ${a.uid + 5} in /etc/passwd but uid ${a.uid} to this machine's runuser`));

  const remote = sshRoot(t, { config: config('').replace('ListenAddress 127.0.0.1', 'ListenAddress 192.0.2.10'), hostKeys: [{ type: 'ed25519' }], users: [user] });
  t.regex(await refusal(remote), /sshd listens on no loopback address/);

  const managed = sshRoot(t, { config: config('AuthorizedKeysFile /etc/ssh/authorized_keys/%u\n'), hostKeys: [{ type: 'ed25519' }], users: [user] });
  t.regex(await refusal(managed), /names no file in .*'s home/);

  const linked = sshRoot(t, { config: config(''), hostKeys: [{ type: 'ed25519' }], users: [user] });
  const sshDir = path.join(linked, 'home', a.name, '.ssh');
  fs.renameSync(sshDir, `${sshDir}.real`);
  fs.symlinkSync(`${sshDir}.real`, sshDir);
  t.regex(await refusal(linked), /\.ssh is a symlink \(not followed in a home directory\)/);
});
