// reboot.stale-services and reboot.restart-services.
// - For real: a python3 child maps a copy of libz, the copy is deleted (or
//   replaced by a rename, as dpkg does), and the check on this machine's live
//   /proc names that process. The child is killed in teardown.
// - On test/fixtures/roots/proc-stale (a /proc snapshot in the kernel's
//   format, read through a "live" view of the sysroot): grouping by unit,
//   what is ignored, and the restart plan. No service is ever restarted.

import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { restartServices } from '../../checks/reboot/fix-restart-services';
import { NOT_LIVE, scanStale } from '../../checks/reboot/stale-policy';
import { staleServices } from '../../checks/reboot/stale-services';
import type { Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot, ctx, evidencePathsAreHostPaths, hostFor, liveView, ROOTS, run } from './updates-reboot-helpers';

const LIBZ = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/libz.so.1'].find((p) => fs.existsSync(p));
// Serial: processes outside any unit are grouped by program name, so two
// python3 holders alive at once would share one item and its summary.
const withLibz = LIBZ && fs.existsSync('/usr/bin/python3') ? test.serial : test.skip;

function live(root: string): Host {
  return liveView(hostFor(root));
}

// ---------------------------------------------------------------------------
// For real: a process that maps a deleted library

/** python3 loads `lib` with ctypes and sleeps; resolves once the library is mapped. */
function startHolder(t: { teardown(fn: () => void): void }, lib: string): Promise<ChildProcess> {
  const child = spawn('python3', ['-c', 'import ctypes,sys,time; ctypes.CDLL(sys.argv[1]); print("ready", flush=True); time.sleep(30)', lib], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`python3 exited early (${code})`)));
  });
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-stale-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const how of ['deleted', 'replaced by a rename'] as const) {
  withLibz(`live /proc: a process running a ${how} copy of libz is named, within a second`, async (t) => {
    const dir = tempDir(t);
    const lib = path.join(dir, 'libz-hardtop-test.so.1');
    fs.copyFileSync(LIBZ as string, lib);
    const child = await startHolder(t, lib);
    const host = createLocalHost({ root: '/', network: false });

    // Before: mapped and present, so not stale.
    const before = await scanStale(host);
    t.false(before.stale.some((p) => p.pid === child.pid));

    if (how === 'deleted') fs.rmSync(lib);
    else {
      // dpkg's way: write the new file beside it, rename it over the old one.
      fs.copyFileSync(LIBZ as string, `${lib}.dpkg-new`);
      fs.renameSync(`${lib}.dpkg-new`, lib);
    }

    const started = Date.now();
    const f = await staleServices.run(host, ctx);
    const ms = Date.now() - started;
    t.is(f.status, 'fail', f.summary);
    const item = f.items?.find((i) => i.summary.includes(`${child.pid} python3`));
    t.truthy(item, JSON.stringify(f.items));
    t.is(item?.subject, 'python3');
    t.regex(item?.summary ?? '', /runs deleted libz-hardtop-test\.so\.1; fix: restart the program$/);
    t.deepEqual(
      item?.evidence.filter((e) => e.file === `/proc/${child.pid}/maps`),
      [{ file: `/proc/${child.pid}/maps`, text: `${lib} (deleted)` }],
    );
    t.true(ms < 20_000, `the whole scan took ${ms} ms`); // bounded, not timed: the bench measures it
    t.regex(f.summary, / processes scanned in \d+ ms/);
    t.deepEqual(f.fixes, [], 'a process outside any unit is not restarted by the fix');
  });
}

withLibz('live /proc: once the process has ended it is no longer named', async (t) => {
  const dir = tempDir(t);
  const lib = path.join(dir, 'libz-gone.so.1');
  fs.copyFileSync(LIBZ as string, lib);
  const child = await startHolder(t, lib);
  fs.rmSync(lib);
  const host = createLocalHost({ root: '/', network: false });
  t.true((await scanStale(host)).stale.some((p) => p.pid === child.pid));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  t.false((await scanStale(host)).stale.some((p) => p.pid === child.pid));
});

// ---------------------------------------------------------------------------
// Under --root: not the sysroot's processes

test('under --root the check skips and the fix refuses: the running processes are not the sysroot\'s', async (t) => {
  for (const root of ['proc-stale', 'deb12-auto-on']) {
    const f = await run(staleServices, root);
    t.is(f.status, 'skip');
    t.is(f.summary, NOT_LIVE);
    const plan = await restartServices.plan(hostFor(root), ctx);
    t.deepEqual(plan.guard, { ok: false, reason: NOT_LIVE });
    t.deepEqual(plan.commands, []);
  }
});

// ---------------------------------------------------------------------------
// The proc-stale snapshot

