// The fail2ban checks against a REAL fail2ban-server (test/helpers/fail2ban-server.ts):
// temp config, socket, pid file, database and logs; banaction dummy (no
// firewall); failed logins written by the test from 127.x addresses only.
// Serial: the steps build on each other (ban, then self-protect, then unban).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { banFix, planBanChange, unbanFix } from '../../checks/fail2ban/ban-fixes';
import { fail2banBans } from '../../checks/fail2ban/bans';
import { checks } from '../../checks/fail2ban/index';
import { fail2banPolicyCheck } from '../../checks/fail2ban/jail-policy';
import { fail2banRecidive } from '../../checks/fail2ban/recidive';
import { fail2banRunning } from '../../checks/fail2ban/running';
import { fail2banSelfProtect } from '../../checks/fail2ban/self-protect';
import { fail2banSshdJail } from '../../checks/fail2ban/sshd-jail';
import { fail2banWebJails } from '../../checks/fail2ban/web-jails';
import { parseJailStatus } from '../../src/parse/fail2ban-client';
import type { Check, Finding } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { startFail2banServer, type Fail2banServer } from '../helpers/fail2ban-server';

const teardowns: Array<() => Promise<void> | void> = [];
let server: Fail2banServer;

test.before(async () => {
  server = await startFail2banServer({ teardown: (fn) => void teardowns.push(fn) }, { maxretry: 3, findtime: '10m', bantime: '1h' });
});

test.after.always(async () => {
  for (const fn of teardowns) await fn();
});

function hostWith(root: string, env: Record<string, string> = {}): Host {
  // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
  return createLocalHost({ root, network: false, env });
}

async function run(check: Check, env: Record<string, string> = {}, root = server.root): Promise<Finding> {
  return check.run(hostWith(root, env), { now: new Date(), network: false, signal: new AbortController().signal });
}

const sshFrom = (ip: string) => ({ SSH_CONNECTION: `${ip} 5555 127.0.0.1 22` });

test.serial('running: the real server answers ping on the socket its configuration names', async (t) => {
  const f = await run(fail2banRunning);
  t.is(f.status, 'pass', f.summary);
  t.is(f.summary, 'fail2ban answers on /run/fail2ban/fail2ban.sock');
  t.deepEqual(f.evidence, [
    { file: '/etc/fail2ban/fail2ban.conf', line: 7, text: 'socket = /run/fail2ban/fail2ban.sock' },
    { command: 'fail2ban-client -s /run/fail2ban/fail2ban.sock ping', text: 'Server replied: pong' },
  ]);
});

test.serial('sshd-jail and recidive: judged from the running server', async (t) => {
  const sshd = await run(fail2banSshdJail);
  t.is(sshd.status, 'pass');
  t.is(sshd.summary, 'jail [sshd] watches sshd (running)');
  t.deepEqual(sshd.evidence[0], { command: 'fail2ban-client -s /run/fail2ban/fail2ban.sock status', text: 'Jail list: recidive, sshd' });
  const recidive = await run(fail2banRecidive);
  t.is(recidive.status, 'pass');
  t.is(recidive.summary, '[recidive] is running');
});

test.serial('policy and web-jails on the running jails', async (t) => {
  const policy = await run(fail2banPolicyCheck);
  t.is(policy.status, 'pass', policy.summary);
  t.deepEqual(
    policy.items?.map((i) => [i.subject, i.status, i.summary]),
    [
      ['recidive', 'pass', 'bantime 1w, maxretry 3, findtime 1d: within policy'],
      ['sshd', 'pass', 'bantime 1h, maxretry 3, findtime 10m: within policy'],
    ],
  );
  t.is((await run(fail2banWebJails)).status, 'info');
});

