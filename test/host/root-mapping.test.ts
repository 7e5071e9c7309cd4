// --root: every path read is under the sysroot, whatever ".." or absolute
// symlinks say. The real machine here is Debian, so a leak shows up as the
// real /etc/os-release or /etc/passwd instead of the fixture's.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createLocalHost } from '../../src/host/local-host';
import { normaliseHostPath } from '../../src/host/host-paths';
import { link, put, tempDir } from './helpers';

const SYSROOT_OS = 'PRETTY_NAME="Fixture Linux 1 (sysroot)"\n';

function sysroot(t: Parameters<typeof tempDir>[0]): string {
  const root = tempDir(t, 'hardtop-sysroot-');
  put(root, 'usr/lib/os-release', SYSROOT_OS);
  link(root, 'etc/os-release', '../usr/lib/os-release');
  put(root, 'etc/hostname', '# comment\nfixture-host\n');
  return root;
}

test('realPath normalises lexically and ".." never climbs above the root', (t) => {
  const root = tempDir(t);
  const host = createLocalHost({ root });
  t.is(host.root, fs.realpathSync(root));
  const r = host.root;
  t.is(host.realPath('/etc/ssh/sshd_config'), `${r}/etc/ssh/sshd_config`);
  t.is(host.realPath('/../../etc/passwd'), `${r}/etc/passwd`);
  t.is(host.realPath('/etc/../../../../etc/shadow'), `${r}/etc/shadow`);
  t.is(host.realPath('/a/./b//c/'), `${r}/a/b/c`);
  t.is(host.realPath('/..'), r);
  t.is(host.realPath('/'), r);
  t.is(normaliseHostPath('etc/../../x'), '/x');
});

test('realPath under "/" is the normalised path itself', (t) => {
  const host = createLocalHost();
  t.is(host.root, '/');
  t.is(host.realPath('/etc/../etc/./hostname'), '/etc/hostname');
  t.is(host.realPath('/../..'), '/');
});

test('reading "/../../etc/os-release" under --root reads the fixture, not the machine', async (t) => {
  const root = sysroot(t);
  const host = createLocalHost({ root });
  const r = await host.read('/../../../etc/os-release');
  t.true(r.ok);
  if (r.ok) t.is(r.text, SYSROOT_OS);
});

test('an ABSOLUTE symlink inside the sysroot is resolved under the sysroot', async (t) => {
  const root = sysroot(t);
  // Debian's /etc/ssl/certs style: absolute link targets. /etc/os-release exists
  // on this machine with other content, so following it naively would leak.
  link(root, 'etc/ssl/certs/leak.pem', '/etc/os-release');
  const host = createLocalHost({ root });
  const r = await host.read('/etc/ssl/certs/leak.pem');
  t.true(r.ok, JSON.stringify(r));
  if (r.ok) t.is(r.text, SYSROOT_OS);
  t.is(await host.readText('/etc/ssl/certs/leak.pem'), SYSROOT_OS);
  const st = await host.stat('/etc/ssl/certs/leak.pem');
  t.is(st?.size, Buffer.byteLength(SYSROOT_OS));
  t.is((await host.lstat('/etc/ssl/certs/leak.pem'))?.kind, 'symlink');
});

test('an absolute symlink to a file the sysroot lacks is missing, not the real file', async (t) => {
  const root = sysroot(t);
  t.true(fs.existsSync('/etc/passwd')); // precondition: the real one exists
  link(root, 'etc/passwd-link', '/etc/passwd');
  const host = createLocalHost({ root });
  const r = await host.read('/etc/passwd-link');
  t.false(r.ok);
  if (!r.ok) t.is(r.reason, 'missing');
  t.is(await host.stat('/etc/passwd-link'), null);
  t.is(await host.readText('/etc/passwd-link'), null);
});

test('a relative symlink climbing with ".." stays inside the sysroot', async (t) => {
  const root = sysroot(t);
  link(root, 'etc/deep/climb', '../../../../../../../../../etc/os-release');
  const host = createLocalHost({ root });
  t.is(await host.readText('/etc/deep/climb'), SYSROOT_OS);
});

test('an absolute DIRECTORY symlink is followed under the sysroot by list, glob and stat', async (t) => {
  const root = sysroot(t);
  put(root, 'usr/share/ca-certificates/a.crt', 'A');
  put(root, 'usr/share/ca-certificates/b.crt', 'B');
  link(root, 'etc/ssl/certs', '/usr/share/ca-certificates');
  // The real /usr/share exists too, with other content: a leak would list it.
  const host = createLocalHost({ root });
  t.deepEqual(await host.list('/etc/ssl/certs'), ['a.crt', 'b.crt']);
  t.deepEqual(await host.glob('/etc/ssl/certs/*.crt'), ['/etc/ssl/certs/a.crt', '/etc/ssl/certs/b.crt']);
  t.is((await host.stat('/etc/ssl/certs'))?.kind, 'dir');
  t.is(await host.readText('/etc/ssl/certs/b.crt'), 'B');
  // A path through the link to a file only the real system has: missing.
  t.true(fs.existsSync('/usr/share/common-licenses/GPL-3'));
  link(root, 'etc/share-link', '/usr/share');
  t.is(await host.readText('/etc/share-link/common-licenses/GPL-3'), null);
});

test('a symlink loop ends with an error, not a hang', async (t) => {
  const root = sysroot(t);
  link(root, 'etc/loop-a', '/etc/loop-b');
  link(root, 'etc/loop-b', 'loop-a');
  const host = createLocalHost({ root });
  const r = await host.read('/etc/loop-a');
  t.false(r.ok);
  if (!r.ok) t.regex(r.message, /too many levels of symbolic links/);
  await t.throwsAsync(host.stat('/etc/loop-a'), { name: 'HostError' });
});

test('facts under --root come from the sysroot; kernel and uptime are not claimed', async (t) => {
  const root = sysroot(t);
  const host = createLocalHost({ root });
  t.deepEqual(await host.facts(), {
    hostname: 'fixture-host',
    os: 'Fixture Linux 1 (sysroot)',
    kernel: 'unknown',
    uptimeSeconds: null,
  });
});

test('facts fall back to /usr/lib/os-release and NAME VERSION', async (t) => {
  const root = tempDir(t);
  put(root, 'usr/lib/os-release', 'NAME="Other"\nVERSION="2 (two)"\n');
  const host = createLocalHost({ root });
  const facts = await host.facts();
  t.is(facts.os, 'Other 2 (two)');
  t.is(facts.hostname, 'unknown');
});

test('facts under "/" describe the running machine', async (t) => {
  const host = createLocalHost();
  const facts = await host.facts();
  t.is(facts.hostname, os.hostname());
  t.is(facts.kernel, os.release());
  t.true(typeof facts.uptimeSeconds === 'number' && facts.uptimeSeconds >= 0);
  t.not(facts.os, 'unknown');
});

test('identity: isRoot follows the effective uid, user is the login name, network defaults on', (t) => {
  const host = createLocalHost();
  t.is(host.isRoot, process.geteuid!() === 0);
  t.is(host.user, os.userInfo().username);
  t.true(host.network);
  t.false(createLocalHost({ network: false }).network);
  t.is(host.env('HOME'), process.env.HOME);
  t.true(Math.abs(host.now().getTime() - Date.now()) < 5000);
});
