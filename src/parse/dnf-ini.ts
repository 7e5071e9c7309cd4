// dnf's ini files (/etc/dnf/automatic.conf, dnf5's plugin defaults), pure.
//
// It mirrors libdnf's IniParser (libdnf/utils/iniparser/iniparser.cpp, the
// parser dnf-automatic reads these files with) as libdnf 0.69 has it (RHEL 9's
// and Debian 12's: test/checks/updates-dnf.test.ts compares the two on ugly
// files), rather than a generic ini grammar, because what counts is what dnf
// will believe:
// - a comment is a line whose FIRST character is `#` or `;`; an indented
//   `# …` after a key is a continuation line, i.e. part of the value;
// - a comment line or an empty line ends a value; a line of only spaces
//   inside a value is kept as an empty line when a continuation follows it;
// - `[section]`, optionally followed by a `#`/`;` comment; anything else after
//   the `]` is an error ("Text after section");
// - `key = value`: key and value trimmed of spaces and tabs; no inline
//   comments (`apply_updates = yes # on` is the value "yes # on"); one pair
//   of matching quotes around the whole value is dropped;
// - a line starting with whitespace continues the previous value ("\n" + text);
// - a later key in the same section replaces an earlier one.
// libdnf refuses the whole file on an error (dnf-automatic exits), so the
// first error is reported with its file:line and parsing stops there.
//
// Booleans follow libdnf's OptionBool: 1/yes/true/on and 0/no/false/off,
// case-insensitive; anything else is an error for dnf.

export interface DnfIniValue {
  section: string;
  key: string;
  value: string;
  file: string;
  /** Line of the `key =` line (1-based). */
  line: number;
}

export interface DnfIniError {
  file: string;
  line: number;
  message: string;
}

export interface ParsedDnfIni {
  file: string;
  /** Every assignment in file order (later ones win). */
  values: DnfIniValue[];
  /** Sections in the order they appear, with the line of their header. */
  sections: { name: string; line: number }[];
  /** At most one: libdnf stops at the first. */
  error: DnfIniError | null;
}

/** libdnf's own messages, so the admin can search for them. */
const MESSAGES = {
  missingBracket: "IniParser: Missing ']'",
  emptySection: 'IniParser: Empty section name',
  textAfterSection: 'IniParser: Text after section',
  missingSection: 'IniParser: Missing section header',
  illegalContinuation: 'IniParser: Illegal continuation line',
  missingKey: 'IniParser: Missing key',
  missingEqual: "IniParser: Missing '='",
} as const;

function firstNotOf(s: string, chars: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (!chars.includes(s[i])) return i;
  return -1;
}

function lastNotOf(s: string, chars: string, from = s.length - 1): number {
  for (let i = Math.min(from, s.length - 1); i >= 0; i--) if (!chars.includes(s[i])) return i;
  return -1;
}

/** Never throws. */
export function parseDnfIni(text: string, file: string): ParsedDnfIni {
  const result: ParsedDnfIni = { file, values: [], sections: [], error: null };
  const lines = text.split('\n');
  if (lines.length > 0 && lines[0].startsWith('\uFEFF')) lines[0] = lines[0].slice(1);
  let section = '';
  let open: DnfIniValue | null = null;
  /** Whitespace-only lines seen inside the open value: kept only if a continuation follows. */
  let blanks = 0;
  const fail = (line: number, message: string) => {
    result.error = { file, line, message };
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i];
    if (line === '' || line[0] === '#' || line[0] === ';') {
      open = null;
      continue;
    }
    const start = firstNotOf(line, ' \t\r');
    if (start === -1) {
      if (open) blanks++;
      continue;
    }
    const end = lastNotOf(line, ' \t\r');

    if (line[start] === '[') {
      open = null;
      const close = line.indexOf(']', start + 1);
      if (close === -1) return (fail(lineNo, MESSAGES.missingBracket), result);
      if (close === start + 1) return (fail(lineNo, MESSAGES.emptySection), result);
      for (let j = close + 1; j < end; j++) {
        const ch = line[j];
        if (ch === '#' || ch === ';') break;
        if (ch !== ' ' && ch !== '\t' && ch !== '\r') return (fail(lineNo, MESSAGES.textAfterSection), result);
      }
      // libdnf scans up to (not including) the last non-blank character: `[a]x` is accepted as [a].
      section = line.slice(start + 1, close);
      result.sections.push({ name: section, line: lineNo });
      continue;
    }
    if (section === '') return (fail(lineNo, MESSAGES.missingSection), result);
    if (start > 0) {
      if (!open) return (fail(lineNo, MESSAGES.illegalContinuation), result);
      open.value += `${'\n'.repeat(blanks)}\n${line.slice(start, end + 1)}`;
      blanks = 0;
      continue;
    }
    if (line[start] === '=') return (fail(lineNo, MESSAGES.missingKey), result);
    const eq = line.indexOf('=');
    if (eq === -1) return (fail(lineNo, MESSAGES.missingEqual), result);
    const keyEnd = lastNotOf(line, ' \t', eq - 1);
    const valueStart = firstNotOf(line, ' \t', eq + 1);
    const key = line.slice(start, keyEnd + 1);
    const value = valueStart === -1 || valueStart > end ? '' : line.slice(valueStart, end + 1);
    open = { section, key, value, file, line: lineNo };
    blanks = 0;
    result.values.push(open);
  }
  for (const v of result.values) v.value = unquote(v.value);
  return result;
}

