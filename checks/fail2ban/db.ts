// fail2ban's ban history from its sqlite database (dbfile in the fail2ban
// stack; table `bans(jail, ip, timeofban, bantime, bancount, data)`), read
// with the sqlite3 CLI opened read-only (mode=ro: never creates or writes
// the file) with a short busy timeout, so the server is never blocked for
// long and a busy database costs us a second, not a hang. The CLI instead
// of a native module: no build step, and the real tool is what tests run.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { thrownMessage } from '../updates/finding';
import { fail2banPolicy } from './policy';
import { directRealPath } from './server';

export interface BanCount {
  key: string;
  bans: number;
  /** Epoch seconds of the newest ban. */
  last: number;
}

export type BanHistory =
  | { kind: 'ok'; perJail: BanCount[]; topIps: BanCount[]; evidence: Evidence }
  /** No database to read (disabled, in memory, absent). */
  | { kind: 'none'; why: string }
  | { kind: 'error'; why: string; evidence: Evidence };

/** A file: URI for sqlite; each path segment percent-encoded (?, #, % and spaces are special in URIs). */
export function sqliteReadOnlyUri(realPath: string): string {
  return `file:${realPath.split('/').map(encodeURIComponent).join('/')}?mode=ro`;
}

export function banHistoryQuery(top: number): string {
  return (
    "SELECT 'jail' AS kind, jail AS key, COUNT(*) AS bans, MAX(timeofban) AS last FROM bans GROUP BY jail " +
    `UNION ALL SELECT * FROM (SELECT 'ip', ip, COUNT(*), MAX(timeofban) FROM bans GROUP BY ip ORDER BY 3 DESC, 4 DESC LIMIT ${Math.floor(top)});`
  );
}

/** sqlite3 -json rows → counts; null when the output is not what the query gives. */
export function parseBanHistory(stdout: string): { perJail: BanCount[]; topIps: BanCount[] } | null {
  if (stdout.trim() === '') return { perJail: [], topIps: [] }; // no rows: sqlite3 prints nothing
  let rows: unknown;
  try {
    rows = JSON.parse(stdout);
  } catch {
    return null;
  }
  if (!Array.isArray(rows)) return null;
  const perJail: BanCount[] = [];
  const topIps: BanCount[] = [];
  for (const row of rows) {
    const r = row as { kind?: unknown; key?: unknown; bans?: unknown; last?: unknown };
    if (typeof r.key !== 'string' || typeof r.bans !== 'number' || typeof r.last !== 'number') return null;
    const entry = { key: r.key, bans: r.bans, last: r.last };
    if (r.kind === 'jail') perJail.push(entry);
    else if (r.kind === 'ip') topIps.push(entry);
    else return null;
  }
  return { perJail, topIps };
}

export async function readBanHistory(host: Host, dbfile: string, signal?: AbortSignal): Promise<BanHistory> {
  if (!dbfile.startsWith('/')) return { kind: 'none', why: `dbfile = ${dbfile}: no ban database on disk` };
  const evidence: Evidence = { file: dbfile, command: `sqlite3 -readonly ${dbfile}` };
  try {
    const st = await host.stat(dbfile);
    if (!st) return { kind: 'none', why: `no ban database at ${dbfile}` };
    if (st.kind !== 'file') return { kind: 'error', why: `${dbfile} is not a file`, evidence };
    const real = await directRealPath(host, dbfile);
    if (!real.ok) return { kind: 'error', why: real.why, evidence };
    const { sqliteTimeoutMs, sqliteBusyMs } = fail2banPolicy.client;
    const r = await host.exec('sqlite3', ['-readonly', '-json', '-cmd', `.timeout ${sqliteBusyMs}`, sqliteReadOnlyUri(real.path), banHistoryQuery(fail2banPolicy.bans.topOffenders)], {
      timeoutMs: sqliteTimeoutMs,
      signal,
    });
    if (r.spawnError) return { kind: 'error', why: `cannot run sqlite3 on this machine (install the sqlite3 package): ${r.spawnError}`, evidence };
    if (r.timedOut) return { kind: 'error', why: `reading ${dbfile} timed out`, evidence };
    if (r.exitCode !== 0) return { kind: 'error', why: `sqlite3 could not read ${dbfile}: ${r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`}`, evidence };
    const parsed = parseBanHistory(r.stdout);
    if (!parsed) return { kind: 'error', why: `unexpected sqlite3 output for ${dbfile}`, evidence };
    return { kind: 'ok', ...parsed, evidence };
  } catch (err) {
    return { kind: 'error', why: thrownMessage(err), evidence };
  }
}
