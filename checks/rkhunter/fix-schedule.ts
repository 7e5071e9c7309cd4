// rkhunter.schedule: CRON_DAILY_RUN="yes" in /etc/default/rkhunter, so that
// Debian's /etc/cron.daily/rkhunter really scans (it exits at once unless
// the value starts with y/Y/t/T; Debian ships it empty).
//
// cron.daily only runs when something runs it: a cron daemon (cron, cronie,
// systemd-cron, anacron …). When dpkg knows of none, the plan says so and what
// to install; installing a daemon is the admin's decision, not this fix's.

import type { Fix, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { cronYes, parseDefaultFile, shellVar } from '../../src/parse/rkhunter-default';
import { lookupPackage } from '../updates/dpkg';
import { currentFile, emptyPlan, refuse } from '../updates/fix-plan';
import { DEFAULT_FILE } from './default-file';
import { setDefaultVar, shellSyntaxValidation } from './default-edit';
import { refuseWithoutRkhunter } from './fix-common';
import { rkhunterPolicy } from './policy';

export const DAILY_SCRIPT = '/etc/cron.daily/rkhunter';

/** The installed packages that run /etc/cron.daily, or why we cannot tell. */
async function cronDaemons(host: Host): Promise<{ installed: string[] } | { unknown: string }> {
  const installed: string[] = [];
  for (const name of rkhunterPolicy.schedule.cronPackages) {
    const pkg = await lookupPackage(host, name);
    if (pkg.kind === 'no-dpkg') return { unknown: 'not a dpkg system, so hardtop cannot tell whether a cron daemon is installed' };
    if (pkg.kind === 'error') return { unknown: pkg.summary };
    if (pkg.presence.kind === 'installed') installed.push(name);
  }
  return { installed };
}

export const scheduleDailyScan: Fix = {
  id: 'rkhunter.schedule',
  title: 'Scan daily with rkhunter (CRON_DAILY_RUN="yes" for /etc/cron.daily/rkhunter)',
  area: 'rkhunter',
  risk: 'safe',
  verifies: ['rkhunter.scheduled'],
  async plan(host): Promise<Plan> {
    let plan = emptyPlan(scheduleDailyScan);
    const missing = await refuseWithoutRkhunter(host, plan);
    if (missing) return missing;
    const script = await host.stat(DAILY_SCRIPT);
    if (!script) return refuse(plan, `no ${DAILY_SCRIPT} (Debian's daily scan script): CRON_DAILY_RUN would do nothing here; schedule rkhunter --cronjob yourself`);

    const current = await currentFile(host, DEFAULT_FILE);
    if (current.kind === 'unusable') return refuse(plan, current.reason);
    const before = current.kind === 'file' ? current.text : null;
    if (before !== null) {
      const v = shellVar(parseDefaultFile(before), 'CRON_DAILY_RUN');
      if (v.state === 'set' && cronYes(v.assignment.value)) {
        return refuse(plan, `nothing to change: CRON_DAILY_RUN="${v.assignment.value}" (${DEFAULT_FILE}:${v.assignment.line}) already turns the daily scan on`);
      }
    }
    const header = ['# Defaults for rkhunter automatic tasks (created by hardtop, fix rkhunter.schedule)', '# sourced by /etc/cron.*/rkhunter'];
    const edited = setDefaultVar(before, 'CRON_DAILY_RUN', 'yes', () => true, header);
    if (!edited.ok) return refuse(plan, edited.reason);
    plan = { ...plan, edits: [{ path: DEFAULT_FILE, before, after: edited.text, mode: 0o644 }] };

    if (script.kind !== 'file' || (script.mode & 0o111) === 0) {
      plan.warnings.push(`${DAILY_SCRIPT} is not an executable file, so run-parts skips it: chmod 755 ${DAILY_SCRIPT} (not done by this fix)`);
    }
    const daemons = await cronDaemons(host);
    if ('unknown' in daemons) {
      plan.warnings.push(`${daemons.unknown}: /etc/cron.daily runs only if one is`);
    } else if (daemons.installed.length === 0) {
      plan.warnings.push(
        `no cron daemon is installed (none of ${rkhunterPolicy.schedule.cronPackages.join(', ')}): nothing runs /etc/cron.daily, so no scan will run until one is — install one (apt-get install ${rkhunterPolicy.schedule.suggestPackage}); this fix does not install it`,
      );
    }
    plan.warnings.push(`once a day the scan takes minutes of CPU and disk reads (at NICE from ${DEFAULT_FILE}), and mails its warnings to REPORT_EMAIL`);
    plan.validate.push(shellSyntaxValidation());
    return plan;
  },
};
