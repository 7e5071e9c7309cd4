// Does the CURRENT rkhunter configuration whitelist something a past scan
// warned about? Pure.
//
// rkhunter expands its pathname whitelists with the shell (expand_paths: an
// unquoted `for FNAME in ${LIST}`), so an entry is a shell glob: `*`, `?` and
// `[…]` match within one path component, and a name starting with '.' is
// matched only by a pattern component that starts with '.' too. An entry
// without glob characters must equal the path.

import { rkhList, rkhSingle, type ParsedRkhConf, type RkhValue } from '../../src/parse/rkhunter-conf';

function classMatch(pattern: string, start: number, c: string): { matched: boolean; next: number } | null {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i++;
  }
  let matched = false;
  let first = true;
  for (; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === ']' && !first) return { matched: matched !== negate, next: i + 1 };
    first = false;
    if (pattern[i + 1] === '-' && pattern[i + 2] !== undefined && pattern[i + 2] !== ']') {
      if (c >= p && c <= pattern[i + 2]) matched = true;
      i += 2;
    } else if (p === c) matched = true;
  }
  return null; // no closing ']': the '[' is literal
}

/**
 * fnmatch(3) of one path component, without FNM_PERIOD handling (done by the
 * caller). A backslash is an ordinary character: in a pattern that comes from
 * a variable (rkhunter's unquoted ${LIST}), dash does not treat it as an escape.
 */
function matchComponent(pattern: string, name: string): boolean {
  const go = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const p = pattern[pi];
      if (p === '*') {
        while (pattern[pi] === '*') pi++;
        if (pi === pattern.length) return true;
        for (let k = ni; k <= name.length; k++) if (go(pi, k)) return true;
        return false;
      }
      if (ni >= name.length) return false;
      if (p === '?') {
        pi++;
        ni++;
        continue;
      }
      if (p === '[') {
        const cls = classMatch(pattern, pi, name[ni]);
        if (cls) {
          if (!cls.matched) return false;
          pi = cls.next;
          ni++;
          continue;
        }
      }
      if (p !== name[ni]) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return go(0, 0);
}

export function hasGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Whether a whitelist entry (a shell glob) covers the path. */
export function pathMatches(entry: string, path: string): boolean {
  if (!hasGlob(entry)) return entry === path;
  const pc = entry.split('/');
  const nc = path.split('/');
  if (pc.length !== nc.length) return false;
  for (let i = 0; i < pc.length; i++) {
    if (nc[i].startsWith('.') && !pc[i].startsWith('.') && nc[i] !== pc[i]) return false;
    if (!matchComponent(pc[i], nc[i])) return false;
  }
  return true;
}

/** The entry of a pathname whitelist option that covers the path, if any. */
export function whitelistedBy(conf: ParsedRkhConf, option: string, path: string): RkhValue | null {
  for (const v of rkhList(conf, option)) if (pathMatches(v.value, path)) return v;
  return null;
}

// --- tests switched off -------------------------------------------------------

/** rkhunter 1.4.6's grouped test names (`rkhunter --list tests`). */
export const TEST_GROUPS: Readonly<Record<string, readonly string[]>> = {
  additional_rkts: ['possible_rkt_files', 'possible_rkt_strings'],
  group_accounts: ['group_changes', 'passwd_changes'],
  local_host: ['filesystem', 'group_changes', 'passwd_changes', 'startup_malware', 'system_configs_ssh', 'system_configs_syslog'],
  malware: ['deleted_files', 'hidden_procs', 'ipc_shared_mem', 'login_backdoors', 'running_procs', 'sniffer_logs', 'susp_dirs', 'suspscan', 'tripwire'],
  network: ['hidden_ports', 'packet_cap_apps', 'ports', 'promisc'],
  os_specific: ['avail_modules', 'loaded_modules'],
  properties: ['attributes', 'hashes', 'immutable', 'scripts'],
  rootkits: [
    'avail_modules', 'deleted_files', 'hidden_procs', 'ipc_shared_mem', 'known_rkts', 'loaded_modules', 'login_backdoors',
    'possible_rkt_files', 'possible_rkt_strings', 'running_procs', 'sniffer_logs', 'susp_dirs', 'suspscan', 'tripwire', 'trojans',
  ],
  shared_libs: ['shared_libs_path'],
  startup_files: ['startup_malware'],
  system_commands: ['attributes', 'hashes', 'immutable', 'scripts', 'shared_libs_path', 'strings'],
  system_configs: ['system_configs_ssh', 'system_configs_syslog'],
};

/** A test name and, for a group, every test in it. */
function expandTest(name: string): string[] {
  return [name, ...(TEST_GROUPS[name] ?? [])];
}

/**
 * The DISABLE_TESTS entries that now switch off the test a warning came from.
 * rkhunter logs some tests by their group name ('os_specific'): a group is off
 * when all its members are. Empty when the test still runs.
 */
export function testDisabledBy(conf: ParsedRkhConf, test: string): RkhValue[] {
  const entries = rkhList(conf, 'DISABLE_TESTS');
  const direct = entries.find((v) => v.value.toLowerCase() === 'all' || expandTest(v.value.toLowerCase()).includes(test));
  if (direct) return [direct];
  const members = TEST_GROUPS[test];
  if (!members) return [];
  const used: RkhValue[] = [];
  for (const m of members) {
    const by = entries.find((v) => expandTest(v.value.toLowerCase()).includes(m));
    if (!by) return [];
    if (!used.includes(by)) used.push(by);
  }
  return used;
}

/** ALLOW_SSH_ROOT_USER=unset: rkhunter then accepts a missing PermitRootLogin. */
export function sshRootUnsetAllowed(conf: ParsedRkhConf): RkhValue | null {
  const v = rkhSingle(conf, 'ALLOW_SSH_ROOT_USER');
  return v && v.value.toLowerCase() === 'unset' ? v : null;
}

/**
 * ALLOW_SSH_PROT_V1=2: rkhunter then accepts a missing Protocol line (and a
 * Protocol naming 1, which OpenSSH 7.4 and later refuse to start with anyway).
 */
export function sshProtocolUnsetAllowed(conf: ParsedRkhConf): RkhValue | null {
  const v = rkhSingle(conf, 'ALLOW_SSH_PROT_V1');
  return v && v.value === '2' ? v : null;
}
