// The ssh.server.* checks on fixture sysroots, through the real `sshd -T`
// (on a staged copy of each root's /etc/ssh) and the real ssh-keygen.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixes, serverChecks as checks } from '../../checks/ssh/index';
import { policyProblems, sshPolicy } from '../../checks/ssh/policy';
import type { Finding } from '../../src/core/types';
import { canRunSshd, copyRoot, ctx, ensurePrivsepDir, evidenceProblems, hostFor, runAll, SSH_ROOTS } from './ssh-server-helpers';

ensurePrivsepDir();
const sshdTest = canRunSshd ? test : test.skip;

const ids = checks.map((c) => c.id);
const statuses = (m: Map<string, Finding>) => Object.fromEntries([...m].map(([id, f]) => [id.replace('ssh.server.', ''), f.status]));
const SSHD_T = 'sshd -T -f /etc/ssh/sshd_config';
const usedSshdT = (f: Finding) => f.evidence.some((e) => e.command?.startsWith(SSHD_T));
const fingerprintOf = (pub: string) => execFileSync('ssh-keygen', ['-l', '-f', pub], { encoding: 'utf8' }).split(' ')[1];

// ---------------------------------------------------------------------------
// The area as a whole

test('the server checks are the CHECKS.md server rows, in order, with their severities, and the hardening fix', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['ssh.server.installed', 'ssh', 'info'],
      ['ssh.server.root-login', 'ssh', 'high'],
      ['ssh.server.password-auth', 'ssh', 'high'],
      ['ssh.server.kbd-interactive', 'ssh', 'medium'],
      ['ssh.server.empty-passwords', 'ssh', 'critical'],
      ['ssh.server.kex', 'ssh', 'high'],
      ['ssh.server.ciphers', 'ssh', 'high'],
      ['ssh.server.macs', 'ssh', 'medium'],
      ['ssh.server.host-key-algorithms', 'ssh', 'high'],
      ['ssh.server.host-keys', 'ssh', 'high'],
      ['ssh.server.deprecated-options', 'ssh', 'low'],
      ['ssh.server.host-key-age', 'ssh', 'low'],
    ],
  );
  t.deepEqual(fixes.map((f) => f.id), ['ssh.server.harden', 'ssh.client.harden', 'ssh.rotate-host-keys', 'ssh.retire-host-keys', 'ssh.rotate-user-key', 'ssh.remove-authorized-key']);
  for (const c of checks) t.true((c.watch ?? []).includes('/etc/ssh') && (c.interval ?? 0) > 0, c.id);
});

test('the policy in assets/policy/ssh.json is sane', (t) => {
  t.deepEqual(policyProblems(sshPolicy), []);
  t.is(sshPolicy.hostKeyAge.rotationDays, 365);
  t.is(sshPolicy.hostKeys.rsaMinBits, 3072);
  for (const pq of ['mlkem768x25519-sha256', 'sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com']) t.true(sshPolicy.kex.postQuantum.names.includes(pq), pq);
  const broken = { ...sshPolicy, hostKeyAge: { rotationDays: 0 } };
  t.deepEqual(policyProblems(broken), ['hostKeyAge.rotationDays must be a number > 0']);
  // Issue 4: each entry names its source; an entry without one is refused.
  const unsourced = { ...sshPolicy, macs: { ...sshPolicy.macs, weak: [...sshPolicy.macs.weak, { pattern: 'x-*', why: 'test', source: '' }] } };
  t.deepEqual(policyProblems(unsourced), ['macs.weak: every entry needs a pattern, a why and a source']);
});

sshdTest('on every ssh fixture root each check gives one well-formed finding with host paths only', async (t) => {
  for (const name of SSH_ROOTS) {
    const root = copyRoot(t, name);
    const found = await runAll(checks, hostFor(root));
    t.deepEqual([...found.keys()], ids, name);
    for (const check of checks) {
      const f = found.get(check.id) as Finding;
      t.is(f.severity, check.severity);
      t.true(f.summary.length > 0 && !/[\r\n]/.test(f.summary), `${name} ${check.id}: one line`);
      t.deepEqual(evidenceProblems(f, root), [], `${name} ${check.id}`);
      for (const id of f.fixes) t.true(fixes.some((x) => x.id === id), `${check.id} offers ${id}, which must exist`);
    }
    // Staging happens in /tmp, never inside the root.
    t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')), `${name}: a check wrote into the root`);
  }
});

