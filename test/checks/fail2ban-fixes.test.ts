// fail2ban.enable-jails, fail2ban.ignore and fail2ban.install on private
// copies of f2b-* fixture sysroots, through the real fix engine, with the
// REAL fail2ban-client's configuration test on the staged tree. What the
// resulting files do to a running server is in fail2ban-fixes-live.test.ts.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail2banRecidive } from '../../checks/fail2ban/recidive';
import { fail2banSshdJail } from '../../checks/fail2ban/sshd-jail';
import { fail2banPolicyCheck } from '../../checks/fail2ban/jail-policy';
import { enableJails } from '../../checks/fail2ban/fix-enable-jails';
import { planBanChange } from '../../checks/fail2ban/ban-fixes';
import { ignoreFix } from '../../checks/fail2ban/fix-ignore';
import { installFail2ban } from '../../checks/fail2ban/fix-install';
import { fixes } from '../../checks/fail2ban/fixes';
import { checkFixArgs } from '../../src/core/catalog';
import { setLocalKeys } from '../../checks/fail2ban/local-edit';
import { fail2banInstalled } from '../../checks/fail2ban/installed';
import { SYSROOT_INSTALL_REFUSED } from '../../checks/updates/fix-install-unattended';
import type { Plan, RunContext } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { changedPaths, copyRoot, read, snapshot, write } from '../fixtures/fix/updates/tree';

const ctx: RunContext = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };
const LOCAL = '/etc/fail2ban/jail.d/hardtop.local';

/**
 * A sysroot host whose environment is `env` only: enable-jails reads
 * SSH_CONNECTION, and the test must not depend on how it is run.
 */
function hostOf(root: string, network = false, env: Record<string, string> = {}): Host {
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network, env });
}

/** A sysroot host that claims to be the live system (root "/"): for plans that differ there. Never applied. */
function claimsLive(root: string, network = false): Host {
  const host = hostOf(root, network);
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'root') return '/';
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Every jail the REAL `fail2ban-client -d` would start from the tree, with
 * the ignoreip entries it would send the server: fail2ban's own verdict on
 * which ignoreip wins, not our model of it.
 */
function dumpedIgnoreips(root: string): Map<string, string[]> {
  const out = execFileSync('fail2ban-client', ['-q', '-c', path.join(root, 'etc/fail2ban'), '-d'], { encoding: 'utf8', timeout: 30000 });
  const jails = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const words = [...line.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]);
    if (words[0] === 'add') jails.set(words[1], []);
    else if (words[0] === 'set' && words[2] === 'addignoreip') jails.get(words[1])?.push(...words.slice(3));
  }
  return jails;
}

/** The jails (of the dump) whose ignoreip lacks `entry`. */
function jailsNotIgnoring(root: string, entry: string): string[] {
  return [...dumpedIgnoreips(root)].filter(([, ips]) => !ips.includes(entry)).map(([jail]) => jail);
}

const SSH_FROM = (ip: string) => ({ SSH_CONNECTION: `${ip} 5555 192.0.2.1 22` });

async function applyAndUndo(t: ExecutionContext, root: string, plan: Plan, afterApply: (text: string) => Promise<void>) {
  const host = hostOf(root);
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), [LOCAL], 'exactly hardtop.local changed');
  await afterApply(read(root, LOCAL));
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(before, snapshot(root)), [], 'undo restored the tree byte for byte');
}

// ---------------------------------------------------------------------------
// The .local editor (pure)

test('local edit: a new file gets the header and the sections in order', (t) => {
  const r = setLocalKeys(null, LOCAL, [
    { section: 'sshd', key: 'enabled', value: 'true' },
    { section: 'sshd', key: 'bantime', value: '1h' },
    { section: 'DEFAULT', key: 'ignoreip', value: '127.0.0.1/8' },
  ], '# head\n');
  t.deepEqual(r, { ok: true, text: '# head\n\n[sshd]\nenabled = true\nbantime = 1h\n\n[DEFAULT]\nignoreip = 127.0.0.1/8\n' });
});

