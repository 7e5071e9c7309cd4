// authorized_keys parser (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), pure:
// text in, entries and problems out.
//
// It follows what sshd does (auth2-pubkeyfile.c, auth-options.c, sshkey.c;
// checked against OpenSSH 9.2p1) rather than a tidy grammar, because what
// matters is which keys sshd will accept:
// - leading spaces/tabs are skipped; empty lines and lines starting with '#'
//   are ignored;
// - sshd first tries to read a key at the start of the line; when that fails
//   the line starts with options, which run to the first space or tab that is
//   not inside "…" (`\"` escapes a quote), and the key must follow them;
// - options are comma-separated: flags (restrict, cert-authority, no-pty, …)
//   and `name="value"` (command, from, principals, expiry-time, environment,
//   permitopen, permitlisten, tunnel). A value is quoted and may hold commas
//   and spaces. An unknown option or a bad quote makes sshd reject the whole
//   line, so it is a problem here, not an entry;
// - a key is "TYPE BASE64 [comment]"; the type named on the line must be the
//   type inside the base64 blob;
// - a line that holds no key at all is skipped by sshd in silence: here it is
//   a problem with file:line, because an admin who wrote it believes it works.
// Nothing here throws; work is linear in the size of the text.

import { decodeBase64Strict, describePublicKeyBlob, isKnownKeyType, type PublicKeyFacts } from './ssh-key-blob';

export interface AuthorizedKeyOption {
  /** Lower-case name without a `no-` prefix: `pty`, `command`, `from` … */
  name: string;
  /** The dequoted value of a `name="value"` option. */
  value?: string;
  /** `no-pty` and friends. */
  negated: boolean;
}

export interface AuthorizedKey {
  file: string;
  line: number;
  /** The options as written (empty when there are none). */
  optionsText: string;
  options: AuthorizedKeyOption[];
  restrict: boolean;
  certAuthority: boolean;
  /** `from="…"` patterns, split on commas. */
  from?: string[];
  command?: string;
  principals?: string;
  expiryTime?: string;
  /** The type named on the line. */
  type: string;
  key: PublicKeyFacts;
  comment: string;
}

export interface AuthorizedKeysProblem {
  file: string;
  line: number;
  message: string;
  /** The start of the line, for evidence (at most 120 characters). */
  text: string;
}

export interface ParsedAuthorizedKeys {
  file: string;
  entries: AuthorizedKey[];
  problems: AuthorizedKeysProblem[];
  /** Lines that are empty or comments. */
  ignoredLines: number;
}

/** Options that take `="value"` (auth-options.c sshauthopt_parse, 9.2). */
const VALUE_OPTIONS = new Set(['command', 'principals', 'from', 'expiry-time', 'environment', 'permitopen', 'permitlisten', 'tunnel']);
/** Flags, and whether sshd accepts them with a `no-` prefix. */
const FLAG_OPTIONS: ReadonlyMap<string, boolean> = new Map([
  ['restrict', false],
  ['cert-authority', false],
  ['verify-required', false],
  ['port-forwarding', true],
  ['agent-forwarding', true],
  ['x11-forwarding', true],
  ['touch-required', true],
  ['pty', true],
  ['user-rc', true],
]);
/** Options sshd allows only once per line ("multiple … clauses"). */
const SINGLE_OPTIONS = new Set(['command', 'principals', 'from', 'expiry-time', 'tunnel']);

const EVIDENCE_CHARS = 120;

export function parseAuthorizedKeys(text: string, file: string): ParsedAuthorizedKeys {
  const out: ParsedAuthorizedKeys = { file, entries: [], problems: [], ignoredLines: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    let start = 0;
    while (start < raw.length && (raw[start] === ' ' || raw[start] === '\t')) start++;
    const line = stripLineEnd(raw.slice(start));
    if (line === '' || line.startsWith('#')) {
      if (i < lines.length - 1 || raw !== '') out.ignoredLines++;
      continue;
    }
    const r = parseAuthorizedKeyLine(line, file, lineNo);
    if (!r.ok && line.startsWith('\ufeff') && parseAuthorizedKeyLine(line.slice(1), file, lineNo).ok) {
      // Windows editors start files with a byte-order mark; sshd reads it as part of the key type.
      out.problems.push({ file, line: lineNo, message: 'a byte-order mark (BOM) before the key: sshd does not see this key', text: evidenceText(line.slice(1)) });
      continue;
    }
    if (r.ok) out.entries.push(r.entry);
    else out.problems.push({ file, line: lineNo, message: r.problem, text: evidenceText(line) });
  }
  return out;
}

