// The fleet model (`hardtop fleet DIR`): reports collected from many hosts in,
// one row per host out (score, worst status per area, findings), plus one
// entry per file that could not be used and why. Pure: the CLI reads the
// files through the Host and hands their text here.
//
// Two kinds of file are read:
//   - a plain report: the JSON of `hardtop check --format json`;
//   - a per-host file of `ansible … -m command -a 'hardtop check --format json'
//     --tree DIR`: a JSON object whose `stdout` holds the report text, with
//     `rc`, `stderr` and `msg` (or `unreachable: true` when ansible could not
//     connect). `check` exits 1 when a check fails, so ansible calls the task
//     failed although stdout holds a good report: rc 0 and 1 both count.
//
// Every file is untrusted input. Nothing here throws on any text; every
// string kept for display is sanitised of control and escape sequences; and
// no JSON.parse message is ever shown: V8 quotes the offending input in it,
// and a file in DIR may be a link to something nobody should see on screen.

import { sanitizeText } from './sanitize';
import { statusRank, summarize } from './score';
import { AREAS, SEVERITIES, STATUSES, type Area, type Evidence, type Finding, type Item, type Status } from './types';

export const FLEET_SCHEMA = 'hardtop.report/1';
/** A report is ~20-50 KB (an ansible tree file about twice that); anything past this is not one. */
export const FLEET_MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Files read from one directory at most; the rest are counted, not read. */
export const FLEET_MAX_FILES = 20_000;
/** Bytes read from one directory at most (20,000 hosts at ~25 KB need a tenth of it). */
export const FLEET_MAX_TOTAL_BYTES = 1024 * 1024 * 1024;
/** Longest message about a broken file kept for display. */
const MAX_MESSAGE = 300;

/** What the reader got for one file of DIR. */
export type FleetInput = { file: string; text: string } | { file: string; error: string };

export type FleetSource = 'report' | 'ansible';

export type ProblemKind = 'malformed' | 'truncated' | 'unknown-schema' | 'unreadable' | 'run-failed' | 'unreachable';

/** A file that could not be used: listed as such, never a crash. */
export interface FleetProblem {
  kind: ProblemKind;
  /** The file name in DIR (sanitised). */
  file: string;
  /** Who it is about: the ansible inventory name, else the file name (sanitised). */
  name: string;
  /** One line: what is wrong, and where (sanitised). */
  message: string;
}

export interface AreaCell {
  worst: Status;
  /** How many of the area's checks have that worst status. */
  count: number;
}

export interface FleetHost {
  file: string;
  /** What the admin calls the host: the ansible inventory name, else the report's hostname. */
  name: string;
  hostname: string;
  source: FleetSource;
  /** Recomputed from the checks (REPORT.md's rule), not taken from the file's summary. */
  score: number;
  summary: Record<Status, number> & { score: number };
  /** Areas absent from the report (--only, an older hardtop) have no cell. */
  areas: Partial<Record<Area, AreaCell>>;
  /** In the report's order, every string sanitised. */
  checks: Finding[];
  os: string;
  kernel: string;
  root: string;
  version: string;
  startedAt: string;
  /** Lower-case text the filter searches: name, hostname and file. */
  search: string;
}

export interface FleetModel {
  /** Sorted by score, lowest first (then by name). */
  hosts: FleetHost[];
  /** Sorted by file name. */
  problems: FleetProblem[];
  /** Files beyond FLEET_MAX_FILES, not read. */
  notRead: number;
}

// ---------------------------------------------------------------- JSON text

/** One line of untrusted text, cut to `max` characters. */
function clip(s: string, max = MAX_MESSAGE): string {
  const clean = sanitizeText(s);
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

/** A value quoted in a message (untrusted: sanitised and short). */
function quote(v: unknown): string {
  if (typeof v === 'string') return `'${clip(v, 40)}'`;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

type Parsed = { ok: true; value: unknown } | { ok: false; kind: 'truncated' | 'malformed'; message: string };

function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * JSON.parse, with the failure told apart as "truncated" (the text stops where
 * more JSON was due: a copy cut short, a disk that filled up) or "malformed".
 * V8 reports a truncation as "Unexpected end of JSON input" or as an error at
 * the position just past the last non-blank character; only the position is
 * used, never the message itself.
 */
export function parseJsonText(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    const end = text.trimEnd().length;
    if (end === 0) return { ok: false, kind: 'truncated', message: 'the file is empty' };
    const at = /at position (\d+)/.exec(message);
    const pos = at ? Number(at[1]) : null;
    if (/end of JSON input/.test(message) || (pos !== null && pos >= end)) {
      return { ok: false, kind: 'truncated', message: `the JSON stops early (after ${text.length} characters)` };
    }
    return { ok: false, kind: 'malformed', message: pos !== null ? `not valid JSON (${lineAndColumn(text, pos)})` : 'not valid JSON' };
  }
}

// ---------------------------------------------------------------- report shape

// A hand-written check of the shape (the JSON Schema in assets/ says the same
// for tests; ajv is not a runtime dependency). Lenient where REPORT.md allows
// growth: unknown extra properties are ignored, so a report from a newer
// hardtop that only adds fields still reads.

class ShapeError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ShapeError(`${where}.${key} is ${v === undefined ? 'missing' : quote(v)}, not text`);
  return sanitizeText(v);
}

