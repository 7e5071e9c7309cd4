// rkhunter.apt-autogen: APT_AUTOGEN="true" in /etc/default/rkhunter, so that
// apt's hook (/etc/apt/apt.conf.d/90rkhunter) refreshes the file-properties
// database after every package change. Without it every upgraded binary is
// reported as "file properties have changed" at the next scan, and admins
// learn to ignore the warnings that matter.
//
// Judged as apt's hook judges it: grep -qsiE '^APT_AUTOGEN=.?(true|yes)' on
// the raw file — not as a shell would read it.

import type { Check, Evidence } from '../../src/core/types';
import { APT_AUTOGEN_HOOK_PATTERN, shellVar } from '../../src/parse/rkhunter-default';
import { DPKG_STATUS } from '../updates/dpkg';
import { finding, guardedCheck, readFailure, thrownMessage } from '../updates/finding';
import { DEFAULT_FILE, describeVar, loadDefaultFile, varEvidence } from './default-file';
import { offer } from './fixes';
import { gateOnRkhunter } from './presence';

export const APT_HOOK = '/etc/apt/apt.conf.d/90rkhunter';
const TRADE_OFF = 'trade-off (README.Debian): a file replaced between its install and the hook is accepted as genuine';

export const rkhAptAutogen: Check = guardedCheck({
  id: 'rkhunter.apt-autogen',
  area: 'rkhunter',
  title: "Package upgrades refresh rkhunter's database",
  severity: 'medium',
  watch: [DEFAULT_FILE, APT_HOOK],
  interval: 3600,
  async run(host) {
    const gate = await gateOnRkhunter(rkhAptAutogen, host);
    if (gate.stop) return gate.stop;
    if (!(await host.stat(DPKG_STATUS))) return finding(rkhAptAutogen, 'skip', `APT_AUTOGEN is Debian's apt hook: not an apt system (no ${DPKG_STATUS})`);

    const loaded = await loadDefaultFile(host);
    if (loaded.kind === 'error') return finding(rkhAptAutogen, 'error', loaded.summary, loaded.evidence);
    const fix = offer('rkhunter.apt-autogen');
    if (loaded.kind === 'missing') {
      return finding(rkhAptAutogen, 'fail', `${DEFAULT_FILE} is missing, so APT_AUTOGEN is off: package upgrades leave rkhunter's database stale`, [{ file: DEFAULT_FILE }], fix);
    }
    const parsed = loaded.parsed;
    const shell = shellVar(parsed, 'APT_AUTOGEN');
    const hookLine = parsed.aptAutogenHookLines[0];

    if (!hookLine) {
      const evidence = [varEvidence(shell)];
      const looksOn = shell.state === 'set' && /^(true|yes)$/i.test(shell.assignment.value);
      const why = looksOn
        ? `${describeVar('APT_AUTOGEN', shell)} is not seen by apt's hook, which greps '${APT_AUTOGEN_HOOK_PATTERN.source}' (write APT_AUTOGEN="true" at the start of a line)`
        : `${describeVar('APT_AUTOGEN', shell)}`;
      return finding(rkhAptAutogen, 'fail', `${why}: package upgrades leave rkhunter's database stale, so upgraded files are reported as changed`, evidence, fix);
    }

    const evidence: Evidence[] = [{ file: DEFAULT_FILE, line: hookLine.line, text: hookLine.text }];
    let hook;
    try {
      hook = await host.read(APT_HOOK, { maxBytes: 256 * 1024 });
    } catch (err) {
      return finding(rkhAptAutogen, 'error', `cannot read ${APT_HOOK}: ${thrownMessage(err)}`, [...evidence, { file: APT_HOOK }]);
    }
    if (!hook.ok) {
      if (hook.reason !== 'missing') return finding(rkhAptAutogen, 'error', readFailure(APT_HOOK, hook), [...evidence, { file: APT_HOOK }]);
      return finding(
        rkhAptAutogen,
        'fail',
        `APT_AUTOGEN is on (${DEFAULT_FILE}:${hookLine.line}) but ${APT_HOOK}, the apt hook that acts on it, is missing: nothing refreshes the database (apt-get install --reinstall rkhunter restores it)`,
        [...evidence, { file: APT_HOOK, text: 'missing' }],
      );
    }
    if (!/rkhupd\.sh|--propupd/.test(hook.text) || !/APT_AUTOGEN/.test(hook.text)) {
      return finding(
        rkhAptAutogen,
        'warn',
        `APT_AUTOGEN is on (${DEFAULT_FILE}:${hookLine.line}) but ${APT_HOOK} no longer runs rkhupd.sh or --propupd: it was edited`,
        [...evidence, { file: APT_HOOK }],
      );
    }
    // The shell may read the file differently (a later "false"): apt's hook is what acts.
    const shellNote =
      shell.state === 'set' && !/^(true|yes)/i.test(shell.assignment.value)
        ? `; note: ${describeVar('APT_AUTOGEN', shell)} comes later, but apt's hook greps the file and line ${hookLine.line} wins there`
        : '';
    return finding(
      rkhAptAutogen,
      'pass',
      `APT_AUTOGEN is on (${DEFAULT_FILE}:${hookLine.line}: ${hookLine.text.trim()}): apt refreshes rkhunter's database after package changes (${TRADE_OFF})${shellNote}`,
      [...evidence, { file: APT_HOOK, text: 'DPkg::Post-Invoke runs rkhupd.sh' }],
    );
  },
});
