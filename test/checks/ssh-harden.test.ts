// ssh.server.harden on throwaway sysroots, through the real fix engine, the
// real LocalHost, the real `ssh -Q` and the real `sshd -t` (on the engine's
// staged copy): where the settings land, what is commented out and why, what
// the validation sees, and that undo puts every byte back. The lockout guard
// and the reload choice are in ssh-harden-guard.test.ts.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalog } from '../../checks/index';
import { hardenServer } from '../../checks/ssh/fix-harden';
import { fixes } from '../../checks/ssh/fixes';
import { hardenPolicy, hardenPolicyProblems } from '../../checks/ssh/harden-policy';
import { includeMatches } from '../../checks/ssh/harden-edit';
import type { Finding, Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { canRunRealSshd, sshRoot, type RootUser } from '../helpers/sshd';

const ctx = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };
const isRoot = process.getuid?.() === 0;
const asRoot = isRoot ? test : test.skip;
const withSshd = canRunRealSshd ? test : test.skip;
const DROP_IN = '/etc/ssh/sshd_config.d/00-hardtop.conf';
const ALICE_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss alice@laptop';
const alice: RootUser = { name: 'alice', uid: 1000, gid: 1000, keys: [ALICE_KEY], groups: ['sudo'] };

function hostOf(root: string): Host {
  // The admin: alice over SSH (as `sudo -E` would leave it), so the guard has someone to name.
  const env: Record<string, string> = { SSH_CONNECTION: '192.0.2.7 50000 192.0.2.1 22', SUDO_USER: 'alice' };
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

function read(root: string, p: string): string | null {
  const f = path.join(root, p);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
}

/** Every file under etc/ssh, with its bytes and mode: "undo restores byte for byte". */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = path.join(root, 'etc/ssh');
  for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(base, rel));
    if (st.isFile()) out.set(rel, `${(st.mode & 0o7777).toString(8)}:${fs.readFileSync(path.join(base, rel), 'base64')}`);
  }
  return out;
}

async function planFor(root: string): Promise<Plan> {
  return hardenServer.plan(hostOf(root), ctx);
}

/** The auth checks are not in `verifies` (they also judge Match blocks the fix leaves), but with no such block they must pass too. */
const AUTH_IDS = ['ssh.server.root-login', 'ssh.server.password-auth', 'ssh.server.kbd-interactive', 'ssh.server.empty-passwords'];

async function verified(host: Host): Promise<Map<string, Finding>> {
  const out = new Map<string, Finding>();
  for (const id of [...AUTH_IDS, ...(hardenServer.verifies ?? [])]) {
    const check = catalog.checks.find((c) => c.id === id)!;
    out.set(id, await check.run(host, ctx));
  }
  return out;
}

function supported(query: string): Set<string> {
  return new Set(execFileSync('/usr/bin/ssh', ['-Q', query], { encoding: 'utf8' }).split('\n').filter(Boolean));
}

function settingIn(text: string, keyword: string): string | undefined {
  return text.split('\n').find((l) => l.startsWith(`${keyword} `))?.slice(keyword.length + 1);
}

/** Apply with the real engine (not commit-confirmed: that is test/fix and test/e2e), check, undo. */
async function applyCheckUndo(t: ExecutionContext, root: string, plan: Plan, afterApply?: (host: Host) => Promise<void>): Promise<void> {
  const host = hostOf(root);
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const after = await verified(host);
  for (const [id, f] of after) t.false(f.status === 'fail' || f.status === 'error', `${id} after the fix: ${f.status} ${f.summary}`);
  if (afterApply) await afterApply(host);
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(snapshot(root), before, 'undo restored /etc/ssh byte for byte (modes too)');
}

const DEBIAN_LIKE = `# Debian-like
Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
Ciphers aes128-cbc,aes128-ctr
MACs hmac-sha1,hmac-sha2-256-etm@openssh.com
Subsystem sftp /usr/lib/openssh/sftp-server
`;

// ---------------------------------------------------------------------------

test('the policy data is consistent with the audit policy (nothing it writes is weak)', (t) => {
  t.deepEqual(hardenPolicyProblems(hardenPolicy), []);
  // …and the consistency check can fail:
  const bad = structuredClone(hardenPolicy);
  bad.macs.names.push('hmac-sha1');
  bad.settings.values[0].value = 'prohibit-password';
  t.is(hardenPolicyProblems(bad).length, 2);
});

test('the fix exists, is lockout-risk, and is verified by the checks it fixes', (t) => {
  t.deepEqual(fixes.find((f) => f.id === 'ssh.server.harden')?.risk, 'lockout-risk');
  t.true(hardenServer.verifies!.every((id) => catalog.checks.some((c) => c.id === id)));
});