function optStr(o: Record<string, unknown>, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, where);
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[], what: string, where: string): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ShapeError(`${where}.${key} is ${v === undefined ? 'missing' : quote(v)}, not ${what}`);
  }
  return v as T;
}

function arr(o: Record<string, unknown>, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ShapeError(`${where}.${key} is ${v === undefined ? 'missing' : quote(v)}, not a list`);
  return v;
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw new ShapeError(`${where} is ${quote(v)}, not an object`);
  return v;
}

function evidenceOf(v: unknown, where: string): Evidence {
  const o = obj(v, where);
  const e: Evidence = {};
  const file = optStr(o, 'file', where);
  if (file !== undefined) e.file = file;
  if (o.line !== undefined) {
    if (typeof o.line !== 'number' || !Number.isInteger(o.line) || o.line < 1) throw new ShapeError(`${where}.line is ${quote(o.line)}, not a line number`);
    e.line = o.line;
  }
  const text = optStr(o, 'text', where);
  if (text !== undefined) e.text = text;
  const command = optStr(o, 'command', where);
  if (command !== undefined) e.command = command;
  return e;
}

function itemOf(v: unknown, where: string): Item {
  const o = obj(v, where);
  return {
    subject: str(o, 'subject', where),
    status: oneOf(o, 'status', STATUSES, 'a status', where),
    summary: str(o, 'summary', where),
    evidence: arr(o, 'evidence', where).map((e, i) => evidenceOf(e, `${where}.evidence[${i}]`)),
  };
}

function findingOf(v: unknown, where: string): Finding {
  const o = obj(v, where);
  const f: Finding = {
    id: str(o, 'id', where),
    area: oneOf(o, 'area', AREAS, 'an area', where),
    title: str(o, 'title', where),
    status: oneOf(o, 'status', STATUSES, 'a status', where),
    severity: oneOf(o, 'severity', SEVERITIES, 'a severity', where),
    summary: str(o, 'summary', where),
    evidence: arr(o, 'evidence', where).map((e, i) => evidenceOf(e, `${where}.evidence[${i}]`)),
    fixes: arr(o, 'fixes', where).map((x, i) => {
      if (typeof x !== 'string') throw new ShapeError(`${where}.fixes[${i}] is ${quote(x)}, not a fix id`);
      return sanitizeText(x);
    }),
  };
  if (o.items !== undefined) f.items = arr(o, 'items', where).map((it, i) => itemOf(it, `${where}.items[${i}]`));
  if (typeof o.durationMs === 'number') f.durationMs = o.durationMs;
  return f;
}

function areaCells(checks: readonly Finding[]): Partial<Record<Area, AreaCell>> {
  const cells: Partial<Record<Area, AreaCell>> = {};
  for (const c of checks) {
    const cell = cells[c.area];
    if (!cell || statusRank(c.status) > statusRank(cell.worst)) cells[c.area] = { worst: c.status, count: 1 };
    else if (c.status === cell.worst) cell.count++;
  }
  return cells;
}

