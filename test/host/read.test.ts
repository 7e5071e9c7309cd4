// read(): every failure is a ReadResult with a reason and a one-line message
// naming the host path; nothing a user plants can make root hang, follow a
// link out of an untrusted tree, or read a huge file.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Host, ReadResult } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { type BoundedRead, openForReading, readOpenedFile } from '../../src/host/safe-read';
import { link, mountTmpfs, put, tempDir, unmount, within } from './helpers';

function failed(t: { fail(m: string): void }, r: ReadResult | BoundedRead): { reason: string; message: string } {
  if (r.ok) {
    t.fail(`expected a failure, got ${JSON.stringify(('text' in r ? r.text : r.data.toString()).slice(0, 80))}`);
    return { reason: 'ok', message: '' };
  }
  return r;
}

test('a missing file is "missing" with a message naming the host path', async (t) => {
  const root = tempDir(t);
  const host = createLocalHost({ root });
  const r = failed(t, await host.read('/etc/nothing-here'));
  t.is(r.reason, 'missing');
  t.is(r.message, '/etc/nothing-here: no such file');
  t.false(r.message.includes(root), 'the message names the host path, not the real one');
  t.is(await host.readText('/etc/nothing-here'), null);
  t.is(await host.readBytes('/etc/nothing-here'), null);
});

test('a directory where a file is expected is not-a-file; readText throws HostError', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config'), { recursive: true });
  const host = createLocalHost({ root });
  const r = failed(t, await host.read('/etc/ssh/sshd_config'));
  t.is(r.reason, 'not-a-file');
  t.regex(r.message, /^\/etc\/ssh\/sshd_config: is a directory/);
  const err = await t.throwsAsync(host.readText('/etc/ssh/sshd_config'), { name: 'HostError' });
  t.is((err as { code?: string }).code, 'not-a-file');
  await t.throwsAsync(host.readBytes('/etc/ssh/sshd_config'), { name: 'HostError' });
});

test('a FIFO is not-a-file, fast, and never hangs the read (ordinary and untrusted reads)', async (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, 'home/alice/.ssh/authorized_keys');
  fs.mkdirSync(path.dirname(fifo), { recursive: true });
  execFileSync('mkfifo', [fifo]);
  const host = createLocalHost();
  const started = Date.now();
  const plain = failed(t, await within(host.read(fifo), 15_000, 'read of a FIFO'));
  t.is(plain.reason, 'not-a-file');
  t.regex(plain.message, /FIFO/);
  const untrusted = failed(t, await within(host.read(fifo, { untrustedBelow: path.join(dir, 'home/alice') }), 15_000, 'untrusted read of a FIFO'));
  t.is(untrusted.reason, 'not-a-file');
  const rooted = failed(t, await within(createLocalHost({ root: dir }).read('/home/alice/.ssh/authorized_keys'), 15_000, 'rooted read'));
  t.is(rooted.reason, 'not-a-file');
  t.true(Date.now() - started < 20_000, 'never blocked on the FIFO');
});

test('the open itself is non-blocking and the type is checked on the opened file (fstat after open)', async (t) => {
  // Skips the pre-check on purpose: this is the path a FIFO swapped in after
  // the pre-check would take. Without O_NONBLOCK this open would hang forever.
  const dir = tempDir(t);
  const fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const handle = await within(openForReading(fifo), 15_000, 'open of a FIFO');
  const r = failed(t, await within(readOpenedFile(handle, '/pipe', 1024), 15_000, 'read of an opened FIFO'));
  t.is(r.reason, 'not-a-file');
  t.is(r.message, '/pipe: is a FIFO (named pipe), not a regular file');
});

test('a device is not-a-file', async (t) => {
  const r = failed(t, await createLocalHost().read('/dev/zero'));
  t.is(r.reason, 'not-a-file');
  t.regex(r.message, /device/);
});

test('a 2 GB sparse file is too-large, refused from its size without reading it', async (t) => {
  const dir = tempDir(t);
  const big = path.join(dir, 'huge.log');
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, 2 * 1024 ** 3);
  const host = createLocalHost();
  // Judged from fstat before any read: the message gives the size, not a count of bytes read.
  const r = failed(t, await host.read(big));
  t.is(r.reason, 'too-large');
  t.regex(r.message, /too large \(2\.0 GiB; limit 8\.0 MiB\)/);
  const u = failed(t, await host.read(big, { untrustedBelow: dir }));
  t.is(u.reason, 'too-large');
});

test('maxBytes is honoured, and files whose size lies (/proc) are read to EOF but still bounded', async (t) => {
  const dir = tempDir(t);
  const f = put(dir, 'f', 'x'.repeat(100));
  const host = createLocalHost();
  t.is(failed(t, await host.read(f, { maxBytes: 99 })).reason, 'too-large');
  const exact = await host.read(f, { maxBytes: 100 });
  t.true(exact.ok && exact.text.length === 100);
  // /proc files report size 0 but have content.
  t.is(fs.statSync('/proc/self/status').size, 0);
  const status = await host.read('/proc/self/status');
  t.true(status.ok && status.text.includes('Pid:'));
  t.is(failed(t, await host.read('/proc/self/status', { maxBytes: 10 })).reason, 'too-large');
});