// ---------------------------------------------------------------------------
// The fixtures, one by one

sshdTest("Debian 12's defaults: root with a key and passwords on by default, the 9.2 MAC list, good keys", async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-deb12-default')));
  t.deepEqual(statuses(found), {
    installed: 'pass',
    'root-login': 'warn',
    'password-auth': 'fail',
    'kbd-interactive': 'pass',
    'empty-passwords': 'pass',
    kex: 'pass',
    ciphers: 'pass',
    macs: 'fail',
    'host-key-algorithms': 'pass',
    'host-keys': 'pass',
    'deprecated-options': 'pass',
    'host-key-age': 'pass',
  });
  const root = found.get('ssh.server.root-login') as Finding;
  t.is(root.summary, 'PermitRootLogin not set: default prohibit-password (OpenSSH_9.2): root can still log in with a key');
  t.true(usedSshdT(root));
  t.deepEqual(root.evidence[1], {
    command: 'sshd -T -f /etc/ssh/sshd_config -h /etc/ssh/ssh_host_rsa_key -h /etc/ssh/ssh_host_ecdsa_key -h /etc/ssh/ssh_host_ed25519_key',
    text: 'permitrootlogin prohibit-password',
  });
  t.regex(found.get('ssh.server.password-auth')?.summary ?? '', /^PasswordAuthentication not set: default yes \(OpenSSH_9\.2\)/);
  t.deepEqual(found.get('ssh.server.kbd-interactive')?.evidence[0], { file: '/etc/ssh/sshd_config', line: 62, text: 'KbdInteractiveAuthentication no' });
  t.regex(found.get('ssh.server.macs')?.summary ?? '', /umac-64-etm@openssh\.com \(64-bit tag\), hmac-sha1-etm@openssh\.com \(SHA-1\)/);
  t.regex(found.get('ssh.server.kex')?.summary ?? '', /post-quantum sntrup761x25519-sha512/);
});

sshdTest('hardened: everything passes, including a host key kept outside /etc/ssh', async (t) => {
  const root = copyRoot(t, 'ssh-hardened');
  const found = await runAll(checks, hostFor(root));
  for (const [id, f] of found) t.is(f.status, 'pass', `${id}: ${f.summary}`);
  const keys = found.get('ssh.server.host-keys') as Finding;
  t.deepEqual(
    keys.items?.map((i) => [i.subject, i.status]),
    [
      ['/etc/ssh/ssh_host_ed25519_key', 'pass'],
      ['/usr/local/etc/ssh/ssh_host_rsa_key', 'pass'],
    ],
  );
  t.regex(keys.items?.[1].summary ?? '', /^ssh-rsa 4096 bits SHA256:/);
  t.true(keys.items?.[1].summary.includes(fingerprintOf(path.join(root, 'usr/local/etc/ssh/ssh_host_rsa_key.pub'))));
  t.deepEqual(found.get('ssh.server.password-auth')?.evidence[0], { file: '/etc/ssh/sshd_config.d/00-hardening.conf', line: 5, text: 'PasswordAuthentication no' });
});

