// updates.auto.timers: the systemd timers that run apt's periodic job.
// apt-daily.timer refreshes the lists, apt-daily-upgrade.timer runs
// unattended-upgrades; a masked or disabled one silently stops updates.

import type { Check, Evidence, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, guardedCheck } from './finding';
import { offer } from './fixes';
import { updatesPolicy } from './policy';
import { describeUnit, nextDailyElapse, systemdIsRunning, unitEvidence, unitSettings, unitState } from './systemd-units';
import { dnfTimers, dnfOrSkip } from './dnf-checks';
import { gateOnUnattendedUpgrades } from './unattended';

const TIMERS = updatesPolicy.apt.timers;

/** The timer that runs unattended-upgrades (the last of the policy's list: apt-daily-upgrade.timer). */
const UPGRADE_TIMER = TIMERS[TIMERS.length - 1];

/** "2026-11-29 06:00" in the machine's zone (live) or UTC (a sysroot, whose zone is not read). */
function clock(d: Date, zone: 'local' | 'utc'): string {
  if (zone === 'utc') return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} local time`;
}

/** "next upgrade run 2026-11-29 06:00 UTC + up to 60m (OnCalendar=*-*-* 6:00, file:line)", or what is known of it. */
async function nextRun(host: Host, now: Date): Promise<{ text: string; evidence: Evidence[] }> {
  const calendars = await unitSettings(host, UPGRADE_TIMER, 'Timer', 'OnCalendar');
  if (calendars.length === 0) return { text: `next upgrade run unknown (${UPGRADE_TIMER} has no OnCalendar=)`, evidence: [] };
  const zone = host.root === '/' ? 'local' : 'utc';
  const delay = (await unitSettings(host, UPGRADE_TIMER, 'Timer', 'RandomizedDelaySec')).at(-1);
  const plus = delay && delay.value !== '0' ? ` + up to ${delay.value}` : '';
  const evidence: Evidence[] = calendars.map((c) => ({ file: c.file, line: c.line, text: `OnCalendar=${c.value}` }));
  const next = calendars.map((c) => nextDailyElapse(c.value, now, zone));
  if (next.some((d) => d === null)) {
    return { text: `next upgrade run: OnCalendar=${calendars.map((c) => c.value).join(', ')} (see systemctl list-timers)`, evidence };
  }
  const soonest = (next as Date[]).sort((a, b) => a.getTime() - b.getTime())[0];
  const where = `${calendars[0].file}:${calendars[0].line}`;
  return { text: `next upgrade run ${clock(soonest, zone)}${plus} (OnCalendar=${calendars.map((c) => c.value).join(', ')}, ${where})`, evidence };
}

export const autoTimers: Check = guardedCheck({
  id: 'updates.auto.timers',
  area: 'updates',
  title: 'Update timers are enabled',
  severity: 'medium',
  watch: ['/etc/systemd/system', '/etc/systemd/system/timers.target.wants', '/run/systemd/system'],
  interval: 3600,
  async run(host, ctx: RunContext) {
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
    const next = await nextRun(host, ctx.now);
    return finding(autoTimers, 'pass', `${described.join(', ')}; ${next.text}`, [...evidence, ...next.evidence]);
  },
});
