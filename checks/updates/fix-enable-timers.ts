// updates.enable-timers: enable (and unmask) apt-daily.timer and
// apt-daily-upgrade.timer, the timers that run apt's periodic job.
//
// A unit link is not a file edit (FileEdit cannot express a symlink), so this
// fix is commands only, run by systemctl itself:
// - on the live system with systemd as PID 1: `systemctl unmask` / `enable
//   --now`, which reload systemd and start the timers (needs a running systemd);
// - otherwise (a sysroot, or no systemd running): `systemctl --root=<root>`,
//   which writes the links offline (measured with systemd 252: works without
//   systemd as PID 1); the timers fire once that system boots with systemd.
// `hardtop undo` restores files only: it cannot take these links back, and the
// preview says so.

import type { Command, Fix, Plan } from '../../src/core/types';
import { emptyPlan, refuse } from './fix-plan';
import { lookupPackage } from './dpkg';
import { updatesPolicy } from './policy';
import { describeUnit, systemdIsRunning, unitState, type UnitState } from './systemd-units';
import { NOT_APT } from './unattended';

const TIMERS = updatesPolicy.apt.timers;

export const enableTimers: Fix = {
  id: 'updates.enable-timers',
  title: "Enable apt's daily timers (apt-daily, apt-daily-upgrade)",
  area: 'updates',
  risk: 'safe',
  verifies: ['updates.auto.timers'],
  async plan(host): Promise<Plan> {
    const plan = emptyPlan(enableTimers);
    if ((await lookupPackage(host, 'apt')).kind === 'no-dpkg') return refuse(plan, NOT_APT);

    const states: { name: string; state: UnitState }[] = [];
    for (const name of TIMERS) states.push({ name, state: await unitState(host, name) });
    for (const { name, state } of states) {
      if (state.state === 'missing' || state.state === 'broken') return refuse(plan, `${describeUnit(name, state)}: reinstall apt first`);
      // `systemctl unmask` (without --runtime) only removes masks in /etc.
      if (state.state === 'masked' && !state.at.startsWith('/etc/')) {
        return refuse(plan, `${describeUnit(name, state)}: a runtime mask; remove it with systemctl unmask --runtime ${name}`);
      }
    }
    const masked = states.filter((s) => s.state.state === 'masked').map((s) => s.name);
    const toEnable = states.filter((s) => s.state.state !== 'enabled').map((s) => s.name);
    if (toEnable.length === 0) return refuse(plan, `nothing to change: ${states.map((s) => describeUnit(s.name, s.state)).join(', ')}`);

    const live = (await systemdIsRunning(host)) === true;
    const systemctl = live ? ['systemctl'] : ['systemctl', `--root=${host.realPath('/')}`];
    const commands: Command[] = [];
    if (masked.length > 0) {
      commands.push({
        argv: [...systemctl, 'unmask', ...masked],
        describe: live ? `unmask ${masked.join(', ')} (needs a running systemd)` : `unmask ${masked.join(', ')} on disk (offline)`,
      });
    }
    commands.push({
      argv: [...systemctl, 'enable', ...(live ? ['--now'] : []), ...toEnable],
      describe: live ? `enable and start ${toEnable.join(', ')} (needs a running systemd)` : `enable ${toEnable.join(', ')} on disk (offline)`,
    });

    // Undo puts the units back as they were: disabled again, re-masked where they were masked.
    const undoCommands: Command[] = [
      { argv: [...systemctl, 'disable', ...(live ? ['--now'] : []), ...toEnable], describe: `disable ${toEnable.join(', ')} again` },
    ];
    if (masked.length > 0) undoCommands.push({ argv: [...systemctl, 'mask', ...masked], describe: `mask ${masked.join(', ')} again` });
    const warnings: string[] = [];
    if (!live) {
      warnings.push(
        host.root === '/'
          ? 'systemd is not running here (no /run/systemd/system): the links are written, but the timers only fire on a system booted with systemd'
          : `the links are written into ${host.root}; nothing is started`,
      );
    }
    return { ...plan, commands, undoCommands, warnings };
  },
};
