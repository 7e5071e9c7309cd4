// Issue 4's "Done when", in the dashboard, with the REAL OpenSSH on loopback:
// a sysroot shaped like the reference host's sshd (root login and passwords
// on, an RSA-1024 host key beside Ed25519, SHA-1 kex, CBC ciphers, SHA-1
// MACs), the test's own sshd on 127.0.0.1 and a high port
// (test/helpers/sshd.ts), a throwaway account with a key and a password, and
// the real binary (node bin/hardtop, the dist/ that `npm test` builds) in a
// pty read through @xterm/headless.
//
// The SSH panel shows what is wrong; f on it previews ssh.server.harden (the
// lockout guard names the admin's account), y applies it commit-confirmed:
// the header counts down; a key still logs in from "a second terminal" and a
// password is refused; c in the SAME dashboard (the applying SSH connection)
// is refused, c in a second dashboard (a NEW ssh login) keeps the change.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canRunRealSshd, freePort, keyLogin, passwordLogin, sshRoot, startSshd, testUser, weakConfig, type TestUser } from '../helpers/sshd';
import { startTui, type Tui } from '../helpers/tui';

const bin = path.resolve(__dirname, '../../bin/hardtop');
const e2e = canRunRealSshd ? test.serial : test.serial.skip;
const APPLIER = '127.0.0.1 40001 127.0.0.1 22';
const OTHER = '127.0.0.1 40999 127.0.0.1 22';
const DROP_IN = 'etc/ssh/sshd_config.d/00-hardtop.conf';
const PENDING = 'var/lib/hardtop/pending-confirm.json';

function dashboard(t: ExecutionContext, root: string, user: TestUser, sshConnection: string): Tui & { stderr(): string } {
  const errDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-harden-'));
  const errFile = path.join(errDir, 'stderr');
  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', root, '--only', 'ssh', '--no-network'],
    cols: 160,
    rows: 48,
    env: { TERM: 'xterm-256color', NO_COLOR: '1', SSH_CONNECTION: sshConnection, SUDO_USER: user.name, SSH_CLIENT: undefined, SSH_TTY: undefined, SSH_USER_AUTH: undefined },
    captureStderrTo: errFile,
  });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(errDir, { recursive: true, force: true });
  });
  return Object.assign(tui, { stderr: () => (fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '') });
}

async function waitUntil(what: string, predicate: () => boolean | Promise<boolean>, ms: number, tui?: Tui): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${tui ? `; screen:\n${tui.screenText()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pause = (ms = 150) => new Promise((r) => setTimeout(r, ms));

function highlighted(tui: Tui, text: string): boolean {
  const at = tui.find(text);
  return at !== undefined && tui.cellStyle(at.x, at.y).inverse;
}

async function sshReady(tui: Tui): Promise<void> {
  await tui.waitForText('▶ SSH', 30_000);
  await tui.waitForText(/. root-login /, 30_000);
  await tui.waitForNoText('checking…', 60_000);
}

e2e('"Done when": the SSH panel shows root login, passwords, the RSA host key and the weak algorithms; f, y hardens with a visible countdown; a key still logs in, a password does not; c from a second dashboard (a NEW login) keeps it', async (t) => {
  t.timeout(240_000);
  const user = testUser(t);
  const port = await freePort();
  const root = sshRoot(t, {
    config: weakConfig(port, 'KexAlgorithms diffie-hellman-group14-sha1,curve25519-sha256\n'),
    hostKeys: [{ type: 'ed25519' }, { type: 'rsa', bits: 1024 }],
    users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey], groups: ['sudo'] }],
  });
  const sshd = await startSshd(t, root, port);
  t.teardown(() => {
    spawnSync('/usr/bin/pkill', ['-KILL', '-f', `revert-pending --root ${fs.realpathSync(root)} `]);
  });
  const mainBefore = fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8');
  t.true((await passwordLogin(t, user, port)).ok, 'passwords work before the fix');

  // 1. The panel and its detail say what is wrong.
  const a = dashboard(t, root, user, APPLIER);
  await sshReady(a);
  const panel = a.screenText();
  for (const re of [/root-login .*PermitRootLogin yes/, /password-a\S* +PasswordAuthentication yes/, /host-keys +\/etc\/ssh\/ssh_host_rsa_key: RSA 1024 bits/, /ciphers .*aes128-cbc/, /macs .*hmac-sha1/, /kex .*diffie-hellman-group14-sha1/]) {
    t.regex(panel, re);
  }

  // 2. f on root-login: the hardening fix's preview, the guard naming this admin; y applies it.
  for (let i = 0; i < 20 && !highlighted(a, 'root-login'); i++) {
    a.press('j');
    await pause();
    await a.settle();
  }
  await waitUntil('root-login selected', () => highlighted(a, 'root-login'), 5_000, a);
  a.press('f');
  await a.waitForText('fix ssh.server.harden — preview', 60_000);
  await a.waitForText(new RegExp(`you are ${user.name} \\(by SUDO_USER, over SSH from 127\\.0\\.0\\.1\\): your account keeps a way in`), 10_000);
  t.is(fs.existsSync(path.join(root, DROP_IN)), false, 'the preview changes nothing');
  a.press('y');
  await a.waitForText(/applied ssh\.server\.harden as \d{8}T\d{6}Z-[0-9a-f]{6}/, 60_000);
  await a.waitForText(/CONFIRM ssh\.server\.harden within \d+s from a NEW ssh login/, 15_000);
  const first = Number(/within (\d+)s/.exec(a.screenText())![1]);
  await waitUntil('the countdown to count down', () => Number(/within (\d+)s/.exec(a.screenText())?.[1] ?? first) < first, 10_000, a);
  t.true(fs.existsSync(path.join(root, PENDING)));
  t.is(fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8'), mainBefore, 'a drop-in that sorts first; the main file untouched');
  await waitUntil('sshd to reload', () => (sshd.log().match(/Received SIGHUP/g) ?? []).length >= 1, 15_000);

  // 3. "From a second terminal": a key still logs in, a password is refused.
  const key = await keyLogin(user, port);
  t.true(key.ok, `a key still logs in: ${key.stderr}`);
  const pw = await passwordLogin(t, user, port);
  t.false(pw.ok, 'a password login is refused');
  await waitUntil('the panel to show the hardened config', () => /password-a\S* +PasswordAuthentication no/.test(a.screenText()), 60_000, a);

  // 4. c in the applying session is refused: it is not a new login.
  a.press('c');
  await a.waitForText(/refused: this is the same SSH connection/, 15_000);
  t.true(fs.existsSync(path.join(root, PENDING)), 'still pending');

  // 5. c in a second dashboard, from a NEW ssh login: kept; the first one stops counting.
  const b = dashboard(t, root, user, OTHER);
  await sshReady(b);
  await b.waitForText(/CONFIRM ssh\.server\.harden within \d+s/, 15_000);
  b.press('c');
  await b.waitForText(/kept ssh\.server\.harden/, 15_000);
  await a.waitForNoText(/CONFIRM ssh\.server\.harden within/, 15_000);
  t.false(fs.existsSync(path.join(root, PENDING)), 'nothing pending');
  t.true(fs.existsSync(path.join(root, DROP_IN)), 'the change stays');
  t.false((await passwordLogin(t, user, port)).ok, 'passwords stay refused');
  t.true((await keyLogin(user, port)).ok);

  for (const tui of [a, b]) {
    tui.press('q');
    t.is((await tui.exited).exitCode, 0);
    t.is(tui.stderr(), '');
  }
});
