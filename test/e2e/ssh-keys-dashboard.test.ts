// The SSH key screens of the dashboard as an admin uses them (issue 5): the
// real binary (node bin/hardtop, the dist/ that `npm test` builds) on private
// copies of fixture sysroots, in a pty read through @xterm/headless; the real
// engine, the real sshd -T and ssh-keygen. Keys are pressed, what is visible
// is asserted, and the files are compared byte for byte.
//
// - the authorized-keys screen (a on the SSH panel): pick a key, f previews
//   exactly its removal, y removes exactly that line, u restores it;
// - the detail view's item cursor: an item's own fix (Item.fix) on f;
// - the rotation wizard: Esc at every step leaves the tree byte-identical
//   and journals nothing; rotate-host-keys through to the result screen
//   (new fingerprints, known_hosts and SSHFP lines), the panel's reminder
//   once the grace period is over, and undo back to the exact files;
//   rotate a user's key with a real account and a real sshd on loopback
//   (the proof login), then the old key removed from the keys screen;
// - Enter on the SSH panel: the full effective configuration.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyRoot } from '../checks/ssh-server-helpers';
import { copySshkRoot, snapshot } from '../checks/ssh-keys-helpers';
import { canRunRealSshd, freePort, sshRoot, startSshd, testUser } from '../helpers/sshd';
import { startTui, type Tui } from '../helpers/tui';

const bin = path.resolve(__dirname, '../../bin/hardtop');
// sshd -T (the keys checks and every ssh fix read the effective config) needs root and the real sshd.
const asRoot = process.geteuid?.() === 0 && fs.existsSync('/usr/sbin/sshd') && fs.existsSync('/usr/bin/ssh-keygen') ? test.serial : test.serial.skip;
const ROTATION_RECORD = 'var/lib/hardtop/host-key-rotation.json';
const JOURNAL = 'var/lib/hardtop/journal.jsonl';

function dashboard(t: ExecutionContext, root: string): Tui & { stderr(): string } {
  const errDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-keys-'));
  const errFile = path.join(errDir, 'stderr');
  // No SSH_CONNECTION: this "session" is a local console (the session-key guard has nothing to protect).
  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', root, '--only', 'ssh', '--no-network'],
    cols: 120,
    rows: 36,
    env: { TERM: 'xterm-256color', SSH_CONNECTION: undefined, SSH_CLIENT: undefined, SSH_TTY: undefined, SSH_USER_AUTH: undefined },
    captureStderrTo: errFile,
  });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(errDir, { recursive: true, force: true });
  });
  return Object.assign(tui, { stderr: () => (fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '') });
}

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms = 150) => new Promise((r) => setTimeout(r, ms));

/** Is the first cell of `text` on screen drawn inverse (the cursor's highlight)? */
function highlighted(tui: Tui, text: string): boolean {
  const at = tui.find(text);
  return at !== undefined && tui.cellStyle(at.x, at.y).inverse;
}

/** Press `key` until `text` is highlighted, as a person would move the cursor. */
async function moveTo(tui: Tui, text: string, key = 'j', max = 80): Promise<void> {
  for (let i = 0; i < max && !highlighted(tui, text); i++) {
    tui.press(key);
    await pause(120);
    await tui.settle();
  }
  await waitUntil(tui, () => highlighted(tui, text), `${text} highlighted`, 5_000);
}

function fingerprintOf(pubFile: string): string {
  return execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', pubFile], { encoding: 'utf8' }).split(' ')[1];
}