type LineResult = { ok: true; entry: AuthorizedKey } | { ok: false; problem: string };

/** One non-empty, non-comment line (leading whitespace already skipped). */
export function parseAuthorizedKeyLine(line: string, file = '', lineNo = 0): LineResult {
  // sshd: try a key first; only when that fails, options come first.
  const direct = readKey(line);
  if (direct.ok) return { ok: true, entry: entry(file, lineNo, '', [], direct) };
  const end = endOfOptions(line);
  if (end === null) return { ok: false, problem: 'invalid key option string (a quote is not closed)' };
  const optionsText = line.slice(0, end);
  const rest = line.slice(end).replace(/^[ \t]+/, '');
  const keyAfter = readKey(rest);
  if (!keyAfter.ok) {
    // What sshd does: skip the line. Say why it would be skipped.
    if (direct.kind === 'bad-key') return { ok: false, problem: direct.problem };
    if (/^\d+\s+\d+\s+\d+/.test(line)) return { ok: false, problem: 'an SSH-1 RSA key ("bits exponent modulus"): OpenSSH has ignored these since protocol 1 was removed' };
    if (keyAfter.kind === 'bad-key') return { ok: false, problem: keyAfter.problem };
    return { ok: false, problem: rest === '' ? 'no key on this line' : `no key on this line (${describeToken(firstToken(rest))} is not a key type)` };
  }
  const opts = parseOptions(optionsText);
  if (!opts.ok) return { ok: false, problem: `bad key options: ${opts.problem} (sshd refuses this key)` };
  return { ok: true, entry: entry(file, lineNo, optionsText, opts.options, keyAfter) };
}

type KeyRead = { ok: true; type: string; key: PublicKeyFacts; comment: string } | { ok: false; kind: 'no-key' | 'bad-key'; problem: string };

/** sshkey_read: "TYPE BASE64[ comment]" at the start of `s`. */
function readKey(s: string): KeyRead {
  const typeEnd = indexOfBlank(s, 0);
  const type = s.slice(0, typeEnd === -1 ? s.length : typeEnd);
  if (!isKnownKeyType(type)) return { ok: false, kind: 'no-key', problem: 'no key' };
  if (typeEnd === -1) return { ok: false, kind: 'bad-key', problem: `${type} with no key data after it` };
  let i = typeEnd;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  if (i === s.length) return { ok: false, kind: 'bad-key', problem: `${type} with no key data after it` };
  const blobEnd = indexOfBlank(s, i);
  const b64 = s.slice(i, blobEnd === -1 ? s.length : blobEnd);
  const blob = decodeBase64Strict(b64);
  if (blob === null) return { ok: false, kind: 'bad-key', problem: `${type} key data is not valid base64` };
  const d = describePublicKeyBlob(blob, type);
  if (!d.ok) return { ok: false, kind: 'bad-key', problem: `${type} key: ${d.problem}` };
  const comment = blobEnd === -1 ? '' : s.slice(blobEnd).trim();
  return { ok: true, type, key: d.key, comment };
}

function entry(file: string, line: number, optionsText: string, options: AuthorizedKeyOption[], k: Extract<KeyRead, { ok: true }>): AuthorizedKey {
  const e: AuthorizedKey = {
    file,
    line,
    optionsText,
    options,
    restrict: options.some((o) => o.name === 'restrict'),
    certAuthority: options.some((o) => o.name === 'cert-authority'),
    type: k.type,
    key: k.key,
    comment: k.comment,
  };
  const value = (name: string) => options.find((o) => o.name === name)?.value;
  const from = value('from');
  if (from !== undefined) e.from = from.split(',').filter((p) => p !== '');
  const command = value('command');
  if (command !== undefined) e.command = command;
  const principals = value('principals');
  if (principals !== undefined) e.principals = principals;
  const expiry = value('expiry-time');
  if (expiry !== undefined) e.expiryTime = expiry;
  return e;
}

