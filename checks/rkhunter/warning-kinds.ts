// What an rkhunter warning is about, from its (English) message. Pure.
// The message texts are rkhunter 1.4.6's i18n/en strings.

import type { RkhLogWarning } from '../../src/parse/rkhunter-log';
import type { WarningKind } from './policy';

export interface ClassifiedWarning {
  kind: WarningKind;
  /** The paths (or account names) the warning is about; several for a /dev listing. */
  subjects: string[];
  /** file-properties: the properties rkhunter saw change ("hash", "permissions" …). */
  changed: string[];
  /** file-properties: "Current permissions: 0755    Stored permissions: 0775". */
  permissions?: { current: string; stored: string };
}

/** "/etc/.x: ASCII text" → "/etc/.x" (rkhunter appends `: <file type>`; the type holds no ':'). */
function stripFileType(s: string): string {
  return s.replace(/: [^:]*$/, '');
}

function classifyProperties(w: RkhLogWarning): ClassifiedWarning {
  const subjects: string[] = [];
  const changed: string[] = [];
  let permissions: ClassifiedWarning['permissions'];
  for (const d of w.details) {
    const file = /^File: (.+)$/.exec(d);
    if (file) {
      subjects.push(file[1]);
      continue;
    }
    const current = /^Current (hash|permissions|uid|gid|inode|size|file modification time|symbolic link target)\b/.exec(d);
    if (current && !changed.includes(current[1])) changed.push(current[1]);
    const perm = /^Current permissions: (\S+)\s+Stored permissions: (\S+)$/.exec(d);
    if (perm) permissions = { current: perm[1], stored: perm[2] };
  }
  return { kind: 'file-properties', subjects, changed, permissions };
}

export function classifyWarning(w: RkhLogWarning): ClassifiedWarning {
  const msg = w.message;
  const one = (kind: WarningKind, subject?: string): ClassifiedWarning => ({ kind, subjects: subject ? [subject] : [], changed: [] });
  let m: RegExpExecArray | null;

  if ((m = /^Hidden directory found: (.+)$/.exec(msg))) return one('hidden-dir', stripFileType(m[1]));
  if ((m = /^Hidden file found: (.+)$/.exec(msg))) return one('hidden-file', stripFileType(m[1]));
  if (/^Suspicious file types found in \S+:$/.test(msg)) {
    return { kind: 'dev-files', subjects: w.details.map(stripFileType).filter((p) => p.startsWith('/')), changed: [] };
  }
  if ((m = /^The command '(.+)' has been replaced by a script: /.exec(msg))) return one('script-replaced', m[1]);
  if (msg === 'The file properties have changed:') return classifyProperties(w);
  if ((m = /^The file '(.+)' exists on the system, but it is not present in the 'rkhunter\.dat' file\.$/.exec(msg))) {
    return { kind: 'file-properties', subjects: [m[1]], changed: ['not in the database'] };
  }
  if ((m = /^The file '(.+)' does not exist on the system, but it is present in the 'rkhunter\.dat' file\.$/.exec(msg))) {
    return one('file-missing', m[1]);
  }
  if (msg === "The SSH configuration option 'PermitRootLogin' has not been set.") return one('ssh-root-unset', '/etc/ssh/sshd_config');
  if (msg === "The SSH configuration option 'Protocol' has not been set.") return one('ssh-protocol-unset', '/etc/ssh/sshd_config');
  if (msg === 'No running system logging daemon has been found.') return one('syslog-not-running');
  if ((m = /^The modules file '(.+)' is missing\.$/.exec(msg)) || (m = /^The kernel modules directory '(.+)' is missing or empty\.$/.exec(msg))) {
    return one('modules-missing', m[1]);
  }
  if ((m = /^Unable to check for (passwd|group) file differences: no copy of the \1 file exists\.$/.exec(msg))) {
    return one('accounts-no-copy', m[1] === 'passwd' ? '/etc/passwd' : '/etc/group');
  }
  if (
    (m = /^(?:User|Group) '(.+)' has been (?:added to|removed from) the (?:passwd|group) file\.$/.exec(msg)) ||
    (m = /^Changes found in the (?:passwd|group) file for (?:user|group) '(.+)':$/.exec(msg))
  ) {
    return one('accounts-changed', m[1]);
  }
  if ((m = /^Account '(.+)' is root equivalent \(UID = 0\)$/.exec(msg))) return one('root-equivalent', m[1]);
  if (/rootkit|backdoor|sniffer log|suspicious directory|Known bad kernel module/i.test(msg)) return one('rootkit');
  return one('other');
}
