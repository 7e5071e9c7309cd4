// One fail2ban config file (jail.conf, fail2ban.local, filter.d/x.conf …), pure.
//
// fail2ban reads its files with Python's configparser.ConfigParser
// (fail2ban/client/configparserinc.py: inline comments after ";" only,
// strict mode, keys case-insensitive), so this mirrors that reader rather
// than a tidy ini grammar, because what counts is what fail2ban believes:
// - "#" and ";" start a comment line; ";" after whitespace starts an inline
//   comment; "#" after a value is part of the value;
// - `key = value` or `key: value`, the key ends at the first "=" or ":";
// - a line indented deeper than its option's line continues the value (even
//   when it looks like `key = value`: the classic surprise); blank lines
//   inside a value are kept, trailing ones dropped;
// - `[name]` opens a section; [DEFAULT] feeds every section; section names
//   are case-sensitive, keys are lower-cased;
// - a key twice in one section, a section twice in one file, text before
//   the first section, or a line that is not `key = value` makes Python
//   refuse the whole file — and fail2ban refuses to start. Those are
//   `errors` here, each with file:line; the caller must not trust the rest.

export interface IniValue {
  value: string;
  /** Host path of the file and 1-based line of the key. */
  file: string;
  line: number;
}

/** Keys are lower-cased (configparser's optionxform); insertion order kept. */
export type IniOptions = Map<string, IniValue>;

export interface IniSection {
  name: string;
  line: number;
  options: IniOptions;
}

export interface IniProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedIni {
  file: string;
  defaults: IniOptions;
  /** In order of first appearance; [DEFAULT] is not among them. */
  sections: IniSection[];
  /** Anything that makes Python's reader reject the file. */
  errors: IniProblem[];
}

export const DEFAULT_SECTION = 'DEFAULT';

/** Python's str.isspace() (not JS's trim set, which also eats U+FEFF). */
const PY_SPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

function isPySpace(c: string | undefined): boolean {
  return c !== undefined && PY_SPACE.test(c);
}

function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s[start])) start++;
  while (end > start && isPySpace(s[end - 1])) end--;
  return s.slice(start, end);
}

function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isPySpace(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Where the text before a comment ends, or null when the line holds no comment. */
function commentStart(line: string): number | null {
  if (/^[#;]/.test(pyStrip(line))) return 0;
  for (let i = line.indexOf(';'); i !== -1; i = line.indexOf(';', i + 1)) {
    if (i === 0 || isPySpace(line[i - 1])) return i;
  }
  return null;
}

function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) if (!isPySpace(line[i])) return i;
  return 0;
}

/** Shortened, printable copy of a line for a message. */
function quoteLine(line: string): string {
  const t = pyStrip(line);
  return JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t);
}

interface OpenValue {
  parts: string[];
  target: IniValue;
}

export function parseFail2banIni(text: string, file: string): ParsedIni {
  const defaults: IniOptions = new Map();
  const sections: IniSection[] = [];
  const errors: IniProblem[] = [];
  const byName = new Map<string, IniSection>();
  const seenSections = new Set<string>();
  const seenKeys = new Set<string>();
  const values: OpenValue[] = [];

  let current: IniOptions | null = null;
  let currentName = '';
  let open: OpenValue | null = null;
  let indentLevel = 0;

  // Python reads text files with universal newlines.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    const cut = commentStart(raw);
    const value = pyStrip(cut === null ? raw : raw.slice(0, cut));
    if (value === '') {
      // A blank line inside a value belongs to it (empty_lines_in_values);
      // a comment line does not.
      if (cut === null && open) open.parts.push('');
      continue;
    }
    const indent = firstNonSpace(raw);
    if (current && open && indent > indentLevel) {
      open.parts.push(value);
      continue;
    }
    indentLevel = indent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      const name = header[1];
      open = null;
      currentName = name;
      if (name === DEFAULT_SECTION) {
        current = defaults;
        continue;
      }
      if (seenSections.has(name)) {
        errors.push({ file, line: lineNo, message: `section [${name}] appears twice in this file` });
        return { file, defaults, sections, errors };
      }
      seenSections.add(name);
      const section: IniSection = { name, line: lineNo, options: new Map() };
      byName.set(name, section);
      sections.push(section);
      current = section.options;
      continue;
    }
    if (!current) {
      errors.push({ file, line: lineNo, message: `text before the first [section]: ${quoteLine(raw)}` });
      return { file, defaults, sections, errors };
    }
    const option = /^(.*?)\s*[=:]\s*(.*)$/s.exec(value);
    const name = option ? pyRstrip(option[1]) : '';
    if (!option || name === '') {
      // Python collects these and rejects the file at its end.
      errors.push({ file, line: lineNo, message: `not a "key = value" line: ${quoteLine(raw)}` });
      open = null;
      continue;
    }
    const key = name.toLowerCase();
    const seen = `${currentName}\0${key}`;
    if (seenKeys.has(seen)) {
      errors.push({ file, line: lineNo, message: `option "${key}" appears twice in section [${currentName}]` });
      return { file, defaults, sections, errors };
    }
    seenKeys.add(seen);
    const target: IniValue = { value: '', file, line: lineNo };
    current.set(key, target);
    open = { parts: [pyStrip(option[2])], target };
    values.push(open);
  }
  for (const v of values) v.target.value = pyRstrip(v.parts.join('\n'));
  return { file, defaults, sections, errors };
}
