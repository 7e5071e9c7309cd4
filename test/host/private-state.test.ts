// hardtop's state: a 0700 directory that is ours, 0600 append-only files,
// never widened; staging temp dirs fenced to <stateDir>/tmp.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { link, put, tempDir } from './helpers';

function modeOf(p: string): number {
  return fs.lstatSync(p).mode & 0o7777;
}

// --- ensurePrivateDir ---------------------------------------------------------

test('ensurePrivateDir creates every missing level 0700', async (t) => {
  const root = tempDir(t);
  const host = createLocalHost({ root });
  await host.ensurePrivateDir('/var/lib/hardtop/backups');
  for (const rel of ['var', 'var/lib', 'var/lib/hardtop', 'var/lib/hardtop/backups']) {
    t.is(modeOf(path.join(root, rel)), 0o700, rel);
  }
  await host.ensurePrivateDir('/var/lib/hardtop/backups'); // idempotent on a good dir
  t.is(modeOf(path.join(root, 'var/lib/hardtop/backups')), 0o700);
});

test('ensurePrivateDir refuses an existing 0755 dir and does not chmod it', async (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'var/lib/hardtop');
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const err = await t.throwsAsync(createLocalHost({ root }).ensurePrivateDir('/var/lib/hardtop'), { name: 'HostError' });
  t.is(err!.message, '/var/lib/hardtop: refusing to use it as a private directory: its mode is 0755, it must be 0700 (no group or other access)');
  t.is(modeOf(dir), 0o755, 'the directory was changed');
});

test('ensurePrivateDir refuses a dir owned by someone else', async (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'state');
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.chownSync(dir, 1234, 1234);
  const err = await t.throwsAsync(createLocalHost({ root }).ensurePrivateDir('/state'), { name: 'HostError' });
  t.regex(err!.message, /^\/state: refusing .*owned by uid 1234, not 0/);
  t.is(fs.statSync(dir).uid, 1234);
});

test('ensurePrivateDir refuses a symlink (even to a perfect 0700 dir) and a file', async (t) => {
  const root = tempDir(t);
  const realDir = path.join(root, 'elsewhere');
  fs.mkdirSync(realDir, { mode: 0o700 });
  link(root, 'state', '/elsewhere');
  const host = createLocalHost({ root });
  const err = await t.throwsAsync(host.ensurePrivateDir('/state'), { name: 'HostError' });
  t.regex(err!.message, /^\/state: refusing .*it is a symlink/);
  put(root, 'file-state', 'x');
  const err2 = await t.throwsAsync(host.ensurePrivateDir('/file-state'), { name: 'HostError' });
  t.regex(err2!.message, /not a directory/);
});

// --- appendPrivate --------------------------------------------------------------

test('appendPrivate creates the file 0600 and appends whole lines', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'state'), { mode: 0o700 });
  const host = createLocalHost({ root });
  await host.appendPrivate('/state/journal.jsonl', '{"a":1}');
  await host.appendPrivate('/state/journal.jsonl', '{"b":2}\n');
  const real = path.join(root, 'state/journal.jsonl');
  t.is(fs.readFileSync(real, 'utf8'), '{"a":1}\n{"b":2}\n');
  t.is(modeOf(real), 0o600);
});

test('appendPrivate refuses a symlink and a group/other-readable file, writing nothing', async (t) => {
  const root = tempDir(t);
  const victim = put(root, 'etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  fs.chmodSync(victim, 0o600);
  fs.mkdirSync(path.join(root, 'state'), { mode: 0o700 });
  link(root, 'state/journal.jsonl', '/etc/passwd');
  const host = createLocalHost({ root });
  const e1 = await t.throwsAsync(host.appendPrivate('/state/journal.jsonl', 'evil'), { name: 'HostError' });
  t.regex(e1!.message, /^\/state\/journal\.jsonl: refusing to append: it is a symlink/);
  t.is(fs.readFileSync(victim, 'utf8'), 'root:x:0:0::/root:/bin/sh\n');
  const wide = put(root, 'state/wide.jsonl', 'old\n');
  fs.chmodSync(wide, 0o644);
  const e2 = await t.throwsAsync(host.appendPrivate('/state/wide.jsonl', 'new'), { name: 'HostError' });
  t.regex(e2!.message, /mode is 0644, it must be 0600/);
  t.is(fs.readFileSync(wide, 'utf8'), 'old\n');
  t.is(modeOf(wide), 0o644, 'never chmodded');
});

// --- remove -----------------------------------------------------------------------

test('remove unlinks a host path (a link itself, not its target); a missing path is fine', async (t) => {
  const root = tempDir(t);
  const target = put(root, 'etc/target', 'keep');
  link(root, 'etc/link', '/etc/target');
  const f = put(root, 'etc/gone', 'x');
  const host = createLocalHost({ root });
  await host.remove('/etc/gone');
  t.false(fs.existsSync(f));
  await host.remove('/etc/link');
  t.false(fs.existsSync(path.join(root, 'etc/link')));
  t.is(fs.readFileSync(target, 'utf8'), 'keep');
  await t.notThrowsAsync(host.remove('/etc/never-was'));
  await t.throwsAsync(host.remove('/etc'), { name: 'HostError' });
});

// --- staging ----------------------------------------------------------------------

test('makeTempDir creates a private dir in /tmp, never inside the --root tree, and dispose removes it', async (t) => {
  const root = tempDir(t);
  const host = createLocalHost({ root, stateDir: '/var/lib/hardtop' });
  const tmp = await host.makeTempDir('stage-sshd');
  t.is(path.dirname(tmp.path), '/tmp');
  t.true(path.basename(tmp.path).startsWith('hardtop-stage-sshd-'));
  t.is(modeOf(tmp.path), 0o700);
  t.is(fs.statSync(tmp.path).uid, process.geteuid!());
  t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')), 'a read-only check writes nothing into the sysroot');
  put(tmp.path, 'a/b/c', 'x');
  await tmp.dispose();
  t.false(fs.existsSync(tmp.path));
  const odd = await host.makeTempDir('../../escape/');
  t.is(path.dirname(odd.path), '/tmp', 'a prefix cannot leave /tmp');
  await odd.dispose();
});

test('makeTempDir works whatever the state dir looks like (a read-only user has none)', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'var/lib/hardtop'), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.join(root, 'var/lib/hardtop'), 0o755);
  const tmp = await createLocalHost({ root }).makeTempDir('x');
  t.true(fs.existsSync(tmp.path));
  await tmp.dispose();
});

