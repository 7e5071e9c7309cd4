// writeAtomic: old file or new file, never a torn one; owner and mode kept;
// a failure before the rename leaves the original untouched and no temp file.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AtomicWriteStep } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { link, mountTmpfs, put, tempDir, unmount } from './helpers';

const STEPS: AtomicWriteStep[] = ['temp-created', 'temp-written', 'temp-synced', 'owner-set', 'renamed', 'dir-synced'];
const TEMP_NAME = /^\.hardtop-.*\.tmp$/;

function tempsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => TEMP_NAME.test(n));
}

test('an existing file keeps its owner and mode (chowned to 1234 first); the content is replaced', async (t) => {
  const root = tempDir(t);
  const real = put(root, 'etc/ssh/sshd_config', 'OLD\n');
  fs.chownSync(real, 1234, 1235);
  fs.chmodSync(real, 0o640);
  const inodeBefore = fs.statSync(real).ino;
  await createLocalHost({ root }).writeAtomic('/etc/ssh/sshd_config', 'NEW\n');
  const st = fs.statSync(real);
  t.is(fs.readFileSync(real, 'utf8'), 'NEW\n');
  t.is(st.uid, 1234);
  t.is(st.gid, 1235);
  t.is(st.mode & 0o7777, 0o640);
  t.not(st.ino, inodeBefore, 'replaced by rename, not rewritten in place');
  t.deepEqual(tempsIn(path.dirname(real)), []);
});

test('setgid and other special bits survive (chown would clear them; chmod comes after)', async (t) => {
  const root = tempDir(t);
  const real = put(root, 'usr/local/bin/tool', 'OLD');
  fs.chownSync(real, 0, 1234);
  fs.chmodSync(real, 0o2755);
  await createLocalHost({ root }).writeAtomic('/usr/local/bin/tool', 'NEW');
  t.is(fs.statSync(real).mode & 0o7777, 0o2755);
});

test('a new file gets 0644 and our uid/gid by default, or exactly what was asked', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'etc'));
  const host = createLocalHost({ root });
  await host.writeAtomic('/etc/new.conf', Buffer.from('x'));
  const st = fs.statSync(path.join(root, 'etc/new.conf'));
  t.is(st.mode & 0o7777, 0o644);
  t.is(st.uid, process.geteuid!());
  t.is(st.gid, process.getegid!());
  await host.writeAtomic('/etc/key', 'k', { mode: 0o600, uid: 1234, gid: 1234 });
  t.like(fs.statSync(path.join(root, 'etc/key')), { uid: 1234, gid: 1234 });
  t.is(fs.statSync(path.join(root, 'etc/key')).mode & 0o7777, 0o600);
});

test('the temp file is private, in the same directory, named .hardtop-*.tmp, and gets owner/mode before the rename', async (t) => {
  const root = tempDir(t);
  const real = put(root, 'etc/ssh/sshd_config', 'OLD');
  fs.chownSync(real, 1234, 1234);
  fs.chmodSync(real, 0o644);
  const dir = path.dirname(real);
  const seen: Record<string, { mode: number; uid: number }> = {};
  await createLocalHost({ root }).writeAtomic('/etc/ssh/sshd_config', 'NEW', {
    onStep: (step) => {
      const temps = tempsIn(dir);
      if (step === 'temp-created' || step === 'owner-set') {
        t.is(temps.length, 1, `at ${step}: ${fs.readdirSync(dir).join(',')}`);
        const st = fs.statSync(path.join(dir, temps[0]));
        seen[step] = { mode: st.mode & 0o7777, uid: st.uid };
      }
    },
  });
  t.deepEqual(seen['temp-created'], { mode: 0o600, uid: process.geteuid!() });
  t.deepEqual(seen['owner-set'], { mode: 0o644, uid: 1234 });
});