/** sshkey_advance_past_options: index of the first unquoted space/tab, or null on an unclosed quote. */
function endOfOptions(s: string): number | null {
  let quoted = false;
  let i = 0;
  for (; i < s.length && (quoted || (s[i] !== ' ' && s[i] !== '\t')); i++) {
    if (s[i] === '\\' && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  return i === s.length && quoted ? null : i;
}

type OptionsResult = { ok: true; options: AuthorizedKeyOption[] } | { ok: false; problem: string };

/** sshauthopt_parse over the option string (which holds no unquoted blank). */
export function parseOptions(s: string): OptionsResult {
  const options: AuthorizedKeyOption[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && s[j] !== ',' && s[j] !== '=' && s[j] !== '"') j++;
    const written = s.slice(i, j).toLowerCase();
    if (j < s.length && s[j] === '=') {
      if (!VALUE_OPTIONS.has(written)) return { ok: false, problem: `unsupported option "${clip(s.slice(i, j))}"` };
      if (s[j + 1] !== '"') return { ok: false, problem: `${written}= needs a quoted value` };
      const v = dequote(s, j + 1);
      if (v === null) return { ok: false, problem: `${written}= is missing its closing quote` };
      if (SINGLE_OPTIONS.has(written) && seen.has(written)) return { ok: false, problem: `more than one ${written}= option` };
      seen.add(written);
      options.push({ name: written, value: v.value, negated: false });
      i = v.end;
    } else {
      const negated = written.startsWith('no-') && FLAG_OPTIONS.get(written.slice(3)) === true;
      const name = negated ? written.slice(3) : written;
      if (!FLAG_OPTIONS.has(name)) {
        return { ok: false, problem: written === '' ? 'an empty option' : `unsupported option "${clip(s.slice(i, j))}"` };
      }
      options.push({ name, negated });
      i = j;
    }
    if (i >= s.length) break;
    if (s[i] !== ',') return { ok: false, problem: `unexpected "${clip(s.slice(i, i + 10))}" after an option` };
    i++;
    if (i === s.length) return { ok: false, problem: 'an empty option after the last comma' };
  }
  return { ok: true, options };
}

/** opt_dequote: `"…"` starting at `at`, `\"` is a quote; returns the value and the index after the closing quote. */
function dequote(s: string, at: number): { value: string; end: number } | null {
  let value = '';
  for (let i = at + 1; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '"') {
      value += '"';
      i++;
    } else if (s[i] === '"') {
      return { value, end: i + 1 };
    } else {
      value += s[i];
    }
  }
  return null;
}

function indexOfBlank(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (s[i] === ' ' || s[i] === '\t') return i;
  return -1;
}

function firstToken(s: string): string {
  const end = indexOfBlank(s, 0);
  return s.slice(0, end === -1 ? s.length : end);
}

function describeToken(token: string): string {
  return `"${clip(token)}"`;
}

/** CR of a CRLF file and other trailing line-end whitespace. */
function stripLineEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '\r' || s[end - 1] === '\n')) end--;
  return s.slice(0, end);
}

function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function evidenceText(line: string): string {
  return line.length > EVIDENCE_CHARS ? `${line.slice(0, EVIDENCE_CHARS - 3)}...` : line;
}

/** The options of an entry as a short human list: `restrict, from="10.0.0.0/8", command="…"`. */
export function describeOptions(e: AuthorizedKey, max = 200, valueMax = 80): string {
  if (e.options.length === 0) return '';
  const parts = e.options.map((o) => (o.value !== undefined ? `${o.name}="${clip(o.value, valueMax)}"` : `${o.negated ? 'no-' : ''}${o.name}`));
  const text = parts.join(',');
  return clip(text, max);
}
