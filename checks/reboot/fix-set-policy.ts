// reboot.set-policy: let unattended-upgrades reboot the machine by itself, at
// a quiet hour, when an update needs it (Unattended-Upgrade::Automatic-Reboot
// "true" + Automatic-Reboot-Time from assets/policy/updates.json).
//
// It writes a file of our own, /etc/apt/apt.conf.d/52hardtop-reboot, so
// nothing of the admin's is rewritten; it sorts after Debian's
// 50unattended-upgrades (whose reboot lines are commented out). A file read
// later (99-something, apt.conf) could still say "false": the plan re-runs
// apt's merge with the new file and refuses, naming the file that wins.
//
// The admin picks: `--arg time=HH:MM` (else the policy's hour), and/or
// `--arg mail=ADDRESS` (Unattended-Upgrade::Mail with MailReport "on-change",
// so a run that leaves a reboot pending sends a mail). Mail alone means no
// automatic reboot: the admin is told instead.

import raw from '../../assets/policy/updates.json';
import type { Fix, FixArgs, Plan } from '../../src/core/types';
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

function aptLineOf(s: AptSetting): string {
  return `${s.key} "${s.value}";`;
}

function whoWins(conf: MergedAptConf, want: AptSetting): string {
  const v = conf.get(want.key);
  if (v && v.file !== REBOOT_POLICY_FILE) return `${v.file}:${v.line} sets ${want.key} "${v.value}" and apt reads it after ${REBOOT_POLICY_FILE}, so it would still win: change or remove that line`;
  return `${want.key} is not "${want.value}" after apt's merge: a '#clear' in a file read after ${REBOOT_POLICY_FILE} removes it`;
}

/** A mail address, or a local account name (u-u hands it to sendmail/mailx): nothing that could end an apt string. */
export const MAIL_TO = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[a-z_][a-z0-9_-]{0,31}/;
export const REBOOT_TIME = /([01]\d|2[0-3]):[0-5]\d/;

function whole(re: RegExp, value: string): boolean {
  return new RegExp(`^(?:${re.source})$`).test(value);
}

export const setRebootPolicy: Fix = {
  id: 'reboot.set-policy',
  title: 'Reboot automatically at a quiet hour when an update needs it',
  area: 'reboot',
  // The machine will reboot by itself: services go down for a minute at night.
  risk: 'disruptive',
  verifies: ['reboot.policy'],
  params: [
    { name: 'time', describe: "the hour to reboot at, HH:MM (this machine's local time); default from assets/policy/updates.json", pattern: REBOOT_TIME, optional: true },
    { name: 'mail', describe: 'a mail address (or local account) told of every run that leaves a reboot pending; alone: no automatic reboot', pattern: MAIL_TO, optional: true },
  ],
  async plan(host, _ctx, args?: FixArgs): Promise<Plan> {
    let plan = emptyPlan(setRebootPolicy);
    const mailTo = args?.mail;
    const picked = args?.time;
    if (picked !== undefined && !whole(REBOOT_TIME, picked)) return refuse(plan, `--arg time must be HH:MM (24 h), not '${picked}'`);
    if (mailTo !== undefined && !whole(MAIL_TO, mailTo)) return refuse(plan, `--arg mail must be a mail address or a local account name, not '${mailTo}'`);
    const reboot = mailTo === undefined || picked !== undefined;
    const time = picked ?? policyRebootTime();
    if (reboot && time === null) return refuse(plan, 'assets/policy/updates.json has no valid reboot.automaticRebootTime (HH:MM)');

    const pkg = await lookupPackage(host, UU_PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    const notInstalled = pkg.presence.kind === 'absent' || pkg.presence.kind === 'config-files';
    const installHint = `${UU_PACKAGE} is not installed: this setting takes effect once it is (fix updates.install-unattended)`;
    if (notInstalled) plan.warnings.push(installHint);

    const { conf, problems } = await loadAptConf(host);
    if (problems.length > 0) return refuse(plan, `apt cannot read its configuration: ${problems[0].summary}; fix that first`);
    // Without a choice of the admin's, a configuration that already passes is left alone.
    const covered = args?.time === undefined && mailTo === undefined ? alreadyCovered(conf) : null;
    if (covered) return refuse(plan, `nothing to change: ${covered}${notInstalled ? `; but ${installHint}` : ''}`);

    const settings: AptSetting[] = [
      ...(reboot ? [{ key: AUTO_REBOOT, value: 'true' }, { key: AUTO_REBOOT_TIME, value: time as string }] : []),
      ...(mailTo !== undefined ? [{ key: MAIL, value: mailTo }, { key: MAIL_REPORT, value: 'on-change' }] : []),
    ];
    if (settings.every((s) => conf.get(s.key)?.value === s.value)) return refuse(plan, `nothing to change: ${settings.map(aptLineOf).join(' ')} already in force`);
    const current = await currentFile(host, REBOOT_POLICY_FILE);
    if (current.kind === 'unusable') return refuse(plan, current.reason);
    const before = current.kind === 'file' ? current.text : null;
    const header = reboot
      ? ['// Written by hardtop (fix reboot.set-policy): unattended-upgrades reboots', '// by itself, at this time, when an update needs a reboot. Remove to stop.']
      : ['// Written by hardtop (fix reboot.set-policy): unattended-upgrades mails this', '// address after each run that changes something (a needed reboot too). Remove to stop.'];
    const edited = setAptValues(before, REBOOT_POLICY_FILE, settings, header);
    if (!edited.ok) return refuse(plan, edited.reason);
    const edit = { path: REBOOT_POLICY_FILE, before, after: edited.text, mode: 0o644 };
    plan = { ...plan, edits: [edit] };

    const after = await aptConfAfter(host, [edit]);
    if (after.problems.length > 0) return refuse(plan, `apt would not read the edited configuration: ${after.problems[0].summary}`);
    const losing = settings.filter((s) => after.conf.get(s.key)?.value !== s.value);
    if (losing.length > 0) return refuse(plan, losing.map((s) => whoWins(after.conf, s)).join('; '));

    if (reboot) {
      const withUsers = after.conf.get('Unattended-Upgrade::Automatic-Reboot-WithUsers');
      const evenLoggedIn = !withUsers || aptBool(withUsers.value, true) ? ', even with users logged in (Automatic-Reboot-WithUsers)' : '';
      plan.warnings.push(`this machine will reboot by itself at ${time} (its local time) after an update that needs it${evenLoggedIn}`);
    }
    if (mailTo !== undefined) {
      plan.warnings.push(`unattended-upgrades mails ${mailTo} after each run that changes something (a pending reboot included), through mailx or sendmail: this machine needs a working mail setup, which hardtop does not test`);
    }
    plan.validate.push(await aptConfigValidation(host, [edit]));
    return plan;
  },
};