sshdTest('the weak box: root login, passwords, empty passwords, SHA-1 kex, CBC, MD5, ssh-rsa/ssh-dss, DSA and RSA-1024 keys', async (t) => {
  const root = copyRoot(t, 'ssh-weak');
  const found = await runAll(checks, hostFor(root));
  t.deepEqual(statuses(found), {
    installed: 'pass',
    'root-login': 'fail',
    'password-auth': 'fail',
    'kbd-interactive': 'fail',
    'empty-passwords': 'fail',
    kex: 'fail',
    ciphers: 'fail',
    macs: 'fail',
    'host-key-algorithms': 'fail',
    'host-keys': 'fail',
    'deprecated-options': 'warn',
    'host-key-age': 'pass',
  });
  const s = (id: string) => found.get(`ssh.server.${id}`)?.summary ?? '';
  t.is(s('root-login'), 'PermitRootLogin yes (/etc/ssh/sshd_config:6): root can log in, with a password too');
  t.is(s('kbd-interactive'), 'KbdInteractiveAuthentication yes (set as ChallengeResponseAuthentication at /etc/ssh/sshd_config:8): PAM can ask for a password through keyboard-interactive');
  t.regex(s('kex'), /diffie-hellman-group1-sha1 \(1024-bit group and SHA-1\), diffie-hellman-group14-sha1 \(SHA-1\)/);
  t.regex(s('kex'), /no post-quantum hybrid offered although this OpenSSH supports sntrup761x25519-sha512/);
  t.regex(s('ciphers'), /aes128-cbc \(CBC mode\), 3des-cbc \(CBC mode\) \(Ciphers at \/etc\/ssh\/sshd_config:12\)/);
  t.regex(s('macs'), /hmac-md5 \(MD5\), hmac-sha1 \(SHA-1\), hmac-sha2-256 \(MAC-then-encrypt/);
  t.regex(s('host-key-algorithms'), /ssh-rsa \(RSA with SHA-1 signatures\), ssh-dss \(DSA\) \(HostKeyAlgorithms at \/etc\/ssh\/sshd_config:14\)/);
  t.regex(s('deprecated-options'), /Protocol .* at \/etc\/ssh\/sshd_config:3, ChallengeResponseAuthentication .*use KbdInteractiveAuthentication\) at \/etc\/ssh\/sshd_config:8/);

  const keys = found.get('ssh.server.host-keys') as Finding;
  t.regex(keys.summary, /^no usable Ed25519 host key; /);
  t.deepEqual(
    keys.items?.map((i) => [i.subject, i.status]),
    [
      ['/etc/ssh/ssh_host_rsa_key', 'fail'],
      ['/etc/ssh/ssh_host_dsa_key', 'fail'],
    ],
  );
  t.is(keys.items?.[0].summary, `RSA 1024 bits, below 3072 (${fingerprintOf(path.join(root, 'etc/ssh/ssh_host_rsa_key.pub'))})`);
  t.regex(keys.items?.[1].summary ?? '', /^ssh-dss 1024 bits SHA256:\S+ root@fixture: DSA/);
  t.deepEqual(keys.items?.[1].evidence, [{ file: '/etc/ssh/ssh_host_dsa_key.pub', text: `ssh-dss 1024 bits ${fingerprintOf(path.join(root, 'etc/ssh/ssh_host_dsa_key.pub'))} root@fixture` }]);
});

sshdTest('UseRoaming (client-only, fatal in sshd_config) makes every server check an error naming the line', async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-roaming')));
  t.is(found.get('ssh.server.installed')?.status, 'pass');
  for (const id of ids.slice(1)) {
    const f = found.get(id) as Finding;
    t.is(f.status, 'error', id);
    t.regex(f.summary, /^sshd refuses its configuration: \/etc\/ssh\/sshd_config:5: Bad configuration option: UseRoaming \(a client-only option/);
    t.deepEqual(f.evidence[0], { file: '/etc/ssh/sshd_config', line: 5, text: 'UseRoaming no' });
  }
});

sshdTest('a line sshd cannot parse in a drop-in: error with the drop-in file:line', async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-malformed')));
  const f = found.get('ssh.server.password-auth') as Finding;
  t.is(f.status, 'error');
  t.is(f.summary, 'sshd refuses its configuration: /etc/ssh/sshd_config.d/10-broken.conf:2: invalid quotes');
  t.deepEqual(f.evidence[0], { file: '/etc/ssh/sshd_config.d/10-broken.conf', line: 2, text: 'AllowUsers "alice bob' });
});

sshdTest("first value wins: the cloud-init drop-in's PasswordAuthentication yes beats the main file's no", async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-include-first')));
  const f = found.get('ssh.server.password-auth') as Finding;
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    'PasswordAuthentication yes (/etc/ssh/sshd_config.d/50-cloud-init.conf:1): passwords are accepted; it wins over PasswordAuthentication no at /etc/ssh/sshd_config:57: the first value counts',
  );
  t.deepEqual(f.evidence[0], { file: '/etc/ssh/sshd_config.d/50-cloud-init.conf', line: 1, text: 'PasswordAuthentication yes' });
  t.deepEqual(f.evidence[1], { command: 'sshd -T -f /etc/ssh/sshd_config -h /etc/ssh/ssh_host_rsa_key -h /etc/ssh/ssh_host_ecdsa_key -h /etc/ssh/ssh_host_ed25519_key', text: 'passwordauthentication yes' });
  t.deepEqual(f.evidence[2], { file: '/etc/ssh/sshd_config', line: 57, text: 'PasswordAuthentication no' });
});

