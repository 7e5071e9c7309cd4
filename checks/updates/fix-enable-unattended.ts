// updates.enable-unattended: make apt's periodic job refresh the lists and run
// unattended-upgrades, i.e. APT::Periodic::Update-Package-Lists and
// ::Unattended-Upgrade in force (non-zero) after apt's merge of every file.
//
// Where: /etc/apt/apt.conf.d/20auto-upgrades, the file `dpkg-reconfigure
// unattended-upgrades` writes (same two lines when we create it). An existing
// one keeps all its other content: only the value on the losing line changes,
// or a line is appended.
//
// A file read AFTER 20auto-upgrades (99-something, apt.conf) that says "0",
// or that `#clear`s APT::Periodic, would still win. The plan re-runs apt's
// merge with the edit applied and fixes that file too: the value on its
// winning line is rewritten (or, after a #clear, the setting is appended to
// the file that clears it), each such file named in the warnings and shown
// in the diff. Files outside /etc/apt (an #include from elsewhere), symlinks
// and anything unreadable are refused with the file:line instead.

import type { FileEdit, Fix, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { aptBool, parseAptConf, parsePeriodicInterval, type AptConfEntry, type MergedAptConf } from '../../src/parse/apt-conf';
import { loadAptConf } from './apt-config';
import { aptConfAfter, aptConfigValidation, aptFilesInOrder, setAptValues, withEdits, type AptSetting } from './apt-conf-edit';
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

/** Does `#clear SCOPE` remove `key`? (apt's tags compare case-insensitively.) */
function clears(entry: AptConfEntry, key: string): boolean {
  const scope = entry.key.toLowerCase();
  const k = key.toLowerCase();
  return entry.op === 'clear' && (k === scope || k.startsWith(`${scope}::`));
}

/** The last `#clear` that removes `key`, in apt's reading order (top-level files; an #include'd clear is not followed). */
async function lastClearOf(host: Host, key: string): Promise<AptConfEntry | null> {
  let last: AptConfEntry | null = null;
  for (const file of await aptFilesInOrder(host)) {
    const r = await host.read(file).catch(() => null);
    if (!r || !r.ok) continue;
    for (const e of parseAptConf(r.text, file).entries) {
      if (clears(e, key)) last = e;
      else if (e.op === 'set' && e.key.toLowerCase() === key.toLowerCase()) last = null; // set again after the clear
    }
  }
  return last;
}

/** Where a later statement defeats a setting after the merge: the file to fix too, and how to say so. */
type Override = { kind: 'file'; path: string; says: string } | { kind: 'refused'; reason: string };

async function overrideOf(viewed: Host, conf: MergedAptConf, s: AptSetting): Promise<Override> {
  const v = conf.get(s.key);
  if (v) {
    if (v.file === AUTO_UPGRADES_FILE) return { kind: 'refused', reason: whoWins(conf, s.key, AUTO_UPGRADES_FILE) };
    return { kind: 'file', path: v.file, says: `${v.file}:${v.line} sets ${s.key} "${v.value}" and apt reads it after ${AUTO_UPGRADES_FILE}` };
  }
  const clear = await lastClearOf(viewed, s.key);
  if (!clear || clear.file === AUTO_UPGRADES_FILE) return { kind: 'refused', reason: whoWins(conf, s.key, AUTO_UPGRADES_FILE) };
  return { kind: 'file', path: clear.file, says: `${clear.file}:${clear.line} clears ${clear.key} (#clear) after ${AUTO_UPGRADES_FILE} is read, so ${s.key} ends up unset` };
}

/** How many rounds of "fix the file that still wins" before giving up (each round fixes at least one file). */
const MAX_ROUNDS = 6;

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

    // Path → edit, in the order the files were first touched (20auto-upgrades first).
    const edits = new Map<string, FileEdit>();
    const editFile = async (path: string, settings: AptSetting[]): Promise<string | null> => {
      const earlier = edits.get(path);
      let before: string | null;
      if (earlier) before = earlier.before;
      else {
        const current = await currentFile(host, path);
        if (current.kind === 'unusable') return current.reason;
        before = current.kind === 'file' ? current.text : null;
      }
      const edited = setAptValues(earlier ? earlier.after : before, path, settings);
      if (!edited.ok) return edited.reason;
      edits.set(path, { path, before, after: edited.text, ...(before === null ? { mode: 0o644 } : {}) });
      return null;
    };
    // 20auto-upgrades may already say "1" (a later file being the culprit): an unchanged file is no edit.
    const planned = () => ({ ...plan, edits: [...edits.values()].filter((e) => e.before !== e.after) });

    const first = await editFile(AUTO_UPGRADES_FILE, needed);
    if (first) return refuse(plan, first);
    plan = planned();

    // The merged outcome, with the same loader and merger the check uses; a
    // later file that still wins is fixed in place too, and named.
    const overridden: string[] = [];
    for (let round = 0; ; round++) {
      const after = await aptConfAfter(host, [...edits.values()]);
      if (after.problems.length > 0) return refuse(planned(), `apt would not read the edited configuration: ${after.problems[0].summary}`);
      const stillOff = periodicSettingsNeeded(after.conf);
      if (stillOff.length === 0) break;
      if (round >= MAX_ROUNDS) return refuse(planned(), stillOff.map((s) => whoWins(after.conf, s.key, AUTO_UPGRADES_FILE)).join('; '));
      const viewed = withEdits(host, [...edits.values()]);
      for (const s of stillOff) {
        const o = await overrideOf(viewed, after.conf, s);
        if (o.kind === 'refused') return refuse(planned(), o.reason);
        // Only apt's own tree: the validation stages /etc/apt, and a file elsewhere is someone else's.
        if (!o.path.startsWith('/etc/apt/')) return refuse(planned(), `${o.says}: it is outside /etc/apt, change it by hand`);
        const why = await editFile(o.path, [s]);
        if (why) return refuse(planned(), `${o.says}, and it cannot be fixed here: ${why}`);
        overridden.push(`${o.says}: fixed there too (${s.key} "${s.value}")`);
      }
    }
    plan = planned();
    plan.warnings.push(...overridden);

    // Say so when an earlier file's "0" stays on disk, now overridden.
    for (const s of needed) {
      const old = conf.get(s.key);
      if (old && old.file !== AUTO_UPGRADES_FILE && !edits.has(old.file)) {
        plan.warnings.push(`${old.file}:${old.line} still says ${s.key} "${old.value}"; ${AUTO_UPGRADES_FILE} is read after it and overrides it`);
      }
    }
    plan.validate.push(await aptConfigValidation(host, plan.edits));
    return plan;
  },
};
