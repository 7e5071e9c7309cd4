// /proc/PID/maps and /proc/PID/cgroup parsing, on a real maps file of this
// machine and the kernel-format snapshot in test/fixtures/roots/proc-stale.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cgroupOwner, parseProcMaps, staleCodeMappings, systemdCgroupPath } from '../../src/parse/proc-maps';
import { updatesPolicy } from '../../checks/updates/policy';

const PROC = path.resolve(__dirname, '../fixtures/roots/proc-stale/proc');
const RULES = updatesPolicy.staleServices;

test('maps: this very process, read live: real files, anonymous memory, [heap]/[vdso], nothing deleted', (t) => {
  const entries = parseProcMaps(fs.readFileSync('/proc/self/maps', 'utf8'));
  t.true(entries.length > 10);
  t.true(entries.some((e) => e.path === '[heap]' || e.path === '[stack]'));
  t.true(entries.some((e) => e.path === '' && e.inode === 0), 'anonymous mappings have an empty path');
  t.true(entries.some((e) => e.path.startsWith('/') && e.inode > 0 && e.perms.includes('x')));
  t.deepEqual(staleCodeMappings(entries, RULES), []);
});

test('maps: deleted libraries and programs count, only executable mappings, each path once', (t) => {
  const nginx = parseProcMaps(fs.readFileSync(path.join(PROC, '410/maps'), 'utf8'));
  t.deepEqual(nginx[3], { perms: 'r--p', dev: 'fe:00', inode: 339501, path: '/usr/lib/x86_64-linux-gnu/libssl.so.3', deleted: true });
  t.deepEqual(staleCodeMappings(nginx, RULES), ['/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/x86_64-linux-gnu/libcrypto.so.3', '/usr/lib/x86_64-linux-gnu/libc.so.6']);
  const unbound = parseProcMaps(fs.readFileSync(path.join(PROC, '970/maps'), 'utf8'));
  t.deepEqual(staleCodeMappings(unbound, RULES), ['/usr/sbin/unbound']);
});

test('maps: a deleted locale archive (data), memfd JIT code, SysV shm and /dev/zero are not stale libraries', (t) => {
  const node = parseProcMaps(fs.readFileSync(path.join(PROC, '960/maps'), 'utf8'));
  t.is(node.filter((e) => e.deleted).length, 4);
  t.deepEqual(staleCodeMappings(node, RULES), []);
  // The same memfd mapping is stale without the policy's ignore list: the list is what keeps it out.
  t.deepEqual(staleCodeMappings(node, { ignorePrefixes: [], ignorePatterns: [] }), ['/memfd:sealed-91173221a7ea', '/dev/zero']);
  t.deepEqual(staleCodeMappings(parseProcMaps('7f0-7f1 r-xp 00000000 fe:00 12 /opt/x/orcexec.abc123 (deleted)\n'), RULES), [], 'JIT scratch file pattern');
});

test('maps: paths with spaces, odd lines and an empty file never throw', (t) => {
  const text = '7f0-7f1 r-xp 00000000 fe:00 77    /opt/my app/lib x.so (deleted)\ngarbage line\n\n7f2-7f3 ---p 00000000 00:00 0\n';
  const e = parseProcMaps(text);
  t.deepEqual(
    e.map((x) => [x.path, x.deleted]),
    [
      ['/opt/my app/lib x.so', true],
      ['', false],
    ],
  );
  t.deepEqual(parseProcMaps(''), []);
});

test('cgroup: v2, v1 hybrid, services, sessions, user services, init, scopes, none', (t) => {
  const owner = (pid: string) => cgroupOwner(fs.readFileSync(path.join(PROC, pid, 'cgroup'), 'utf8'));
  t.deepEqual(owner('410'), { kind: 'service', unit: 'nginx.service' });
  t.deepEqual(owner('1'), { kind: 'init', unit: 'init.scope' });
  t.deepEqual(owner('600'), { kind: 'session', unit: 'session-3.scope' });
  t.deepEqual(owner('700'), { kind: 'user-service', manager: 'user@1000.service', unit: 'pipewire.service' });
  t.deepEqual(owner('900'), { kind: 'service', unit: 'postfix@-.service' });
  t.deepEqual(owner('950'), { kind: 'none' });
  t.deepEqual(cgroupOwner('0::/system.slice/docker-0123abcd.scope\n'), { kind: 'scope', unit: 'docker-0123abcd.scope' });
  t.deepEqual(cgroupOwner('0::/system.slice/system-getty.slice/getty@tty1.service\n'), { kind: 'service', unit: 'getty@tty1.service' });
  t.deepEqual(cgroupOwner('0::/system.slice/containerd.service/kubepods/pod1/x.service\n'), { kind: 'service', unit: 'containerd.service' }, 'the outermost unit, not a delegated sub-cgroup');
  t.deepEqual(cgroupOwner(''), { kind: 'none' });
  t.deepEqual(cgroupOwner('garbage'), { kind: 'none' });
  // This container: cgroup v1 with name=systemd at "/" (no systemd).
  t.is(systemdCgroupPath('9:name=systemd:/\n4:memory:/process_api/x\n0::/\n'), '/');
  t.deepEqual(cgroupOwner('9:name=systemd:/\n0::/\n'), { kind: 'none' });
});
