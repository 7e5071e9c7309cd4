// Who can still log in with a key: the facts the lockout guard needs.
//
// Pure parsers (passwd, group, authorized_keys lines) and one reader that
// walks an account's AuthorizedKeysFile list through the Host, refusing to
// follow links in the home directory (a user controls it; root must not be
// steered into reading something else) and applying sshd's StrictModes rule
// (a file or directory others can write is ignored by sshd, so it is no way in).

import type { Host } from '../../src/host/host';
import { normaliseHostPath } from '../../src/host/host-paths';
import { expandAuthorizedKeysPattern } from './keys-inventory';
import { globMatch } from './policy';
import { parsePublicKeyLine } from './server-host-key-file';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

/** /etc/passwd: name:pw:uid:gid:gecos:home:shell; bad lines are skipped (the guard only counts ways in). */
export function parsePasswd(text: string): Account[] {
  const out: Account[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] });
  }
  return out;
}

/** /etc/group: name:pw:gid:member,member */
export function parseGroup(text: string): Group[] {
  const out: Group[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: f[3].split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

export function groupsOf(account: Account, groups: readonly Group[]): string[] {
  return groups.filter((g) => g.gid === account.gid || g.members.includes(account.name)).map((g) => g.name);
}

/** A shell that is a way to log in (not nologin, false …). */
export function hasLoginShell(account: Account, noLoginShells: readonly string[]): boolean {
  const base = account.shell.slice(account.shell.lastIndexOf('/') + 1);
  return account.shell.trim() !== '' && !noLoginShells.includes(base);
}

/**
 * sshd's AuthorizedKeysFile tokens (%% %h %u %U), then relative paths under the
 * home directory; null when sshd would read no file. One expansion for the
 * guard and the key checks (keys-inventory.ts), so they never disagree.
 */
export function expandAuthorizedKeysFile(pattern: string, account: Account): string | null {
  const r = expandAuthorizedKeysPattern(pattern, account);
  return r && 'path' in r ? r.path : null;
}

export interface KeyVerdict {
  line: number;
  usable: boolean;
  /** What the key is, or why it does not count. */
  note: string;
}

const CERT_SUFFIX = '-cert-v01@openssh.com';

/**
 * Split an authorized_keys line into options and the key (sshd's auth2-pubkeyfile.c:
 * options come first, comma-separated, double quotes protect spaces and commas).
 */
export function splitKeyLine(line: string): { options: string[]; rest: string } | null {
  const trimmed = line.trim();
  const first = trimmed.split(/\s+/)[0] ?? '';
  if (/^(ssh-|ecdsa-|sk-)/.test(first)) return { options: [], rest: trimmed };
  const options: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  for (; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (c === '\\' && quoted && trimmed[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ',') {
      options.push(cur);
      cur = '';
    } else if (!quoted && (c === ' ' || c === '\t')) break;
    else cur += c;
  }
  if (quoted) return null;
  options.push(cur);
  return { options, rest: trimmed.slice(i).trim() };
}

/** Is this line a key sshd would accept for a login, as far as a guard should count it? */
export function judgeKeyLine(raw: string, lineNo: number, now: Date): KeyVerdict | null {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '' || line.trim().startsWith('#')) return null;
  const split = splitKeyLine(line);
  if (!split) return { line: lineNo, usable: false, note: 'unparseable options' };
  const opts = split.options.map((o) => o.trim()).filter(Boolean);
  const names = opts.map((o) => o.split('=')[0].toLowerCase());
  const r = parsePublicKeyLine(split.rest);
  if (!r.ok) return { line: lineNo, usable: false, note: `not a key (${r.problem})` };
  const k = r.key;
  const what = `${k.type}${k.bits ? ` ${k.bits}` : ''} ${k.fingerprint ?? ''}`.trim();
  if (names.includes('cert-authority')) return { line: lineNo, usable: false, note: `${what}: a certificate authority, not a key (needs a certificate to log in)` };
  if (names.includes('command')) return { line: lineNo, usable: false, note: `${what}: limited to a forced command` };
  const expiry = opts.find((o) => o.toLowerCase().startsWith('expiry-time='));
  if (expiry && isExpired(expiry.slice(expiry.indexOf('=') + 1).replace(/"/g, ''), now)) return { line: lineNo, usable: false, note: `${what}: expired (${expiry})` };
  if (k.type === 'ssh-dss' || k.type.startsWith('ssh-dss')) return { line: lineNo, usable: false, note: `${what}: DSA keys are refused by OpenSSH (off since 7.0, removed in 10.0)` };
  if (k.type === 'ssh-rsa' && k.bits !== null && k.bits < 1024) return { line: lineNo, usable: false, note: `${what}: RSA below 1024 bits is refused by sshd` };
  if (k.type.endsWith(CERT_SUFFIX)) return { line: lineNo, usable: false, note: `${what}: a certificate line` };
  const from = opts.find((o) => o.toLowerCase().startsWith('from='));
  return { line: lineNo, usable: true, note: from ? `${what} (only ${from})` : what };
}

/** expiry-time="YYYYMMDD[HHMM[SS]][Z]" (sshd's parse_absolute_time); unreadable counts as expired. */
function isExpired(value: string, now: Date): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2}))?)?(Z)?$/.exec(value.trim());
  if (!m) return true;
  const [, y, mo, d, h = '00', mi = '00', s = '00', z] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${z ? 'Z' : ''}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) || t <= now.getTime();
}

