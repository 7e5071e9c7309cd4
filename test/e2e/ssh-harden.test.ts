// ssh.server.harden end to end, with the REAL OpenSSH on loopback: the test's
// own sshd (test/helpers/sshd.ts: 127.0.0.1, a free high port, temp host
// keys, the sysroot's /etc/ssh bind-mounted in a private mount namespace, so
// the machine's /etc/ssh and its sshd are never touched), a throwaway account
// with a password and a key, the real `ssh` client, and the real binary
// (node bin/hardtop, the dist/ that `npm test` builds) with --root. Short
// confirm windows (--confirm-seconds) keep it quick; waits are generous.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { canRunRealSshd, freePort, keyLogin, passwordLogin, sshRoot, startSshd, testUser, weakConfig, type RunningSshd, type TestUser } from '../helpers/sshd';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const e2e = canRunRealSshd ? test.serial : test.serial.skip;
const DROP_IN = 'etc/ssh/sshd_config.d/00-hardtop.conf';
const APPLIER = '127.0.0.1 40001 127.0.0.1 22';
const OTHER = '127.0.0.1 40999 127.0.0.1 22';

interface Rig {
  root: string;
  user: TestUser;
  sshd: RunningSshd;
  port: number;
  mainBefore: string;
}

async function rig(t: ExecutionContext, opts: { withKey?: boolean } = {}): Promise<Rig> {
  t.timeout(120_000);
  const user = testUser(t);
  const port = await freePort();
  const root = sshRoot(t, {
    config: weakConfig(port),
    users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: opts.withKey === false ? undefined : [user.publicKey], groups: ['sudo'] }],
  });
  const sshd = await startSshd(t, root, port);
  // Whatever a test leaves pending is reverted by its reverter; make sure none outlives the test.
  t.teardown(() => {
    spawnSync('/usr/bin/pkill', ['-KILL', '-f', `revert-pending --root ${fs.realpathSync(root)} `]);
  });
  return { root, user, sshd, port, mainBefore: fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8') };
}

function hardtop(args: string[], sshConnection: string | null, user: TestUser) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', SUDO_USER: user.name };
  if (sshConnection) env.SSH_CONNECTION = sshConnection;
  else delete env.SSH_CONNECTION;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(root: string, rel: string): string | null {
  const p = path.join(root, rel);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
}

async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const pending = (r: Rig) => fs.existsSync(path.join(r.root, 'var/lib/hardtop/pending-confirm.json'));

// ---------------------------------------------------------------------------

e2e('the audit of the weak config flags root login, passwords and the weak ciphers and MACs', async (t) => {
  const r = await rig(t);
  const out = hardtop(['check', '--only', 'ssh', '--format', 'json', '--root', r.root], null, r.user);
  t.is(out.stderr, '');
  const status = new Map<string, string>(JSON.parse(out.stdout).checks.map((c: { id: string; status: string }) => [c.id, c.status]));
  t.is(status.get('ssh.server.root-login'), 'fail');
  t.is(status.get('ssh.server.password-auth'), 'fail');
  t.is(status.get('ssh.server.ciphers'), 'fail');
  t.is(status.get('ssh.server.macs'), 'fail');
  t.true((await passwordLogin(t, r.user, r.port)).ok, 'passwords work before the fix');
});

e2e('fix: sshd -t passes, the real sshd reloads, keys still log in, passwords are refused; unconfirmed, it reverts by itself', async (t) => {
  const r = await rig(t);
  const out = hardtop(['fix', 'ssh.server.harden', '--root', r.root, '--yes', '--confirm-seconds', '8'], APPLIER, r.user);
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /\$ sshd -t -f \{stage\}\/etc\/ssh\/sshd_config/);
  t.regex(out.stdout, /applied ssh\.server\.harden as \d{8}T\d{6}Z-[0-9a-f]{6}: \/etc\/ssh\/sshd_config\.d\/00-hardtop\.conf; CONFIRM within 8 s/);
  t.regex(out.stdout, /automatic revert armed: detached process \d+/);
  t.truthy(file(r.root, DROP_IN));
  await waitUntil('sshd to reload', () => (r.sshd.log().match(/Received SIGHUP/g) ?? []).length >= 1, 10_000);

  const key = await keyLogin(r.user, r.port);
  t.true(key.ok, `a key still logs in: ${key.stderr}`);
  const pw = await passwordLogin(t, r.user, r.port);
  t.false(pw.ok, 'a password login is refused');
  t.regex(pw.stderr, /Permission denied \(publickey\)/);

  // Nobody confirms: the reverter undoes it and reloads sshd again.
  await waitUntil('the automatic revert', () => !pending(r) && file(r.root, DROP_IN) === null, 30_000);
  t.is(file(r.root, 'etc/ssh/sshd_config'), r.mainBefore, 'the main file was never touched');
  await waitUntil('sshd to reload the restored config', () => (r.sshd.log().match(/Received SIGHUP/g) ?? []).length >= 2, 10_000);
  t.true((await passwordLogin(t, r.user, r.port)).ok, 'password logins work again');
  t.true((await keyLogin(r.user, r.port)).ok);
  t.regex(file(r.root, 'var/lib/hardtop/last-revert.json') ?? '', /because it was not confirmed in time/);
  const check = JSON.parse(hardtop(['check', '--only', 'ssh', '--format', 'json', '--root', r.root], null, r.user).stdout);
  t.is(check.checks.find((c: { id: string }) => c.id === 'ssh.server.password-auth').status, 'fail');
});