test.serial('five failures from 127.0.0.2 with maxretry 3: banned; bans and status show it, with the database\'s record of the ban; the admin from there is told', async (t) => {
  server.failLogins('127.0.0.2', 2, 'root');
  server.failLogins('127.0.0.2', 3, 'admin');
  await server.waitForBan('sshd', '127.0.0.2');

  const status = parseJailStatus((await server.client(['status', 'sshd'])).stdout);
  t.deepEqual(status && [status.currentlyBanned, status.bannedIps], [1, ['127.0.0.2']]);

  const bans = await run(fail2banBans);
  t.is(bans.status, 'info');
  const sshd = bans.items?.find((i) => i.subject === 'sshd');
  t.regex(sshd?.summary ?? '', /^1 banned now, 1 since start, 1 in the database; \d+ failing now, 5 failures since start$/);
  t.is(sshd?.evidence[0].command, 'fail2ban-client -s /run/fail2ban/fail2ban.sock status sshd short', 'counters only: no list of every banned address every 30 s');
  t.regex(bans.summary, /top offenders: 127\.0\.0\.2 \(1 ban\)/);
  // The sqlite history of that ban (bips): time, ban time, count, failures, users tried, matched lines.
  const offender = bans.items?.find((i) => i.subject === '127.0.0.2');
  t.regex(offender?.summary ?? '', /^\[sshd\] last banned \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ for 1h \(ban #1 of this address, 3 failures\); users tried: admin, root$/);
  const matched = offender?.evidence.map((e) => e.text ?? '') ?? [];
  t.is(matched.length, 3);
  for (const m of matched) t.regex(m, /^matched: \S+ testhost sshd\[\d+\]: Failed password for (root|admin) from 127\.0\.0\.2 port \d+ ssh2$/);
  t.is(offender?.evidence[0].file, '/var/lib/fail2ban/fail2ban.sqlite3', 'a host path');

  const self = await run(fail2banSelfProtect, sshFrom('127.0.0.2'));
  t.is(self.status, 'fail', self.summary);
  t.regex(self.summary, /^\[sshd\] your address 127\.0\.0\.2 is BANNED in \[sshd\]: unban it \(fail2ban-client set sshd unbanip 127\.0\.0\.2\) and add it to ignoreip/);
  t.is(self.items?.find((i) => i.subject === 'sshd')?.status, 'fail');
});

test.serial('two failures from 127.0.0.3 with maxretry 3: one more bans it, so self-protect fails before the ban', async (t) => {
  server.failLogins('127.0.0.3', 2);
  await server.waitForFound('sshd', '127.0.0.3', 2);
  const self = await run(fail2banSelfProtect, sshFrom('127.0.0.3'));
  t.is(self.status, 'fail', self.summary);
  t.regex(self.summary, /^\[sshd\] your address 127\.0\.0\.3 has 2 of 3 failures within findtime in \[sshd\]: 1 more failure bans you; add it to ignoreip$/);
  const clean = await run(fail2banSelfProtect, sshFrom('127.0.0.9'));
  t.is(clean.status, 'warn', clean.summary);
  t.regex(clean.summary, /^your address 127\.0\.0\.9 is not in ignoreip of \[recidive\], \[sshd\]/);
});

test.serial('after an unban the admin address is no longer reported banned', async (t) => {
  const r = await server.client(['set', 'sshd', 'unbanip', '127.0.0.2']);
  t.is(r.code, 0);
  const self = await run(fail2banSelfProtect, sshFrom('127.0.0.2'));
  t.is(self.items?.find((i) => i.subject === 'sshd')?.status, 'warn', self.summary);
});

test.serial('an address in ignoreip is exempt: the sysroot view of the config says so', async (t) => {
  // Only the view hardtop reads changes: the running server keeps its own config.
  const local = path.join(server.root, 'etc/fail2ban/jail.local');
  fs.writeFileSync(local, '[DEFAULT]\nignoreip = 127.0.0.0/29\n');
  t.teardown(() => fs.rmSync(local, { force: true }));
  const self = await run(fail2banSelfProtect, sshFrom('127.0.0.3'));
  t.is(self.status, 'pass', self.summary);
  t.is(self.items?.[0].summary, 'exempt by ignoreip 127.0.0.0/29 (/etc/fail2ban/jail.local:2)');
});

test.serial('every check on the live server: one well-formed finding, host paths only', async (t) => {
  for (const check of checks) {
    const f = await run(check, sshFrom('127.0.0.9'));
    t.is(f.id, check.id);
    t.false(/[\r\n]/.test(f.summary));
    const evidence = [...f.evidence, ...(f.items ?? []).flatMap((i) => i.evidence)];
    for (const e of evidence) {
      t.false((e.file ?? '').includes(server.root), `${check.id}: ${e.file}`);
      t.false((e.command ?? '').includes(server.root), `${check.id}: ${e.command}`);
    }
  }
});

test('a jail enabled in the configuration but missing from the running server is a fail (reload needed)', async (t) => {
  const noSshd = await startFail2banServer(t, { omitJails: ['sshd'] });
  fs.writeFileSync(path.join(noSshd.root, 'etc/fail2ban/jail.local'), '[sshd]\nenabled = true\nfilter = sshd\nlogpath = /var/log/auth.log\n');
  const f = await run(fail2banSshdJail, {}, noSshd.root);
  t.is(f.status, 'fail');
  t.is(f.summary, '[sshd] is enabled (/etc/fail2ban/jail.local:2) but the running server does not have it: reload fail2ban (fail2ban-client reload) and check its log');
});

// ---------------------------------------------------------------------------
// fail2ban.ban / fail2ban.unban (params jail and address; see checks/fail2ban/ban-fixes.ts)

test.serial('ban then unban through the fix engine: no file edits, one fail2ban-client command each', async (t) => {
  const host = createLocalHost({ root: server.root, stateDir: '/var/lib/hardtop' });
  const ctx = { now: new Date(), network: false, signal: new AbortController().signal };
  const ban = await banFix.plan(host, ctx, { jail: 'sshd', address: '192.0.2.77' });
  t.true(ban.guard?.ok, ban.guard?.reason);
  t.deepEqual(ban.edits, []);
  t.deepEqual(
    ban.commands.map((c) => c.argv),
    [['fail2ban-client', '-c', path.join(server.root, 'etc/fail2ban'), '-s', server.socket, 'set', 'sshd', 'banip', '192.0.2.77']],
  );
  const applied = await applyPlan(host, ban, { stateDir: '/var/lib/hardtop' });
  t.true(applied.ok, JSON.stringify(applied));
  t.true((await server.client(['get', 'sshd', 'banip'])).stdout.split(/\s+/).includes('192.0.2.77'));

  const again = await banFix.plan(host, ctx, { jail: 'sshd', address: '192.0.2.77' });
  t.deepEqual(again.guard, { ok: false, reason: 'nothing to do: 192.0.2.77 is already banned in [sshd]' });

  const unban = await unbanFix.plan(host, ctx, { jail: 'sshd', address: '192.0.2.77' });
  t.true(unban.guard?.ok, unban.guard?.reason);
  t.true((await applyPlan(host, unban, { stateDir: '/var/lib/hardtop' })).ok);
  t.false((await server.client(['get', 'sshd', 'banip'])).stdout.split(/\s+/).includes('192.0.2.77'));
});

test.serial('the CLI takes the jail and address as --arg; hardtop undo lifts the ban it made', async (t) => {
  const bin = path.resolve(__dirname, '../../bin/hardtop');
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--root', server.root], { encoding: 'utf8', env: { ...process.env, SSH_CONNECTION: '' } });
  const missing = run('fix', 'fail2ban.ban', '--yes', '--arg', 'jail=sshd');
  t.is(missing.status, 2);
  t.regex(missing.stderr, /fail2ban\.ban needs --arg address=… \(an IPv4\/IPv6 address or CIDR range\)/);
  const bad = run('fix', 'fail2ban.ban', '--yes', '--arg', 'jail=sshd', '--arg', 'address=$(reboot)');
  t.is(bad.status, 2);
  const banned = () => server.client(['get', 'sshd', 'banip']).then((r) => r.stdout.split(/\s+/).includes('192.0.2.88'));
  const ok = run('fix', 'fail2ban.ban', '--yes', '--arg', 'jail=sshd', '--arg', 'address=192.0.2.88');
  t.is(ok.status, 0, ok.stderr);
  t.true(await banned());
  const undone = run('undo');
  t.is(undone.status, 0, undone.stderr);
  t.false(await banned(), 'undo ran the inverse command');
});

test.serial('ban guards: loopback, everything, your own SSH address, garbage, unknown jail; unban of what is not banned', async (t) => {
  const ctx = { now: new Date(), network: false, signal: new AbortController().signal };
  const host = hostWith(server.root, sshFrom('192.0.2.50'));
  const reason = async (action: 'ban' | 'unban', jail: string, address: string) => (await planBanChange(host, ctx, action, { jail, address })).guard?.reason;
  t.is(await reason('ban', 'sshd', '127.0.0.5'), '127.0.0.5 covers loopback: banning it breaks local services');
  t.is(await reason('ban', 'sshd', '::1'), '::1 covers loopback: banning it breaks local services');
  t.is(await reason('ban', 'sshd', '64.0.0.0/2'), '64.0.0.0/2 covers loopback: banning it breaks local services');
  t.is(await reason('ban', 'sshd', '0.0.0.0/0'), '0.0.0.0/0 is every IPv4 address');
  t.is(await reason('ban', 'sshd', '192.0.2.0/24'), '192.0.2.0/24 covers 192.0.2.50, the address your SSH session comes from: you would lock yourself out');
  t.is(await reason('ban', 'sshd', 'not-an-ip'), '"not-an-ip" is not an IPv4/IPv6 address or CIDR range');
  t.is(await reason('ban', 'nojail', '198.51.100.9'), 'no running jail [nojail] (running: recidive, sshd)');
  t.is(await reason('unban', 'sshd', '198.51.100.9'), 'nothing to do: 198.51.100.9 is not banned in [sshd]');
  const wide = await planBanChange(host, ctx, 'ban', { jail: 'sshd', address: '198.0.0.0/8' });
  t.true(wide.guard?.ok);
  t.deepEqual(wide.warnings, ['198.0.0.0/8 is wider than /16: every address in it is banned']);
  const refusedPlan = await planBanChange(host, ctx, 'ban', { jail: 'sshd', address: '127.0.0.5' });
  const outcome = await applyPlan(createLocalHost({ root: server.root }), refusedPlan, { stateDir: '/var/lib/hardtop' });
  t.deepEqual(outcome.ok ? null : [outcome.stage, outcome.message], ['refused', 'refused by guard: 127.0.0.5 covers loopback: banning it breaks local services']);
  t.false((await server.client(['get', 'sshd', 'banip'])).stdout.includes('127.0.0.5'));
});
