// fail2ban's ban history from its sqlite database (dbfile in the fail2ban
// stack; table `bans(jail, ip, timeofban, bantime, bancount, data)`), read
// with the sqlite3 CLI opened read-only (mode=ro: never creates or writes
// the file) with a short busy timeout, so the server is never blocked for
// long and a busy database costs us a second, not a hang. The CLI instead
// of a native module: no build step, and the real tool is what tests run.

import type { AddressHistory, PastBan } from '../../src/core/fail2ban-live';
import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { sanitizeText } from '../../src/core/sanitize';
import { thrownMessage } from '../updates/finding';
import { fail2banPolicy } from './policy';
import { directRealPath } from './server';


/** sqlite3 -json's rows; no rows print nothing at all. null: not what sqlite3 prints. */
function jsonRows(stdout: string): unknown[] | null {
  if (stdout.trim() === '') return [];
  try {
    const rows: unknown = JSON.parse(stdout);
    return Array.isArray(rows) ? rows : null;
  } catch {
    return null;
  }
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Seconds since the epoch that a Date can hold (±8.64e12 s): a damaged row must not crash the screen that formats it. */
function isBanTime(v: unknown): v is number {
  return isFiniteNumber(v) && Math.abs(v) <= 8.64e12;
}

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
  const rows = jsonRows(stdout);
  if (rows === null) return null;
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

type SqliteRun = { ok: true; stdout: string } | { ok: false; result: Exclude<BanHistory, { kind: 'ok' }> };

/** One read-only query on the ban database, bounded in time; never blocks the server for long. */
async function queryDatabase(host: Host, dbfile: string, query: string, signal?: AbortSignal): Promise<SqliteRun> {
  if (!dbfile.startsWith('/')) return { ok: false, result: { kind: 'none', why: `dbfile = ${dbfile}: no ban database on disk` } };
  const evidence: Evidence = { file: dbfile, command: `sqlite3 -readonly ${dbfile}` };
  try {
    const st = await host.stat(dbfile);
    if (!st) return { ok: false, result: { kind: 'none', why: `no ban database at ${dbfile}` } };
    if (st.kind !== 'file') return { ok: false, result: { kind: 'error', why: `${dbfile} is not a file`, evidence } };
    const real = await directRealPath(host, dbfile);
    if (!real.ok) return { ok: false, result: { kind: 'error', why: real.why, evidence } };
    const { sqliteTimeoutMs, sqliteBusyMs } = fail2banPolicy.client;
    const r = await host.exec('sqlite3', ['-readonly', '-json', '-cmd', `.timeout ${sqliteBusyMs}`, sqliteReadOnlyUri(real.path), query], {
      timeoutMs: sqliteTimeoutMs,
      signal,
    });
    if (r.spawnError) return { ok: false, result: { kind: 'error', why: `cannot run sqlite3 on this machine (install the sqlite3 package): ${r.spawnError}`, evidence } };
    if (r.timedOut) return { ok: false, result: { kind: 'error', why: `reading ${dbfile} timed out`, evidence } };
    if (r.exitCode !== 0) return { ok: false, result: { kind: 'error', why: `sqlite3 could not read ${dbfile}: ${r.stderr.trim().split('\n')[0] || `exit ${r.exitCode}`}`, evidence } };
    return { ok: true, stdout: r.stdout };
  } catch (err) {
    return { ok: false, result: { kind: 'error', why: thrownMessage(err), evidence } };
  }
}

export async function readBanHistory(host: Host, dbfile: string, signal?: AbortSignal): Promise<BanHistory> {
  const evidence: Evidence = { file: dbfile, command: `sqlite3 -readonly ${dbfile}` };
  const r = await queryDatabase(host, dbfile, banHistoryQuery(fail2banPolicy.bans.topOffenders), signal);
  if (!r.ok) return r.result;
  const parsed = parseBanHistory(r.stdout);
  if (!parsed) return { kind: 'error', why: `unexpected sqlite3 output for ${dbfile}`, evidence };
  return { kind: 'ok', ...parsed, evidence };
}

// ---------------------------------------------------------------------------
// Bans per minute since a moment: the live view's sparkline starts with the
// last hour the database remembers, not empty.

export interface MinuteBans {
  jail: string;
  /** Epoch minute (timeofban / 60, floored). */
  minute: number;
  bans: number;
}

export function bansPerMinuteQuery(sinceSec: number, maxRows: number): string {
  return `SELECT jail, timeofban / 60 AS minute, COUNT(*) AS bans FROM bans WHERE timeofban >= ${Math.floor(sinceSec)} GROUP BY jail, minute ORDER BY minute LIMIT ${Math.floor(maxRows)};`;
}

export function parseBansPerMinute(stdout: string): MinuteBans[] | null {
  const rows = jsonRows(stdout);
  if (rows === null) return null;
  const out: MinuteBans[] = [];
  for (const row of rows) {
    const r = row as { jail?: unknown; minute?: unknown; bans?: unknown };
    if (typeof r.jail !== 'string' || typeof r.minute !== 'number' || typeof r.bans !== 'number' || !Number.isFinite(r.minute)) return null;
    out.push({ jail: r.jail, minute: r.minute, bans: r.bans });
  }
  return out;
}

export type RecentBans = { kind: 'ok'; rows: MinuteBans[] } | Exclude<BanHistory, { kind: 'ok' }>;

export async function readRecentBans(host: Host, dbfile: string, sinceSec: number, maxRows: number, signal?: AbortSignal): Promise<RecentBans> {
  const r = await queryDatabase(host, dbfile, bansPerMinuteQuery(sinceSec, maxRows), signal);
  if (!r.ok) return r.result;
  const rows = parseBansPerMinute(r.stdout);
  if (!rows) return { kind: 'error', why: `unexpected sqlite3 output for ${dbfile}`, evidence: { file: dbfile, command: `sqlite3 -readonly ${dbfile}` } };
  return { kind: 'ok', rows };
}

// ---------------------------------------------------------------------------
// What fail2ban remembers of the top offenders' latest ban: table `bips`
// (one row per address and jail, the newest ban; fail2ban ≥ 0.11): time of
// ban, ban time, ban count (bantime.increment's multiplier), and its JSON
// `data`: the failures counted, the matched log lines (dbmaxmatches of
// them) and the users tried. All of it comes from attackers' log lines:
// every string is sanitised and cut before it can reach a screen.

export interface OffenderBan extends PastBan {
  ip: string;
}

const MAX_TEXT = 200;
const MAX_USERS = 20;

function cleanText(s: string): string {
  const clean = sanitizeText(s);
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 1)}…` : clean;
}

/** The latest ban (bips) of each address among the `top` banned most often (bans). */
export function offenderBansQuery(top: number): string {
  return (
    'SELECT b.ip AS ip, b.jail AS jail, b.timeofban AS timeofban, b.bantime AS bantime, b.bancount AS bancount, b.data AS data FROM bips b ' +
    `JOIN (SELECT ip, COUNT(*) AS n, MAX(timeofban) AS last FROM bans GROUP BY ip ORDER BY n DESC, last DESC LIMIT ${Math.floor(top)}) t ON b.ip = t.ip ` +
    'ORDER BY t.n DESC, t.last DESC, b.timeofban DESC;'
  );
}

/**
 * `users` as fail2ban writes it: a JSON list, or (fail2ban 0.11/1.0, a
 * Python set through its JSON fallback) the set's repr, "['admin', 'root']".
 */
function usersOf(data: Record<string, unknown>): string[] {
  const raw = data.users;
  let users: string[] = [];
  if (Array.isArray(raw)) users = raw.filter((u): u is string => typeof u === 'string');
  else if (typeof raw === 'string') {
    for (const m of raw.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)) users.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  } else if (typeof data.user === 'string') users = [data.user];
  return [...new Set(users.map(cleanText))].sort().slice(0, MAX_USERS);
}

/** A matched line: a string, or fail2ban's [prefix, time, rest] pieces to join. */
function matchText(m: unknown): string | null {
  if (typeof m === 'string') return cleanText(m);
  if (Array.isArray(m) && m.every((p) => typeof p === 'string')) return cleanText(m.join(''));
  return null;
}

/** bips `data` JSON → its parts; anything unreadable is left out, never thrown. */
export function parseBanData(json: unknown): Pick<OffenderBan, 'failures' | 'users' | 'matches'> {
  let data: unknown = null;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch {
      data = null;
    }
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { failures: null, users: [], matches: [] };
  const d = data as Record<string, unknown>;
  const matches = Array.isArray(d.matches) ? d.matches.map(matchText).filter((m): m is string => m !== null) : [];
  return { failures: typeof d.failures === 'number' && Number.isFinite(d.failures) ? d.failures : null, users: usersOf(d), matches };
}

export function parseOffenderBans(stdout: string): OffenderBan[] | null {
  const rows = jsonRows(stdout);
  if (rows === null) return null;
  const out: OffenderBan[] = [];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    if (typeof r.ip !== 'string' || typeof r.jail !== 'string' || !isBanTime(r.timeofban) || !isFiniteNumber(r.bantime) || !isFiniteNumber(r.bancount)) return null;
    out.push({ ip: cleanText(r.ip), jail: cleanText(r.jail), timeofban: r.timeofban, bantime: r.bantime, bancount: r.bancount, ...parseBanData(r.data) });
  }
  return out;
}

export type OffenderBans = { kind: 'ok'; bans: OffenderBan[] } | Exclude<BanHistory, { kind: 'ok' }>;

export async function readOffenderBans(host: Host, dbfile: string, top: number, signal?: AbortSignal): Promise<OffenderBans> {
  const r = await queryDatabase(host, dbfile, offenderBansQuery(top), signal);
  if (!r.ok) return r.result;
  const bans = parseOffenderBans(r.stdout);
  if (!bans) return { kind: 'error', why: `unexpected sqlite3 output for ${dbfile}`, evidence: { file: dbfile, command: `sqlite3 -readonly ${dbfile}` } };
  return { kind: 'ok', bans };
}

// ---------------------------------------------------------------------------
// The ban history of ONE address (the live view's selected row): every ban
// the `bans` table remembers of it, newest first, through its index on ip
// (bans_ip, fail2ban ≥ 0.10): one short read, whatever the table's size.

/** What an address in fail2ban's ban list is made of (IPs, CIDR ranges, a raw host name): nothing that could end a quoted SQL string. */
const QUERYABLE_ADDRESS = /^[0-9A-Za-z.:/_-]{1,128}$/;

/** The query for `address`, or null when it is not one we put into SQL (sqlite3's CLI binds no parameters). */
export function addressHistoryQuery(address: string, limit: number): string | null {
  if (!QUERYABLE_ADDRESS.test(address)) return null;
  // The set above has no quote; doubling is the belt to those braces.
  const ip = `'${address.replace(/'/g, "''")}'`;
  return (
    `SELECT jail, timeofban, bantime, bancount, data, (SELECT COUNT(*) FROM bans WHERE ip = ${ip}) AS total ` +
    `FROM bans WHERE ip = ${ip} ORDER BY timeofban DESC LIMIT ${Math.max(1, Math.floor(limit))};`
  );
}