test('local edit: the admin\'s lines, comments and spelling stay; a multi-line value is replaced whole', (t) => {
  const before = [
    '# mine',
    '[DEFAULT]',
    'ignoreip = 127.0.0.1/8',
    '    10.1.2.0/24   ; the office',
    '# keep this comment',
    '[nginx-http-auth]',
    'enabled=true',
    '',
    '[sshd]',
    'Enabled = true',
    'port = 2222 ; moved',
    '',
    '; trailing comment',
    '',
  ].join('\n');
  const r = setLocalKeys(before, LOCAL, [
    { section: 'sshd', key: 'enabled', value: 'true' },
    { section: 'sshd', key: 'bantime', value: '1h' },
    { section: 'DEFAULT', key: 'ignoreip', value: '127.0.0.1/8 10.1.2.0/24 192.0.2.7' },
    { section: 'recidive', key: 'enabled', value: 'true' },
  ]);
  t.true(r.ok);
  if (!r.ok) return;
  t.is(
    r.text,
    [
      '# mine',
      '[DEFAULT]',
      'ignoreip = 127.0.0.1/8 10.1.2.0/24 192.0.2.7',
      '# keep this comment',
      '[nginx-http-auth]',
      'enabled=true',
      '',
      '[sshd]',
      'Enabled = true',
      'port = 2222 ; moved',
      'bantime = 1h',
      '',
      '; trailing comment',
      '',
      '[recidive]',
      'enabled = true',
      '',
    ].join('\n'),
  );
  const same = setLocalKeys(r.text, LOCAL, [{ section: 'sshd', key: 'bantime', value: '1h' }]);
  t.deepEqual(same, { ok: true, text: r.text }, 'a value already set is left alone');
});

test('local edit: a file fail2ban refuses is not edited; values that could inject lines are refused', (t) => {
  t.deepEqual(setLocalKeys('[sshd]\nenabled = true\nenabled = false\n', LOCAL, [{ section: 'sshd', key: 'bantime', value: '1h' }]), {
    ok: false,
    why: `${LOCAL}:3: option "enabled" appears twice in section [sshd] (fail2ban refuses this file; fix it by hand first)`,
  });
  t.deepEqual(setLocalKeys(null, LOCAL, [{ section: 'sshd', key: 'bantime', value: '1h\n; comment' }]), { ok: false, why: 'the value of bantime has an empty or comment line' });
  t.deepEqual(setLocalKeys(null, LOCAL, [{ section: 'ss]hd', key: 'bantime', value: '1h' }]), { ok: false, why: '"ss]hd" is not a section name' });
  t.deepEqual(setLocalKeys(null, LOCAL, [{ section: 'sshd', key: 'ban time', value: '1h' }]), { ok: false, why: '"ban time" is not a key name' });
});

// ---------------------------------------------------------------------------
// fail2ban.enable-jails

test('the area has every fix id of CHECKS.md, and the checks offer them', async (t) => {
  t.deepEqual(fixes.map((f) => f.id).sort(), ['fail2ban.ban', 'fail2ban.enable-jails', 'fail2ban.ignore', 'fail2ban.install', 'fail2ban.unban']);
  const root = copyRoot(t, 'f2b-journald');
  t.deepEqual((await fail2banSshdJail.run(hostOf(root), ctx)).fixes, ['fail2ban.enable-jails']);
  t.deepEqual((await fail2banInstalled.run(hostOf(copyRoot(t, 'f2b-absent')), ctx)).fixes, ['fail2ban.install']);
});