/** The fingerprint of line `n` (1-based) of an authorized_keys file: from the file, never a literal (build-sshk.sh makes new keys). */
function lineFingerprint(file: string, n: number): string {
  const one = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-fp-')), 'k');
  fs.writeFileSync(one, `${fs.readFileSync(file, 'utf8').split('\n')[n - 1]}\n`);
  try {
    return fingerprintOf(one);
  } finally {
    fs.rmSync(path.dirname(one), { recursive: true, force: true });
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Everything under the root: bytes, mode and mtime of every file (hardtop's state dir included: nothing may be journaled either). */
function everything(root: string): Record<string, string> {
  const out = snapshot(root);
  const state = path.join(root, 'var/lib/hardtop');
  out['(state dir)'] = fs.existsSync(state) ? (fs.readdirSync(state, { recursive: true }) as string[]).sort().join(',') : 'absent';
  return out;
}

/** A snapshot without mtimes and the state dir (undo leaves its journal and backups there). */
function withoutTimes(snap: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap)) if (k !== '(state dir)') out[k] = v.split(' ').filter((_, i) => i !== 3).join(' ');
  return out;
}

/** The panels are filled in: the SSH checks have reported (the wizard reads their items). */
async function sshReady(tui: Tui): Promise<void> {
  await tui.waitForText('▶ SSH', 30_000);
  await tui.waitForText(/│. host-keys /, 30_000);
  await tui.waitForText(/│. authorized /, 30_000);
  await tui.waitForNoText('checking…', 60_000);
}

// ---------------------------------------------------------------------------

asRoot('authorized keys screen: pick a key, f previews its removal, y removes exactly that line, u restores the file byte for byte', async (t) => {
  t.timeout(120_000);
  const root = copySshkRoot(t, 'sshk-mixed');
  const file = path.join(root, 'root/.ssh/authorized_keys');
  const original = fs.readFileSync(file);
  const lines = original.toString('utf8').split('\n');
  const rsaFp = lineFingerprint(file, 2);
  const alice = path.join(root, 'home/alice/.ssh/authorized_keys');
  t.true(lines[1].includes('root@admin-laptop'), 'line 2 is the RSA key with options');
  const before = everything(root);

  const tui = dashboard(t, root);
  await sshReady(tui);
  tui.press('a');
  await tui.waitForText('SSH — authorized keys');
  // Type, bits, fingerprint, age, comment, options; weak keys marked.
  await tui.waitForText(`RSA 4096       ${rsaFp}  age `);
  await tui.waitForText('options from="10.0.0.0/8,192.168.1.*",no-pty,no-agent-forwarding');
  await tui.waitForText(new RegExp(`WEAK RSA 2048 +${escapeRe(lineFingerprint(alice, 2))}  age 30 d`));
  await tui.waitForText('RSA 2048 bits, below 3072');
  // A CA line is said, not called weak; a line sshd cannot use is shown (not selectable).
  await tui.waitForText(new RegExp(`^│ {7}Ed25519 +${escapeRe(lineFingerprint(alice, 7))}`, 'm'));
  await tui.waitForText('a certificate authority');
  await tui.waitForText('/home/alice/.ssh/authorized_keys:9: ssh-ed25519 key data is not valid base64');
  // The cursor starts on the first key; j moves it to root's RSA key.
  await moveTo(tui, rsaFp);

  tui.press('f');
  await tui.waitForText('fix ssh.remove-authorized-key — preview');
  await tui.waitForText('--- a/root/.ssh/authorized_keys');
  await tui.waitForText('@@ -1,2 +1,1 @@');
  await tui.waitForText('│-from="10.0.0.0/8,192.168.1.*",no-pty,no-agent-forwarding ssh-rsa AAAA');
  await tui.waitForText('│ ssh-ed25519 AAAA'); // the kept key: context, not removed
  t.deepEqual(everything(root), before, 'the preview changed nothing');

  tui.press('y');
  await tui.waitForText(/applied ssh\.remove-authorized-key as \d{8}T\d{6}Z-[0-9a-f]{6}/);
  const expected = Buffer.from([...lines.slice(0, 1), ...lines.slice(2)].join('\n'));
  t.deepEqual(fs.readFileSync(file), expected, 'exactly line 2 is gone, every other byte as it was');
  // The list follows the file: the removed key is gone from the screen.
  await tui.waitForNoText(rsaFp, 30_000);

  tui.key('escape');
  await tui.waitForText('▶ SSH');
  tui.press('u');
  await tui.waitForText(/undid ssh\.remove-authorized-key/);
  t.deepEqual(fs.readFileSync(file), original, 'undo restores the exact bytes');

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

asRoot("detail view: the cursor walks onto an item and f previews that item's own fix (its args), y applies it", async (t) => {
  t.timeout(120_000);
  const root = copySshkRoot(t, 'sshk-mixed');
  // Give root a weak key of its own: the root item then fails and its fix removes exactly that key.
  const file = path.join(root, 'root/.ssh/authorized_keys');
  const bobLine = fs.readFileSync(path.join(root, 'home/bob/.ssh/authorized_keys'), 'utf8').split('\n')[1];
  const original = `${fs.readFileSync(file, 'utf8')}${bobLine}\n`;
  fs.writeFileSync(file, original);
  const weakFp = lineFingerprint(file, 3);

  const tui = dashboard(t, root);
  await sshReady(tui);
  tui.key('enter');
  // Enter on the SSH panel opens the effective configuration once the CLI supplies it; d goes on to the findings.
  await waitUntil(tui, () => /SSH — (detail|effective configuration)/.test(tui.screenText()), 'the detail or the effective configuration');
  if (tui.screenText().includes('SSH — effective configuration')) tui.press('d');
  await tui.waitForText('SSH — detail');
  // The root item (not the finding's summary, which names it too) carries its own fix.
  const itemLine = (): { x: number; y: number } | undefined => {
    const rows = tui.screenText().split('\n');
    const y = rows.findIndex((l) => /✖ root: RSA 1024 .*\[f: ssh\.remove-authorized-key\]/.test(l));
    return y < 0 ? undefined : { x: rows[y].indexOf('root: RSA 1024'), y };
  };
  const onItem = () => {
    const at = itemLine();
    return at !== undefined && tui.cellStyle(at.x, at.y).inverse;
  };
  for (let i = 0; i < 120 && !onItem(); i++) {
    tui.press('j');
    await pause(100);
    await tui.settle();
  }
  await waitUntil(tui, onItem, 'the root item under the cursor', 5_000);

  tui.press('f');
  await tui.waitForText('fix ssh.remove-authorized-key — preview');
  await tui.waitForText(`removes /root/.ssh/authorized_keys:3: RSA 1024 ${weakFp}`);
  tui.press('y');
  await tui.waitForText(/applied ssh\.remove-authorized-key/);
  t.is(fs.readFileSync(file, 'utf8'), original.replace(`${bobLine}\n`, ''));
  tui.press('q');
  await waitUntil(tui, () => !tui.screenText().includes('SSH — detail'), 'back on the dashboard');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

asRoot('rotation wizard: Esc at every step, on every path, says "nothing changed" and leaves the tree byte-identical (nothing journaled)', async (t) => {
  t.timeout(180_000);
  const root = copySshkRoot(t, 'sshk-mixed');
  const hostFp = fingerprintOf(path.join(root, 'etc/ssh/ssh_host_ed25519_key.pub'));
  const before = everything(root);
  const tui = dashboard(t, root);
  await sshReady(tui);

  /** Open the wizard (r on the SSH panel), press `keys`, wait for `shown`, then Esc. */
  const cancelAt = async (what: string, keys: string[], shown: string[]) => {
    tui.press('r');
    await tui.waitForText('SSH — key rotation wizard');
    await tui.waitForNoText('cancelled: nothing changed');
    for (const k of keys) {
      if (k === 'enter' || k === 'escape') tui.key(k);
      else tui.press(k);
      await pause(150);
    }
    for (const s of shown) await tui.waitForText(s, 30_000);
    tui.key('escape');
    await tui.waitForText('cancelled: nothing changed');
    await tui.waitForText('▶ SSH');
    t.deepEqual(everything(root), before, `cancelled at: ${what}`);
  };

  await cancelAt('the choice', [], ['step 1 of 4: what to do', 'rotate host keys', 'retire old host keys', "rotate a user's key"]);
  await cancelAt('rotate host keys: what will happen', ['enter'], ['step 2 of 4: what will happen', hostFp, 'ssh-ed25519 256 bits', 'age: 30 days old']);
  await cancelAt('rotate host keys: the preview', ['enter', 'enter'], ['fix ssh.rotate-host-keys — preview', '+HostKey /etc/ssh/ssh_host_ed25519_key-', 'y apply  Esc/n cancel']);
  await cancelAt('retire: what will happen', ['j', 'enter'], ['no open rotation is known']);
  await cancelAt('retire: the (refused) preview', ['j', 'enter', 'enter'], ['fix ssh.retire-host-keys — preview', 'REFUSED: no host key rotation is open']);
  await cancelAt('user key: the account', ['j', 'j', 'enter'], ['step 2 of 5: which account', 'alice: 6 keys, 1 weak', 'bob: 2 keys, 2 weak']);
  await cancelAt('user key: what will happen', ['j', 'j', 'enter', 'j', 'enter'], ['step 3 of 5: what will happen', 'account svc: current authorized keys', lineFingerprint(path.join(root, 'etc/ssh/authorized_keys/svc'), 1)]);
  await cancelAt('user key: the preview', ['j', 'j', 'enter', 'enter', 'enter'], ['fix ssh.rotate-user-key — preview']);

  t.false(fs.existsSync(path.join(root, JOURNAL)), 'nothing journaled');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

asRoot('rotation wizard: rotate host keys through ssh-keygen in the embedded terminal to the result screen; the panel reminds after the grace period; undo restores every byte', async (t) => {
  t.timeout(240_000);
  const root = copySshkRoot(t, 'sshk-mixed');
  const etc = path.join(root, 'etc/ssh');
  const oldFp = fingerprintOf(path.join(etc, 'ssh_host_ed25519_key.pub'));
  const before = everything(root);
  const tui = dashboard(t, root);
  await sshReady(tui);

  tui.press('r');
  await tui.waitForText('step 1 of 4: what to do');
  tui.key('enter');
  await tui.waitForText('step 2 of 4: what will happen');
  await tui.waitForText(oldFp);
  tui.key('enter');
  await tui.waitForText('fix ssh.rotate-host-keys — preview');
  await tui.waitForText('+HostKey /etc/ssh/ssh_host_ed25519_key-');
  tui.press('y');
  // ssh-keygen runs in the embedded terminal; each command waits for the admin's key.
  await tui.waitForText('Your identification has been saved in', 60_000);
  const deadline = Date.now() + 90_000;
  while (!/ssh\.rotate-host-keys — result/.test(tui.screenText()) && Date.now() < deadline) {
    if (/exited 0 · q\/Enter\/Esc returns/.test(tui.screenText())) {
      tui.key('enter');
      await pause(700);
    }
    await pause(100);
    await tui.settle();
  }
  // The result screen: the outcome and the fix's afterApply lines, not just a flash.
  await tui.waitForText('ssh.rotate-host-keys — result');
  await tui.waitForText(/applied ssh\.rotate-host-keys as \d{8}T\d{6}Z-[0-9a-f]{6}/);
  const created = fs.readdirSync(etc).filter((n) => /^ssh_host_ed25519_key-\d{8}$/.test(n));
  t.is(created.length, 1, `new key: ${created.join(', ')}`);
  const newFp = fingerprintOf(path.join(etc, `${created[0]}.pub`));
  await tui.waitForText(`new host key /etc/ssh/${created[0]}: ssh-ed25519 256 bits`);
  await tui.waitForText(newFp); // whole: long words are wrapped, never cut
  await tui.waitForText('known_hosts: ');
  await tui.waitForText(/SSHFP: \S+ IN SSHFP 4 2 [0-9a-f]+/);
  t.deepEqual(everything(root)['etc/ssh/sshd_config'] === before['etc/ssh/sshd_config'], false, 'the config now names the new key');
  tui.key('escape');
  await tui.waitForNoText('— result');

  // The grace period: pretend it passed (the record the rotation wrote, dated back), and look again (F5).
  const recordFile = path.join(root, ROTATION_RECORD);
  const recordText = fs.readFileSync(recordFile, 'utf8');
  const record = JSON.parse(recordText) as { retireAfter: string };
  fs.writeFileSync(recordFile, JSON.stringify({ ...record, retireAfter: '2020-01-02T00:00:00.000Z' }, null, 2) + '\n');
  tui.key('f5');
  await tui.waitForText('│▲ retire old host keys: grace period over 2020-01-02 (r)', 60_000);
  // The wizard now starts on "retire", and says why.
  tui.press('r');
  await tui.waitForText('is past its grace period (2020-01-02): retire the old keys');
  await waitUntil(tui, () => highlighted(tui, '▶ retire old host keys'), 'retire preselected');
  tui.key('enter');
  await tui.waitForText('(grace period over)');
  await tui.waitForText('(being retired)');
  tui.key('enter');
  await tui.waitForText('fix ssh.retire-host-keys — preview');
  await tui.waitForText('-HostKey /etc/ssh/ssh_host_ed25519_key');
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');

  // Back to the rotation's own record, then undo: every byte as before.
  fs.writeFileSync(recordFile, recordText);
  tui.press('u');
  await tui.waitForText(/undid ssh\.rotate-host-keys/, 60_000);
  await waitUntil(tui, () => fs.readdirSync(etc).filter((n) => /_key-\d{8}/.test(n)).length === 0, 'the generated key removed by undo');
  // Undo writes the files back (new mtimes); what must match is every path, its type, mode, size and bytes.
  t.deepEqual(withoutTimes(everything(root)), withoutTimes(before), 'undo: the tree as before the wizard');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

// The user-key path needs what rotate-user-key needs: a real account on this
// machine (runuser writes as it) and a real sshd on loopback for the proof
// login (test/helpers/sshd.ts: 127.0.0.1, a free high port, in a private
// mount namespace). The account's keys are then managed from the keys screen.
const withSshd = canRunRealSshd ? test.serial : test.serial.skip;

withSshd("rotation wizard: rotate a user's key (pick the account, ssh-keygen's passphrase prompt in the embedded terminal, the proof login) to the result screen; then the old key goes from the keys screen and undo brings it back", async (t) => {
  t.timeout(240_000);
  const user = testUser(t);
  const port = await freePort();
  const root = sshRoot(t, {
    config: `Include /etc/ssh/sshd_config.d/*.conf\nPort ${port}\nListenAddress 127.0.0.1\nHostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM yes\n`,
    hostKeys: [{ type: 'ed25519' }],
    users: [{ name: user.name, uid: user.uid, gid: user.gid, keys: [user.publicKey] }],
  });
  fs.chmodSync(path.dirname(root), 0o711); // the account walks into the sysroot to reach its home there
  await startSshd(t, root, port, { bindHomes: [`/home/${user.name}`] });
  const auth = path.join(root, 'home', user.name, '.ssh/authorized_keys');
  const authBefore = fs.readFileSync(auth);
  const oldFp = fingerprintOf(`${user.key}.pub`);

  const tui = dashboard(t, root);
  await sshReady(tui);
  tui.press('r');
  await tui.waitForText('step 1 of 4: what to do');
  tui.press('j');
  tui.press('j');
  tui.key('enter');
  await tui.waitForText('step 2 of 5: which account');
  await tui.waitForText(`${user.name}: 1 key`);
  tui.key('enter');
  await tui.waitForText('step 3 of 5: what will happen');
  await tui.waitForText(`account ${user.name}: current authorized keys`);
  await tui.waitForText(oldFp);
  tui.key('enter');
  await tui.waitForText('fix ssh.rotate-user-key — preview');
  t.deepEqual(fs.readFileSync(auth), authBefore, 'nothing changed before y');
  tui.press('y');
  // ssh-keygen asks for the passphrase in the embedded terminal: none here (twice Enter).
  await tui.waitForText('Enter passphrase (empty for no passphrase):', 60_000);
  tui.key('enter');
  await tui.waitForText('Enter same passphrase again:');
  tui.key('enter');
  const deadline = Date.now() + 120_000;
  while (!/ssh\.rotate-user-key — result/.test(tui.screenText()) && Date.now() < deadline) {
    if (/exited 0 · q\/Enter\/Esc returns/.test(tui.screenText())) {
      tui.key('enter');
      await pause(700);
    }
    await pause(100);
    await tui.settle();
  }
  await tui.waitForText('ssh.rotate-user-key — result');
  const keyName = fs.readdirSync(path.join(root, 'home', user.name, '.ssh')).find((n) => /^id_ed25519_\d{8}$/.test(n))!;
  t.truthy(keyName, 'the new key is in ~/.ssh');
  const newFp = fingerprintOf(path.join(root, 'home', user.name, '.ssh', `${keyName}.pub`));
  await tui.waitForText(`new key for ${user.name}: /home/${user.name}/.ssh/${keyName}`);
  await tui.waitForText(newFp);
  await tui.waitForText(new RegExp(`a key-only ssh login to ${user.name}@127\\.0\\.0\\.1 port ${port} worked`));
  await tui.waitForText(`ssh-copy-id -i /home/${user.name}/.ssh/${keyName}.pub`);
  await tui.waitForText(`${user.name}@OTHER-HOST`);
  tui.key('escape');
  await tui.waitForNoText('— result');
  const authRotated = fs.readFileSync(auth);
  t.is(authRotated.toString(), `${authBefore.toString()}${fs.readFileSync(path.join(root, 'home', user.name, '.ssh', `${keyName}.pub`), 'utf8')}`);

  // The old key, from the keys screen: exactly its line goes, written as the account.
  tui.press('a');
  await tui.waitForText('SSH — authorized keys');
  await tui.waitForText(newFp, 60_000);
  await moveTo(tui, oldFp, 'k');
  tui.press('f');
  await tui.waitForText('fix ssh.remove-authorized-key — preview');
  await tui.waitForText(`${user.name} keeps 1 usable key: ${newFp}`);
  tui.press('y');
  await tui.waitForText(/applied ssh\.remove-authorized-key/);
  t.is(fs.readFileSync(auth, 'utf8'), authRotated.toString().split('\n').slice(1).join('\n'), 'only the old line is gone');
  t.is(fs.statSync(auth).uid, user.uid, 'still the account\'s file');
  tui.key('escape');
  await tui.waitForText('▶ SSH');
  tui.press('u');
  await tui.waitForText(/undid ssh\.remove-authorized-key/);
  t.deepEqual(fs.readFileSync(auth), authRotated, 'undo: the old key is back, byte for byte');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

// Enter on the SSH panel → the full effective configuration (sshd -T on a
// staged copy, our parser for the file:line of each value).
asRoot('Enter on the SSH panel: the full effective configuration, weak items first and marked with file:line; d opens the findings; Esc back', async (t) => {
  t.timeout(120_000);
  const root = copyRoot(t, 'ssh-weak');
  const errDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-eff-'));
  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', root, '--only', 'ssh', '--no-network'],
    cols: 120,
    rows: 36,
    env: { TERM: 'xterm-256color', SSH_CONNECTION: undefined },
    captureStderrTo: path.join(errDir, 'stderr'),
  });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(errDir, { recursive: true, force: true });
  });
  await tui.waitForText('▶ SSH', 30_000);
  tui.key('enter');
  await tui.waitForText('SSH — effective configuration');
  await tui.waitForText(/\d+ options: \d+ weak, \d+ deprecated/, 60_000);
  const line = fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8').split('\n').findIndex((l) => l.trim() === 'PermitRootLogin yes') + 1;
  await tui.waitForText(/✖ PermitRootLogin +yes/);
  await tui.waitForText(`root can log in, with a password too  (/etc/ssh/sshd_config:${line})`);
  await tui.waitForText(/✖ Ciphers +\S*aes128-cbc/);
  tui.key('pagedown');
  tui.key('pagedown');
  await tui.waitForText('(default)', 30_000);
  tui.press('d');
  await tui.waitForText('SSH — detail');
  tui.key('escape');
  await tui.waitForText('▶ SSH');
  tui.key('enter');
  await tui.waitForText('SSH — effective configuration');
  tui.key('escape');
  await tui.waitForNoText('effective configuration');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(fs.readFileSync(path.join(errDir, 'stderr'), 'utf8'), '');
});