sshdTest('a Match block that switches passwords back on is evaluated with sshd -T -C and reported as an item with both lines', async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-match')));
  const f = found.get('ssh.server.password-auth') as Finding;
  t.is(f.status, 'fail', 'passwords are accepted from 10.0.0.0/8: sshd -T -C says so');
  t.is(
    f.summary,
    'PasswordAuthentication no (/etc/ssh/sshd_config:3): passwords are refused; Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:6) gives PasswordAuthentication yes (/etc/ssh/sshd_config:7) for the connections it matches, e.g. addr=10.0.0.1: passwords are accepted',
  );
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status, i.summary]),
    [
      ['every connection no Match block singles out', 'pass', 'PasswordAuthentication no (/etc/ssh/sshd_config:3): passwords are refused'],
      ['Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:6)', 'fail', 'PasswordAuthentication yes for addr=10.0.0.1 (/etc/ssh/sshd_config:7): passwords are accepted'],
    ],
  );
  t.deepEqual(f.items![1].evidence, [
    { file: '/etc/ssh/sshd_config', line: 6, text: 'Match Address 10.0.0.0/8' },
    { file: '/etc/ssh/sshd_config', line: 7, text: 'PasswordAuthentication yes' },
    { command: 'sshd -T -f /etc/ssh/sshd_config -C user=hardtop-probe,host=hardtop.invalid,addr=10.0.0.1,laddr=192.0.2.2,lport=22', text: 'passwordauthentication yes' },
  ]);
  // A Match block that sets the same (good) value changes nothing: an item that passes.
  const root = found.get('ssh.server.root-login') as Finding;
  t.is(root.status, 'pass');
  t.deepEqual(root.items?.map((i) => [i.subject, i.status, i.summary]).at(-1), ['Match User backup (/etc/ssh/sshd_config:8)', 'pass', 'PermitRootLogin no for user=backup (/etc/ssh/sshd_config:9): root cannot log in over SSH']);
  t.is(found.get('ssh.server.kbd-interactive')?.items, undefined, 'no Match block sets it: no items');
});

sshdTest('Match blocks: Group from the root\'s /etc/group, an only-negated list nobody can trigger (info), a block an earlier one shadows (first value wins)', async (t) => {
  const root = copyRoot(t, 'ssh-match');
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\ncarol:x:1001:1001::/home/carol:/bin/bash\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\ncarol:x:1001:\ncontractors:x:2000:carol\n');
  fs.appendFileSync(
    path.join(root, 'etc/ssh/sshd_config'),
    'Match Group contractors\n\tKbdInteractiveAuthentication yes\nMatch User !root\n\tPermitRootLogin yes\nMatch Address 10.1.0.0/16\n\tPasswordAuthentication no\n',
  );
  const found = await runAll(checks, hostFor(root));
  const kbd = found.get('ssh.server.kbd-interactive') as Finding;
  t.is(kbd.status, 'warn', 'no UsePAM in this file: nothing to ask, still worth turning off');
  const group = kbd.items!.find((i) => i.subject === 'Match Group contractors (/etc/ssh/sshd_config:11)')!;
  t.is(group.summary, 'KbdInteractiveAuthentication yes for user=carol (/etc/ssh/sshd_config:12): keyboard-interactive is on but has nothing to ask without UsePAM: set it to no anyway');
  t.regex(group.evidence.at(-1)!.text ?? '', /Match Group under --root: sshd -T -C would read group membership from the machine running hardtop/);
  const rootLogin = found.get('ssh.server.root-login') as Finding;
  t.is(rootLogin.status, 'pass', 'an only-negated User list never matches (sshd_config(5))');
  const never = rootLogin.items!.find((i) => i.subject === 'Match User !root (/etc/ssh/sshd_config:13)')!;
  t.is(never.status, 'info');
  t.regex(never.summary, /^sets PermitRootLogin yes at line 14, but User !root lists only negated patterns: sshd matches a list only when some positive pattern matches, so this block never applies$/);
  // 10.1.0.0/16 is inside 10.0.0.0/8: the earlier block wins for those addresses (first value), as sshd -T -C says.
  const pw = found.get('ssh.server.password-auth') as Finding;
  const inner = pw.items!.find((i) => i.subject === 'Match Address 10.1.0.0/16 (/etc/ssh/sshd_config:15)')!;
  t.is(inner.status, 'fail');
  t.is(inner.summary, 'PasswordAuthentication yes for addr=10.1.0.1 (/etc/ssh/sshd_config:7): passwords are accepted');
});