test('enable-jails on a journald-only Debian 12: backend = systemd, policy values, validated by fail2ban -t, then undone byte for byte', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  const host = hostOf(root);
  const sshdBefore = await fail2banSshdJail.run(host, ctx);
  t.is(sshdBefore.status, 'fail');
  t.regex(sshdBefore.summary, /logpath \/var\/log\/auth\.log matches no file/);

  const plan = await enableJails.plan(host, ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.is(plan.risk, 'lockout-risk', 'no SSH_CONNECTION: the admin\'s address is unknown, so the apply comes with the automatic revert');
  t.deepEqual(plan.edits.map((e) => [e.path, e.before, e.mode]), [[LOCAL, null, 0o644]]);
  t.is(
    plan.edits[0].after,
    [
      '# Written by hardtop (fail2ban.enable-jails, fail2ban.ignore). Read after jail.conf and jail.local:',
      '# its values win. Edit freely; hardtop keeps lines it does not set.',
      '',
      '[sshd]',
      'enabled = true',
      'mode = aggressive',
      'bantime = 1h',
      'findtime = 10m',
      'maxretry = 3',
      'bantime.increment = true',
      'backend = systemd',
      'banaction = nftables',
      '',
      '[recidive]',
      'enabled = true',
      'bantime = 1w',
      'findtime = 1d',
      'maxretry = 5',
      'bantime.increment = true',
      'banaction_allports = nftables[type=allports]',
      '',
    ].join('\n'),
  );
  // Under --root: fail2ban's test with -d (logs are looked for under the root by us, not on this machine).
  t.deepEqual(plan.validate.map((v) => [v.argv, v.stage]), [[['fail2ban-client', '-q', '-c', '{stage}/etc/fail2ban', '-d', '-t'], ['/etc/fail2ban']]]);
  t.deepEqual(plan.commands, [], 'no server runs: nothing to reload');
  t.deepEqual(plan.warnings, [
    'not in an SSH session (no SSH_CONNECTION): hardtop cannot tell which address you manage this server from, so it cannot check that [sshd] and [recidive] will not ban you; make sure that address is in ignoreip (fix fail2ban.ignore) before you connect from it',
    "[sshd]'s logpath /var/log/auth.log matches no file: sshd logs to the journal only, so [sshd] reads it with backend = systemd",
    '[sshd] bans with iptables-multiport, which needs iptables (not installed): banaction = nftables (nftables is installed)',
    '[recidive] bans with iptables-allports, which needs iptables (not installed): banaction_allports = nftables[type=allports] (nftables is installed)',
    'fail2ban is not running: no socket at /var/run/fail2ban/fail2ban.sock: the change takes effect when it starts (systemctl start fail2ban)',
  ]);
  t.regex(previewPlan(plan).diffs[0], /\+backend = systemd/);

  await applyAndUndo(t, root, plan, async () => {
    const sshd = await fail2banSshdJail.run(host, ctx);
    t.is(sshd.status, 'pass', sshd.summary);
    t.is((await fail2banRecidive.run(host, ctx)).status, 'pass');
    const policy = await fail2banPolicyCheck.run(host, ctx);
    t.deepEqual(
      policy.items?.map((i) => [i.subject, i.status]),
      [
        ['sshd', 'pass'],
        ['recidive', 'pass'],
      ],
    );
    t.deepEqual((await enableJails.plan(host, ctx)).guard, {
      ok: false,
      reason: `nothing to change: ${LOCAL} already enables [sshd] and [recidive] with the policy's values (if the server lacks them: fail2ban-client reload)`,
    });
  });
});

test('enable-jails keeps the admin\'s hardtop.local lines and disables an enabled legacy [ssh-ddos]', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  write(root, LOCAL, '# my notes\n[DEFAULT]\nignoreip = 127.0.0.1/8 192.0.2.0/24\n\n[sshd]\nbantime = 2h\nport = 2222\n');
  write(root, '/etc/fail2ban/jail.local', '[ssh-ddos]\nenabled = true\nfilter = sshd\nlogpath = /var/log/fail2ban.log\n');
  const plan = await enableJails.plan(hostOf(root), ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.is(
    plan.edits[0].after,
    [
      '# my notes',
      '[DEFAULT]',
      'ignoreip = 127.0.0.1/8 192.0.2.0/24',
      '',
      '[sshd]',
      'bantime = 1h',
      'port = 2222',
      'enabled = true',
      'mode = aggressive',
      'findtime = 10m',
      'maxretry = 3',
      'bantime.increment = true',
      'backend = systemd',
      'banaction = nftables',
      '',
      '[recidive]',
      'enabled = true',
      'bantime = 1w',
      'findtime = 1d',
      'maxretry = 5',
      'bantime.increment = true',
      'banaction_allports = nftables[type=allports]',
      '',
      '[ssh-ddos]',
      'enabled = false',
      '',
    ].join('\n'),
  );
  t.true(plan.warnings.includes('[ssh-ddos] is enabled (/etc/fail2ban/jail.local:2): an old name (sshd with mode = aggressive replaces it); disabled in /etc/fail2ban/jail.d/hardtop.local'));
  const outcome = await applyPlan(hostOf(root), plan);
  t.true(outcome.ok, JSON.stringify(outcome));
});

