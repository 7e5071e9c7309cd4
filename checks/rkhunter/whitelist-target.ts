// Which ONE warning of the last scan the admin picked (the `warning` argument
// of rkhunter.whitelist), and the rkhunter.conf.local line that silences it.
// Pure.
//
// A warning is named by its kind and subject, `KIND:SUBJECT`
// (hidden-file:/etc/.pwd.lock, script-replaced:/usr/bin/lwp-request): stable
// across re-reads of the log, readable on a command line, and the same key
// the rkhunter.warnings items carry in `fix.args`.
//
// Only kinds with an option that whitelists exactly that warning are
// accepted; everything else is refused with the reason (never whitelisted
// blindly): file-properties changes are triaged with the package manager
// and fixed with --propupd, rootkit signatures are investigated, and a UID 0
// account is left to the admin's own hand.

import type { JudgedItem, WhitelistLine } from './judge';
import type { WarningKind } from './policy';

/** `--arg warning=known`: every known false positive of the last scan at once. */
export const ALL_KNOWN = 'known';

/** The key of an item: `KIND:SUBJECT`. */
export function warningKey(item: Pick<JudgedItem, 'kind' | 'subject'>): string {
  return `${item.kind}:${item.subject}`;
}

/** Each test name rkhunter logs is lower case letters and '_' (`system_configs_syslog`, `os_specific`). */
const TEST_NAME = /^[a-z][a-z_]*$/;

/** Why each kind without a line of its own is not whitelisted (the refusal names it). */
const NOT_WHITELISTED: Partial<Record<WarningKind, string>> = {
  'file-properties':
    "rkhunter has no per-file whitelist for changed properties: hardtop cross-checks them with the package manager (see the item); once the files are verified, rkhunter --propupd (fix rkhunter.propupd) records them",
  'file-missing': 'a file gone from the system is recorded by rkhunter --propupd (fix rkhunter.propupd), not whitelisted',
  'accounts-no-copy': 'nothing to whitelist: the next scan compares with the copy this one made',
  'accounts-changed': 'an account change is reported once, by the scan after it: nothing to whitelist; review it',
  'root-equivalent':
    'an account other than root with UID 0 is how a backdoor keeps root: hardtop does not whitelist it; if the account is yours and must stay, add UID0_ACCOUNTS=<name> to rkhunter.conf.local by hand',
  rootkit: 'a rootkit signature is investigated, never whitelisted',
  other: "hardtop does not know what this warning means, so it does not know which option would whitelist it (and nothing else): read it, and whitelist it by hand if it is expected",
};

export type TargetLine = { ok: true; line: WhitelistLine; disablesTest: boolean } | { ok: false; reason: string };

/**
 * The line that whitelists this one item: its own whitelist line (path
 * options, ALLOW_SSH_*), or for a warning only a whole test can silence
 * (no syslog daemon, no module list) DISABLE_TESTS with that test; else why not.
 */
export function targetLine(item: Pick<JudgedItem, 'kind' | 'subject' | 'whitelist' | 'warning'>): TargetLine {
  if (item.whitelist) return { ok: true, line: item.whitelist, disablesTest: false };
  if (item.kind === 'syslog-not-running' || item.kind === 'modules-missing') {
    const test = item.warning.test;
    if (!test || !TEST_NAME.test(test)) return { ok: false, reason: 'the log does not say which test raised it, so there is no test to disable' };
    return { ok: true, line: { option: 'DISABLE_TESTS', value: test, line: `DISABLE_TESTS=${test}` }, disablesTest: true };
  }
  if (item.kind === 'hidden-dir' || item.kind === 'hidden-file' || item.kind === 'dev-files' || item.kind === 'script-replaced') {
    return {
      ok: false,
      reason: `${JSON.stringify(item.subject)} holds characters (blanks, quotes, '$', '..' …) that rkhunter's shell would read as something else: whitelist it by hand with a glob`,
    };
  }
  return { ok: false, reason: NOT_WHITELISTED[item.kind] ?? `rkhunter has no option that whitelists a '${item.kind}' warning alone` };
}

/** The `fix.args` of an item the single-warning whitelist can act on; null when it cannot. */
export function whitelistArgsFor(item: JudgedItem): { warning: string } | null {
  if (item.status === 'pass') return null;
  return targetLine(item).ok ? { warning: warningKey(item) } : null;
}