/** A report object → a host row, or the reason it is not a report this hardtop reads. */
function hostFromReport(value: unknown, file: string, inventoryName: string | null): FleetHost | FleetProblem {
  const shownFile = clip(file);
  const fallbackName = inventoryName ?? shownFile;
  if (!isObject(value)) return { kind: 'malformed', file: shownFile, name: fallbackName, message: `${quote(value)} is not a hardtop report (not a JSON object)` };
  if (value.schema !== FLEET_SCHEMA) {
    const message =
      value.schema === undefined
        ? "no 'schema' field: not a hardtop report"
        : `schema ${quote(value.schema)} is not one this hardtop reads (${FLEET_SCHEMA})`;
    return { kind: 'unknown-schema', file: shownFile, name: fallbackName, message };
  }
  try {
    const host = obj(value.host, 'host');
    const hostname = str(host, 'hostname', 'host');
    const tool = isObject(value.tool) ? value.tool : {};
    const checks = arr(value, 'checks', 'report').map((c, i) => findingOf(c, `checks[${i}]`));
    const seen = new Set<string>();
    for (const c of checks) {
      if (seen.has(c.id)) throw new ShapeError(`check ${quote(c.id)} appears twice`);
      seen.add(c.id);
    }
    const summary = summarize(checks);
    const name = inventoryName ?? (hostname.trim() !== '' && hostname !== 'unknown' ? clip(hostname, 120) : shownFile);
    return {
      file: shownFile,
      name,
      hostname: clip(hostname, 120),
      source: inventoryName === null ? 'report' : 'ansible',
      score: summary.score,
      summary,
      areas: areaCells(checks),
      checks,
      os: typeof host.os === 'string' ? clip(host.os, 120) : '',
      kernel: typeof host.kernel === 'string' ? clip(host.kernel, 120) : '',
      root: typeof host.root === 'string' ? clip(host.root, 200) : '',
      version: typeof tool.version === 'string' ? clip(tool.version, 40) : '',
      startedAt: typeof value.startedAt === 'string' ? clip(value.startedAt, 40) : '',
      search: `${name}\n${hostname}\n${shownFile}`.toLowerCase(),
    };
  } catch (err) {
    // Only ShapeError is expected; anything else still must not take the fleet view down.
    const message = err instanceof ShapeError ? err.message : 'unexpected content';
    return { kind: 'malformed', file: shownFile, name: fallbackName, message: clip(message) };
  }
}

// ---------------------------------------------------------------- ansible --tree

/**
 * The per-host result files of `ansible --tree`: no `schema`, and the keys of
 * a task result. A task ansible could not even start (an undefined variable,
 * a missing module) leaves nothing but `msg`.
 */
function looksLikeAnsible(o: Record<string, unknown>): boolean {
  return o.schema === undefined && ('stdout' in o || 'unreachable' in o || 'rc' in o || 'failed' in o || typeof o.msg === 'string');
}

function firstLine(s: unknown): string {
  if (typeof s !== 'string') return '';
  return s.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
}

function hostFromAnsible(o: Record<string, unknown>, file: string): FleetHost | FleetProblem {
  // ansible names the file after the inventory host: that is the name the admin uses.
  const name = clip(file, 120);
  const shownFile = clip(file);
  if (o.unreachable === true) {
    return { kind: 'unreachable', file: shownFile, name, message: clip(`ansible could not reach the host: ${firstLine(o.msg) || 'no message'}`) };
  }
  const stdout = typeof o.stdout === 'string' ? o.stdout : '';
  const rc = typeof o.rc === 'number' ? o.rc : null;
  if (stdout.trim() === '') {
    const why = firstLine(o.stderr) || firstLine(o.msg) || 'no output';
    return { kind: 'run-failed', file: shownFile, name, message: clip(`hardtop printed no report${rc !== null ? ` (exit ${rc})` : ''}: ${why}`) };
  }
  const parsed = parseJsonText(stdout);
  if (!parsed.ok) return { kind: parsed.kind, file: shownFile, name, message: clip(`the task's stdout: ${parsed.message}`) };
  return hostFromReport(parsed.value, file, name);
}

// ---------------------------------------------------------------- the model

/** One file of DIR → a host row or a problem. Never throws. */
export function readFleetFile(input: FleetInput): FleetHost | FleetProblem {
  const file = clip(input.file);
  if ('error' in input) return { kind: 'unreadable', file, name: file, message: clip(input.error) };
  const parsed = parseJsonText(input.text);
  if (!parsed.ok) return { kind: parsed.kind, file, name: file, message: parsed.message };
  if (isObject(parsed.value) && looksLikeAnsible(parsed.value)) return hostFromAnsible(parsed.value, input.file);
  return hostFromReport(parsed.value, input.file, null);
}

export function isProblem(x: FleetHost | FleetProblem): x is FleetProblem {
  return 'kind' in x;
}

/** Lowest score first: the hosts that need attention lead. Ties: by name, then file. */
export function compareHosts(a: FleetHost, b: FleetHost): number {
  return a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}

export function buildFleet(inputs: readonly FleetInput[], notRead = 0): FleetModel {
  const hosts: FleetHost[] = [];
  const problems: FleetProblem[] = [];
  for (const input of inputs) {
    const r = readFleetFile(input);
    if (isProblem(r)) problems.push(r);
    else hosts.push(r);
  }
  hosts.sort(compareHosts);
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { hosts, problems, notRead };
}

/** Hosts whose name, hostname or file contains the text (case-insensitive); all for an empty filter. */
export function filterHosts(hosts: readonly FleetHost[], text: string): FleetHost[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...hosts];
  return hosts.filter((h) => h.search.includes(needle));
}

/** Problems matching the same filter (by name and file). */
export function filterProblems(problems: readonly FleetProblem[], text: string): FleetProblem[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...problems];
  return problems.filter((p) => `${p.name}\n${p.file}`.toLowerCase().includes(needle));
}