for (const crashAt of STEPS) {
  test(`a crash at "${crashAt}" leaves the old file or the complete new one, and no temp file before the rename`, async (t) => {
    const root = tempDir(t);
    const real = put(root, 'etc/ssh/sshd_config', 'OLD CONTENT\n');
    fs.chmodSync(real, 0o600);
    const steps: string[] = [];
    const err = await t.throwsAsync(
      createLocalHost({ root }).writeAtomic('/etc/ssh/sshd_config', 'NEW CONTENT\n', {
        onStep: async (step) => {
          steps.push(step);
          if (step === crashAt) throw new Error(`injected crash at ${step}`);
        },
      }),
      { name: 'HostError' },
    );
    t.regex(err!.message, /^\/etc\/ssh\/sshd_config: /);
    t.regex(err!.message, new RegExp(`injected crash at ${crashAt}`));
    t.deepEqual(steps, STEPS.slice(0, STEPS.indexOf(crashAt) + 1));
    const renamed = STEPS.indexOf(crashAt) >= STEPS.indexOf('renamed');
    t.is(fs.readFileSync(real, 'utf8'), renamed ? 'NEW CONTENT\n' : 'OLD CONTENT\n');
    t.is(fs.statSync(real).mode & 0o7777, 0o600);
    t.deepEqual(tempsIn(path.dirname(real)), []);
  });
}

test('writing through a symlink updates its target and keeps the link (sites-enabled → sites-available)', async (t) => {
  const root = tempDir(t);
  const target = put(root, 'etc/nginx/sites-available/default', 'OLD');
  link(root, 'etc/nginx/sites-enabled/default', '/etc/nginx/sites-available/default'); // absolute: resolved under the root
  await createLocalHost({ root }).writeAtomic('/etc/nginx/sites-enabled/default', 'NEW');
  t.true(fs.lstatSync(path.join(root, 'etc/nginx/sites-enabled/default')).isSymbolicLink());
  t.is(fs.readFileSync(target, 'utf8'), 'NEW');
  t.deepEqual(tempsIn(path.dirname(target)), []);
});

test('a directory is never replaced by a file; a missing directory is a clear error', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
  const host = createLocalHost({ root });
  const e1 = await t.throwsAsync(host.writeAtomic('/etc/ssh/sshd_config.d', 'x'), { name: 'HostError' });
  t.regex(e1!.message, /^\/etc\/ssh\/sshd_config\.d: is a directory/);
  t.true(fs.statSync(path.join(root, 'etc/ssh/sshd_config.d')).isDirectory());
  const e2 = await t.throwsAsync(host.writeAtomic('/nowhere/file', 'x'), { name: 'HostError' });
  t.regex(e2!.message, /^\/nowhere\/file: not changed/);
});

// --- a real ENOSPC ------------------------------------------------------------

const enospcMount = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-enospc-'));
const mounted = mountTmpfs(enospcMount, 'size=64k');
test.after.always(() => {
  if (mounted) unmount(enospcMount);
  fs.rmSync(enospcMount, { recursive: true, force: true });
});

(mounted ? test : test.skip)('ENOSPC on a full filesystem (tmpfs, 64k) leaves the original intact and no temp file', async (t) => {
  const root = enospcMount;
  const real = put(root, 'etc/ssh/sshd_config', 'ORIGINAL\n');
  fs.chmodSync(real, 0o644);
  // Fill the filesystem.
  t.throws(() => fs.writeFileSync(path.join(root, 'filler'), Buffer.alloc(1024 * 1024, 1)), { code: 'ENOSPC' });
  const err = await t.throwsAsync(createLocalHost({ root }).writeAtomic('/etc/ssh/sshd_config', 'y'.repeat(128 * 1024)), {
    name: 'HostError',
  });
  t.is((err as { code?: string }).code, 'ENOSPC');
  t.regex(err!.message, /^\/etc\/ssh\/sshd_config: not changed/);
  t.is(fs.readFileSync(real, 'utf8'), 'ORIGINAL\n');
  t.is(fs.statSync(real).mode & 0o7777, 0o644);
  t.deepEqual(tempsIn(path.dirname(real)), []);
});
