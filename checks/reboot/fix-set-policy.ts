// reboot.set-policy: let unattended-upgrades reboot the machine by itself, at
// a quiet hour, when an update needs it (Unattended-Upgrade::Automatic-Reboot
// "true" + Automatic-Reboot-Time from assets/policy/updates.json).
//
// It writes a file of our own, /etc/apt/apt.conf.d/52hardtop-reboot, so
// nothing of the admin's is rewritten; it sorts after Debian's
// 50unattended-upgrades (whose reboot lines are commented out). A file read
// later (99-something, apt.conf) could still say "false": the plan re-runs
// apt's merge with the new file and refuses, naming the file that wins.

import raw from '../../assets/policy/updates.json';
import type { Fix, Plan } from '../../src/core/types';
import { aptBool, type MergedAptConf } from '../../src/parse/apt-conf';
import { loadAptConf } from '../updates/apt-config';
import { aptConfAfter, aptConfigValidation, setAptValues, type AptSetting } from '../updates/apt-conf-edit';
import { lookupPackage } from '../updates/dpkg';
import { currentFile, emptyPlan, refuse } from '../updates/fix-plan';
import { NOT_APT, UU_PACKAGE } from '../updates/unattended';

export const REBOOT_POLICY_FILE = '/etc/apt/apt.conf.d/52hardtop-reboot';
export const AUTO_REBOOT = 'Unattended-Upgrade::Automatic-Reboot';
export const AUTO_REBOOT_TIME = 'Unattended-Upgrade::Automatic-Reboot-Time';
const MAIL = 'Unattended-Upgrade::Mail';
const MAIL_REPORT = 'Unattended-Upgrade::MailReport';
const MAIL_ONLY_ON_ERROR = 'Unattended-Upgrade::MailOnlyOnError';

/** "03:30": what shutdown -r accepts as a clock time (u-u passes it on verbatim). */
export function isRebootTime(value: unknown): value is string {
  return typeof value === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/** The policy's reboot time, or null when assets/policy/updates.json holds none that shutdown would accept. */
export function policyRebootTime(policy: unknown = raw): string | null {
  const value = (policy as { reboot?: { automaticRebootTime?: unknown } })?.reboot?.automaticRebootTime;
  return isRebootTime(value) ? value : null;
}

/** Why reboot.policy already passes on this configuration (mirrors the check), or null. */
function alreadyCovered(conf: MergedAptConf): string | null {
  const autoReboot = conf.get(AUTO_REBOOT);
  if (autoReboot && aptBool(autoReboot.value, false)) return `${AUTO_REBOOT} is already "${autoReboot.value}" (${autoReboot.file}:${autoReboot.line})`;
  const mail = conf.get(MAIL);
  if (mail && mail.value.trim() !== '') {
    const report = conf.get(MAIL_REPORT);
    const onlyOnError = report ? report.value.trim().toLowerCase() === 'only-on-error' : aptBool(conf.get(MAIL_ONLY_ON_ERROR)?.value, false);
    if (!onlyOnError) return `${MAIL} "${mail.value}" (${mail.file}:${mail.line}) already reports needed reboots`;
  }
  return null;
}

function whoWins(conf: MergedAptConf, want: AptSetting): string {
  const v = conf.get(want.key);
  if (v && v.file !== REBOOT_POLICY_FILE) return `${v.file}:${v.line} sets ${want.key} "${v.value}" and apt reads it after ${REBOOT_POLICY_FILE}, so it would still win: change or remove that line`;
  return `${want.key} is not "${want.value}" after apt's merge: a '#clear' in a file read after ${REBOOT_POLICY_FILE} removes it`;
}

export const setRebootPolicy: Fix = {
  id: 'reboot.set-policy',
  title: 'Reboot automatically at a quiet hour when an update needs it',
  area: 'reboot',
  // The machine will reboot by itself: services go down for a minute at night.
  risk: 'disruptive',
  verifies: ['reboot.policy'],
  async plan(host): Promise<Plan> {
    let plan = emptyPlan(setRebootPolicy);
    const time = policyRebootTime();
    if (time === null) return refuse(plan, 'assets/policy/updates.json has no valid reboot.automaticRebootTime (HH:MM)');

    const pkg = await lookupPackage(host, UU_PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    const notInstalled = pkg.presence.kind === 'absent' || pkg.presence.kind === 'config-files';
    const installHint = `${UU_PACKAGE} is not installed: this setting takes effect once it is (fix updates.install-unattended)`;
    if (notInstalled) plan.warnings.push(installHint);

    const { conf, problems } = await loadAptConf(host);
    if (problems.length > 0) return refuse(plan, `apt cannot read its configuration: ${problems[0].summary}; fix that first`);
    const covered = alreadyCovered(conf);
    if (covered) return refuse(plan, `nothing to change: ${covered}${notInstalled ? `; but ${installHint}` : ''}`);

    const settings: AptSetting[] = [
      { key: AUTO_REBOOT, value: 'true' },
      { key: AUTO_REBOOT_TIME, value: time },
    ];
    const current = await currentFile(host, REBOOT_POLICY_FILE);
    if (current.kind === 'unusable') return refuse(plan, current.reason);
    const before = current.kind === 'file' ? current.text : null;
    const header = ['// Written by hardtop (fix reboot.set-policy): unattended-upgrades reboots', '// by itself, at this time, when an update needs a reboot. Remove to stop.'];
    const edited = setAptValues(before, REBOOT_POLICY_FILE, settings, header);
    if (!edited.ok) return refuse(plan, edited.reason);
    const edit = { path: REBOOT_POLICY_FILE, before, after: edited.text, mode: 0o644 };
    plan = { ...plan, edits: [edit] };

    const after = await aptConfAfter(host, [edit]);
    if (after.problems.length > 0) return refuse(plan, `apt would not read the edited configuration: ${after.problems[0].summary}`);
    const losing = settings.filter((s) => after.conf.get(s.key)?.value !== s.value);
    if (losing.length > 0) return refuse(plan, losing.map((s) => whoWins(after.conf, s)).join('; '));

    const withUsers = after.conf.get('Unattended-Upgrade::Automatic-Reboot-WithUsers');
    const evenLoggedIn = !withUsers || aptBool(withUsers.value, true) ? ', even with users logged in (Automatic-Reboot-WithUsers)' : '';
    plan.warnings.push(`this machine will reboot by itself at ${time} (its local time) after an update that needs it${evenLoggedIn}`);
    plan.validate.push(await aptConfigValidation(host, [edit]));
    return plan;
  },
};
