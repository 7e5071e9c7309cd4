// updates.enable-unattended: make apt's periodic job refresh the lists and run
// unattended-upgrades, i.e. APT::Periodic::Update-Package-Lists and
// ::Unattended-Upgrade in force (non-zero) after apt's merge of every file.
//
// Where: /etc/apt/apt.conf.d/20auto-upgrades, the file `dpkg-reconfigure
// unattended-upgrades` writes (same two lines when we create it). An existing
// one keeps all its other content: only the value on the losing line changes,
// or a line is appended. A file read AFTER 20auto-upgrades (99-something,
// apt.conf) that says "0" would still win: the plan re-runs apt's merge with
// the edit applied and refuses, naming that file:line, unless the result is on.

import type { FileEdit, Fix, Plan } from '../../src/core/types';
import { aptBool, parsePeriodicInterval, type MergedAptConf } from '../../src/parse/apt-conf';
import { loadAptConf } from './apt-config';
import { aptConfAfter, aptConfigValidation, setAptValues, type AptSetting } from './apt-conf-edit';
import { lookupPackage } from './dpkg';
import { currentFile, emptyPlan, refuse } from './fix-plan';
import { NOT_APT, UU_PACKAGE } from './unattended';

export const AUTO_UPGRADES_FILE = '/etc/apt/apt.conf.d/20auto-upgrades';
/** The intervals updates.auto.enabled requires, and apt.systemd.daily's master switch. */
export const PERIODIC_KEYS = ['APT::Periodic::Update-Package-Lists', 'APT::Periodic::Unattended-Upgrade'];
export const PERIODIC_ENABLE = 'APT::Periodic::Enable';

/** The settings that are not in force in `conf`, with the value that turns each on. */
export function periodicSettingsNeeded(conf: MergedAptConf): AptSetting[] {
  const needed: AptSetting[] = [];
  const enable = conf.get(PERIODIC_ENABLE);
  if (enable && !aptBool(enable.value, true)) needed.push({ key: PERIODIC_ENABLE, value: '1' });
  for (const key of PERIODIC_KEYS) {
    const v = conf.get(key);
    // An existing "on" value (e.g. "2" = every two days) is the admin's choice: keep it.
    if (!v || parsePeriodicInterval(v.value).kind !== 'on') needed.push({ key, value: '1' });
  }
  return needed;
}

/** Why `key` is still not on after the merge: which file wins. */
function whoWins(conf: MergedAptConf, key: string, ours: string): string {
  const v = conf.get(key);
  if (v && v.file !== ours) return `${v.file}:${v.line} sets ${key} "${v.value}" and apt reads it after ${ours}, so it would still win: change or remove that line`;
  if (v) return `${key} "${v.value}" in ${ours} is still not in force`;
  return `${key} is unset after apt's merge: a '#clear' in a file read after ${ours} removes it`;
}

export const enableUnattended: Fix = {
  id: 'updates.enable-unattended',
  title: 'Turn on automatic updates (APT::Periodic in 20auto-upgrades)',
  area: 'updates',
  risk: 'safe',
  verifies: ['updates.auto.enabled'],
  async plan(host): Promise<Plan> {
    let plan = emptyPlan(enableUnattended);

    const pkg = await lookupPackage(host, UU_PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    if (pkg.presence.kind === 'absent' || pkg.presence.kind === 'config-files') {
      plan.warnings.push(`${UU_PACKAGE} is not installed: these settings take effect once it is (fix updates.install-unattended)`);
    }

    const { conf, problems } = await loadAptConf(host);
    if (problems.length > 0) return refuse(plan, `apt cannot read its configuration: ${problems[0].summary}; fix that first`);
    const needed = periodicSettingsNeeded(conf);
    if (needed.length === 0) return refuse(plan, 'nothing to change: automatic updates are already on after apt\'s merge');

    const current = await currentFile(host, AUTO_UPGRADES_FILE);
    if (current.kind === 'unusable') return refuse(plan, current.reason);
    const before = current.kind === 'file' ? current.text : null;
    const edited = setAptValues(before, AUTO_UPGRADES_FILE, needed);
    if (!edited.ok) return refuse(plan, edited.reason);
    const edit: FileEdit = { path: AUTO_UPGRADES_FILE, before, after: edited.text, mode: 0o644 };
    plan = { ...plan, edits: [edit] };

    // The merged outcome, with the same loader and merger the check uses.
    const after = await aptConfAfter(host, [edit]);
    if (after.problems.length > 0) return refuse(plan, `apt would not read the edited configuration: ${after.problems[0].summary}`);
    const stillOff = periodicSettingsNeeded(after.conf);
    if (stillOff.length > 0) return refuse(plan, stillOff.map((s) => whoWins(after.conf, s.key, AUTO_UPGRADES_FILE)).join('; '));

    // Say so when an earlier file's "0" stays on disk, now overridden.
    for (const s of needed) {
      const old = conf.get(s.key);
      if (old && old.file !== AUTO_UPGRADES_FILE) {
        plan.warnings.push(`${old.file}:${old.line} still says ${s.key} "${old.value}"; ${AUTO_UPGRADES_FILE} is read after it and overrides it`);
      }
    }
    plan.validate.push(await aptConfigValidation(host, [edit]));
    return plan;
  },
};
