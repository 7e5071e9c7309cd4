// Guided key rotation end to end (issue 5), with the REAL OpenSSH on
// loopback: the test's own sshd (test/helpers/sshd.ts: 127.0.0.1, a free
// high port, the sysroot's /etc/ssh — and the test account's home — bind-
// mounted in a private mount namespace), a throwaway account, the real `ssh`,
// `ssh-keyscan` and `ssh-keygen`, and the real binary (node bin/hardtop, the
// dist/ that `npm test` builds) with --root.
//
// Host keys: rotate → the old key is still the one served (first of its
// type) and a client with UpdateHostKeys and a known_hosts that trusts only
// the old key logs in and then holds the new key too; retire (commit-
// confirmed) → only the new key is served; undo twice → the exact files.
// User keys: rotate-user-key → the new key logs in; remove-authorized-key →
// the old key is refused; undo → the old key works again; the guards.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { rotateUserKey } from '../../checks/ssh/fix-rotate-user-key';
import type { CommandRunner } from '../../src/fix/commands';
import { applyPlan } from '../../src/fix/engine';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { canRunRealSshd, freePort, keyLogin, sshRoot, startSshd, tempDir, testUser, type RunningSshd, type TestUser } from '../helpers/sshd';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const e2e = canRunRealSshd ? test.serial : test.serial.skip;
const APPLIER = '127.0.0.1 40001 127.0.0.1 22';
const OTHER = '127.0.0.1 40999 127.0.0.1 22';

function config(port: number): string {
  return `# test sshd (hardtop rotation)
Include /etc/ssh/sshd_config.d/*.conf
Port ${port}
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
`;
}

interface Rig {
  root: string;
  user: TestUser;
  sshd: RunningSshd;
  port: number;
}

async function rig(t: ExecutionContext): Promise<Rig> {
  t.timeout(240_000);
  const user = testUser(t);
  const port = await freePort();
  const root = sshRoot(t, { config: config(port), users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey], groups: ['sudo'] }] });
  // The account must be able to walk into the sysroot to reach its home there (runuser writes as it).
  fs.chmodSync(path.dirname(root), 0o711);
  const sshd = await startSshd(t, root, port, { bindHomes: [`/home/${user.name}`] });
  t.teardown(() => {
    spawnSync('/usr/bin/pkill', ['-KILL', '-f', `revert-pending --root ${fs.realpathSync(root)} `]);
  });
  return { root, user, sshd, port };
}

function hardtop(args: string[], sshConnection: string | null, user: TestUser) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', SUDO_USER: user.name };
  if (sshConnection) env.SSH_CONNECTION = sshConnection;
  else delete env.SSH_CONNECTION;
  delete env.SSH_USER_AUTH;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function b64Of(pubFile: string): string {
  return fs.readFileSync(pubFile, 'utf8').trim().split(/\s+/)[1];
}

function fingerprint(file: string): string {
  return execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
}

/** What the server offers in the handshake, per type (ssh-keyscan: no login, first key of each type). */
function keyscan(port: number, type: string): string[] {
  const r = spawnSync('/usr/bin/ssh-keyscan', ['-T', '10', '-p', String(port), '-t', type, '127.0.0.1'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[2]);
}

async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const hups = (r: Rig) => (r.sshd.log().match(/Received SIGHUP/g) ?? []).length;

/** A real login with a key file and a strict known_hosts, as a client that learns host keys would do it. */
function strictLogin(r: Rig, key: string, knownHosts: string, extra: string[] = []): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      '/usr/bin/setsid',
      [
        '-w', '/usr/bin/ssh', '-F', '/dev/null',
        '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-i', key,
        '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'ConnectTimeout=10', ...extra,
        '-p', String(r.port), `${r.user.name}@127.0.0.1`, 'echo hardtop-login-ok; sleep 1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && out.includes('hardtop-login-ok'), stderr: err });
    });
  });
}

async function retrying(fn: () => Promise<{ ok: boolean; stderr: string }>): Promise<{ ok: boolean; stderr: string }> {
  let last = { ok: false, stderr: '' };
  for (let i = 0; i < 5; i++) {
    last = await fn();
    if (last.ok || !/Connection refused|Connection reset|closed by remote/.test(last.stderr)) return last;
    await new Promise((res) => setTimeout(res, 300));
  }
  return last;
}