e2e('confirm: refused from the applying SSH connection; from a new one the change stays after the window', async (t) => {
  const r = await rig(t);
  const out = hardtop(['fix', 'ssh.server.harden', '--root', r.root, '--yes', '--confirm-seconds', '8'], APPLIER, r.user);
  t.is(out.code, 0, out.stderr);
  t.true((await keyLogin(r.user, r.port)).ok, 'the new login works');

  const same = hardtop(['confirm', '--root', r.root], APPLIER, r.user);
  t.is(same.code, 1);
  t.regex(same.stderr, /refused: this is the same SSH connection .* confirm from a NEW ssh login/);
  const noSsh = hardtop(['confirm', '--root', r.root], null, r.user);
  t.is(noSsh.code, 1);
  t.regex(noSsh.stderr, /cannot tell that this is a new ssh login/);
  t.true(pending(r));

  const ok = hardtop(['confirm', '--root', r.root], OTHER, r.user);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /kept ssh\.server\.harden \(.*\): confirmed from a new ssh login from 127\.0\.0\.1/);
  t.false(pending(r));

  await new Promise((res) => setTimeout(res, 11_000)); // past the window
  t.truthy(file(r.root, DROP_IN), 'still hardened after the window');
  t.false((await passwordLogin(t, r.user, r.port)).ok, 'passwords stay refused');
  t.true((await keyLogin(r.user, r.port)).ok);

  // undo brings the old config back and reloads (the admin's way out later).
  const undone = hardtop(['undo', '--root', r.root], OTHER, r.user);
  t.is(undone.code, 0, undone.stderr);
  t.is(file(r.root, DROP_IN), null);
  await waitUntil('passwords to work again after undo', async () => (await passwordLogin(t, r.user, r.port)).ok, 15_000);
});

e2e('the change still reverts when the hardtop that applied it is SIGKILLed right after applying', async (t) => {
  const r = await rig(t);
  const child = spawn(process.execPath, [bin, 'fix', 'ssh.server.harden', '--root', r.root, '--yes', '--confirm-seconds', '6'], {
    env: { ...process.env, NO_COLOR: '1', SUDO_USER: r.user.name, SSH_CONNECTION: APPLIER },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  await waitUntil('the apply', () => /applied ssh\.server\.harden/.test(stdout), 60_000);
  child.kill('SIGKILL');
  await exited;
  t.truthy(file(r.root, DROP_IN));
  t.false((await passwordLogin(t, r.user, r.port)).ok, 'hardened while pending');
  await waitUntil('the automatic revert', () => !pending(r) && file(r.root, DROP_IN) === null, 30_000);
  await waitUntil('passwords to work again', async () => (await passwordLogin(t, r.user, r.port)).ok, 15_000);
});

e2e('the change still reverts when the terminal it was applied from goes away (the pty closes: SIGHUP to the whole session, as when the SSH connection drops)', async (t) => {
  const r = await rig(t);
  // A pty of its own: hardtop is the session leader of a controlling terminal, like a login shell's child over SSH.
  const term = pty.spawn(process.execPath, [bin, 'fix', 'ssh.server.harden', '--root', r.root, '--yes', '--confirm-seconds', '6'], {
    name: 'xterm',
    cols: 200,
    rows: 50,
    env: { ...process.env, NO_COLOR: '1', SUDO_USER: r.user.name, SSH_CONNECTION: APPLIER } as Record<string, string>,
  });
  let out = '';
  term.onData((d) => (out += d));
  const exited = new Promise<void>((res) => term.onExit(() => res()));
  await waitUntil('the apply', () => /applied ssh\.server\.harden/.test(out), 60_000);
  const sid = term.pid;
  // The terminal goes away: the session gets SIGHUP, then the master closes.
  spawnSync('/usr/bin/pkill', ['--signal', 'HUP', '-s', String(sid)]);
  term.kill('SIGHUP');
  await exited;
  t.true(pending(r), 'still pending after the session died');
  t.false((await passwordLogin(t, r.user, r.port)).ok, 'hardened while pending');
  await waitUntil('the automatic revert', () => !pending(r) && file(r.root, DROP_IN) === null, 30_000);
  await waitUntil('passwords to work again', async () => (await passwordLogin(t, r.user, r.port)).ok, 15_000);
});

e2e('the guard refuses when no account has an authorized key, and nothing changes', async (t) => {
  const r = await rig(t, { withKey: false });
  const out = hardtop(['fix', 'ssh.server.harden', '--root', r.root, '--yes'], APPLIER, r.user);
  t.is(out.code, 2);
  t.regex(out.stderr, /refused: no account that may log in has a usable authorized key/);
  t.regex(out.stderr, new RegExp(`you are ${r.user.name} \\(by SUDO_USER, over SSH from 127\\.0\\.0\\.1\\)`));
  t.is(file(r.root, DROP_IN), null);
  t.false(pending(r));
  t.is(file(r.root, 'etc/ssh/sshd_config'), r.mainBefore);
  t.true((await passwordLogin(t, r.user, r.port)).ok);
});