test('no SSH server: installed is info, every other check skips with the reason', async (t) => {
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-absent')));
  const installed = found.get('ssh.server.installed') as Finding;
  t.is(installed.status, 'info');
  t.is(installed.summary, 'no SSH server: openssh-server is not installed: nothing to harden');
  for (const id of ids.slice(1)) {
    t.is(found.get(id)?.status, 'skip', id);
    t.is(found.get(id)?.summary, 'no SSH server: openssh-server is not installed: nothing to check');
  }
});

// ---------------------------------------------------------------------------
// The real system never leaks into a report about a root

sshdTest('a relative Include resolves against the root\'s /etc/ssh, never the real one', async (t) => {
  // The root says `Include ssh_config`: the real machine has /etc/ssh/ssh_config
  // (openssh-client), whose "Host *" sshd rejects; the root has none. A leak
  // would make sshd refuse the configuration.
  t.true(fs.existsSync('/etc/ssh/ssh_config'), 'precondition: the real machine has /etc/ssh/ssh_config');
  const root = copyRoot(t, 'ssh-relative-include');
  t.false(fs.existsSync(path.join(root, 'etc/ssh/ssh_config')));
  const found = await runAll(checks, hostFor(root));
  const rootLogin = found.get('ssh.server.root-login') as Finding;
  t.is(rootLogin.status, 'pass');
  t.true(usedSshdT(rootLogin), 'the value came from sshd -T, not the fallback');
  // `Include sshd_config.d/*.conf` found the root's drop-in (the real sshd_config.d has no such file).
  t.deepEqual(rootLogin.evidence[0], { file: '/etc/ssh/sshd_config.d/10-local.conf', line: 1, text: 'PermitRootLogin no' });
  t.false(fs.existsSync('/etc/ssh/sshd_config.d/10-local.conf'));
  // No HostKey line: sshd's defaults are the root's, not the machine's keys.
  const keys = found.get('ssh.server.host-keys') as Finding;
  t.deepEqual(keys.items?.map((i) => i.subject), ['/etc/ssh/ssh_host_ed25519_key']);
  t.true(keys.items?.[0].summary.includes(fingerprintOf(path.join(root, 'etc/ssh/ssh_host_ed25519_key.pub'))));
});

sshdTest('a root with no host key says sshd will not start, although this machine has host keys', async (t) => {
  t.true(fs.readdirSync('/etc/ssh').some((n) => /^ssh_host_.*_key$/.test(n)), 'precondition: the real machine has host keys');
  const found = await runAll(checks, hostFor(copyRoot(t, 'ssh-no-hostkeys')));
  const keys = found.get('ssh.server.host-keys') as Finding;
  t.is(keys.status, 'fail');
  t.is(keys.summary, 'no host key can be loaded: sshd will not start');
  t.deepEqual(keys.items, []);
  // The rest of the configuration is still read by sshd -T (with a placeholder key).
  const pw = found.get('ssh.server.password-auth') as Finding;
  t.is(pw.status, 'pass');
  t.true(usedSshdT(pw));
  t.is(found.get('ssh.server.host-key-age')?.status, 'skip');
});

// ---------------------------------------------------------------------------
// Host keys and their age