function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = path.join(root, 'etc/ssh');
  for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(base, rel));
    if (st.isFile()) out.set(rel, `${(st.mode & 0o7777).toString(8)}:${st.uid}:${fs.readFileSync(path.join(base, rel), 'base64')}`);
  }
  const rec = path.join(root, 'var/lib/hardtop/host-key-rotation.json');
  out.set('record', fs.existsSync(rec) ? fs.readFileSync(rec, 'utf8') : 'none');
  return out;
}

// ---------------------------------------------------------------------------

e2e('host keys: rotate, a client learns the new key (UpdateHostKeys), retire serves only the new key, undo brings back the exact files', async (t) => {
  const r = await rig(t);
  const etc = path.join(r.root, 'etc/ssh');
  const oldEd = b64Of(path.join(etc, 'ssh_host_ed25519_key.pub'));
  const oldRsa = b64Of(path.join(etc, 'ssh_host_rsa_key.pub'));
  t.deepEqual(keyscan(r.port, 'ed25519'), [oldEd]);
  const initial = snapshot(r.root);

  // A client that trusts only the old Ed25519 key.
  const kh = path.join(tempDir(t, 'hardtop-kh-'), 'known_hosts');
  fs.writeFileSync(kh, `[127.0.0.1]:${r.port} ssh-ed25519 ${oldEd}\n`);

  // 1. Rotate.
  const rot = hardtop(['fix', 'ssh.rotate-host-keys', '--root', r.root, '--yes'], APPLIER, r.user);
  t.is(rot.code, 0, rot.stderr + rot.stdout);
  t.regex(rot.stdout, /current host key \/etc\/ssh\/ssh_host_ed25519_key: ssh-ed25519 256 bits SHA256:/);
  const newName = fs.readdirSync(etc).find((n) => /^ssh_host_ed25519_key-\d{8}$/.test(n))!;
  t.truthy(newName, 'the new Ed25519 key exists');
  const newEd = b64Of(path.join(etc, `${newName}.pub`));
  t.true(rot.stdout.includes(`new host key /etc/ssh/${newName}: ssh-ed25519 256 bits ${fingerprint(path.join(etc, `${newName}.pub`))}`), rot.stdout);
  t.regex(rot.stdout, new RegExp(`known_hosts: \\[\\S+\\]:${r.port} ssh-ed25519 ${newEd.replace(/[+/]/g, '\\$&')}`));
  t.regex(rot.stdout, /SSHFP: \S+ IN SSHFP 4 2 [0-9a-f]{64}/);
  await waitUntil('sshd to reload', () => hups(r) >= 1, 15_000);

  // The old key is still the one served in the handshake: no client sees a change.
  t.deepEqual(keyscan(r.port, 'ed25519'), [oldEd], 'sshd serves the first Ed25519 key, still the old one');
  t.deepEqual(keyscan(r.port, 'rsa'), [oldRsa]);

  // 2. The client logs in (strict checking: only the old key is trusted) and learns the new key.
  const learn = await retrying(() => strictLogin(r, r.user.key, kh, ['-o', 'UpdateHostKeys=yes']));
  t.true(learn.ok, `login with the old key trusted: ${learn.stderr}`);
  await waitUntil('the client to write the new key', () => fs.readFileSync(kh, 'utf8').includes(newEd), 10_000).catch(() => undefined);
  const learned = fs.readFileSync(kh, 'utf8');
  t.true(learned.includes(newEd), `UpdateHostKeys added the new key to known_hosts:\n${learned}`);
  t.true(learned.includes(oldEd), 'and kept the old one (still offered)');

  // A client that does NOT learn keys keeps only the old one.
  const lazy = path.join(tempDir(t, 'hardtop-kh-'), 'known_hosts');
  fs.writeFileSync(lazy, `[127.0.0.1]:${r.port} ssh-ed25519 ${oldEd}\n`);
  t.true((await retrying(() => strictLogin(r, r.user.key, lazy, ['-o', 'UpdateHostKeys=no']))).ok);
  t.false(fs.readFileSync(lazy, 'utf8').includes(newEd));

  // 3. Retire, commit-confirmed: confirmed from a new login.
  const ret = hardtop(['fix', 'ssh.retire-host-keys', '--root', r.root, '--yes', '--confirm-seconds', '60'], APPLIER, r.user);
  t.is(ret.code, 0, ret.stderr + ret.stdout);
  t.regex(ret.stdout, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  t.regex(ret.stdout, /CONFIRM within 60 s/);
  await waitUntil('sshd to reload after the retirement', () => hups(r) >= 2, 15_000);
  t.deepEqual(keyscan(r.port, 'ed25519'), [newEd], 'after retiring, only the new Ed25519 key is served');
  t.notDeepEqual(keyscan(r.port, 'rsa'), [oldRsa], 'and the new RSA key');
  t.true((await retrying(() => strictLogin(r, r.user.key, kh, ['-o', 'UpdateHostKeys=yes']))).ok, 'the client that learned the new key still logs in');
  const stale = await retrying(() => strictLogin(r, r.user.key, lazy, ['-o', 'UpdateHostKeys=no']));
  t.false(stale.ok, 'a client that knows only the old key is stopped by the host key check');
  t.regex(stale.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  const ok = hardtop(['confirm', '--root', r.root], OTHER, r.user);
  t.is(ok.code, 0, ok.stderr);
  t.false(fs.existsSync(path.join(etc, 'ssh_host_ed25519_key')), 'the old key file went into the backup');

  // 4. Undo the retirement, then the rotation: the exact files, and the old key served again.
  const u1 = hardtop(['undo', '--root', r.root], OTHER, r.user);
  t.is(u1.code, 0, u1.stderr);
  await waitUntil('the old key to be served again', () => keyscan(r.port, 'ed25519')[0] === oldEd, 15_000);
  const u2 = hardtop(['undo', '--root', r.root], OTHER, r.user);
  t.is(u2.code, 0, u2.stderr);
  t.deepEqual(snapshot(r.root), initial, 'config, keys (bytes, owner, mode) and record exactly as before the rotation');
  await waitUntil('sshd to reload after the undo', () => hups(r) >= 4, 15_000);
  t.deepEqual(keyscan(r.port, 'ed25519'), [oldEd]);
  t.true((await retrying(() => strictLogin(r, r.user.key, lazy, ['-o', 'UpdateHostKeys=no']))).ok, 'the client that knows only the old key logs in again');
});

/** A real key login with a given private key file (no host key checking: loopback, throwaway sshd). */
async function loginWith(r: Rig, key: string) {
  return keyLogin({ ...r.user, key }, r.port);
}

/** The client port of the newest login sshd logged for this key (to play "this SSH session"). */
function sessionPortOf(r: Rig, fp: string): number {
  const lines = r.sshd.log().split('\n').filter((l) => l.includes(`Accepted publickey for ${r.user.name} from 127.0.0.1`) && l.includes(fp));
  const m = /port (\d+) ssh2/.exec(lines.at(-1) ?? '');
  if (!m) throw new Error(`no Accepted line for ${fp} in the sshd log`);
  return Number(m[1]);
}

e2e('user keys: rotate-user-key proves the new key by a real login; remove-authorized-key refuses the session key and the last key, removes the old one; undo brings it back', async (t) => {
  const r = await rig(t);
  const name = r.user.name;
  const home = path.join(r.root, 'home', name);
  const auth = path.join(home, '.ssh/authorized_keys');
  const authBefore = fs.readFileSync(auth);
  const oldFp = fingerprint(`${r.user.key}.pub`);
  t.true((await loginWith(r, r.user.key)).ok, 'the old key logs in to start with');

  // 1. Rotate: made, added and proven as the account.
  const rot = hardtop(['fix', 'ssh.rotate-user-key', '--user', name, '--root', r.root, '--yes'], APPLIER, r.user);
  t.is(rot.code, 0, rot.stderr + rot.stdout);
  const keyName = fs.readdirSync(path.join(home, '.ssh')).find((n) => /^id_ed25519_\d{8}$/.test(n))!;
  t.truthy(keyName, 'the new key is in ~/.ssh');
  const newKey = path.join(home, '.ssh', keyName);
  const newFp = fingerprint(`${newKey}.pub`);
  t.true(rot.stdout.includes(`new key for ${name}: /home/${name}/.ssh/${keyName} (Ed25519 ${newFp}), WITHOUT a passphrase`), rot.stdout);
  t.regex(rot.stdout, new RegExp(`a key-only ssh login to ${name}@127\\.0\\.0\\.1 port ${r.port} worked`));
  t.true(rot.stdout.includes(`hardtop fix ssh.remove-authorized-key --user ${name} --arg fingerprint=${oldFp}`), 'the old key is offered for removal');
  t.true(rot.stdout.includes(`ssh-copy-id -i /home/${name}/.ssh/${keyName}.pub ${name}@OTHER-HOST`));
  for (const p of [newKey, `${newKey}.pub`, auth]) t.is(fs.statSync(p).uid, r.user.uid, `${p} belongs to the account, not root`);
  t.is(fs.statSync(newKey).mode & 0o777, 0o600);
  t.is(fs.statSync(auth).mode & 0o777, 0o600, 'authorized_keys keeps its mode');
  const authRotated = fs.readFileSync(auth);
  t.is(authRotated.toString(), `${authBefore.toString()}${fs.readFileSync(`${newKey}.pub`, 'utf8')}`, 'exactly the .pub appended');
  t.true((await loginWith(r, newKey)).ok, 'the new key logs in');
  t.true(r.sshd.log().includes(newFp), 'sshd logged the proof login with the new key');

  // 2. The key this session came in with is never removed.
  fs.mkdirSync(path.join(r.root, 'var/log'), { recursive: true });
  fs.writeFileSync(path.join(r.root, 'var/log/auth.log'), r.sshd.log());
  const oldSession = `127.0.0.1 ${sessionPortOf(r, oldFp)} 127.0.0.1 ${r.port}`;
  const mine = hardtop(['fix', 'ssh.remove-authorized-key', '--user', name, '--arg', `fingerprint=${oldFp}`, '--root', r.root, '--yes'], oldSession, r.user);
  t.is(mine.code, 2, mine.stdout);
  t.regex(mine.stderr, /is the key this SSH session logged in with \(\/var\/log\/auth\.log/);
  t.deepEqual(fs.readFileSync(auth), authRotated);

  // 3. From the session that came in with the new key: the old key goes.
  const newSession = `127.0.0.1 ${sessionPortOf(r, newFp)} 127.0.0.1 ${r.port}`;
  const rm = hardtop(['fix', 'ssh.remove-authorized-key', '--user', name, '--arg', `fingerprint=${oldFp}`, '--root', r.root, '--yes'], newSession, r.user);
  t.is(rm.code, 0, rm.stderr + rm.stdout);
  t.regex(rm.stdout, new RegExp(`^-${r.user.publicKey.replace(/[+/.]/g, '\\$&')}$`, 'm'), 'the preview shows the removed line');
  t.is(fs.readFileSync(auth, 'utf8'), fs.readFileSync(`${newKey}.pub`, 'utf8'));
  t.is(fs.statSync(auth).uid, r.user.uid, 'written as the account');
  t.false((await loginWith(r, r.user.key)).ok, 'the old key is refused now');
  t.true((await loginWith(r, newKey)).ok, 'the new key still logs in');

  // 4. The last key, with passwords off: refused.
  const last = hardtop(['fix', 'ssh.remove-authorized-key', '--user', name, '--arg', `fingerprint=${newFp}`, '--root', r.root, '--yes'], null, r.user);
  t.is(last.code, 2);
  t.regex(last.stderr, new RegExp(`removing it leaves ${name} no usable key while password logins are off`));

  // 5. Undo the removal: the old key works again, byte for byte; undo the rotation: as at the start.
  const u1 = hardtop(['undo', '--root', r.root], null, r.user);
  t.is(u1.code, 0, u1.stderr);
  t.deepEqual(fs.readFileSync(auth), authRotated);
  t.is(fs.statSync(auth).uid, r.user.uid);
  t.true((await loginWith(r, r.user.key)).ok, 'undo makes the old key work again');
  const u2 = hardtop(['undo', '--root', r.root], null, r.user);
  t.is(u2.code, 0, u2.stderr);
  t.deepEqual(fs.readFileSync(auth), authBefore, 'authorized_keys exactly as before the rotation');
  t.false(fs.existsSync(newKey));
  t.false(fs.existsSync(`${newKey}.pub`));
  t.false((await loginWith(r, newKey)).ok, 'the new key no longer logs in');
});

// ---------------------------------------------------------------------------
// The interactive path (what the dashboard's embedded terminal does): the
// fix's interactive commands run in a real pty; ssh-keygen and the proof's
// ssh ask for the passphrase there, and the test types it.

const ctx = () => ({ now: new Date(), network: false, signal: new AbortController().signal });

/** Runs interactive commands in a pty, answering passphrase prompts (or pressing Ctrl-C at the first one). */
function ptyRunner(host: Host, answer: string | 'ctrl-c', prompts: string[]): CommandRunner {
  return async (cmd) => {
    if (!cmd.interactive) {
      const r = await host.exec(cmd.argv[0], cmd.argv.slice(1), { timeoutMs: cmd.timeoutMs });
      return { exitCode: r.exitCode };
    }
    const spec = await host.ptySpawn(cmd.argv[0], cmd.argv.slice(1));
    if (!spec) return { exitCode: null };
    return new Promise((resolve) => {
      const p = pty.spawn(spec.file, spec.args, { name: 'xterm', cols: 160, rows: 40, env: spec.env });
      let pending = '';
      const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
      p.onData((d) => {
        pending += d;
        const m = /(Enter [^\r\n]*passphrase[^\r\n]*:) ?$/.exec(pending);
        if (!m) return;
        prompts.push(m[1]);
        pending = '';
        p.write(answer === 'ctrl-c' ? '\x03' : `${answer}\r`);
      });
      p.onExit(({ exitCode }) => {
        clearTimeout(timer);
        resolve({ exitCode });
      });
    });
  };
}

e2e('user keys, interactive: ssh-keygen asks the passphrase in the terminal, the proof login asks it too; the key is protected', async (t) => {
  const r = await rig(t);
  const host = createLocalHost({ root: r.root, network: false });
  const plan = await rotateUserKey.plan(host, ctx(), { user: r.user.name });
  t.is(plan.guard, undefined, plan.guard?.reason);
  const prompts: string[] = [];
  const outcome = await applyPlan(host, plan, { runCommand: ptyRunner(host, 'correct horse battery staple', prompts) });
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(prompts.map((p) => p.replace(/'[^']*'/, "'KEY'")), [
    'Enter passphrase (empty for no passphrase):',
    'Enter same passphrase again:',
    "Enter passphrase for key 'KEY':",
  ], 'ssh-keygen asked twice, then the proof login asked for the new key\'s passphrase');
  const keyName = fs.readdirSync(path.join(r.root, 'home', r.user.name, '.ssh')).find((n) => /^id_ed25519_\d{8}$/.test(n))!;
  const key = path.join(r.root, 'home', r.user.name, '.ssh', keyName);
  t.not(spawnSync('/usr/bin/ssh-keygen', ['-y', '-P', '', '-f', key]).status, 0, 'an empty passphrase does not open it');
  t.is(spawnSync('/usr/bin/ssh-keygen', ['-y', '-P', 'correct horse battery staple', '-f', key]).status, 0);
  const lines = await plan.afterApply!(host);
  t.regex(lines[0], /protected by a passphrase/);
});

e2e('user keys: pressing Ctrl-C at the passphrase prompt, or a key sshd will not accept, leaves everything as it was', async (t) => {
  const r = await rig(t);
  const host = createLocalHost({ root: r.root, network: false });
  const sshDir = path.join(r.root, 'home', r.user.name, '.ssh');
  const before = fs.readdirSync(sshDir).map((n) => `${n}:${fs.readFileSync(path.join(sshDir, n), 'base64')}`);

  const cancel = await applyPlan(host, await rotateUserKey.plan(host, ctx(), { user: r.user.name }), { runCommand: ptyRunner(host, 'ctrl-c', []) });
  t.false(cancel.ok);
  if (!cancel.ok) t.true(cancel.rolledBack, cancel.message);
  t.deepEqual(fs.readdirSync(sshDir).map((n) => `${n}:${fs.readFileSync(path.join(sshDir, n), 'base64')}`), before, 'cancelled: nothing changed');

  // sshd refuses this account from now on (DenyUsers): the proof fails and everything is taken back.
  fs.writeFileSync(path.join(r.root, 'etc/ssh/sshd_config.d/10-deny.conf'), `DenyUsers ${r.user.name}\n`);
  spawnSync('/usr/bin/pkill', ['--signal', 'HUP', '-F', path.join(r.root, 'run/sshd.pid'), '-x', 'sshd']);
  await waitUntil('sshd to reload', () => hups(r) >= 1, 15_000);
  const refused = await applyPlan(host, await rotateUserKey.plan(host, ctx(), { user: r.user.name }));
  t.false(refused.ok);
  if (!refused.ok) {
    t.is(refused.stage, 'command');
    t.regex(refused.message, /ssh .* failed \(exit 255\)/);
    t.true(refused.rolledBack, refused.message);
  }
  t.deepEqual(fs.readdirSync(sshDir).map((n) => `${n}:${fs.readFileSync(path.join(sshDir, n), 'base64')}`), before, 'an unproven key is taken back: files as before');
});

e2e('user keys: an account with no ~/.ssh gets one (0700) and an authorized_keys (0600), made as the account; undo removes both again', async (t) => {
  t.timeout(240_000);
  const user = testUser(t);
  const port = await freePort();
  const root = sshRoot(t, { config: config(port), users: [{ name: user.name, uid: user.uid, gid: user.gid }] });
  fs.chmodSync(path.dirname(root), 0o711);
  const home = path.join(root, 'home', user.name);
  fs.mkdirSync(home, { recursive: true });
  fs.chownSync(home, user.uid, user.gid);
  fs.chmodSync(home, 0o750);
  const sshd = await startSshd(t, root, port, { bindHomes: [`/home/${user.name}`] });
  const r: Rig = { root, user, sshd, port };

  const rot = hardtop(['fix', 'ssh.rotate-user-key', '--user', user.name, '--root', root, '--yes'], null, user);
  t.is(rot.code, 0, rot.stderr + rot.stdout);
  const sshDir = path.join(home, '.ssh');
  t.is(fs.statSync(sshDir).mode & 0o777, 0o700);
  t.is(fs.statSync(sshDir).uid, user.uid);
  const auth = path.join(sshDir, 'authorized_keys');
  t.is(fs.statSync(auth).mode & 0o777, 0o600);
  t.is(fs.statSync(auth).uid, user.uid);
  const keyName = fs.readdirSync(sshDir).find((n) => /^id_ed25519_\d{8}$/.test(n))!;
  t.true((await loginWith(r, path.join(sshDir, keyName))).ok, 'the new key logs in');

  const u = hardtop(['undo', '--root', root], null, user);
  t.is(u.code, 0, u.stderr);
  t.false(fs.existsSync(sshDir), 'the ~/.ssh the fix made is gone again');
});

e2e('host keys: a retirement nobody confirms reverts by itself: the old keys (bytes, mode) are back and served again', async (t) => {
  const r = await rig(t);
  const etc = path.join(r.root, 'etc/ssh');
  const oldEd = b64Of(path.join(etc, 'ssh_host_ed25519_key.pub'));
  t.is(hardtop(['fix', 'ssh.rotate-host-keys', '--root', r.root, '--yes'], APPLIER, r.user).code, 0);
  await waitUntil('sshd to reload', () => hups(r) >= 1, 15_000);
  const rotated = snapshot(r.root);

  const ret = hardtop(['fix', 'ssh.retire-host-keys', '--root', r.root, '--yes', '--confirm-seconds', '5'], APPLIER, r.user);
  t.is(ret.code, 0, ret.stderr + ret.stdout);
  await waitUntil('sshd to reload after the retirement', () => hups(r) >= 2, 15_000);
  t.notDeepEqual(keyscan(r.port, 'ed25519'), [oldEd]);

  await waitUntil('the automatic revert', () => !fs.existsSync(path.join(r.root, 'var/lib/hardtop/pending-confirm.json')) && fs.existsSync(path.join(etc, 'ssh_host_ed25519_key')), 40_000);
  await waitUntil('the old key to be served again', () => keyscan(r.port, 'ed25519')[0] === oldEd, 20_000);
  t.deepEqual(snapshot(r.root), rotated, 'the old key files, HostKey lines and the record are back exactly');
});