export interface KeyFileReport {
  path: string;
  usable: number;
  notes: string[];
}

/** sshd's StrictModes (auth.c secure_permissions): the file and each directory up to the home dir. */
async function strictModesProblem(host: Host, path: string, account: Account): Promise<string | null> {
  const home = normaliseHostPath(account.home);
  let p = path;
  for (;;) {
    const st = await host.lstat(p).catch(() => null);
    if (st === null) return `${p} cannot be inspected`;
    if (st.uid !== 0 && st.uid !== account.uid) return `${p} is owned by uid ${st.uid}: sshd ignores the keys (StrictModes)`;
    if ((st.mode & 0o022) !== 0) return `${p} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}): sshd ignores the keys (StrictModes)`;
    if (p === home || p === '/') return null;
    const parent = p.slice(0, p.lastIndexOf('/')) || '/';
    if (!(parent + '/').startsWith(home + '/') && parent !== home) return null; // a file outside the home: its own dirs are root's business
    p = parent;
  }
}

export async function readKeyFile(host: Host, path: string, account: Account, opts: { strictModes: boolean; now: Date }): Promise<KeyFileReport> {
  const report: KeyFileReport = { path, usable: 0, notes: [] };
  const home = normaliseHostPath(account.home);
  const inHome = path.startsWith(`${home}/`) && home !== '/';
  let r;
  try {
    r = await host.read(path, inHome ? { untrustedBelow: home, maxBytes: 1024 * 1024 } : { maxBytes: 1024 * 1024 });
  } catch (err) {
    report.notes.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    return report;
  }
  if (!r.ok) {
    if (r.reason !== 'missing') report.notes.push(`${path}: ${r.reason === 'symlink' ? 'a symlink (not followed in a home directory)' : r.message}`);
    return report;
  }
  if (opts.strictModes) {
    const problem = await strictModesProblem(host, path, account);
    if (problem) {
      report.notes.push(problem);
      return report;
    }
  }
  r.text.split('\n').forEach((raw, i) => {
    const v = judgeKeyLine(raw, i + 1, opts.now);
    if (!v) return;
    if (v.usable) report.usable++;
    else report.notes.push(`${path}:${v.line}: ${v.note}`);
  });
  return report;
}

/** sshd's AllowUsers/DenyUsers/AllowGroups/DenyGroups, judged conservatively without knowing the client host. */
export function allowedBySshd(account: Account, groups: string[], get: (key: string) => string | undefined): { ok: boolean; why?: string } {
  const list = (k: string) => (get(k) ?? '').split(/\s+/).filter((x) => x !== '' && x.toLowerCase() !== 'none');
  const userMatches = (pattern: string, unknownHostMeans: boolean) => {
    const at = pattern.indexOf('@');
    const user = at >= 0 ? pattern.slice(0, at) : pattern;
    if (!matchList(user, account.name)) return false;
    // user@host: we do not know where the admin will come from.
    return at < 0 || pattern.slice(at + 1) === '*' ? true : unknownHostMeans;
  };
  const deny = list('denyusers');
  if (deny.some((p) => userMatches(p, true))) return { ok: false, why: 'DenyUsers' };
  const allow = list('allowusers');
  if (allow.length > 0 && !allow.some((p) => userMatches(p, false))) return { ok: false, why: 'not in AllowUsers' };
  const denyG = list('denygroups');
  if (denyG.some((p) => groups.some((g) => matchList(p, g)))) return { ok: false, why: 'DenyGroups' };
  const allowG = list('allowgroups');
  if (allowG.length > 0 && !allowG.some((p) => groups.some((g) => matchList(p, g)))) return { ok: false, why: 'not in AllowGroups' };
  return { ok: true };
}

/** sshd's match_pattern_list for one pattern (a "!" negates). */
function matchList(pattern: string, name: string): boolean {
  if (pattern.startsWith('!')) return false; // a negation never grants; conservative for Allow, lenient for Deny
  return globMatch(pattern, name);
}