sshdTest('a private host key readable by everyone: sshd ignores it, and the check says so', async (t) => {
  const root = copyRoot(t, 'ssh-include-first');
  fs.chmodSync(path.join(root, 'etc/ssh/ssh_host_rsa_key'), 0o644);
  const found = await runAll(checks, hostFor(root));
  const keys = found.get('ssh.server.host-keys') as Finding;
  t.is(keys.status, 'fail');
  const rsa = keys.items?.find((i) => i.subject === '/etc/ssh/ssh_host_rsa_key');
  t.is(rsa?.status, 'fail');
  t.is(rsa?.summary, 'sshd cannot load it (bad permissions): it is not offered');
  t.is(keys.items?.find((i) => i.subject === '/etc/ssh/ssh_host_ed25519_key')?.status, 'pass');
});

sshdTest('host-key-age: older than 365 days warns with the age; the clock is the context, not the machine', async (t) => {
  const root = copyRoot(t, 'ssh-deb12-default');
  const old = new Date('2025-06-01T00:00:00Z');
  fs.utimesSync(path.join(root, 'etc/ssh/ssh_host_rsa_key'), old, old);
  const recent = new Date('2026-03-01T00:00:00Z');
  for (const k of ['ecdsa', 'ed25519']) fs.utimesSync(path.join(root, `etc/ssh/ssh_host_${k}_key`), recent, recent);
  const host = hostFor(root);
  const age = checks.find((c) => c.id === 'ssh.server.host-key-age');
  if (!age) throw new Error('no host-key-age check');

  const f = await age.run(host, ctx);
  t.is(f.status, 'warn');
  t.is(f.summary, '1 of 3 host keys older than 365 days: /etc/ssh/ssh_host_rsa_key (545 days old)');
  t.deepEqual(f.items?.map((i) => [i.subject, i.status]), [
    ['/etc/ssh/ssh_host_rsa_key', 'warn'],
    ['/etc/ssh/ssh_host_ecdsa_key', 'pass'],
    ['/etc/ssh/ssh_host_ed25519_key', 'pass'],
  ]);
  t.deepEqual(f.items?.[0].evidence, [{ file: '/etc/ssh/ssh_host_rsa_key', text: 'modified 2025-06-01T00:00:00.000Z' }]);

  const earlier = await age.run(host, { ...ctx, now: new Date('2026-01-01T00:00:00Z') });
  t.is(earlier.status, 'info', 'the two newer keys are in the future for this clock');
  const justRight = await age.run(host, { ...ctx, now: new Date('2026-05-31T00:00:00Z') });
  t.is(justRight.status, 'pass');
  t.is(justRight.summary, '3 host keys younger than 365 days (oldest 364 days)');
});

// ---------------------------------------------------------------------------
// Live refresh: an edit is seen on the next run

sshdTest('an edit to a drop-in is seen on the next run (sshd -T is shared per configuration, not cached stale)', async (t) => {
  const root = copyRoot(t, 'ssh-include-first');
  const host = hostFor(root);
  const pw = checks.find((c) => c.id === 'ssh.server.password-auth');
  if (!pw) throw new Error('no password-auth check');
  t.is((await pw.run(host, ctx)).status, 'fail');
  fs.writeFileSync(path.join(root, 'etc/ssh/sshd_config.d/50-cloud-init.conf'), 'PasswordAuthentication no\n');
  const after = await pw.run(host, ctx);
  t.is(after.status, 'pass');
  t.deepEqual(after.evidence[0], { file: '/etc/ssh/sshd_config.d/50-cloud-init.conf', line: 1, text: 'PasswordAuthentication no' });
});

// ---------------------------------------------------------------------------
// Absolute symlinks inside a root are followed inside the root

sshdTest('a host key and a drop-in that are absolute symlinks resolve inside the root, not on this machine', async (t) => {
  const root = copyRoot(t, 'ssh-relative-include');
  // The key and a drop-in live in /srv/ssh of the root; /etc/ssh has absolute links to them.
  fs.mkdirSync(path.join(root, 'srv/ssh'), { recursive: true });
  for (const f of ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']) {
    fs.renameSync(path.join(root, 'etc/ssh', f), path.join(root, 'srv/ssh', f));
    fs.symlinkSync(`/srv/ssh/${f}`, path.join(root, 'etc/ssh', f));
  }
  fs.writeFileSync(path.join(root, 'srv/ssh/20-linked.conf'), 'MaxAuthTries 2\nPermitEmptyPasswords no\n');
  fs.symlinkSync('/srv/ssh/20-linked.conf', path.join(root, 'etc/ssh/sshd_config.d/20-linked.conf'));
  t.false(fs.existsSync('/srv/ssh/20-linked.conf'), 'precondition: this machine has no such file');

  const found = await runAll(checks, hostFor(root));
  const keys = found.get('ssh.server.host-keys') as Finding;
  t.is(keys.status, 'pass', keys.summary);
  t.true(keys.items?.[0].summary.includes(fingerprintOf(path.join(root, 'srv/ssh/ssh_host_ed25519_key.pub'))));
  const empty = found.get('ssh.server.empty-passwords') as Finding;
  t.deepEqual(empty.evidence[0], { file: '/etc/ssh/sshd_config.d/20-linked.conf', line: 2, text: 'PermitEmptyPasswords no' });
  t.true(usedSshdT(empty));
});