test('enable-jails refuses what would not work: no python3-systemd for the journal, no journald, a broken hardtop.local, not installed', async (t) => {
  const nopy = await enableJails.plan(hostOf(copyRoot(t, 'f2b-journald-nopy')), ctx);
  t.deepEqual(nopy.guard, {
    ok: false,
    reason: "[sshd]'s logpath /var/log/auth.log matches no file: sshd logs to the journal only, and fail2ban reads it with backend = systemd, which needs python3-systemd: apt-get install python3-systemd first",
  });
  const stock = await enableJails.plan(hostOf(copyRoot(t, 'f2b-stock')), ctx);
  t.deepEqual(stock.guard, { ok: false, reason: "[sshd]'s logpath /var/log/auth.log matches no file and there is no journald: fail2ban would not start; point logpath at sshd's log" });
  const noFirewall = copyRoot(t, 'f2b-journald');
  write(noFirewall, '/var/lib/dpkg/status', read(noFirewall, '/var/lib/dpkg/status').replace('Package: nftables\nStatus: install ok installed', 'Package: nftables\nStatus: deinstall ok config-files'));
  t.deepEqual((await enableJails.plan(hostOf(noFirewall), ctx)).guard, {
    ok: false,
    reason: '[sshd] bans with iptables-multiport, which needs iptables, and neither it nor nftables is installed: bans would block nothing (apt-get install nftables)',
  });
  const broken = copyRoot(t, 'f2b-journald');
  write(broken, LOCAL, '[sshd]\nenabled\n');
  t.deepEqual((await enableJails.plan(hostOf(broken), ctx)).guard, {
    ok: false,
    reason: `malformed ${LOCAL}:2: not a "key = value" line: "enabled" (fail2ban refuses to start): fix that first`,
  });
  t.deepEqual((await enableJails.plan(hostOf(copyRoot(t, 'f2b-absent')), ctx)).guard, { ok: false, reason: 'fail2ban is not installed (fix fail2ban.install)' });
  const linked = copyRoot(t, 'f2b-journald');
  fs.symlinkSync('/etc/passwd', `${linked}${LOCAL}`);
  t.deepEqual((await enableJails.plan(hostOf(linked), ctx)).guard, { ok: false, reason: `${LOCAL} is a symlink; not rewriting what it points to` });
});

