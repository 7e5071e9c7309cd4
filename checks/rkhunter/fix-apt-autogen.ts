// rkhunter.apt-autogen: APT_AUTOGEN="true" in /etc/default/rkhunter, so that
// apt's hook (/etc/apt/apt.conf.d/90rkhunter) refreshes rkhunter's
// file-properties database after every package change.
//
// The hook does not source the file: it greps '^APT_AUTOGEN=.?(true|yes)'.
// So the edit is judged both ways before it is offered (our parser: the
// shell's value and the hook's pattern), and validated both ways on the
// staged file at apply time: `sh -n` (the cron scripts source it) and the
// hook's very grep.

import type { Fix, Plan } from '../../src/core/types';
import { APT_AUTOGEN_HOOK_PATTERN, parseDefaultFile } from '../../src/parse/rkhunter-default';
import { DPKG_STATUS } from '../updates/dpkg';
import { currentFile, emptyPlan, refuse } from '../updates/fix-plan';
import { DEFAULT_FILE } from './default-file';
import { setDefaultVar, shellSyntaxValidation } from './default-edit';
import { refuseWithoutRkhunter } from './fix-common';

export const APT_HOOK_FILE = '/etc/apt/apt.conf.d/90rkhunter';
const TRADE_OFF =
  "the trade-off (README.Debian): after every package change the hook records the new files as good, so a file replaced between a package's install and the hook would be accepted as genuine";

function hookSeesItOn(text: string): boolean {
  return parseDefaultFile(text).aptAutogenHookLines.length > 0;
}

export const setAptAutogen: Fix = {
  id: 'rkhunter.apt-autogen',
  title: 'Refresh rkhunter\'s database after package upgrades (APT_AUTOGEN="true")',
  area: 'rkhunter',
  risk: 'safe',
  verifies: ['rkhunter.apt-autogen'],
  async plan(host): Promise<Plan> {
    let plan = emptyPlan(setAptAutogen);
    const missing = await refuseWithoutRkhunter(host, plan);
    if (missing) return missing;
    if (!(await host.stat(DPKG_STATUS))) return refuse(plan, `APT_AUTOGEN is read by Debian's apt hook: not an apt system (no ${DPKG_STATUS})`);

    const current = await currentFile(host, DEFAULT_FILE);
    if (current.kind === 'unusable') return refuse(plan, current.reason);
    const before = current.kind === 'file' ? current.text : null;
    if (before !== null) {
      const on = parseDefaultFile(before).aptAutogenHookLines[0];
      if (on) return refuse(plan, `nothing to change: APT_AUTOGEN is already on for apt's hook (${DEFAULT_FILE}:${on.line}: ${on.text.trim()})`);
    }
    const header = ['# Defaults for rkhunter automatic tasks (created by hardtop, fix rkhunter.apt-autogen)', '# sourced by /etc/cron.*/rkhunter and grepped by /etc/apt/apt.conf.d/90rkhunter'];
    const edited = setDefaultVar(before, 'APT_AUTOGEN', 'true', hookSeesItOn, header);
    if (!edited.ok) return refuse(plan, edited.reason);
    plan = { ...plan, edits: [{ path: DEFAULT_FILE, before, after: edited.text, mode: 0o644 }] };

    if (!(await host.stat(APT_HOOK_FILE))) {
      plan.warnings.push(`${APT_HOOK_FILE}, the apt hook that acts on APT_AUTOGEN, is missing: nothing refreshes the database until it is back (apt-get install --reinstall rkhunter)`);
    }
    plan.warnings.push(TRADE_OFF);
    plan.validate.push(shellSyntaxValidation(), {
      argv: ['grep', '-qsiE', APT_AUTOGEN_HOOK_PATTERN.source, `{stage}${DEFAULT_FILE}`],
      describe: `apt's hook test (grep -qsiE '${APT_AUTOGEN_HOOK_PATTERN.source}') finds APT_AUTOGEN on in the staged ${DEFAULT_FILE}`,
      stage: ['/etc/default'],
      timeoutMs: 10_000,
    });
    return plan;
  },
};
