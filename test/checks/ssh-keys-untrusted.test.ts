// Home directories are untrusted (issue 11). In a temp copy of a sysroot, a
// user plants: a symlinked authorized_keys pointing at a root-owned file
// outside the home, a hard link to it, a FIFO as ~/.ssh/config (and as a
// key), a 2 GiB sparse authorized_keys, a directory where a file is
// expected, ~/.ssh as a symlink. Each is a clear per-item finding; nothing is
// followed or read (the planted root-owned key never shows up), no check
// hangs or throws, and the tree is exactly as it was afterwards.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientAndKeyChecks } from '../../checks/ssh/index';
import { copySshkRoot, ensurePrivsepDir, evidenceProblems, get, item, mentions, runKeys, snapshot } from './ssh-keys-helpers';

ensurePrivsepDir();

/** A root-owned key file outside every home, with a fresh key whose comment would betray a read. */
function plantTrap(root: string): { file: string; fingerprint: string } {
  const key = path.join(root, 'etc/ssh/trap');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'TRAP-READ-BY-HARDTOP', '-f', key]);
  const file = path.join(root, 'etc/ssh/trap_keys');
  fs.renameSync(`${key}.pub`, file);
  fs.rmSync(key);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).split(' ')[1];
  return { file, fingerprint };
}

function mkfifo(p: string): void {
  execFileSync('mkfifo', [p]);
}

test('a symlinked authorized_keys pointing at a root-owned file outside the home: refused, the target never read', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const trap = plantTrap(root);
  const ak = path.join(root, 'home/alice/.ssh/authorized_keys');
  fs.rmSync(ak);
  fs.symlinkSync('../../../etc/ssh/trap_keys', ak);
  const before = snapshot(root);
  const found = await runKeys(root);
  const f = get(found, 'ssh.keys.authorized');
  const alice = item(f, 'alice');
  t.is(alice.status, 'error');
  t.regex(alice.summary, /^\/home\/alice\/\.ssh\/authorized_keys: refused: .*symlink/);
  t.deepEqual(alice.evidence.map((e) => e.file), ['/home/alice/.ssh/authorized_keys']);
  t.is(f.status, 'error');
  for (const finding of found.values()) {
    t.false(mentions(finding, 'TRAP-READ-BY-HARDTOP'), `${finding.id} read the link's target`);
    t.false(mentions(finding, trap.fingerprint), `${finding.id} knows the target's key`);
    t.deepEqual(evidenceProblems(finding, root), [], finding.id);
  }
  t.deepEqual(snapshot(root), before, 'nothing touched');
});

test('a hard link to a root-owned file in the home: refused (it may be another file’s name), never read', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const trap = plantTrap(root);
  const ak = path.join(root, 'home/alice/.ssh/authorized_keys');
  fs.rmSync(ak);
  fs.linkSync(trap.file, ak);
  const f = get(await runKeys(root), 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'error');
  t.regex(item(f, 'alice').summary, /refused: it has 2 hard links/);
  t.false(mentions(f, 'TRAP-READ-BY-HARDTOP'));
});

test('a FIFO as ~/.ssh/config and as a key file: refused at once (no hang), a clear item, nothing read', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.rmSync(path.join(root, 'home/alice/.ssh/config'));
  mkfifo(path.join(root, 'home/alice/.ssh/config'));
  mkfifo(path.join(root, 'home/alice/.ssh/id_fifo'));
  const before = snapshot(root);
  const t0 = Date.now();
  const found = await runKeys(root);
  t.true(Date.now() - t0 < 20_000, 'no check waited on the FIFO');
  const alg = get(found, 'ssh.client.algorithms');
  const cfg = item(alg, '/home/alice/.ssh/config');
  t.is(cfg.status, 'warn');
  t.regex(cfg.summary, /^refused: is a FIFO \(named pipe\), not a regular file \(alice\)$/);
  t.is(alg.status, 'warn');
  const fifoKey = item(get(found, 'ssh.keys.user'), '/home/alice/.ssh/id_fifo');
  t.is(fifoKey.status, 'warn');
  t.regex(fifoKey.summary, /refused: a fifo, not a regular file/);
  t.regex(get(found, 'ssh.client.deprecated-options').evidence.map((e) => e.text).join('|'), /not inspected: refused: is a FIFO \(named pipe\)/);
  t.deepEqual(snapshot(root), before, 'nothing touched');
});

test('a 2 GiB sparse authorized_keys: refused by its size, instantly, without reading it', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  const ak = path.join(root, 'home/alice/.ssh/authorized_keys');
  fs.rmSync(ak);
  fs.writeFileSync(ak, '');
  fs.truncateSync(ak, 2 * 1024 ** 3);
  const before = snapshot(root);
  const t0 = Date.now();
  const found = await runKeys(root);
  t.true(Date.now() - t0 < 20_000);
  const f = get(found, 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'error');
  t.regex(item(f, 'alice').summary, /^\/home\/alice\/\.ssh\/authorized_keys: refused: too large \(2(\.0)? GiB; limit 8(\.0)? MiB\)$/);
  t.false(mentions(get(found, 'ssh.keys.age'), '/home/alice/.ssh/authorized_keys'), 'no age for a file that was not read');
  t.deepEqual(snapshot(root), before, 'nothing touched');
});

