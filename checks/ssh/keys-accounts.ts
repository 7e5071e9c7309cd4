// The accounts whose files the ssh.keys.* and ssh.client.* checks read, and
// the one way they read a file that may sit in a home directory.
//
// Home directories are untrusted (issue 11): a user can plant a symlink to
// /etc/shadow, a FIFO that never opens, a 2 GB sparse file, a directory. So
// every file at or below a home is read with `untrustedBelow: home` — the
// Host refuses links, non-regular files and oversized files on the very file
// it opened — and each refusal becomes a sentence for a per-item finding,
// never an exception and never a read of something else.

import type { Evidence } from '../../src/core/types';
import type { Host, ReadResult } from '../../src/host/host';
import { isAtOrBelow, normaliseHostPath } from '../../src/host/host-paths';
import { parsePasswd, type PasswdAccount, type PasswdProblem } from '../../src/parse/passwd';
import { thrownMessage } from '../updates/finding';

export const PASSWD = '/etc/passwd';

export type AccountsState =
  | { kind: 'absent'; summary: string; evidence: Evidence[] }
  | { kind: 'broken'; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; accounts: PasswdAccount[]; problems: PasswdProblem[]; evidence: Evidence };

export async function loadAccounts(host: Host): Promise<AccountsState> {
  let r: ReadResult;
  try {
    r = await host.read(PASSWD);
  } catch (err) {
    return { kind: 'broken', summary: `cannot read ${PASSWD}: ${thrownMessage(err)}`, evidence: [{ file: PASSWD }] };
  }
  if (!r.ok) {
    if (r.reason === 'missing') return { kind: 'absent', summary: `no ${PASSWD}: no accounts to look at`, evidence: [{ file: PASSWD, text: 'does not exist' }] };
    return { kind: 'broken', summary: `cannot read ${PASSWD}: ${afterPath(r.message)}`, evidence: [{ file: PASSWD, text: r.message }] };
  }
  const parsed = parsePasswd(r.text, PASSWD);
  const note = parsed.compatLines > 0 ? `; ${parsed.compatLines} NIS compat line(s) name accounts from elsewhere, not read` : '';
  return {
    kind: 'ok',
    accounts: parsed.accounts,
    problems: parsed.problems,
    evidence: { file: PASSWD, text: `${parsed.accounts.length} accounts (local ${PASSWD} only; LDAP/sssd accounts are not listed here)${note}` },
  };
}

/** The account's home as a normalised host path, or null when it has none worth reading ('' or relative). */
export function homeOf(account: Pick<PasswdAccount, 'home'>): string | null {
  if (!account.home.startsWith('/')) return null;
  return normaliseHostPath(account.home);
}

/** Accounts grouped by home (several system accounts share /nonexistent or /): one look per home. */
export function accountsByHome(accounts: readonly PasswdAccount[]): Map<string, PasswdAccount[]> {
  const out = new Map<string, PasswdAccount[]>();
  for (const a of accounts) {
    const home = homeOf(a);
    if (home === null) continue;
    const list = out.get(home);
    if (list) list.push(a);
    else out.set(home, [a]);
  }
  return out;
}

/** The home (of any account) that holds `path`, the deepest one: reads below it are untrusted. */
export function untrustedHomeFor(path: string, homes: Iterable<string>): string | null {
  let best: string | null = null;
  for (const h of homes) {
    if (h === '/') continue; // "/" as a home is every path: judged by the caller, not here
    if (isAtOrBelow(path, h) && (best === null || h.length > best.length)) best = h;
  }
  return best;
}

/**
 * Where the untrusted tree starts for a file below `home`. Normally at the
 * home itself: its owner controls every entry in it, and the Host refuses a
 * link anywhere from the home down. But a home that is itself a symlink in a
 * directory only root can write (Debian's usr-merge gives bin, sync and proxy
 * the home /bin → usr/bin; an admin may link /home/alice → /data/alice) is
 * root's link, as /home → /data/home would be: then the tree starts one
 * level below it, so the user's entries (.ssh, the key file) are still never
 * followed, but root's link is.
 */
export async function untrustedRootFor(host: Host, path: string, home: string): Promise<string> {
  if (home === '/' || !isAtOrBelow(path, home) || path === home) return home;
  const st = await host.lstat(home).catch(() => null);
  if (st?.kind !== 'symlink') return home;
  const parent = home.slice(0, home.lastIndexOf('/')) || '/';
  const p = await host.stat(parent).catch(() => null);
  if (p === null || p.kind !== 'dir' || p.uid !== 0 || (p.mode & 0o022) !== 0) return home;
  const first = path.slice(home.length + 1).split('/')[0];
  return `${home}/${first}`;
}

export type FileRead = { ok: true; text: string; stat: Extract<ReadResult, { ok: true }>['stat'] } | { ok: false; reason: Extract<ReadResult, { ok: false }>['reason'] | 'thrown'; message: string };

/**
 * Read a file that may sit in a home directory: untrusted below `home` when
 * it does (never following a link, never opening a FIFO or device, never
 * more than `maxBytes`), an ordinary bounded read otherwise. Never throws.
 */
export async function readMaybeUntrusted(host: Host, path: string, home: string | null, maxBytes?: number): Promise<FileRead> {
  try {
    const below = home !== null ? await untrustedRootFor(host, normaliseHostPath(path), home) : null;
    const opts = below !== null ? { untrustedBelow: below, maxBytes } : { maxBytes };
    const r = await host.read(path, opts);
    return r.ok ? { ok: true, text: r.text, stat: r.stat } : { ok: false, reason: r.reason, message: r.message };
  } catch (err) {
    return { ok: false, reason: 'thrown', message: `${path}: ${thrownMessage(err)}` };
  }
}

/** "refused: symlink …" / "refused: is a FIFO, not a regular file" — the sentence for a finding. */
export function refusalText(r: Extract<FileRead, { ok: false }>): string {
  const what = afterPath(r.message);
  switch (r.reason) {
    case 'symlink':
      return what.startsWith('refused') ? `${what} (not followed)` : `refused: symlink, not followed (${what})`;
    case 'not-a-file':
    case 'too-large':
      return what.startsWith('refused') ? what : `refused: ${what}`;
    case 'denied':
      return what.startsWith('refused') ? what : `cannot read: ${what}`;
    default:
      return `cannot read: ${what}`;
  }
}

/** A refusal hardtop chose (link, FIFO, device, huge, hard link), as opposed to an I/O failure. */
export function isRefusal(r: Extract<FileRead, { ok: false }>): boolean {
  return r.reason === 'symlink' || r.reason === 'not-a-file' || r.reason === 'too-large' || (r.reason === 'denied' && r.message.includes('refused'));
}

/** Host messages read "/path: what"; the path is already in the evidence. */
function afterPath(message: string): string {
  const i = message.indexOf(': ');
  return i === -1 ? message : message.slice(i + 2);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
