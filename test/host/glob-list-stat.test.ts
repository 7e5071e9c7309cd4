// glob / list / stat / lstat: sshd Include and nginx include semantics, under --root.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileComponent, matchComponent } from '../../src/host/glob';
import { createLocalHost } from '../../src/host/local-host';
import { link, put, tempDir } from './helpers';

function sshTree(t: Parameters<typeof tempDir>[0]): string {
  const root = tempDir(t);
  put(root, 'etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\n');
  for (const n of ['50-cloud.conf', '10-hardening.conf', '20-b.conf', '9-late.conf', 'README', '.hidden.conf', '.hardtop-x.conf.1a2b.tmp']) {
    put(root, `etc/ssh/sshd_config.d/${n}`, n);
  }
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config.d/dir.conf'));
  return root;
}

test('glob "*.conf" matches like glob(3): sorted, dotfiles and temp files excluded, host paths', async (t) => {
  const host = createLocalHost({ root: sshTree(t) });
  t.deepEqual(await host.glob('/etc/ssh/sshd_config.d/*.conf'), [
    '/etc/ssh/sshd_config.d/10-hardening.conf',
    '/etc/ssh/sshd_config.d/20-b.conf',
    '/etc/ssh/sshd_config.d/50-cloud.conf',
    '/etc/ssh/sshd_config.d/9-late.conf',
    '/etc/ssh/sshd_config.d/dir.conf',
  ]);
  t.deepEqual(await host.glob('/etc/ssh/sshd_config.d/.*.conf'), ['/etc/ssh/sshd_config.d/.hidden.conf']);
});

test('glob supports ? and [..] (ranges, negation) and magic in a middle component', async (t) => {
  const root = tempDir(t);
  for (const rel of ['etc/nginx/sites-enabled/a', 'etc/nginx/sites-available/b', 'etc/nginx/conf.d/x.conf', 'etc/nginx/modules-enabled/m1.conf', 'etc/nginx/modules-enabled/m2.conf', 'etc/nginx/modules-enabled/mx.conf']) {
    put(root, rel, rel);
  }
  const host = createLocalHost({ root });
  t.deepEqual(await host.glob('/etc/nginx/sites-*/*'), ['/etc/nginx/sites-available/b', '/etc/nginx/sites-enabled/a']);
  t.deepEqual(await host.glob('/etc/nginx/modules-enabled/m?.conf'), [
    '/etc/nginx/modules-enabled/m1.conf',
    '/etc/nginx/modules-enabled/m2.conf',
    '/etc/nginx/modules-enabled/mx.conf',
  ]);
  t.deepEqual(await host.glob('/etc/nginx/modules-enabled/m[0-9].conf'), ['/etc/nginx/modules-enabled/m1.conf', '/etc/nginx/modules-enabled/m2.conf']);
  t.deepEqual(await host.glob('/etc/nginx/modules-enabled/m[!0-9].conf'), ['/etc/nginx/modules-enabled/mx.conf']);
  t.deepEqual(await host.glob('/etc/*/conf.d/*.conf'), ['/etc/nginx/conf.d/x.conf']);
  t.deepEqual(await host.glob('/etc/nginx/conf.d/x.conf'), ['/etc/nginx/conf.d/x.conf'], 'a literal path that exists');
  t.deepEqual(await host.glob('/etc/nginx/conf.d/missing.conf'), []);
  t.deepEqual(await host.glob('/etc/nowhere/*/*.conf'), []);
});

test('glob component matcher: escapes, literal "[", no regex injection', (t) => {
  t.true(matchComponent('a\\*b', 'a*b'));
  t.false(matchComponent('a\\*b', 'axxb'));
  t.true(matchComponent('a[b', 'a[b'), 'an unterminated bracket is literal');
  t.true(matchComponent('[]x]', ']'));
  t.true(matchComponent('x.conf', 'x.conf'));
  t.false(matchComponent('x.conf', 'xyconf'), '"." is literal');
  t.false(matchComponent('(a|b)', 'a'));
  t.true(matchComponent('*', 'new\nline'));
  t.false(compileComponent('[a-c]').test('d'));
});

test('glob follows a symlinked directory under the sysroot, never into the real system', async (t) => {
  const root = sshTree(t);
  link(root, 'etc/ssh/conf-link', '/etc/ssh/sshd_config.d');
  const host = createLocalHost({ root });
  t.deepEqual(await host.glob('/etc/ssh/conf-link/1*.conf'), ['/etc/ssh/conf-link/10-hardening.conf']);
  link(root, 'etc/real-etc', '/etc');
  t.deepEqual(await host.glob('/etc/real-etc/pass*'), [], 'the real /etc/passwd must not show up');
});

test('list gives sorted names, null for a file or a missing dir', async (t) => {
  const host = createLocalHost({ root: sshTree(t) });
  t.deepEqual(await host.list('/etc/ssh'), ['sshd_config', 'sshd_config.d']);
  t.is(await host.list('/etc/ssh/sshd_config'), null);
  t.is(await host.list('/nope'), null);
  const names = await host.list('/etc/ssh/sshd_config.d');
  t.deepEqual(names, [...names!].sort());
  t.true(names!.includes('.hidden.conf'));
});

test('stat follows links, lstat does not; kinds, modes and owners come through', async (t) => {
  const root = tempDir(t);
  const f = put(root, 'etc/ssh/ssh_host_ed25519_key', 'KEY');
  fs.chmodSync(f, 0o600);
  fs.chownSync(f, 0, 1234);
  link(root, 'etc/ssh/key-link', '/etc/ssh/ssh_host_ed25519_key');
  execFileSync('mkfifo', [path.join(root, 'etc/fifo')]);
  const host = createLocalHost({ root });
  const st = await host.stat('/etc/ssh/key-link');
  t.like(st, { kind: 'file', mode: 0o600, uid: 0, gid: 1234, size: 3 });
  t.is((await host.lstat('/etc/ssh/key-link'))?.kind, 'symlink');
  t.is((await host.stat('/etc/fifo'))?.kind, 'fifo');
  t.is((await host.stat('/etc'))?.kind, 'dir');
  t.is(await host.stat('/etc/missing'), null);
  t.is(await host.stat('/etc/ssh/ssh_host_ed25519_key/under-a-file'), null);
});