test('copyTreeTo copies a tree under the root: modes kept, symlinks as symlinks, FIFOs skipped', async (t) => {
  const root = tempDir(t);
  put(root, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\n');
  const key = put(root, 'etc/ssh/ssh_host_ed25519_key', 'KEY');
  fs.chmodSync(key, 0o600);
  put(root, 'etc/ssh/sshd_config.d/10.conf', 'PasswordAuthentication no\n');
  fs.chmodSync(path.join(root, 'etc/ssh/sshd_config.d'), 0o750);
  link(root, 'etc/ssh/moduli-link', '/usr/share/moduli');
  execFileSync('mkfifo', [path.join(root, 'etc/ssh/fifo')]);
  const host = createLocalHost({ root });
  const stage = await host.makeTempDir('stage');
  t.teardown(() => stage.dispose());
  const dest = path.join(stage.path, 'etc/ssh');
  await host.copyTreeTo('/etc/ssh', dest);
  t.is(fs.readFileSync(path.join(dest, 'sshd_config'), 'utf8'), 'Include /etc/ssh/sshd_config.d/*.conf\n');
  t.is(modeOf(path.join(dest, 'ssh_host_ed25519_key')), 0o600);
  t.is(modeOf(path.join(dest, 'sshd_config.d')), 0o750);
  t.is(fs.readFileSync(path.join(dest, 'sshd_config.d/10.conf'), 'utf8'), 'PasswordAuthentication no\n');
  t.is(fs.readlinkSync(path.join(dest, 'moduli-link')), '/usr/share/moduli');
  t.false(fs.existsSync(path.join(dest, 'fifo')));
});

test('writeReal writes inside the staging area only, 0600, never through a copied symlink', async (t) => {
  const root = tempDir(t);
  const live = put(root, 'etc/nginx/sites-available/default', 'LIVE');
  link(root, 'etc/nginx/sites-enabled', '/etc/nginx/sites-available');
  const outside = tempDir(t);
  const host = createLocalHost({ root });
  const stage = await host.makeTempDir('stage');
  t.teardown(() => stage.dispose());
  await host.writeReal(path.join(stage.path, 'new/dir/file.conf'), 'staged');
  t.is(fs.readFileSync(path.join(stage.path, 'new/dir/file.conf'), 'utf8'), 'staged');
  t.is(modeOf(path.join(stage.path, 'new/dir/file.conf')), 0o600);
  // Outside the staging area: refused.
  await t.throwsAsync(host.writeReal(path.join(outside, 'x'), 'no'), { name: 'HostError', message: /outside hardtop's staging dirs/ });
  t.false(fs.existsSync(path.join(outside, 'x')));
  await t.throwsAsync(host.writeReal(path.join(stage.path, '../../escape'), 'no'), { name: 'HostError' });
  // A copied absolute symlink (to the real location of the live file) must not be written through.
  fs.symlinkSync(path.join(root, 'etc/nginx/sites-available'), path.join(stage.path, 'sites-enabled'));
  await t.throwsAsync(host.writeReal(path.join(stage.path, 'sites-enabled/default'), 'EVIL'), { name: 'HostError', message: /symlink/ });
  fs.symlinkSync(live, path.join(stage.path, 'default-link'));
  await host.writeReal(path.join(stage.path, 'default-link'), 'STAGED');
  t.is(fs.readFileSync(live, 'utf8'), 'LIVE', 'the live file was written through a staged link');
  t.false(fs.lstatSync(path.join(stage.path, 'default-link')).isSymbolicLink());
  t.is(fs.readFileSync(path.join(stage.path, 'default-link'), 'utf8'), 'STAGED');
  // copyTreeTo is fenced the same way.
  await t.throwsAsync(host.copyTreeTo('/etc/nginx', path.join(outside, 'copy')), { name: 'HostError' });
});