test('enable-jails: fail2ban\'s own test rejects a staged tree it cannot load, and nothing changes', async (t) => {
  // f2b-stock lacks action.d/iptables-allports.conf, which [recidive] uses: fail2ban -t says so.
  const root = copyRoot(t, 'f2b-stock');
  write(root, '/var/lib/dpkg/status', `${read(root, '/var/lib/dpkg/status')}Package: iptables\nStatus: install ok installed\nVersion: 1.8.9-2\nArchitecture: amd64\n\n`);
  write(root, '/var/log/auth.log', '');
  write(root, '/var/log/fail2ban.log', '');
  const plan = await enableJails.plan(hostOf(root), ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  const before = snapshot(root);
  const outcome = await applyPlan(hostOf(root), plan);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /^validation failed \(fail2ban's configuration test on a staged copy of \/etc\/fail2ban\): .*Found no accessible config files for 'action\.d\/iptables-allports' under \/etc\/fail2ban; nothing was changed$/);
  }
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

test('enable-jails warns FIRST when the admin\'s SSH address is not in ignoreip of the jails it enables; fail2ban.ignore first clears it (fail2ban -d agrees)', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  const ssh = hostOf(root, false, SSH_FROM('203.0.113.7'));
  const plan = await enableJails.plan(ssh, ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.is(
    plan.warnings[0],
    'YOUR ADDRESS 203.0.113.7 (this SSH session) is not in ignoreip of [sshd] and [recidive]: on reload fail2ban reads back the last findtime of log, so your own recent failed logins can ban you at once ([sshd] bans for 1h, [recidive] bans for 1w). Run fix fail2ban.ignore --arg address=203.0.113.7 (or your VPN/office range) FIRST',
  );
  t.false(plan.warnings.some((w) => /SSH session/.test(w) && w !== plan.warnings[0]), 'said once');
  t.false(plan.edits[0].after.includes('203.0.113.7'), 'the address is not exempted behind the admin\'s back');

  // The suggested order: ignore, then enable-jails. No warning, and fail2ban ignores it in both jails.
  const ignore = await ignoreFix.plan(ssh, ctx, { address: '203.0.113.7' });
  t.true((await applyPlan(ssh, ignore)).ok);
  const after = await enableJails.plan(ssh, ctx);
  t.true(after.guard?.ok, after.guard?.reason);
  t.false(after.warnings.some((w) => /YOUR ADDRESS|SSH/.test(w)), after.warnings.join('\n'));
  t.is(after.risk, 'disruptive', 'the admin\'s address is ignored: no lockout risk, no commit-confirmed');
  t.true((await applyPlan(ssh, after)).ok);
  t.deepEqual([...dumpedIgnoreips(root)].map(([jail, ips]) => [jail, ips.includes('203.0.113.7')]), [
    ['sshd', true],
    ['recidive', true],
  ]);
});

test('enable-jails: the admin\'s address warning names only the jails that do not exempt it; a range covers it; no SSH session says so', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  write(root, '/etc/fail2ban/jail.local', '[DEFAULT]\nignoreip = 127.0.0.1/8 203.0.113.0/24\n\n[recidive]\nignoreip = 127.0.0.1/8\n');
  const partial = await enableJails.plan(hostOf(root, false, SSH_FROM('203.0.113.7')), ctx);
  t.true(partial.guard?.ok, partial.guard?.reason);
  t.regex(partial.warnings[0], /^YOUR ADDRESS 203\.0\.113\.7 \(this SSH session\) is not in ignoreip of \[recidive\]: .*\(\[recidive\] bans for 1w\)/);
  t.is(partial.risk, 'lockout-risk', 'one jail could ban the admin: applied only with the automatic revert');
  write(root, '/etc/fail2ban/jail.local', '[DEFAULT]\nignoreip = 127.0.0.1/8 203.0.113.0/24\n');
  const covered = await enableJails.plan(hostOf(root, false, SSH_FROM('203.0.113.7')), ctx);
  t.false(covered.warnings.some((w) => /YOUR ADDRESS|SSH/.test(w)), covered.warnings.join('\n'));
  const ipv6 = await enableJails.plan(hostOf(root, false, { SSH_CONNECTION: '2001:db8::5 5555 2001:db8::1 22' }), ctx);
  t.regex(ipv6.warnings[0], /^YOUR ADDRESS 2001:db8::5 \(this SSH session\) is not in ignoreip of \[sshd\] and \[recidive\]/);
  // Shaped like "ADDR PORT ADDR PORT" but not an address: said so.
  const odd = await enableJails.plan(hostOf(root, false, { SSH_CONNECTION: '999.0.0.1 5555 192.0.2.1 22' }), ctx);
  t.is(odd.warnings[0], 'SSH_CONNECTION does not start with an IP address ("999.0.0.1 5555 192.0.2.1 22"): cannot check that [sshd] and [recidive] will not ban you; make sure your address is in ignoreip (fix fail2ban.ignore)');
  // Not even that shape: Host.sshConnection does not return it, so no session is known.
  const garbage = await enableJails.plan(hostOf(root, false, { SSH_CONNECTION: 'garbage' }), ctx);
  t.regex(garbage.warnings[0], /^not in an SSH session \(no SSH_CONNECTION\): hardtop cannot tell which address/);
  const local = await enableJails.plan(hostOf(root), ctx);
  t.regex(local.warnings[0], /^not in an SSH session \(no SSH_CONNECTION\): hardtop cannot tell which address/);
});

test('enable-jails on the live system (root /): fail2ban -t without -d', async (t) => {
  const plan = await enableJails.plan(claimsLive(copyRoot(t, 'f2b-journald')), ctx);
  t.deepEqual(plan.validate[0].argv, ['fail2ban-client', '-q', '-c', '{stage}/etc/fail2ban', '-t']);
});

// ---------------------------------------------------------------------------
// fail2ban.ignore

test('ignore: the address joins the merged ignoreip in [DEFAULT] of hardtop.local; undo restores the bytes', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  write(root, '/etc/fail2ban/jail.local', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n    10.9.0.0/16\n\n[sshd]\nenabled = true\nbackend = systemd\n');
  const host = hostOf(root);
  const plan = await ignoreFix.plan(host, ctx, { address: '2001:db8:1234:5678::9', wide: 'no' });
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.is(plan.risk, 'safe');
  t.deepEqual(plan.edits.map((e) => [e.path, e.before]), [[LOCAL, null]]);
  t.true(plan.edits[0].after.endsWith('\n[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n    10.9.0.0/16 2001:db8:1234:5678::9\n'), plan.edits[0].after);
  await applyAndUndo(t, root, plan, async () => {
    t.deepEqual(jailsNotIgnoring(root, '2001:db8:1234:5678::9'), [], 'fail2ban -d: every jail ignores it');
    const again = await ignoreFix.plan(host, ctx, { address: '2001:db8:1234:5678::9', wide: 'no' });
    t.deepEqual(again.guard, { ok: false, reason: `nothing to do: 2001:db8:1234:5678::9 is already covered by ignoreip 2001:db8:1234:5678::9 (${LOCAL}:5)` });
  });
});

test('ignore: refuses garbage, everything, a covered address; a range wider than /16 or /48 needs wide=yes', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  write(root, '/etc/fail2ban/jail.local', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 10.9.0.0/16\n');
  const host = hostOf(root);
  const guard = async (address: string, wide = 'no') => (await ignoreFix.plan(host, ctx, { address, wide })).guard;
  t.deepEqual(await guard('10.1.2.300'), { ok: false, reason: '"10.1.2.300" is not an IPv4/IPv6 address or CIDR range' });
  t.deepEqual(await guard('0.0.0.0/0', 'yes'), { ok: false, reason: '0.0.0.0/0 is every IPv4 address: the jails would ban nobody' });
  t.deepEqual(await guard('::/0', 'yes'), { ok: false, reason: '::/0 is every IPv6 address: the jails would ban nobody' });
  t.deepEqual(await guard('10.9.8.7'), { ok: false, reason: 'nothing to do: 10.9.8.7 is already covered by ignoreip 10.9.0.0/16 (/etc/fail2ban/jail.local:2)' });
  t.deepEqual(await guard('127.0.0.53'), { ok: false, reason: 'nothing to do: 127.0.0.53 is already covered by ignoreip 127.0.0.1/8 (/etc/fail2ban/jail.local:2)' });
  t.deepEqual(await guard('172.16.0.0/12'), { ok: false, reason: '172.16.0.0/12 is wider than /16 (IPv4): every address in it could attack without being banned; to confirm, give --arg wide=yes' });
  t.deepEqual(await guard('2001:db8::/32'), { ok: false, reason: '2001:db8::/32 is wider than /48 (IPv6): every address in it could attack without being banned; to confirm, give --arg wide=yes' });
  t.true((await guard('192.0.2.0/24'))?.ok, 'a /24 needs no confirmation');
  t.true((await guard('2001:db8:1::/48'))?.ok, 'a /48 needs no confirmation');
  const wide = await ignoreFix.plan(host, ctx, { address: '172.16.0.0/12', wide: 'yes' });
  t.true(wide.guard?.ok);
  t.deepEqual(wide.warnings.slice(0, 1), ['172.16.0.0/12 is wider than /16: fail2ban.policy will warn about it']);
});

test('ignore: a jail whose own ignoreip (jail.local) replaces [DEFAULT]\'s gets the entry in hardtop.local too; the real fail2ban -d ignores it in every enabled jail', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  write(root, '/etc/fail2ban/jail.local', '[sshd]\nenabled = true\nbackend = systemd\nignoreip = 127.0.0.1/8\n\n[recidive]\nenabled = true\nbanaction_allports = nftables[type=allports]\n');
  t.deepEqual(jailsNotIgnoring(root, '192.0.2.7'), ['sshd', 'recidive'], 'before: no jail ignores it');
  const plan = await ignoreFix.plan(hostOf(root), ctx, { address: '192.0.2.7', wide: 'no' });
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.true(
    plan.warnings.includes(
      "[sshd] sets its own ignoreip (/etc/fail2ban/jail.local:4), which replaces [DEFAULT]'s: /etc/fail2ban/jail.d/hardtop.local sets [sshd] ignoreip to that value plus 192.0.2.7, and from now on decides it (edit it there)",
    ),
    plan.warnings.join('\n'),
  );
  t.true(plan.edits[0].after.endsWith('\n[DEFAULT]\nignoreip = 192.0.2.7\n\n[sshd]\nignoreip = 127.0.0.1/8 192.0.2.7\n'), plan.edits[0].after);
  await applyAndUndo(t, root, plan, async () => {
    t.deepEqual([...dumpedIgnoreips(root)], [
      ['sshd', ['127.0.0.1/8', '192.0.2.7']],
      ['recidive', ['192.0.2.7']],
    ]);
    t.deepEqual((await ignoreFix.plan(hostOf(root), ctx, { address: '192.0.2.7' })).guard, { ok: false, reason: `nothing to do: 192.0.2.7 is already covered by ignoreip 192.0.2.7 (${LOCAL}:5)` });
  });
});

test('ignore: a jail.d .local read after hardtop.local that sets ignoreip wins: refused naming its file:line (fail2ban -d proves the [DEFAULT] line alone would not do)', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  const admin = '/etc/fail2ban/jail.d/zz-admin.local';
  write(root, admin, '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n');
  const before = snapshot(root);
  const plan = await ignoreFix.plan(hostOf(root), ctx, { address: '203.0.113.7' });
  t.deepEqual(plan.guard, {
    ok: false,
    reason: `203.0.113.7 would still be banned in [DEFAULT]: its ignoreip is set at ${admin}:2, read after ${LOCAL}, so that line wins; add 203.0.113.7 to it yourself (hardtop does not edit files read after its own)`,
  });
  t.deepEqual(plan.edits, []);
  const outcome = await applyPlan(hostOf(root), plan);
  t.false(outcome.ok);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  // What the plan used to write: fail2ban itself keeps zz-admin.local's value.
  write(root, LOCAL, '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n');
  t.deepEqual([...dumpedIgnoreips(root)], [['sshd', ['127.0.0.1/8', '::1']]]);
  fs.rmSync(`${root}${LOCAL}`);

  // A later file setting a jail's own ignoreip: the same, named for that jail.
  write(root, admin, '[sshd]\nignoreip = 127.0.0.1/8\n');
  t.deepEqual((await ignoreFix.plan(hostOf(root), ctx, { address: '203.0.113.7' })).guard, {
    ok: false,
    reason: `203.0.113.7 would still be banned in [sshd]: its ignoreip is set at ${admin}:2, read after ${LOCAL}, so that line wins; add 203.0.113.7 to it yourself (hardtop does not edit files read after its own)`,
  });

  // An admin file that sorts BEFORE hardtop.local loses to it: applied, and fail2ban ignores the address.
  fs.rmSync(`${root}${admin}`);
  write(root, '/etc/fail2ban/jail.d/aa-admin.local', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n');
  const ok = await ignoreFix.plan(hostOf(root), ctx, { address: '203.0.113.7' });
  t.true(ok.guard?.ok, ok.guard?.reason);
  t.true(ok.edits[0].after.endsWith('\n[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n'), ok.edits[0].after);
  await applyAndUndo(t, root, ok, async () => {
    t.deepEqual([...dumpedIgnoreips(root)], [['sshd', ['127.0.0.1/8', '::1', '203.0.113.7']]]);
  });
});

// ---------------------------------------------------------------------------
// fail2ban.install (plan only: never installs anything)

test('install: an interactive apt-get, disruptive, no file edits; refused under --root, when installed, under --no-network', async (t) => {
  const root = copyRoot(t, 'f2b-absent');
  const plan = await installFail2ban.plan(hostOf(root, true), ctx);
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.commands.map((c) => [c.argv, c.interactive, !!c.reload]), [[['apt-get', 'install', '-y', 'fail2ban'], true, false]]);
  t.deepEqual(plan.guard, { ok: false, reason: SYSROOT_INSTALL_REFUSED });
  t.regex(plan.warnings.join('\n'), /hardtop undo cannot uninstall them/);
  t.is((await installFail2ban.plan(claimsLive(root, true), ctx)).guard, undefined);
  t.deepEqual((await installFail2ban.plan(claimsLive(root, false), ctx)).guard, { ok: false, reason: '--no-network: apt-get would download packages' });
  t.deepEqual((await installFail2ban.plan(claimsLive(copyRoot(t, 'f2b-stock'), true), ctx)).guard, { ok: false, reason: 'nothing to change: fail2ban is installed' });
  t.deepEqual((await installFail2ban.plan(claimsLive(copyRoot(t, 'f2b-removed'), true), ctx)).guard, undefined, 'config-files only: install again');
  const outcome = await applyPlan(hostOf(root, true), plan);
  t.deepEqual(outcome.ok ? null : [outcome.stage, outcome.message], ['refused', `refused by guard: ${SYSROOT_INSTALL_REFUSED}`]);
});