/** libdnf drops one pair of matching quotes around a whole value (`"shutdown -r"` → shutdown -r). */
function unquote(value: string): string {
  const q = value[0];
  return value.length >= 2 && (q === '"' || q === "'") && value[value.length - 1] === q ? value.slice(1, -1) : value;
}

/** The winning value of `section.key` in one or more parsed files, read in order (later files win). */
export function dnfIniGet(files: readonly ParsedDnfIni[], section: string, key: string): DnfIniValue | undefined {
  let found: DnfIniValue | undefined;
  for (const f of files) for (const v of f.values) if (v.section === section && v.key === key) found = v;
  return found;
}

/** libdnf's OptionBool: true/false, or null when dnf would reject the value. */
export function dnfBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(v)) return true;
  if (['0', 'no', 'false', 'off'].includes(v)) return false;
  return null;
}

export interface DnfIniSetting {
  section: string;
  key: string;
  value: string;
}

export type DnfIniEdit = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The file's text with each setting in force, everything else byte for byte:
 * the value on the line of the winning key is replaced (a multi-line value
 * loses its continuation lines), a missing key goes right after the last
 * assignment of its section (or after the header), a missing section is
 * appended. The result is re-parsed and refused unless every setting holds.
 */
export function setDnfIniValues(before: string | null, file: string, settings: readonly DnfIniSetting[], header: readonly string[] = []): DnfIniEdit {
  const text0 = before ?? (header.length > 0 ? `${header.join('\n')}\n` : '');
  const parsed0 = parseDnfIni(text0, file);
  if (parsed0.error) return { ok: false, reason: `${file}:${parsed0.error.line}: ${parsed0.error.message}: fix that file first` };
  const eol = text0.includes('\r\n') ? '\r\n' : '\n';
  let lines = text0 === '' ? [] : text0.split('\n');
  // A final "\n" leaves one empty element: keep it aside so appends land before it.
  const trailingNewline = lines.length > 1 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const cr = eol === '\r\n' ? '\r' : '';

  for (const s of settings) {
    const parsed = parseDnfIni(lines.join('\n') + '\n', file);
    const current = dnfIniGet([parsed], s.section, s.key);
    if (current && current.value === s.value) continue;
    if (current) {
      const idx = current.line - 1;
      const line = lines[idx];
      const eq = line.indexOf('=');
      const valueStart = firstNotOf(line, ' \t', eq + 1);
      const keep = valueStart === -1 ? `${line.replace(/\r$/, '')} ` : line.slice(0, valueStart);
      // Continuation lines of the old value go: they were part of it.
      let extra = 0;
      for (let j = idx + 1; j < lines.length; j++) {
        const l = lines[j];
        if (l[0] === '#' || l[0] === ';') break;
        const st = firstNotOf(l, ' \t\r');
        if (st === -1) break;
        if (st > 0 && l[st] !== '[') extra++;
        else break;
      }
      lines = [...lines.slice(0, idx), `${keep}${s.value}${cr}`, ...lines.slice(idx + 1 + extra)];
      continue;
    }
    const newLine = `${s.key} = ${s.value}${cr}`;
    const inSection = parsed.values.filter((v) => v.section === s.section);
    const headerAt = parsed.sections.filter((h) => h.name === s.section).at(-1);
    if (inSection.length > 0 || headerAt) {
      // After the last assignment of the section (its continuation lines included), else after the header.
      let at = inSection.length > 0 ? (inSection.at(-1) as DnfIniValue).line : (headerAt as { line: number }).line;
      while (at < lines.length && /^[ \t]/.test(lines[at]) && firstNotOf(lines[at], ' \t\r') !== -1 && inSection.length > 0) at++;
      lines = [...lines.slice(0, at), newLine, ...lines.slice(at)];
      continue;
    }
    if (lines.length > 0 && lines[lines.length - 1].replace(/\r$/, '') !== '') lines.push(cr);
    lines.push(`[${s.section}]${cr}`, newLine);
  }
  const text = lines.join('\n') + '\n';
  const check = parseDnfIni(text, file);
  if (check.error) return { ok: false, reason: `the edited ${file} would not parse: ${check.error.message}` };
  for (const s of settings) {
    if (dnfIniGet([check], s.section, s.key)?.value !== s.value) return { ok: false, reason: `cannot set [${s.section}] ${s.key} in ${file} safely` };
  }
  return { ok: true, text };
}
