// updates.auto.timers: the systemd timers that run apt's periodic job.
// apt-daily.timer refreshes the lists, apt-daily-upgrade.timer runs
// unattended-upgrades; a masked or disabled one silently stops updates.

import type { Check, Evidence } from '../../src/core/types';
import { finding, guardedCheck } from './finding';
import { offer } from './fixes';
import { updatesPolicy } from './policy';
import { describeUnit, systemdIsRunning, unitEvidence, unitState } from './systemd-units';
import { dnfTimers, dnfOrSkip } from './dnf-checks';
import { gateOnUnattendedUpgrades } from './unattended';

const TIMERS = updatesPolicy.apt.timers;

export const autoTimers: Check = guardedCheck({
  id: 'updates.auto.timers',
  area: 'updates',
  title: 'Update timers are enabled',
  severity: 'medium',
  watch: ['/etc/systemd/system', '/etc/systemd/system/timers.target.wants', '/run/systemd/system'],
  interval: 3600,
  async run(host) {
    const gate = await gateOnUnattendedUpgrades(autoTimers, host, () => dnfOrSkip(autoTimers, host, (dnf) => dnfTimers(autoTimers, host, dnf)));
    if (gate) return gate;

    const states = await Promise.all(TIMERS.map(async (name) => ({ name, state: await unitState(host, name) })));
    const evidence: Evidence[] = states.map(({ name, state }) => unitEvidence(name, state));
    const notEnabled = states.filter(({ state }) => state.state !== 'enabled');
    const described = states.map(({ name, state }) => describeUnit(name, state));

    const running = await systemdIsRunning(host);
    if (running === false) {
      // Not PID 1 (a container, sysvinit): timers never fire; apt's cron.daily job may run it instead.
      return finding(autoTimers, 'info', `systemd is not running here (no /run/systemd/system), so timers do not fire; on disk: ${described.join(', ')}`, evidence);
    }
    if (notEnabled.length > 0) {
      // systemctl can unmask and enable, not bring back a unit file that is gone.
      const fixable = states.every(({ state }) => state.state !== 'missing' && state.state !== 'broken');
      return finding(autoTimers, 'fail', described.join(', '), evidence, fixable ? offer('updates.enable-timers') : []);
    }
    return finding(autoTimers, 'pass', described.join(', '), evidence);
  },
});
