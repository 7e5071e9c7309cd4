// The pure pieces of Host.sshConnection: the shape check, /proc text parsing,
// and the ancestor walk's rules on a made-up /proc (nearest wins, PID 1 ends
// it, another user's process is not believed, a malformed value is no answer).

import test from 'ava';
import {
  MAX_ANCESTORS,
  ancestorSshConnection,
  envFromEnviron,
  normaliseSshConnection,
  parseLoginUid,
  ppidFromStat,
  realUidFromStatus,
} from '../../src/host/ssh-connection';
import { sshConnectionOf } from '../../src/host/ssh-session';

test('an SSH_CONNECTION value must look like "ADDR PORT ADDR PORT"', (t) => {
  t.is(normaliseSshConnection('203.0.113.9 5555 192.0.2.1 22'), '203.0.113.9 5555 192.0.2.1 22');
  t.is(normaliseSshConnection('  2001:db8::5  40000\t2001:db8::1 22\n'), '2001:db8::5 40000 2001:db8::1 22');
  t.is(normaliseSshConnection('fe80::1%eth0 40000 fe80::2%eth0 22'), 'fe80::1%eth0 40000 fe80::2%eth0 22');
  for (const bad of ['', 'garbage', '203.0.113.9 5555 192.0.2.1', '203.0.113.9 5555 192.0.2.1 22 x', '203.0.113.9 0 192.0.2.1 22', '203.0.113.9 70000 192.0.2.1 22', 'host.example 5555 192.0.2.1 22', '203.0.113.9 55a 192.0.2.1 22', '1234 5555 192.0.2.1 22', `${'1.'.repeat(150)} 1 1.1.1.1 22`]) {
    t.is(normaliseSshConnection(bad), null, bad);
  }
  t.is(normaliseSshConnection(undefined), null);
});

test('/proc text: ppid after a comm with spaces and parens, environ entries, real uid, loginuid', (t) => {
  t.is(ppidFromStat('4242 (my (odd) prog) S 4100 4242 4100 0 -1'), 4100);
  t.is(ppidFromStat('1 (systemd) S 0 1 1'), null);
  t.is(ppidFromStat('garbage'), null);
  t.is(envFromEnviron('A=1\0SSH_CONNECTION=1.2.3.4 5 6.7.8.9 22\0SSH_CONNECTION=x\0', 'SSH_CONNECTION'), '1.2.3.4 5 6.7.8.9 22');
  t.is(envFromEnviron('XSSH_CONNECTION=1\0', 'SSH_CONNECTION'), null);
  t.is(realUidFromStatus('Name:\tsudo\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n'), 1000);
  t.is(realUidFromStatus('Name:\tx\n'), null);
  t.is(parseLoginUid('1000\n'), 1000);
  t.is(parseLoginUid('4294967295'), null);
  t.is(parseLoginUid('x'), null);
  t.is(parseLoginUid(null), null);
});

interface FakeProc {
  ppid: number;
  uid: number;
  env?: Record<string, string>;
}

/** A made-up /proc: self is pid 100; `procs` maps pid → its parent, owner and environment. */
function fakeProc(self: { ppid: number; loginuid?: string }, procs: Record<number, FakeProc>): (p: string) => string | null {
  const files = new Map<string, string>();
  files.set('/proc/self/stat', `100 (node) S ${self.ppid} 100 100`);
  if (self.loginuid !== undefined) files.set('/proc/self/loginuid', self.loginuid);
  for (const [pid, p] of Object.entries(procs)) {
    files.set(`/proc/${pid}/stat`, `${pid} (sh) S ${p.ppid} 1 1`);
    files.set(`/proc/${pid}/status`, `Name:\tsh\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\n`);
    files.set(`/proc/${pid}/environ`, Object.entries(p.env ?? {}).map(([k, v]) => `${k}=${v}\0`).join(''));
  }
  return (p) => files.get(p) ?? null;
}

const A = '203.0.113.9 5555 192.0.2.1 22';
const B = '198.51.100.4 6000 192.0.2.1 22';

