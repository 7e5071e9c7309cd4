// When sshd cannot be asked (not installed on the machine running hardtop,
// no root, nowhere to stage), hardtop's own parse decides: it must agree
// with sshd -T on every fixture, and say that it was the one deciding.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serverChecks as checks } from '../../checks/ssh/index';
import type { Finding } from '../../src/core/types';
import { canRunSshd, copyRoot, ensurePrivsepDir, hostFor, runAll, SSH_ROOTS, withoutSshd } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;
const ids = checks.map((c) => c.id);
const NOT_INSTALLED = "hardtop's own parse of /etc/ssh/sshd_config and its Include files; defaults of OpenSSH 9.2p1 (Debian 12) (sshd -T not used: sshd is not installed on the machine running hardtop)";

sshdTest('on every ssh fixture root, the fallback parse reaches the same status as sshd -T for every check', async (t) => {
  for (const name of SSH_ROOTS) {
    const viaT = await runAll(checks, hostFor(copyRoot(t, name)));
    const viaParse = await runAll(checks, withoutSshd(hostFor(copyRoot(t, name))));
    for (const id of ids) {
      t.is(viaParse.get(id)?.status, viaT.get(id)?.status, `${name} ${id}: sshd -T says "${viaT.get(id)?.summary}", the parse says "${viaParse.get(id)?.summary}"`);
    }
  }
});

test('the fallback says where its values come from, and uses the defaults of the OpenSSH it knows', async (t) => {
  const found = await runAll(checks, withoutSshd(hostFor(copyRoot(t, 'ssh-deb12-default'))));
  const root = found.get('ssh.server.root-login') as Finding;
  t.is(root.status, 'warn');
  t.is(root.summary, 'PermitRootLogin not set: default prohibit-password (OpenSSH 9.2p1 (Debian 12)): root can still log in with a key');
  t.deepEqual(root.evidence.at(-1), { text: NOT_INSTALLED });
  t.false(root.evidence.some((e) => e.command !== undefined), 'no command evidence when no command ran');
});

test('fallback: first value wins, with the drop-in as evidence', async (t) => {
  const found = await runAll(checks, withoutSshd(hostFor(copyRoot(t, 'ssh-include-first'))));
  const f = found.get('ssh.server.password-auth') as Finding;
  t.is(f.status, 'fail');
  t.deepEqual(f.evidence[0], { file: '/etc/ssh/sshd_config.d/50-cloud-init.conf', line: 1, text: 'PasswordAuthentication yes' });
});

test('fallback: UseRoaming is known to be fatal; a broken line is fatal; both name file:line', async (t) => {
  const roaming = await runAll(checks, withoutSshd(hostFor(copyRoot(t, 'ssh-roaming'))));
  for (const id of ids.slice(1)) {
    t.is(roaming.get(id)?.status, 'error', id);
    t.regex(roaming.get(id)?.summary ?? '', /^sshd would refuse its configuration: \/etc\/ssh\/sshd_config:5: Bad configuration option: UseRoaming \(a client-only option/);
  }
  const malformed = await runAll(checks, withoutSshd(hostFor(copyRoot(t, 'ssh-malformed'))));
  t.is(malformed.get('ssh.server.kex')?.summary, 'sshd would refuse its configuration: /etc/ssh/sshd_config.d/10-broken.conf:2: invalid quotes');
});

test('fallback: +/- algorithm lists are applied to the defaults (HostKeyAlgorithms +ssh-rsa,ssh-dss)', async (t) => {
  const found = await runAll(checks, withoutSshd(hostFor(copyRoot(t, 'ssh-weak'))));
  t.regex(found.get('ssh.server.host-key-algorithms')?.summary ?? '', /ssh-rsa \(RSA with SHA-1 signatures\), ssh-dss \(DSA\)/);
  // Without sshd, nobody can say a hardtop-unknown keyword is fine.
  const root = copyRoot(t, 'ssh-hardened');
  fs.appendFileSync(path.join(root, 'etc/ssh/sshd_config'), 'FrobnicateLogins yes\n');
  const dep = (await runAll(checks, withoutSshd(hostFor(root)))).get('ssh.server.deprecated-options') as Finding;
  t.is(dep.status, 'warn');
  t.regex(dep.summary, /unknown keyword "FrobnicateLogins" \(sshd may refuse it\) at \/etc\/ssh\/sshd_config:1\d\d/);
});