test('invalid UTF-8 decodes to U+FFFD; stat comes with the text', async (t) => {
  const dir = tempDir(t);
  const f = put(dir, 'bad', Buffer.from([0x61, 0xff, 0x62]));
  fs.chmodSync(f, 0o640);
  const r = await createLocalHost().read(f);
  t.true(r.ok);
  if (r.ok) {
    t.is(r.text, 'a\uFFFDb');
    t.is(r.stat.kind, 'file');
    t.is(r.stat.mode, 0o640);
    t.is(r.stat.size, 3);
  }
});

test('control characters in a file name do not break the one-line message', async (t) => {
  const dir = tempDir(t);
  const r = failed(t, await createLocalHost({ root: dir }).read('/home/a\nb\x1b[31m'));
  t.is(r.message, '/home/a\\x0ab\\x1b[31m: no such file');
});

// --- untrusted trees --------------------------------------------------------

function homeWithLinkedKeys(t: Parameters<typeof tempDir>[0]) {
  const base = tempDir(t);
  const secret = put(base, 'root-only/shadow', 'root:SECRET-HASH:19000::::::\n');
  fs.chmodSync(secret, 0o600);
  const home = path.join(base, 'home/alice');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.chownSync(home, 1234, 1234);
  link(home, '.ssh/authorized_keys', secret);
  return { base, home, secret, keys: path.join(home, '.ssh/authorized_keys') };
}

test('a symlinked authorized_keys is refused in an untrusted home; followed only without the option', async (t) => {
  const { home, keys } = homeWithLinkedKeys(t);
  const host = createLocalHost();
  const r = failed(t, await host.read(keys, { untrustedBelow: home }));
  t.is(r.reason, 'symlink');
  t.false(r.message.includes('SECRET'));
  t.regex(r.message, /authorized_keys: refused: it is a symlink inside the untrusted tree/);
  // Control: the same path read as trusted does follow the link (so the refusal above is the rule at work).
  const followed = await host.read(keys);
  t.true(followed.ok && followed.text.includes('SECRET'));
});

test('an untrusted read does not even open the symlink target (atime proves it)', async (t) => {
  const base = tempDir(t);
  const mnt = path.join(base, 'mnt');
  fs.mkdirSync(mnt);
  if (!mountTmpfs(mnt, 'size=1m,strictatime')) {
    t.log('cannot mount tmpfs here: atime proof skipped, content check only');
  } else {
    t.teardown(() => unmount(mnt));
  }
  const secret = put(mnt, 'secret', 'SECRET\n');
  const home = path.join(mnt, 'home/alice');
  link(home, '.ssh/authorized_keys', secret);
  const host = createLocalHost();
  const past = new Date('2001-01-01T00:00:00Z');
  fs.utimesSync(secret, past, past);
  const r = failed(t, await host.read(path.join(home, '.ssh/authorized_keys'), { untrustedBelow: home }));
  t.is(r.reason, 'symlink');
  t.is(fs.statSync(secret).atimeMs, past.getTime(), 'the target was read');
  // Calibration: an ordinary read of the target does move atime on this mount.
  await host.read(secret);
  t.not(fs.statSync(secret).atimeMs, past.getTime(), 'atime does not move here: the proof above would be void');
});

test('a symlink anywhere at or below the untrusted dir is refused (.ssh, the home itself)', async (t) => {
  const base = tempDir(t);
  put(base, 'elsewhere/.ssh/authorized_keys', 'ssh-ed25519 AAAA elsewhere\n');
  // ~/.ssh is a link to another tree
  const bob = path.join(base, 'home/bob');
  fs.mkdirSync(bob, { recursive: true });
  link(bob, '.ssh', path.join(base, 'elsewhere/.ssh'));
  // the home itself is a link
  link(base, 'home/carol', path.join(base, 'elsewhere'));
  const host = createLocalHost();
  const r1 = failed(t, await host.read(path.join(bob, '.ssh/authorized_keys'), { untrustedBelow: bob }));
  t.is(r1.reason, 'symlink');
  t.regex(r1.message, /refused: .*home\/bob\/\.ssh is a symlink/);
  const carol = path.join(base, 'home/carol');
  const r2 = failed(t, await host.read(path.join(carol, '.ssh/authorized_keys'), { untrustedBelow: carol }));
  t.is(r2.reason, 'symlink');
  // Control: a real file in a real home reads fine with the option.
  put(base, 'home/dave/.ssh/authorized_keys', 'ssh-ed25519 AAAA dave\n');
  const dave = path.join(base, 'home/dave');
  const ok = await host.read(path.join(dave, '.ssh/authorized_keys'), { untrustedBelow: dave });
  t.true(ok.ok && ok.text.includes('dave'));
});