// ---------------------------------------------------------------------------
// Deprecated options sshd itself complains about

sshdTest('deprecated options from a 2016-era config are listed once each with file:line', async (t) => {
  const root = copyRoot(t, 'ssh-hardened');
  fs.writeFileSync(
    path.join(root, 'etc/ssh/sshd_config.d/90-legacy.conf'),
    'Protocol 2\nUsePrivilegeSeparation sandbox\nKeyRegenerationInterval 3600\nServerKeyBits 1024\nRSAAuthentication yes\nRhostsRSAAuthentication no\n',
  );
  const f = (await runAll(checks, hostFor(root))).get('ssh.server.deprecated-options') as Finding;
  t.is(f.status, 'warn');
  t.regex(f.summary, /^6 deprecated options: Protocol \(ignored since OpenSSH 7\.4: SSH-1 is gone; sshd ignores it silently\) at \/etc\/ssh\/sshd_config\.d\/90-legacy\.conf:1, UsePrivilegeSeparation/);
  t.deepEqual(
    f.evidence.filter((e) => e.file).map((e) => `${e.file}:${e.line}`),
    [1, 2, 3, 4, 5, 6].map((n) => `/etc/ssh/sshd_config.d/90-legacy.conf:${n}`),
    'no "reprocess config" duplicates',
  );
  // The rest of the hardened config is untouched by them.
  t.is((await runAll(checks, hostFor(root))).get('ssh.server.password-auth')?.status, 'pass');
});

sshdTest('a HostKey line naming a missing file is a warning on that key; the others still count', async (t) => {
  const root = copyRoot(t, 'ssh-hardened');
  fs.appendFileSync(path.join(root, 'etc/ssh/sshd_config.d/00-hardening.conf'), 'HostKey /etc/ssh/ssh_host_ecdsa_key\n');
  const keys = (await runAll(checks, hostFor(root))).get('ssh.server.host-keys') as Finding;
  t.is(keys.status, 'warn');
  t.deepEqual(keys.items?.map((i) => [i.subject, i.status]), [
    ['/etc/ssh/ssh_host_ed25519_key', 'pass'],
    ['/usr/local/etc/ssh/ssh_host_rsa_key', 'pass'],
    ['/etc/ssh/ssh_host_ecdsa_key', 'warn'],
  ]);
  t.is(keys.summary, '/etc/ssh/ssh_host_ecdsa_key: HostKey names a file that does not exist: sshd logs an error and skips it');
});

sshdTest('Match All overrides the global value for every connection: the finding follows it, with its line', async (t) => {
  const root = copyRoot(t, 'ssh-match');
  fs.appendFileSync(path.join(root, 'etc/ssh/sshd_config'), 'Match All\n\tPermitRootLogin yes\n');
  const f = (await runAll(checks, hostFor(root))).get('ssh.server.root-login') as Finding;
  t.is(f.status, 'fail');
  t.is(f.summary, 'PermitRootLogin yes (/etc/ssh/sshd_config:12): root can log in, with a password too; it overrides PermitRootLogin no at /etc/ssh/sshd_config:2: Match All applies to every connection');
  t.deepEqual(f.evidence[1], { command: 'sshd -T -f /etc/ssh/sshd_config -h /etc/ssh/ssh_host_rsa_key -h /etc/ssh/ssh_host_ecdsa_key -h /etc/ssh/ssh_host_ed25519_key', text: 'permitrootlogin yes' });
});
