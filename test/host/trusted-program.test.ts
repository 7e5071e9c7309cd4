// Which file a bare program name means: only root-owned, non-writable places.
// The fixtures live under trustedBase() (see helpers): a refusal under /tmp
// would prove nothing, since /tmp itself is world-writable.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bareNameProblem, findTrustedProgram, TRUSTED_DIRS } from '../../src/host/trusted-program';
import { trustedBase } from './helpers';

const SCRIPT = '#!/bin/sh\necho hi\n';

function program(dir: string, name: string, mode = 0o755): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const p = path.join(dir, name);
  fs.writeFileSync(p, SCRIPT, { mode });
  fs.chmodSync(p, mode);
  return p;
}

test('the search list is exactly the system directories, in order', (t) => {
  t.deepEqual([...TRUSTED_DIRS], ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
});

test('a root-owned program in a root-owned 0755 directory is accepted (control)', async (t) => {
  const base = trustedBase(t);
  const good = path.join(base, 'good');
  const p = program(good, 'prog');
  const r = await findTrustedProgram('prog', [good]);
  t.deepEqual(r, { ok: true, path: p, invokedAs: p });
});

test('a program in a world-writable directory is refused', async (t) => {
  const base = trustedBase(t);
  const ww = path.join(base, 'ww');
  program(ww, 'prog');
  fs.chmodSync(ww, 0o777);
  const r = await findTrustedProgram('prog', [ww]);
  t.false(r.ok);
  if (!r.ok) t.regex(r.reason, /ww is writable by others/);
});

test('a group-writable program file is refused', async (t) => {
  const base = trustedBase(t);
  const d = path.join(base, 'gw');
  program(d, 'prog', 0o775);
  const r = await findTrustedProgram('prog', [d]);
  t.false(r.ok);
  if (!r.ok) t.regex(r.reason, /prog is writable by its group/);
});

test('a program or a directory owned by another user is refused', async (t) => {
  const base = trustedBase(t);
  const d1 = path.join(base, 'userfile');
  fs.chownSync(program(d1, 'prog'), 1234, 0);
  const r1 = await findTrustedProgram('prog', [d1]);
  t.false(r1.ok);
  if (!r1.ok) t.regex(r1.reason, /owned by uid 1234/);
  const d2 = path.join(base, 'userdir');
  program(d2, 'prog');
  fs.chownSync(d2, 1234, 0);
  const r2 = await findTrustedProgram('prog', [d2]);
  t.false(r2.ok);
  if (!r2.ok) t.regex(r2.reason, /userdir is owned by uid 1234/);
});

test('a symlink from a trusted dir into an untrusted one is judged by where it lands', async (t) => {
  const base = trustedBase(t);
  const ww = path.join(base, 'ww');
  const target = program(ww, 'real-prog');
  fs.chmodSync(ww, 0o777);
  const good = path.join(base, 'good');
  fs.mkdirSync(good, { mode: 0o755 });
  fs.symlinkSync(target, path.join(good, 'prog'));
  const r = await findTrustedProgram('prog', [good]);
  t.false(r.ok);
});

test('an untrusted copy earlier in the list is skipped, never chosen', async (t) => {
  const base = trustedBase(t);
  const ww = path.join(base, 'ww');
  program(ww, 'prog');
  fs.chmodSync(ww, 0o777);
  const good = path.join(base, 'good');
  const p = program(good, 'prog');
  const r = await findTrustedProgram('prog', [ww, good]);
  t.true(r.ok);
  if (r.ok) t.is(r.path, p);
});

test('a non-executable file is refused; a missing one is "not found"', async (t) => {
  const base = trustedBase(t);
  const d = path.join(base, 'noexec');
  program(d, 'prog', 0o644);
  const r = await findTrustedProgram('prog', [d]);
  t.false(r.ok);
  if (!r.ok) t.regex(r.reason, /not executable/);
  const missing = await findTrustedProgram('absent', [d]);
  t.false(missing.ok);
  if (!missing.ok) t.regex(missing.reason, /absent: not found/);
});

test('only bare names are accepted', async (t) => {
  for (const bad of ['', '.', '..', '/bin/sh', '../bin/sh', 'usr/bin/id', 'a\0b']) {
    t.not(bareNameProblem(bad), null, JSON.stringify(bad));
    t.false((await findTrustedProgram(bad)).ok, JSON.stringify(bad));
  }
  t.is(bareNameProblem('sshd'), null);
});