test('proc-stale: grouped by unit; services first; data, memfd and clean processes are left out', async (t) => {
  const f = await staleServices.run(live(`${ROOTS}/proc-stale`), ctx);
  t.is(f.status, 'fail');
  t.deepEqual(f.fixes, ['reboot.restart-services']);
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.summary]),
    [
      ['dbus.service', 'service (530 dbus-daemon) runs deleted libexpat.so.1; fix: not restarted automatically (see assets/policy/updates.json restartNever): reboot'],
      ['nginx.service', 'service (410 nginx, 411 nginx) runs deleted libssl.so.3, libcrypto.so.3, libc.so.6; fix: systemctl restart nginx.service'],
      ['postfix@-.service', 'service (900 master) runs deleted libc.so.6; fix: systemctl restart postfix@-.service'],
      ['ssh.service', 'service (520 sshd) runs deleted libcrypto.so.3; fix: systemctl restart ssh.service'],
      ['unbound.service', 'service (970 unbound) runs deleted unbound; fix: systemctl restart unbound.service'],
      ['init.scope', 'systemd itself (PID 1) (1 systemd) runs deleted libc.so.6; fix: systemctl daemon-reexec'],
      ['session-3.scope', 'login session (600 sshd) runs deleted libcrypto.so.3; fix: log out and in again'],
      ['user@1000.service/pipewire.service', "user's service (700 pipewire) runs deleted libz.so.1.2.13; fix: the user restarts it (systemctl --user)"],
      ['python3', 'process (950 python3) runs deleted libfoo.so; fix: restart the program'],
    ],
  );
  t.regex(f.summary, /^5 services run deleted libraries: dbus\.service \(libexpat\.so\.1\), nginx\.service \(libssl\.so\.3, libcrypto\.so\.3 \+1 more\), postfix@-\.service \(libc\.so\.6\), ssh\.service \(libcrypto\.so\.3\), unbound\.service \(unbound\); also systemd \(PID 1\) \(libc\.so\.6\), session-3\.scope \(libcrypto\.so\.3\), user@1000\.service\/pipewire\.service \(libz\.so\.1\.2\.13\), python3 \(libfoo\.so\) \(\d+ processes scanned in \d+ ms\)$/);
  t.true(evidencePathsAreHostPaths(f));
  t.deepEqual(f.items?.find((i) => i.subject === 'nginx.service')?.evidence.slice(0, 2), [
    { file: '/proc/410/maps', text: '/usr/lib/x86_64-linux-gnu/libssl.so.3 (deleted)' },
    { file: '/proc/410/maps', text: '/usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)' },
  ]);
  // 15 entries in /proc: 14 numeric processes plus "self", which is not a process to scan.
  t.regex(f.summary, /\(14 processes scanned in/);
});

test('proc-stale with nothing deleted: pass; the fix has nothing to do', async (t) => {
  const root = copyRoot(t, 'proc-stale');
  for (const pid of fs.readdirSync(path.join(root, 'proc'))) {
    const maps = path.join(root, 'proc', pid, 'maps');
    fs.writeFileSync(maps, fs.readFileSync(maps, 'utf8').replaceAll(' (deleted)', ''));
  }
  const f = await staleServices.run(live(root), ctx);
  t.is(f.status, 'pass');
  t.regex(f.summary, /^no running process maps a deleted library \(14 processes scanned in \d+ ms\)$/);
  const plan = await restartServices.plan(live(root), ctx);
  t.deepEqual(plan.guard, { ok: false, reason: 'nothing to restart: no process maps a deleted library' });
});

// ---------------------------------------------------------------------------
// reboot.restart-services (the plan only: nothing is restarted)

function argvs(plan: Plan): string[] {
  return plan.commands.map((c) => c.argv.join(' '));
}

test('restart plan: one systemctl restart per unit, sshd last after sshd -t, then daemon-reexec; the rest are warnings', async (t) => {
  const plan = await restartServices.plan(live(`${ROOTS}/proc-stale`), ctx);
  t.is(plan.guard, undefined);
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(argvs(plan), [
    'systemctl restart nginx.service',
    'systemctl restart postfix@-.service',
    'systemctl restart unbound.service',
    'sshd -t',
    'systemctl restart ssh.service',
    'systemctl daemon-reexec',
  ]);
  t.deepEqual(
    plan.commands.map((c) => c.interactive === true),
    [true, true, true, false, true, true],
    'restarts run in the embedded terminal',
  );
  t.is(plan.commands[0].describe, 'restart nginx.service (410 nginx, 411 nginx: libssl.so.3, libcrypto.so.3, libc.so.6)');
  t.deepEqual(plan.warnings, [
    'each service is briefly down while it restarts; hardtop undo cannot undo a restart',
    "ssh.service is restarted: open SSH sessions stay up (KillMode=process), but each session's own sshd process keeps the old library until that session ends; log in anew to check",
    'not restarted (restarting them ends sessions or networking, or they are one-shot jobs): dbus.service; a reboot covers them',
    'login sessions run deleted libraries: session-3.scope; their users log out and in again',
    "users' own services (systemctl --user) run deleted libraries: user@1000.service/pipewire.service",
    'not part of a service, not restarted: python3 (950 python3: libfoo.so)',
  ]);
  // Never a kill by PID, never a session scope, never dbus.
  t.false(plan.commands.some((c) => c.argv.includes('kill') || c.argv.some((a) => /session-|dbus|user@/.test(a))));
});