test('the walk: the nearest ancestor with a value wins, up to PID 1', (t) => {
  // node(100) ← sudo(90, no value: env_reset) ← bash(80, B) ← sshd(70, A) ← init
  const proc = fakeProc({ ppid: 90, loginuid: '1000' }, { 90: { ppid: 80, uid: 0 }, 80: { ppid: 70, uid: 1000, env: { SSH_CONNECTION: B } }, 70: { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } } });
  t.deepEqual(ancestorSshConnection(proc), { value: B, from: 'ancestor', pid: 80 });
  // PID 1's own environment is never a session.
  t.is(ancestorSshConnection(fakeProc({ ppid: 90 }, { 90: { ppid: 1, uid: 0 }, 1: { ppid: 0, uid: 0, env: { SSH_CONNECTION: A } } })), null);
  // A process that vanished mid-walk ends it quietly.
  t.is(ancestorSshConnection(fakeProc({ ppid: 90 }, {})), null);
});

test('the walk believes only root and our login uid, and a malformed value is no answer', (t) => {
  // bash(80) belongs to uid 2000, not our login uid 1000: skipped; root's sshd(70) is believed.
  const other = fakeProc({ ppid: 80, loginuid: '1000' }, { 80: { ppid: 70, uid: 2000, env: { SSH_CONNECTION: B } }, 70: { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } } });
  t.deepEqual(ancestorSshConnection(other), { value: A, from: 'ancestor', pid: 70 });
  // No login uid (a daemon, a container): only root's processes count.
  const noLogin = fakeProc({ ppid: 80, loginuid: '4294967295' }, { 80: { ppid: 1, uid: 1000, env: { SSH_CONNECTION: B } } });
  t.is(ancestorSshConnection(noLogin), null);
  const sameLogin = fakeProc({ ppid: 80, loginuid: '1000' }, { 80: { ppid: 1, uid: 1000, env: { SSH_CONNECTION: B } } });
  t.deepEqual(ancestorSshConnection(sameLogin), { value: B, from: 'ancestor', pid: 80 });
  // The nearest value is malformed: null, not a farther one.
  const bad = fakeProc({ ppid: 80 }, { 80: { ppid: 70, uid: 0, env: { SSH_CONNECTION: 'garbage' } }, 70: { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } } });
  t.is(ancestorSshConnection(bad), null);
});

test('the walk is bounded: a parent loop or a very deep chain ends after MAX_ANCESTORS levels', (t) => {
  let reads = 0;
  const loop = fakeProc({ ppid: 90 }, { 90: { ppid: 91, uid: 0 }, 91: { ppid: 90, uid: 0 } });
  t.is(ancestorSshConnection((p) => (reads++, loop(p))), null);
  t.true(reads <= 3 * MAX_ANCESTORS + 3, `${reads} reads`);
  const procs: Record<number, FakeProc> = {};
  for (let pid = 200; pid < 200 + MAX_ANCESTORS + 5; pid++) procs[pid] = { ppid: pid + 1, uid: 0 };
  procs[200 + MAX_ANCESTORS + 5] = { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } };
  t.is(ancestorSshConnection(fakeProc({ ppid: 200 }, procs)), null);
  procs[200 + MAX_ANCESTORS - 1] = { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } };
  t.deepEqual(ancestorSshConnection(fakeProc({ ppid: 200 }, procs)), { value: A, from: 'ancestor', pid: 200 + MAX_ANCESTORS - 1 });
});

test('our own value wins; set but malformed it is null; without the walk nothing else is asked', async (t) => {
  const proc = fakeProc({ ppid: 80 }, { 80: { ppid: 1, uid: 0, env: { SSH_CONNECTION: A } } });
  t.deepEqual(await sshConnectionOf(` ${B} `, true, proc), { value: B, from: 'env' });
  t.is(await sshConnectionOf('garbage', true, proc), null);
  t.deepEqual(await sshConnectionOf('', true, proc), { value: A, from: 'ancestor', pid: 80 });
  t.is(await sshConnectionOf(undefined, false, () => t.fail('read while the walk is off') as never), null);
});