test('Include patterns match like glob(3): per component, no leading dot', (t) => {
  t.true(includeMatches('/etc/ssh/sshd_config.d/*.conf', DROP_IN));
  t.false(includeMatches('/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/sshd_config.d/.00-hardtop.conf'));
  t.false(includeMatches('/etc/ssh/*.conf', DROP_IN));
  t.true(includeMatches('/etc/ssh/sshd_config.d/[0-9]*', DROP_IN));
});

asRoot('Include first (Debian): a drop-in that sorts first; the main file is not touched; checks pass; undo is byte for byte', async (t) => {
  const root = sshRoot(t, { config: DEBIAN_LIKE, users: [alice] });
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), [DROP_IN]);
  const text = plan.edits[0].after;
  t.is(plan.edits[0].before, null);
  t.is(settingIn(text, 'PermitRootLogin'), 'no');
  t.is(settingIn(text, 'PasswordAuthentication'), 'no');
  t.is(settingIn(text, 'KbdInteractiveAuthentication'), undefined, 'already no: left alone');
  t.is(settingIn(text, 'PermitEmptyPasswords'), undefined, 'the default is already no');
  // Lists: the policy's order, cut to what this OpenSSH supports.
  const ciphers = settingIn(text, 'Ciphers')!.split(',');
  t.deepEqual(ciphers, hardenPolicy.ciphers.names.filter((n) => supported('cipher').has(n)));
  t.deepEqual(settingIn(text, 'MACs')!.split(','), hardenPolicy.macs.names.filter((n) => supported('mac').has(n)));
  t.is(settingIn(text, 'KexAlgorithms'), undefined, "this OpenSSH's default kex is not weak: left alone");
  t.true(plan.warnings.some((w) => w.includes('sshd_config:6 "PasswordAuthentication yes" stays but no longer counts')), plan.warnings.join('\n'));
  t.true(plan.warnings.some((w) => w.startsWith('lockout guard: you are alice (by SUDO_USER, over SSH from 192.0.2.7): your account keeps a way in')));
  t.deepEqual(plan.validate.map((v) => v.argv), [['sshd', '-t', '-f', '{stage}/etc/ssh/sshd_config']]);
  t.deepEqual(plan.commands, [], 'no sshd runs in this root (no pid file): nothing to reload');
  if (canRunRealSshd) await applyCheckUndo(t, root, plan, async () => {
    t.is(read(root, '/etc/ssh/sshd_config'), DEBIAN_LIKE);
  });
});

asRoot('an earlier conflicting line (main file above the Include, a drop-in that sorts first, Match All) is commented out with a marker', async (t) => {
  const config = `PasswordAuthentication yes
Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
Match All
  PermitRootLogin yes
`;
  const root = sshRoot(t, {
    config,
    users: [alice],
    dropIns: { '0-early.conf': 'PermitRootLogin prohibit-password\nX11Forwarding no\n', '50-cloud-init.conf': 'PasswordAuthentication yes\n' },
  });
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const byPath = new Map(plan.edits.map((e) => [e.path, e.after]));
  t.deepEqual([...byPath.keys()], [DROP_IN, '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/0-early.conf']);
  t.is(
    byPath.get('/etc/ssh/sshd_config'),
    `# hardtop: disabled, see 00-hardtop.conf: PasswordAuthentication yes
Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
Match All
# hardtop: disabled, see 00-hardtop.conf:   PermitRootLogin yes
`,
  );
  t.is(byPath.get('/etc/ssh/sshd_config.d/0-early.conf'), '# hardtop: disabled, see 00-hardtop.conf: PermitRootLogin prohibit-password\nX11Forwarding no\n');
  t.false(byPath.has('/etc/ssh/sshd_config.d/50-cloud-init.conf'), 'a later drop-in loses anyway: left alone');
  t.true(plan.warnings.some((w) => w.includes('50-cloud-init.conf:1 "PasswordAuthentication yes" stays but no longer counts')));
  if (canRunRealSshd) await applyCheckUndo(t, root, plan);
});

