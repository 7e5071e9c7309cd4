// /etc/passwd (passwd(5)), pure: text in, accounts out.
//
// Seven colon-separated fields: name:password:UID:GID:GECOS:home:shell.
// glibc's reader skips lines it cannot parse, so do we, but each one is a
// problem with file:line. An empty shell field means /bin/sh (passwd(5)).
// NIS compat lines (+name, -name, +@group, +) name no local account: they are
// counted, not parsed. Accounts from other NSS sources (LDAP, sssd) are not
// in this file, and the checks say so.

export interface PasswdAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  /** As written; '' when the field is empty. */
  home: string;
  /** As written, or /bin/sh for an empty field. */
  shell: string;
  /** The shell lets the account log in interactively (not nologin, false …). */
  loginShell: boolean;
  line: number;
}

export interface PasswdProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedPasswd {
  file: string;
  accounts: PasswdAccount[];
  problems: PasswdProblem[];
  /** NIS compat lines (+/-): accounts that come from elsewhere. */
  compatLines: number;
}

/** Shells that refuse an interactive login (Debian, RHEL, Alpine, the BSDs' names). */
export const NON_LOGIN_SHELLS: ReadonlySet<string> = new Set([
  '/usr/sbin/nologin',
  '/sbin/nologin',
  '/usr/bin/nologin',
  '/bin/false',
  '/usr/bin/false',
  '/bin/sync',
  '/usr/bin/sync',
  '/sbin/shutdown',
  '/sbin/halt',
  '/usr/sbin/shutdown',
  '/usr/sbin/halt',
]);

export function parsePasswd(text: string, file = '/etc/passwd'): ParsedPasswd {
  const out: ParsedPasswd = { file, accounts: [], problems: [], compatLines: 0 };
  const names = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    if (raw.startsWith('#')) continue;
    if (raw.startsWith('+') || raw.startsWith('-')) {
      out.compatLines++;
      continue;
    }
    const problem = (message: string) => out.problems.push({ file, line: lineNo, message });
    const f = raw.split(':');
    if (f.length !== 7) {
      problem(`${f.length} fields, 7 expected`);
      continue;
    }
    const [name, , uidText, gidText, gecos, home, shellField] = f;
    if (name === '') {
      problem('empty user name');
      continue;
    }
    const uid = toId(uidText);
    const gid = toId(gidText);
    if (uid === null || gid === null) {
      problem(`${name}: UID or GID is not a number`);
      continue;
    }
    // getpwnam returns the first entry of a name: a later duplicate is never used.
    if (names.has(name)) {
      problem(`${name} is listed again (the first entry wins)`);
      continue;
    }
    names.add(name);
    const shell = shellField === '' ? '/bin/sh' : shellField;
    out.accounts.push({ name, uid, gid, gecos, home, shell, loginShell: !NON_LOGIN_SHELLS.has(shell), line: lineNo });
  }
  return out;
}

function toId(s: string): number | null {
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 0xffffffff ? n : null;
}

// ---------------------------------------------------------------------------
// /etc/group (group(5)): name:password:GID:member,member…

export interface GroupEntry {
  name: string;
  gid: number;
  /** The supplementary members listed on the line (an account's primary group is by GID). */
  members: string[];
  line: number;
}

export interface ParsedGroup {
  file: string;
  groups: GroupEntry[];
  problems: PasswdProblem[];
}

/** Never throws; a line glibc would skip is skipped with a problem naming file:line. */
export function parseGroup(text: string, file = '/etc/group'): ParsedGroup {
  const out: ParsedGroup = { file, groups: [], problems: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '' || raw.startsWith('#') || raw.startsWith('+') || raw.startsWith('-')) continue;
    const f = raw.split(':');
    const gid = f.length >= 4 ? toId(f[2]) : null;
    if (f.length < 4 || f[0] === '' || gid === null) {
      out.problems.push({ file, line: i + 1, message: f.length < 4 ? `${f.length} fields, 4 expected` : f[0] === '' ? 'empty group name' : `${f[0]}: GID is not a number` });
      continue;
    }
    // glibc reads the member list to the end of the line (files-parse.c): a stray ':' stays in it.
    out.groups.push({ name: f[0], gid, members: f.slice(3).join(':').split(',').map((m) => m.trim()).filter(Boolean), line: i + 1 });
  }
  return out;
}

/** The groups an account is in: its primary group (by GID) and every group listing it as a member. */
export function groupsOf(account: Pick<PasswdAccount, 'name' | 'gid'>, groups: readonly GroupEntry[]): string[] {
  return groups.filter((g) => g.gid === account.gid || g.members.includes(account.name)).map((g) => g.name);
}