test('one by one: each restartable service item carries its own restart; --arg unit restarts that unit alone, after the same checks', async (t) => {
  const f = await staleServices.run(live(`${ROOTS}/proc-stale`), ctx);
  t.deepEqual(
    f.items?.filter((i) => i.fix).map((i) => [i.subject, i.fix]),
    [
      ['nginx.service', { id: 'reboot.restart-services', args: { unit: 'nginx.service' } }],
      ['postfix@-.service', { id: 'reboot.restart-services', args: { unit: 'postfix@-.service' } }],
      ['ssh.service', { id: 'reboot.restart-services', args: { unit: 'ssh.service' } }],
      ['unbound.service', { id: 'reboot.restart-services', args: { unit: 'unbound.service' } }],
    ],
    'dbus (restartNever), PID 1, sessions, user services and loose processes carry none',
  );
  t.deepEqual(restartServices.params?.map((p) => [p.name, p.optional]), [['unit', true]]);

  const one = await restartServices.plan(live(`${ROOTS}/proc-stale`), ctx, { unit: 'nginx.service' });
  t.is(one.guard, undefined);
  t.deepEqual(argvs(one), ['systemctl restart nginx.service']);
  t.deepEqual(one.warnings, ['each service is briefly down while it restarts; hardtop undo cannot undo a restart']);
  const ssh = await restartServices.plan(live(`${ROOTS}/proc-stale`), ctx, { unit: 'ssh.service' });
  t.deepEqual(argvs(ssh), ['sshd -t', 'systemctl restart ssh.service'], 'sshd is still checked first');

  const refusals: [string, RegExp][] = [
    ['dbus.service', /^dbus\.service is not restarted by hardtop \(assets\/policy\/updates\.json restartNever/],
    ['cron.service', /^nothing to restart: cron\.service runs no deleted library now$/],
    ['--now.service', /^--arg unit must be a service unit name/],
    ['nginx.socket', /^--arg unit must be a service unit name/],
    ['a b.service', /^--arg unit must be a service unit name/],
  ];
  for (const [unit, why] of refusals) {
    const plan = await restartServices.plan(live(`${ROOTS}/proc-stale`), ctx, { unit });
    t.regex(plan.guard?.reason ?? '', why, unit);
    t.deepEqual(plan.commands, [], unit);
  }
  // Under --root, refused as the whole fix is.
  t.deepEqual((await restartServices.plan(hostFor('proc-stale'), ctx, { unit: 'nginx.service' })).guard, { ok: false, reason: NOT_LIVE });
});

test('restart plan: an sshd unit whose KillMode would kill the sessions (a drop-in) is left out, with a warning', async (t) => {
  const root = copyRoot(t, 'proc-stale');
  fs.mkdirSync(path.join(root, 'etc/systemd/system/ssh.service.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/systemd/system/ssh.service.d/override.conf'), '[Service]\nKillMode=control-group\n');
  const plan = await restartServices.plan(live(root), ctx);
  t.false(argvs(plan).some((a) => a.includes('ssh')));
  t.true(plan.warnings.includes('ssh.service is NOT restarted: its KillMode is control-group, so a restart would also kill the SSH sessions in its cgroup (yours, perhaps); restart it from the console or reboot'));
  // An empty KillMode= resets to the default (control-group) too.
  fs.writeFileSync(path.join(root, 'etc/systemd/system/ssh.service.d/override.conf'), '[Service]\nKillMode=\n');
  t.false(argvs(await restartServices.plan(live(root), ctx)).some((a) => a.includes('ssh')));
  fs.rmSync(path.join(root, 'etc/systemd/system/ssh.service.d/override.conf'));
  t.true(argvs(await restartServices.plan(live(root), ctx)).includes('systemctl restart ssh.service'));
});

test('restart plan: refused when systemd is not PID 1 (no /run/systemd/system, or PID 1 is another init)', async (t) => {
  const root = copyRoot(t, 'proc-stale');
  fs.writeFileSync(path.join(root, 'proc/1/comm'), 'tini\n');
  let plan = await restartServices.plan(live(root), ctx);
  t.regex(plan.guard?.reason ?? '', /^systemd is not PID 1 here/);
  fs.writeFileSync(path.join(root, 'proc/1/comm'), 'systemd\n');
  fs.rmSync(path.join(root, 'run/systemd'), { recursive: true });
  plan = await restartServices.plan(live(root), ctx);
  t.regex(plan.guard?.reason ?? '', /^systemd is not PID 1 here/);
  t.deepEqual(plan.commands, []);
});

test('this machine: the fix is refused unless systemd is PID 1 (never restarts anything here)', async (t) => {
  const host = createLocalHost({ root: '/', network: false });
  const plan = await restartServices.plan(host, ctx);
  const pid1 = fs.readFileSync('/proc/1/comm', 'utf8').trim();
  if (pid1 !== 'systemd' || !fs.existsSync('/run/systemd/system')) t.regex(plan.guard?.reason ?? '', /^systemd is not PID 1 here/);
  else t.pass('systemd is PID 1 here: the plan is built but this test applies nothing');
});