asRoot('no Include: a marked block at the top of the main file; a second run changes nothing', async (t) => {
  const config = `Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin yes
PasswordAuthentication yes
MACs hmac-md5,hmac-sha2-256-etm@openssh.com
Match User backup
  PasswordAuthentication yes
`;
  const root = sshRoot(t, { config, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/ssh/sshd_config']);
  const after = plan.edits[0].after;
  const lines = after.split('\n');
  t.is(lines[0], '# BEGIN hardtop ssh.server.harden');
  const end = lines.indexOf('# END hardtop ssh.server.harden');
  t.true(end > 0);
  t.true(lines.slice(0, end).includes('PasswordAuthentication no'));
  t.true(after.endsWith(`\n${config}`), 'the rest of the file is unchanged below the block, the Match block too');
  t.true(plan.warnings.some((w) => /^\/etc\/ssh\/sshd_config:\d+: "PasswordAuthentication yes" left alone: Match User backup \(\/etc\/ssh\/sshd_config:\d+\) gives PasswordAuthentication yes to accounts backup; ssh.server.password-auth still reports it\. To take it away too: --arg match=scrub/.test(w)), plan.warnings.join('\n'));
  const scrub = await hardenServer.plan(hostOf(root), ctx, { match: 'scrub' });
  t.true(scrub.edits[0].after.includes('Match User backup\n# hardtop: disabled, see the hardtop block at the top of /etc/ssh/sshd_config:   PasswordAuthentication yes\n'), 'with match=scrub: a drop-in cannot beat a Match block, so its line is commented out');
  // Verified after the apply: the auth checks only when no Match line is left behind (they would judge it).
  t.false(plan.verifies?.includes('ssh.server.password-auth') ?? false, 'a Match line left alone: password-auth is not claimed');
  t.true(scrub.verifies?.includes('ssh.server.password-auth'), 'scrubbed: password-auth is claimed and re-run after the apply');
  t.true(scrub.verifies?.includes('ssh.server.macs'));
  if (!canRunRealSshd) return;
  const host = hostOf(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const again = await planFor(root);
  t.regex(again.guard?.reason ?? '', /nothing to change/);
  t.true((await undo(host, {})).ok);
  t.is(read(root, '/etc/ssh/sshd_config'), config);
});

withSshd('removed options are commented out, aliases renamed: a config sshd refused becomes one it accepts', async (t) => {
  const config = `Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
Protocol 2
UseRoaming no
UsePrivilegeSeparation sandbox
ChallengeResponseAuthentication no
PermitRootLogin no
PasswordAuthentication no
`;
  const root = sshRoot(t, { config, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const before = await verified(hostOf(root));
  t.is(before.get('ssh.server.password-auth')!.status, 'error', 'sshd refuses UseRoaming: every server check says so');
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const main = plan.edits.find((e) => e.path === '/etc/ssh/sshd_config')!.after;
  t.true(main.includes('# hardtop: removed (obsolete option): UseRoaming no\n'));
  t.true(main.includes('# hardtop: removed (obsolete option): Protocol 2\n'));
  t.true(main.includes('# hardtop: removed (obsolete option): UsePrivilegeSeparation sandbox\n'));
  t.true(main.includes('\nKbdInteractiveAuthentication no\n'), 'the alias is renamed, its value kept');
  t.is(main.split('\n').length, config.split('\n').length, 'no line added or removed: line numbers stay');
  await applyCheckUndo(t, root, plan, async (host) => {
    const deprecated = await catalog.checks.find((c) => c.id === 'ssh.server.deprecated-options')!.run(host, ctx);
    t.is(deprecated.status, 'pass', deprecated.summary);
  });
});

asRoot('host-key algorithms are limited to the host keys sshd loads (ed25519 only: no rsa-sha2)', async (t) => {
  const config = `Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
HostKeyAlgorithms +ssh-rsa
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
`;
  const root = sshRoot(t, { config, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const value = settingIn(plan.edits[0].after, 'HostKeyAlgorithms')!;
  t.deepEqual(value.split(','), ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519']);
  if (canRunRealSshd) await applyCheckUndo(t, root, plan);
});

withSshd('validation: a bad drop-in only this root has is caught by sshd -T while planning and by sshd -t on the staged copy at apply; nothing changes', async (t) => {
  // Parses fine for hardtop, but sshd rejects the value. Had the validation read
  // the real /etc/ssh (an absolute Include), it would not have seen this file.
  const root = sshRoot(t, { config: DEBIAN_LIKE, users: [alice], dropIns: { '60-local.conf': 'MaxAuthTries lots\n' } });
  // While planning, sshd -T on a staged copy of the edited files already refuses it.
  const refused = await planFor(root);
  t.regex(refused.guard?.reason ?? '', /^sshd -T refuses the edited configuration: \/etc\/ssh\/sshd_config\.d\/60-local\.conf:1: /);
  t.false(refused.guard?.reason.includes('/tmp/') ?? true, 'the staging dir is cut out of the message');
  // The apply's own validation (sshd -t on the engine's staged copy, edits in) catches it
  // too: the same drop-in, added to a good plan as one more edit.
  fs.rmSync(path.join(root, 'etc/ssh/sshd_config.d/60-local.conf'));
  const good = await planFor(root);
  t.is(good.guard, undefined, good.guard?.reason);
  const plan: Plan = { ...good, edits: [...good.edits, { path: '/etc/ssh/sshd_config.d/60-local.conf', before: null, after: 'MaxAuthTries lots\n' }] };
  const before = snapshot(root);
  const outcome = await applyPlan(hostOf(root), plan);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /\/etc\/ssh\/sshd_config\.d\/60-local\.conf line 1/);
    t.false(outcome.message.includes('/tmp/'), 'the staging dir is cut out of the message');
  }
  t.deepEqual(snapshot(root), before);
});

asRoot('a symlinked config file is not rewritten through the link', async (t) => {
  const root = sshRoot(t, { config: 'PasswordAuthentication yes\nInclude /etc/ssh/sshd_config.d/*.conf\nHostKey /etc/ssh/ssh_host_ed25519_key\n', users: [alice] });
  fs.renameSync(path.join(root, 'etc/ssh/sshd_config'), path.join(root, 'etc/ssh/sshd_config.real'));
  fs.symlinkSync('sshd_config.real', path.join(root, 'etc/ssh/sshd_config'));
  const plan = await planFor(root);
  t.regex(plan.guard?.reason ?? '', /\/etc\/ssh\/sshd_config is a symlink/);
});

asRoot('no SSH server in the root: refused, nothing to harden', async (t) => {
  const root = sshRoot(t, { config: DEBIAN_LIKE, users: [alice] });
  fs.rmSync(path.join(root, 'var/lib/dpkg/status'));
  const plan = await planFor(root);
  t.regex(plan.guard?.reason ?? '', /nothing to harden/);
});

withSshd("the reference host's mixed drop-in (../shared/refhost): ours sorts first and wins; Protocol is commented out in theirs", async (t) => {
  const main = '# Debian\nInclude /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\n';
  const refhost = `Port 2222
ListenAddress 127.0.0.1
PidFile /run/refhost/sshd.pid
HostKey /etc/ssh/refhost/ssh_host_rsa1024_key
HostKey /etc/ssh/ssh_host_ed25519_key
HostKeyAlgorithms +ssh-rsa
KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1
Ciphers +aes128-cbc,aes256-cbc
PermitRootLogin yes
PasswordAuthentication yes
Protocol 2
PermitEmptyPasswords no
KbdInteractiveAuthentication no
`;
  const root = sshRoot(t, { config: main, dropIns: { '50-refhost.conf': refhost }, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  fs.mkdirSync(path.join(root, 'etc/ssh/refhost'));
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', path.join(root, 'etc/ssh/refhost/ssh_host_rsa1024_key')]);
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const byPath = new Map(plan.edits.map((e) => [e.path, e.after]));
  t.deepEqual([...byPath.keys()], [DROP_IN, '/etc/ssh/sshd_config.d/50-refhost.conf']);
  const ours = byPath.get(DROP_IN)!;
  t.is(settingIn(ours, 'PermitRootLogin'), 'no');
  t.is(settingIn(ours, 'PasswordAuthentication'), 'no');
  t.deepEqual(settingIn(ours, 'KexAlgorithms')!.split(','), hardenPolicy.kexAlgorithms.names.filter((n) => supported('kex').has(n)));
  t.deepEqual(settingIn(ours, 'HostKeyAlgorithms')!.split(','), [
    'ssh-ed25519-cert-v01@openssh.com',
    'ssh-ed25519',
    'rsa-sha2-512-cert-v01@openssh.com',
    'rsa-sha2-256-cert-v01@openssh.com',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ]);
  t.is(byPath.get('/etc/ssh/sshd_config.d/50-refhost.conf'), refhost.replace('Protocol 2', '# hardtop: removed (obsolete option): Protocol 2'));
  t.deepEqual(plan.commands, [], 'no pid in /run/refhost/sshd.pid: nothing to reload');
  fs.mkdirSync(path.join(root, 'run/refhost'));
  fs.writeFileSync(path.join(root, 'run/refhost/sshd.pid'), '4242\n');
  t.deepEqual((await planFor(root)).commands.map((c) => c.argv[4]), [path.join(fs.realpathSync(root), 'run/refhost/sshd.pid')], 'its PidFile is the one signalled');
  fs.rmSync(path.join(root, 'run/refhost/sshd.pid'));
  await applyCheckUndo(t, root, plan);
});

withSshd('only obsolete options to clean up: they are commented out and no drop-in is created', async (t) => {
  const config = `Include /etc/ssh/sshd_config.d/*.conf
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
UseRoaming no
`;
  const root = sshRoot(t, { config, users: [alice], hostKeys: [{ type: 'ed25519' }] });
  const plan = await planFor(root);
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.deepEqual(plan.edits.map((e) => e.path), ['/etc/ssh/sshd_config']);
  t.true(plan.edits[0].after.endsWith('# hardtop: removed (obsolete option): UseRoaming no\n'));
  t.true(plan.warnings[0].startsWith('lockout guard: no login method is switched off'), plan.warnings[0]);
  await applyCheckUndo(t, root, plan);
});
