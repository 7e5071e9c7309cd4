// reboot.schedule: the plan only. No test ever runs `shutdown` on this
// machine: systemd's shutdown writes a utmp shutdown record even with -k
// (dry run) when systemd is not PID 1, and without -k a reboot that logind
// cannot schedule falls back to rebooting at once (systemctl's halt_main). So
// the plan is proven here (argv, undo, warnings, refusals, param checks), and
// applied through the real engine with a command runner that records argv
// instead of running anything.

import test from 'ava';
import * as fs from 'node:fs';
import { fixes } from '../../checks/reboot/index';
import { LOGIND_SEATS, REBOOT_AT, SCHEDULED_SHUTDOWN, scheduleReboot } from '../../checks/reboot/fix-schedule';
import { checkFixArgs } from '../../src/core/catalog';
import type { Command, Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { copyRoot, ctx, real, ROOTS, write } from '../fixtures/fix/updates/tree';
import { liveView } from './updates-reboot-helpers';

function planOf(host: Host, at: string): Promise<Plan> {
  return scheduleReboot.plan(host, ctx, { at });
}

/** A copy of a fixture root that looks like a live systemd machine (root "/", PID 1 systemd, logind up). */
function liveSystemd(t: Parameters<typeof copyRoot>[0], logind = true): { root: string; host: Host } {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.mkdirSync(real(root, '/run/systemd/system'), { recursive: true });
  if (logind) fs.mkdirSync(real(root, LOGIND_SEATS), { recursive: true });
  write(root, '/proc/1/comm', 'systemd\n');
  return { root, host: liveView(createLocalHost({ root, network: false })) };
}

test('reboot.schedule is registered, disruptive, takes one param `at`, verifies nothing', (t) => {
  const fix = fixes.find((f) => f.id === 'reboot.schedule');
  t.is(fix, scheduleReboot);
  t.is(scheduleReboot.risk, 'disruptive');
  t.deepEqual(scheduleReboot.params?.map((p) => p.name), ['at']);
  t.is(scheduleReboot.verifies, undefined);
});

test('param: HH:MM (24 h) or now; nothing a shell or shutdown would read differently', (t) => {
  t.is(checkFixArgs(scheduleReboot, {}), "reboot.schedule needs --arg at=… (the time to reboot, HH:MM (24 h, this machine's local time), or now)");
  for (const ok of ['now', '00:00', '03:30', '23:59']) t.is(checkFixArgs(scheduleReboot, { at: ok }), null, ok);
  for (const bad of ['24:00', '3:30', '+5', 'now ', '03:30; reboot', '03:30 -k', '-c', '']) {
    t.regex(checkFixArgs(scheduleReboot, { at: bad }) ?? '', /^--arg at: '.*' is not the time to reboot/, bad);
  }
  t.regex(checkFixArgs(scheduleReboot, { when: '03:30' }) ?? '', /takes --arg at=…, not 'when'/);
  t.true(new RegExp(`^(?:${REBOOT_AT.source})$`).test('12:05'));
});

test('under --root: refused, naming why, with the command and the loud warning still in the preview', async (t) => {
  const host = createLocalHost({ root: `${ROOTS}/deb12-auto-off`, network: false });
  const plan = await planOf(host, '03:30');
  t.deepEqual(plan.guard, { ok: false, reason: `not under --root: a sysroot (${ROOTS}/deb12-auto-off) does not reboot; shutdown would reboot the machine hardtop runs on` });
  const preview = previewPlan(plan);
  t.deepEqual(preview.commands, ['shutdown -r 03:30']);
  t.regex(preview.warnings[0], /^THE MACHINE WILL REBOOT at 03:30 \(this machine's local time\): every service stops and every SSH session, this one included, is cut/);
  // The engine refuses it before anything runs.
  const ran: string[][] = [];
  const outcome = await applyPlan(host, plan, { runCommand: async (c: Command) => (ran.push(c.argv), { exitCode: 0 }) });
  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.stage, 'refused');
  t.deepEqual(ran, []);
  // A value that slipped past the CLI's check is refused by the plan itself.
  t.regex((await planOf(host, '03:30; reboot')).guard?.reason ?? '', /^--arg at must be HH:MM/);
});

test('live, systemd PID 1 and logind: `shutdown -r HH:MM`, undone by `shutdown -c`; the engine runs exactly that (recorded, not run)', async (t) => {
  const { host } = liveSystemd(t);
  const plan = await planOf(host, '03:30');
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.commands.map((c) => c.argv), [['shutdown', '-r', '03:30']]);
  t.deepEqual(plan.undoCommands?.map((c) => c.argv), [['shutdown', '-c']]);
  t.deepEqual(plan.warnings, [
    "THE MACHINE WILL REBOOT at 03:30 (this machine's local time): every service stops and every SSH session, this one included, is cut until it is back up; until then `hardtop undo` (or shutdown -c) cancels it",
    "if systemd-logind refuses to schedule it, systemd's shutdown falls back to rebooting at once",
  ]);

  const ran: string[][] = [];
  const outcome = await applyPlan(host, plan, { runCommand: async (c: Command) => (ran.push(c.argv), { exitCode: 0 }) });
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(ran, [['shutdown', '-r', '03:30']]);
  // undo restores no file and hands back the command that cancels the reboot.
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  if (undone.ok) t.deepEqual(undone.undoCommands, [['shutdown', '-c']]);
});

test('a failing shutdown makes the apply fail and runs the cancel (recorded)', async (t) => {
  const { host } = liveSystemd(t);
  const plan = await planOf(host, '04:00');
  const ran: string[][] = [];
  const outcome = await applyPlan(host, plan, {
    runCommand: async (c: Command) => {
      ran.push(c.argv);
      return { exitCode: c.argv[1] === '-r' ? 1 : 0 };
    },
  });
  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.stage, 'command');
  t.deepEqual(ran, [['shutdown', '-r', '04:00'], ['shutdown', '-c']]);
});

test('now: no undo and it says so; allowed without logind (nothing to schedule)', async (t) => {
  const { host } = liveSystemd(t, false);
  const plan = await planOf(host, 'now');
  t.is(plan.guard, undefined);
  t.deepEqual(plan.commands.map((c) => c.argv), [['shutdown', '-r', 'now']]);
  t.is(plan.undoCommands, undefined);
  t.regex(plan.warnings[0], /^THE MACHINE WILL REBOOT NOW: .*; there is no undo$/);
});

test('refusals on the live system: systemd not PID 1; no logind for a timed reboot', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const noSystemd = await planOf(liveView(createLocalHost({ root, network: false })), '03:30');
  t.regex(noSystemd.guard?.reason ?? '', /^systemd is not PID 1 here/);
  const { host } = liveSystemd(t, false);
  t.regex((await planOf(host, '03:30')).guard?.reason ?? '', /^systemd-logind is not running \(no \/run\/systemd\/seats\): shutdown could not schedule the reboot and would reboot at once instead$/);
});

test('an already scheduled shutdown is named in the warnings', async (t) => {
  const { root, host } = liveSystemd(t);
  write(root, SCHEDULED_SHUTDOWN, 'USEC=1796529600000000\nWARN_WALL=1\nMODE=poweroff\n');
  const plan = await planOf(host, '03:30');
  t.true(plan.warnings.includes(`a poweroff is already scheduled for 2026-12-06T04:00:00.000Z (${SCHEDULED_SHUTDOWN}): this replaces it`), plan.warnings.join('\n'));
});
