// Issue 11: a fake `sshd` planted first in PATH is never run by the real
// binary, even when the SSH checks run sshd -T and the fake would pass every
// ownership check. Only "search the fixed system directories, never $PATH"
// stops it.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trustedBase } from '../host/helpers';
import { copyRoot } from '../checks/ssh-server-helpers';

const bin = path.resolve(__dirname, '../../bin/hardtop');
const asRoot = process.geteuid?.() === 0 && fs.existsSync('/usr/sbin/sshd') ? test : test.skip;

asRoot('hardtop check --only ssh never runs an sshd planted first in PATH', (t) => {
  const dir = path.join(trustedBase(t), 'bin');
  fs.mkdirSync(dir, { mode: 0o755 });
  const marker = path.join(dir, 'fake-sshd-ran');
  for (const name of ['sshd', 'ssh', 'ssh-keygen']) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\ntouch ${marker}\nexit 0\n`, { mode: 0o755 });
  }
  const root = copyRoot(t, 'ssh-weak');
  if (!fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755 });
  const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--only', 'ssh', '--root', root], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  t.false(fs.existsSync(marker), 'a planted program ran');
  const report = JSON.parse(r.stdout);
  // The real sshd -T ran: its effective values are the evidence.
  const root_login = report.checks.find((c: { id: string }) => c.id === 'ssh.server.root-login');
  t.is(root_login.status, 'fail');
  t.true(root_login.evidence.some((e: { command?: string }) => /^sshd -T /.test(e.command ?? '')), JSON.stringify(root_login.evidence));
});