test('links ABOVE the untrusted dir (root-controlled, e.g. /home -> /data/home) are still followed', async (t) => {
  const base = tempDir(t);
  put(base, 'data/home/erin/.ssh/authorized_keys', 'ssh-ed25519 AAAA erin\n');
  link(base, 'home', path.join(base, 'data/home'));
  const erin = path.join(base, 'home/erin');
  const r = await createLocalHost().read(path.join(erin, '.ssh/authorized_keys'), { untrustedBelow: erin });
  t.true(r.ok && r.text.includes('erin'));
});

test('untrusted reads under --root: the home symlink refused, the sysroot respected', async (t) => {
  const root = tempDir(t);
  put(root, 'etc/shadow', 'root:FIXTURE-SECRET:::\n');
  link(root, 'home/alice/.ssh/authorized_keys', '/etc/shadow');
  put(root, 'home/bob/.ssh/authorized_keys', 'ssh-ed25519 AAAA bob\n');
  const host: Host = createLocalHost({ root });
  const r = failed(t, await host.read('/home/alice/.ssh/authorized_keys', { untrustedBelow: '/home/alice' }));
  t.is(r.reason, 'symlink');
  t.is(r.message, '/home/alice/.ssh/authorized_keys: refused: it is a symlink inside the untrusted tree /home/alice');
  const ok = await host.read('/home/bob/.ssh/authorized_keys', { untrustedBelow: '/home/bob' });
  t.true(ok.ok && ok.text.includes('bob'));
  const missing = failed(t, await host.read('/home/bob/.ssh/nope', { untrustedBelow: '/home/bob' }));
  t.is(missing.reason, 'missing');
});

// --- untrusted trees: paths that leave the tree, hard links ---------------------

function aliceAndSecret(t: Parameters<typeof tempDir>[0]) {
  const base = tempDir(t);
  const secret = put(base, 'etc/shadow', 'root:SECRET-HASH:19000::::::\n');
  fs.chmodSync(secret, 0o600);
  const home = path.join(base, 'home/alice');
  put(home, '.ssh/authorized_keys', 'ssh-ed25519 AAAA alice\n');
  return { base, home, secret };
}

test('".." in a path read with untrustedBelow is refused, never resolved into a trusting read', async (t) => {
  const { home } = aliceAndSecret(t);
  const host = createLocalHost();
  const escape = `${home}/../../etc/shadow`;
  const r = failed(t, await host.read(escape, { untrustedBelow: home }));
  t.is(r.reason, 'denied');
  t.regex(r.message, /: refused: path leaves .*\/home\/alice$/);
  t.false(r.message.includes('SECRET'));
  // Even a ".." that would stay inside is refused: the decision is on the raw components.
  const inside = failed(t, await host.read(`${home}/.ssh/../.ssh/authorized_keys`, { untrustedBelow: home }));
  t.is(inside.reason, 'denied');
  // Control: the plain path reads.
  const ok = await host.read(`${home}/.ssh/authorized_keys`, { untrustedBelow: home });
  t.true(ok.ok && ok.text.includes('alice'));
});

test('".." under --root is refused too', async (t) => {
  const root = tempDir(t);
  put(root, 'etc/shadow', 'root:FIXTURE-SECRET:::\n');
  put(root, 'home/u/.ssh/authorized_keys', 'ssh-ed25519 AAAA u\n');
  const r = failed(t, await createLocalHost({ root }).read('/home/u/../../etc/shadow', { untrustedBelow: '/home/u' }));
  t.is(r.reason, 'denied');
  t.is(r.message, '/home/u/../../etc/shadow: refused: path leaves /home/u');
});

test('a path that is not below untrustedBelow is refused, not read trustingly', async (t) => {
  const { home, secret } = aliceAndSecret(t);
  const r = failed(t, await createLocalHost().read(secret, { untrustedBelow: home }));
  t.is(r.reason, 'denied');
  t.regex(r.message, /refused: path leaves .*\/home\/alice$/);
  t.false(r.message.includes('SECRET'));
});

test('a hard link in the untrusted tree (st_nlink > 1) is refused: it may be /etc/shadow', async (t) => {
  const { home, secret } = aliceAndSecret(t);
  const planted = path.join(home, '.ssh/id_ed25519.pub');
  fs.linkSync(secret, planted); // same filesystem: the user's name for root's file
  const r = failed(t, await createLocalHost().read(planted, { untrustedBelow: home }));
  t.is(r.reason, 'denied');
  t.regex(r.message, /id_ed25519\.pub: refused: it has 2 hard links/);
  t.false(r.message.includes('SECRET'));
  // Control: without the option it is just a file (the refusal above is the rule at work).
  const trusted = await createLocalHost().read(planted);
  t.true(trusted.ok);
});