/** sqlite3 -json rows of addressHistoryQuery → bans and total; null when the output is not what the query gives. */
export function parseAddressHistory(stdout: string): { bans: PastBan[]; total: number } | null {
  const rows = jsonRows(stdout);
  if (rows === null) return null;
  const bans: PastBan[] = [];
  let total = 0;
  for (const row of rows) {
    const r = (row ?? {}) as Record<string, unknown>;
    if (typeof r.jail !== 'string' || !isBanTime(r.timeofban) || !isFiniteNumber(r.bantime) || !isFiniteNumber(r.bancount) || !isFiniteNumber(r.total)) return null;
    total = r.total;
    bans.push({ jail: cleanText(r.jail), timeofban: r.timeofban, bantime: r.bantime, bancount: r.bancount, ...parseBanData(r.data) });
  }
  return { bans, total: Math.max(total, bans.length) };
}

export async function readAddressHistory(host: Host, dbfile: string, address: string, limit: number, signal?: AbortSignal): Promise<AddressHistory> {
  const query = addressHistoryQuery(address, limit);
  if (query === null) return { kind: 'error', why: 'not an address hardtop looks up in the database' };
  const r = await queryDatabase(host, dbfile, query, signal);
  if (!r.ok) return r.result.kind === 'none' ? { kind: 'none', why: r.result.why } : { kind: 'error', why: r.result.why };
  const parsed = parseAddressHistory(r.stdout);
  if (!parsed) return { kind: 'error', why: `unexpected sqlite3 output for ${dbfile}` };
  return { kind: 'ok', address, ...parsed };
}
