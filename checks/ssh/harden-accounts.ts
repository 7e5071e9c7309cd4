// Who can still log in with a key: the facts the lockout guard needs.
//
// One reader for everything: accounts and groups come from src/parse/passwd.ts,
// key files from the key checks' inventory (keys-inventory.ts: the same
// AuthorizedKeysFile expansion, never following links in a home, bounded
// reads, src/parse/authorized-keys.ts for the lines), and what counts as a
// way in from keys-judge.ts (whyNotUsableForLogin, shared with
// ssh.remove-authorized-key). On top, the guard applies sshd's StrictModes
// rule to the directories up to the home as well (a file or directory others
// can write is ignored by sshd, so it is no way in).

import type { Host } from '../../src/host/host';
import { normaliseHostPath } from '../../src/host/host-paths';
import type { PasswdAccount } from '../../src/parse/passwd';
import { fileRefusal, expandAuthorizedKeysPattern, inventoryAuthorizedKeys } from './keys-inventory';
import { whyNotUsableForLogin } from './keys-judge';
import { keyLabel } from '../../src/parse/ssh-key-blob';
import { globMatch } from './policy';

/** The fields of an account the guard reads (a PasswdAccount fits). */
export type Account = Pick<PasswdAccount, 'name' | 'uid' | 'gid' | 'home' | 'shell'>;

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

/**
 * Each account's usable keys under the given AuthorizedKeysFile patterns, as
 * sshd would see them after the change: files the inventory could not read
 * safely, files (or home directories) StrictModes makes sshd ignore, and
 * lines that cannot log in as a plain key do not count; each says why.
 */
export async function usableKeys(
  host: Host,
  accounts: readonly PasswdAccount[],
  patterns: readonly string[],
  opts: { strictModes: boolean; now: Date },
): Promise<Map<string, KeyFileReport[]>> {
  const setting = { patterns: patterns.map((pattern) => ({ pattern, from: 'AuthorizedKeysFile' })), command: null, strictModes: opts.strictModes, note: null, evidence: [] };
  const inventory = await inventoryAuthorizedKeys(host, accounts, setting);
  const out = new Map<string, KeyFileReport[]>();
  for (const ak of inventory) {
    const reports: KeyFileReport[] = [];
    for (const f of ak.files) {
      const report: KeyFileReport = { path: f.path, usable: 0, notes: [] };
      reports.push(report);
      const refused = fileRefusal(f);
      if (refused !== null) {
        report.notes.push(`${f.path}: ${refused}`);
        continue;
      }
      if (opts.strictModes) {
        const problem = await strictModesProblem(host, f.path, ak.account);
        if (problem) {
          report.notes.push(problem);
          continue;
        }
      }
      for (const e of f.entries) {
        const why = whyNotUsableForLogin(e, opts.now);
        if (why === null) report.usable++;
        else report.notes.push(`${f.path}:${e.line}: ${keyLabel(e.key)} ${e.key.fingerprint}: ${why}`);
      }
      for (const p of f.problems) report.notes.push(`${p.file}:${p.line}: not a key sshd reads (${p.message})`);
    }
    out.set(ak.account.name, reports);
  }
  return out;
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