test('a directory where authorized_keys and ~/.ssh/config are expected: a clear finding each', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  for (const rel of ['home/alice/.ssh/authorized_keys', 'home/alice/.ssh/config']) {
    fs.rmSync(path.join(root, rel));
    fs.mkdirSync(path.join(root, rel));
  }
  const before = snapshot(root);
  const found = await runKeys(root);
  t.regex(item(get(found, 'ssh.keys.authorized'), 'alice').summary, /^\/home\/alice\/\.ssh\/authorized_keys: refused: is a directory, not a regular file$/);
  t.regex(item(get(found, 'ssh.client.algorithms'), '/home/alice/.ssh/config').summary, /^refused: is a directory, not a regular file \(alice\)$/);
  t.deepEqual(snapshot(root), before);
});

test('~/.ssh itself a symlink to root’s: nothing below it is followed, keys or config', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.rmSync(path.join(root, 'home/alice/.ssh'), { recursive: true });
  fs.symlinkSync('../../root/.ssh', path.join(root, 'home/alice/.ssh'));
  const found = await runKeys(root);
  const ak = get(found, 'ssh.keys.authorized');
  t.is(item(ak, 'alice').status, 'error');
  t.regex(item(ak, 'alice').summary, /refused: \/home\/alice\/\.ssh is a symlink/);
  t.deepEqual(item(ak, 'root').evidence.map((e) => e.file), ['/root/.ssh/authorized_keys', '/root/.ssh/authorized_keys'], "root's own keys are still read");
  const user = get(found, 'ssh.keys.user');
  t.is(item(user, '/home/alice/.ssh').status, 'warn');
  t.regex(item(user, '/home/alice/.ssh').summary, /^refused: ~\/\.ssh is a symlink/);
  t.false((user.items ?? []).some((i) => i.subject.startsWith('/home/alice/.ssh/')), 'root’s keys are not listed as alice’s');
});

test('a home that is itself root’s symlink (usr-merge /bin, /home/x → /srv/x) is read; one a user could have planted is not', async (t) => {
  const root = copySshkRoot(t, 'sshk-hardened');
  fs.mkdirSync(path.join(root, 'srv'));
  fs.renameSync(path.join(root, 'home/alice'), path.join(root, 'srv/alice'));
  fs.symlinkSync('../srv/alice', path.join(root, 'home/alice'));
  let f = get(await runKeys(root), 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'pass', 'root made that link in root’s /home');
  t.deepEqual(item(f, 'alice').evidence.map((e) => e.file), ['/home/alice/.ssh/authorized_keys', '/home/alice/.ssh/authorized_keys']);

  // The same link in a world-writable directory: anyone could have put it there.
  fs.mkdirSync(path.join(root, 'tmp'));
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  fs.symlinkSync('../srv/alice', path.join(root, 'tmp/alice'));
  fs.writeFileSync(path.join(root, 'etc/passwd'), fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8').replace('/home/alice', '/tmp/alice'));
  f = get(await runKeys(root), 'ssh.keys.authorized');
  t.is(item(f, 'alice').status, 'error');
  t.regex(item(f, 'alice').summary, /refused: .*symlink/);
});

test('every check survives all of it at once, one finding each, never a throw', async (t) => {
  const root = copySshkRoot(t, 'sshk-mixed');
  const bob = path.join(root, 'home/bob/.ssh');
  fs.rmSync(path.join(bob, 'authorized_keys'));
  fs.symlinkSync('/etc/shadow', path.join(bob, 'authorized_keys'));
  mkfifo(path.join(bob, 'config'));
  const deploy = path.join(root, 'home/deploy/.ssh');
  fs.rmSync(path.join(deploy, 'authorized_keys'));
  fs.writeFileSync(path.join(deploy, 'authorized_keys'), '');
  fs.truncateSync(path.join(deploy, 'authorized_keys'), 2 * 1024 ** 3);
  fs.mkdirSync(path.join(deploy, 'config'));
  fs.rmSync(path.join(root, 'home/alice/.ssh/id_legacy.pub'));
  mkfifo(path.join(root, 'home/alice/.ssh/id_legacy.pub'));
  const found = await runKeys(root);
  t.deepEqual([...found.keys()], clientAndKeyChecks.map((c) => c.id));
  for (const f of found.values()) {
    t.true(['pass', 'warn', 'fail', 'error', 'info', 'skip'].includes(f.status), f.id);
    t.false(/[\r\n]/.test(f.summary), f.id);
    t.deepEqual(evidenceProblems(f, root), [], f.id);
  }
  const ak = get(found, 'ssh.keys.authorized');
  t.regex(item(ak, 'bob').summary, /^\/home\/bob\/\.ssh\/authorized_keys: refused: .*symlink/);
  t.regex(item(ak, 'deploy').summary, /^\/home\/deploy\/\.ssh\/authorized_keys: refused: too large/);
  t.is(ak.status, 'error', 'files it could not audit outrank the RSA 2048 warning that is left');
  const alg = get(found, 'ssh.client.algorithms');
  t.regex(item(alg, '/home/bob/.ssh/config').summary, /FIFO/);
  t.regex(item(alg, '/home/deploy/.ssh/config').summary, /directory/);
  const legacy = item(get(found, 'ssh.keys.user'), '/home/alice/.ssh/id_legacy');
  t.is(legacy.status, 'info', 'a FIFO where the .pub should be is not opened: the encrypted PEM key stays of unknown type');
  t.regex(legacy.summary, /cannot be read without the passphrase/);
});