test('ignore: wide= may be left out (checkFixArgs accepts it), and then a wide range is refused, the cautious default', async (t) => {
  t.is(checkFixArgs(ignoreFix, { address: '192.0.2.7' }), null);
  t.regex(checkFixArgs(ignoreFix, {}) ?? '', /needs --arg address=/);
  t.regex(checkFixArgs(ignoreFix, { address: '192.0.2.7', wide: 'maybe' }) ?? '', /--arg wide: 'maybe' is not/);
  const root = copyRoot(t, 'f2b-hardened');
  const plan = await ignoreFix.plan(hostOf(root), ctx, { address: '10.0.0.0/8' });
  t.false(plan.guard?.ok ?? true);
  t.regex(plan.guard?.reason ?? '', /wider than \/16/);
});

/** The host as under `sudo hardtop`: our own SSH_CONNECTION is gone, an ancestor process (pid 4242) has it. */
function viaAncestor(host: Host, value: string): Host {
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'sshConnection') return async () => ({ value, from: 'ancestor', pid: 4242 });
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('sudo dropped SSH_CONNECTION: enable-jails still warns about the address found in an ancestor, and a ban of it is refused', async (t) => {
  const root = copyRoot(t, 'f2b-journald');
  const host = viaAncestor(hostOf(root), '203.0.113.7 5555 192.0.2.1 22');
  const plan = await enableJails.plan(host, ctx);
  t.true(plan.guard?.ok, plan.guard?.reason);
  t.regex(plan.warnings[0], /^YOUR ADDRESS 203\.0\.113\.7 \(from the SSH session of an ancestor process\) is not in ignoreip of \[sshd\] and \[recidive\]/);
  t.is(plan.risk, 'lockout-risk');
  // The own-address refusal comes before any question to the server (none runs here).
  const ban = await planBanChange(host, ctx, 'ban', { jail: 'sshd', address: '203.0.113.0/24' });
  t.deepEqual(ban.guard, { ok: false, reason: '203.0.113.0/24 covers 203.0.113.7, the address your SSH session comes from: you would lock yourself out' });
});
