// Setting keys in one fail2ban .local file (jail.d/hardtop.local), pure:
// every other line of the file (the admin's own sections, keys, comments)
// stays byte for byte. The file is first read with the same reader fail2ban
// uses (src/parse/fail2ban-ini.ts): a file fail2ban would refuse is not
// edited at all, because we cannot know which lines it means.
//
// A key that is set is replaced in place, with its continuation lines (a
// value indented over several lines goes as a whole); a key that is not
// set is added after the last value line of its section; a section that is
// not there is appended at the end, [DEFAULT] first.

import { DEFAULT_SECTION, parseFail2banIni, type ParsedIni } from '../../src/parse/fail2ban-ini';

export interface KeyChange {
  section: string;
  key: string;
  value: string;
}

export type LocalEdit = { ok: true; text: string } | { ok: false; why: string };

const COMMENT = /^\s*[#;]/;
const BLANK = /^\s*$/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function lineOf(key: string, value: string): string {
  // A multi-line value keeps fail2ban's continuation form: later lines indented.
  return `${key} = ${value.split('\n').join('\n    ')}`;
}

interface Span {
  /** 0-based first line and the line after the last. */
  start: number;
  end: number;
}

/** The key line and its continuation lines (not trailing blank or comment lines). */
function valueSpan(lines: string[], keyIndex: number): Span {
  const indent = indentOf(lines[keyIndex]);
  let end = keyIndex + 1;
  for (let i = keyIndex + 1; i < lines.length; i++) {
    const l = lines[i];
    if (BLANK.test(l) || COMMENT.test(l)) continue;
    if (indentOf(l) > indent) {
      end = i + 1;
      continue;
    }
    break;
  }
  return { start: keyIndex, end };
}

/** 0-based lines that open a section, as fail2ban's reader sees them. */
function headerLines(lines: string[], parsed: ParsedIni): Map<number, string> {
  const out = new Map<number, string>(parsed.sections.map((sec) => [sec.line - 1, sec.name]));
  // The reader does not record [DEFAULT]'s line: an unindented [DEFAULT] line is one.
  lines.forEach((l, i) => {
    if (/^\[DEFAULT\]\s*(?:;.*)?$/.test(l)) out.set(i, DEFAULT_SECTION);
  });
  return out;
}

/** Where a section's body ends: after its last value line (0-based, exclusive). */
function sectionEnd(lines: string[], headers: Map<number, string>, headerIndex: number): number {
  let end = headerIndex + 1;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    if (headers.has(i)) break;
    const l = lines[i];
    if (!BLANK.test(l) && !COMMENT.test(l)) end = i + 1;
  }
  return end;
}

/** One change on a file fail2ban accepts; the caller re-parses before the next. */
function applyOne(lines: string[], parsed: ParsedIni, c: KeyChange): boolean {
  const key = c.key.toLowerCase();
  const existing = c.section === DEFAULT_SECTION ? parsed.defaults.get(key) : parsed.sections.find((s) => s.name === c.section)?.options.get(key);
  if (existing && existing.value === c.value) return false; // already so: leave the admin's spelling alone
  if (existing) {
    const span = valueSpan(lines, existing.line - 1);
    const indent = lines[span.start].slice(0, indentOf(lines[span.start]));
    lines.splice(span.start, span.end - span.start, ...`${indent}${lineOf(c.key, c.value)}`.split('\n'));
    return true;
  }
  const headers = headerLines(lines, parsed);
  const header = [...headers].find(([, name]) => name === c.section)?.[0];
  if (header !== undefined) {
    lines.splice(sectionEnd(lines, headers, header), 0, ...lineOf(c.key, c.value).split('\n'));
    return true;
  }
  if (lines.length > 0 && !BLANK.test(lines[lines.length - 1])) lines.push('');
  lines.push(`[${c.section}]`, ...lineOf(c.key, c.value).split('\n'));
  return true;
}

/**
 * `text` (null: the file does not exist yet; it starts with `header`, a
 * comment) with every change applied. `file` is the host path, for messages.
 */
export function setLocalKeys(text: string | null, file: string, changes: readonly KeyChange[], header = ''): LocalEdit {
  for (const c of changes) {
    if (!/^[\w.-]+$/.test(c.key)) return { ok: false, why: `"${c.key}" is not a key name` };
    if (!/^[^[\]\n]+$/.test(c.section)) return { ok: false, why: `"${c.section}" is not a section name` };
    if (/\r/.test(c.value) || c.value.split('\n').some((l) => l.trim() === '' || COMMENT.test(l))) return { ok: false, why: `the value of ${c.key} has an empty or comment line` };
  }
  let source = text ?? header;
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  for (const c of changes) {
    const parsed = parseFail2banIni(source, file);
    const first = parsed.errors[0];
    if (first) return { ok: false, why: `${first.file}:${first.line}: ${first.message} (fail2ban refuses this file; fix it by hand first)` };
    const lines = source === '' ? [] : source.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (applyOne(lines, parsed, c)) source = lines.join(eol) + eol;
  }
  return { ok: true, text: source };
}
