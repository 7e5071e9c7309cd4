// apt.conf parser and merger (apt.conf(5)), pure: text in, structure out.
//
// It mirrors apt-pkg's ReadConfigFile (apt-pkg/contrib/configuration.cc) rather
// than a tidy grammar, because what matters is what apt itself will believe:
// - comments: `//` and `#` to end of line and `/* … */` across lines, each
//   ignored inside a quoted string (apt decides "inside" by counting quotes
//   on the line before it);
// - a statement ends at `;`, `{` or `}` outside quotes and may span lines;
// - `Tag "value";` sets, `Scope { Tag "v"; };` nests (keys join with `::`),
//   a bare `"value";` inside a scope (or a key ending in `::`) appends to a list;
// - `#clear Key;` empties a subtree, `#include path;` reads another file or
//   directory: both only at the top level;
// - keys are case-insensitive; a later value replaces an earlier one.
// apt refuses to run on a syntax error, so we report the same ones it does, with
// its wording and file:line, and stop reading that file where apt stops.

export type AptConfOp = 'set' | 'append' | 'clear' | 'include';

export interface AptConfEntry {
  op: AptConfOp;
  /** Scoped key as written, e.g. `APT::Periodic::Unattended-Upgrade`; '' for include. */
  key: string;
  /** The value (set/append), the included path (include), '' for clear. */
  value: string;
  file: string;
  /** Line where the statement starts (1-based). */
  line: number;
}

export interface AptConfProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedAptConf {
  file: string;
  entries: AptConfEntry[];
  /** What apt rejects ("Syntax error file:line: …"); parsing of the file stopped there. */
  errors: AptConfProblem[];
  /** Oddities apt silently accepts (a stray `}`, an unclosed block or comment). */
  warnings: AptConfProblem[];
}

/** apt's isspace(): the C locale's whitespace, not Unicode's. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function stripSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start])) start++;
  while (end > start && isSpace(s[end - 1])) end--;
  return s.slice(start, end);
}

function quotesBefore(s: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index; i++) if (s[i] === '"') n++;
  return n;
}

/** `#clear`, `#include` and `#x-apt-configure-index` are directives, not comments. */
const HASH_DIRECTIVES = ['clear', 'include', 'x-apt-configure-index'];

/** Cut `//` and `#` comments that are not inside a quoted string. */
function cutLineComments(line: string): string {
  let start = 0;
  while ((start = line.indexOf('//', start)) !== -1) {
    if (quotesBefore(line, start) % 2 !== 0) {
      start++;
      continue;
    }
    line = line.slice(0, start);
    break;
  }
  start = 0;
  while ((start = line.indexOf('#', start)) !== -1) {
    const isDirective = HASH_DIRECTIVES.some((d) => line.startsWith(d, start + 1));
    if (quotesBefore(line, start) % 2 !== 0 || isDirective) {
      start++;
      continue;
    }
    line = line.slice(0, start);
    break;
  }
  return line;
}

interface Word {
  word: string;
  rest: string;
}

/**
 * apt's ParseQuoteWord: one whitespace-delimited word in which "…" and […]
 * may hold spaces; quotes are dropped and %XX escapes decoded.
 */
function parseQuoteWord(s: string): Word | null {
  let c = 0;
  while (s[c] === ' ') c++;
  if (c >= s.length) return null;
  const begin = c;
  for (; c < s.length && !isSpace(s[c]); c++) {
    if (s[c] === '"') {
      c = s.indexOf('"', c + 1);
      if (c === -1) return null;
    }
    if (s[c] === '[') {
      c = s.indexOf(']', c + 1);
      if (c === -1) return null;
    }
  }
  const raw = s.slice(begin, c);
  const word = raw
    .replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/"/g, '');
  while (c < s.length && isSpace(s[c])) c++;
  return { word, rest: s.slice(c) };
}

/** apt's ParseCWord: one or more "…" strings, concatenated; anything unquoted fails. */
function parseCWord(s: string): Word | null {
  let c = 0;
  while (s[c] === ' ') c++;
  if (c >= s.length) return null;
  let out = '';
  for (; c < s.length; c++) {
    if (s[c] === '"') {
      const close = s.indexOf('"', c + 1);
      if (close === -1) return null;
      out += s.slice(c + 1, close);
      c = close;
      continue;
    }
    if (c !== 0 && isSpace(s[c]) && isSpace(s[c - 1])) continue;
    if (!isSpace(s[c])) return null;
    out += ' ';
  }
  return { word: out, rest: '' };
}

/** Thrown inside the parser only, to stop at the first error as apt does. */
class StopAtSyntaxError {
  constructor(
    readonly line: number,
    readonly message: string,
  ) {}
}

/**
 * Parse one apt.conf file. Never throws: a syntax error ends the parse (as it
 * ends apt's) and is returned in `errors` with file:line.
 */
export function parseAptConf(text: string, file: string): ParsedAptConf {
  const result: ParsedAptConf = { file, entries: [], errors: [], warnings: [] };
  // No pop of the empty string after a final newline: apt counts that last
  // (empty) read as a line too, and its "end of file" errors name it.
  const lines = text.split('\n');

  const scopeStack: string[] = [];
  let parent = '';
  let buffer = '';
  let bufferLine = 0;
  let inComment = false;
  let commentLine = 0;
  let lineNo = 0;

  const syntax = (message: string) => new StopAtSyntaxError(lineNo, `Syntax error ${file}:${lineNo}: ${message}`);

  const leaveScope = () => {
    if (scopeStack.length === 0) {
      if (parent === '') result.warnings.push({ file, line: lineNo, message: `${file}:${lineNo}: '}' closes no block` });
      parent = '';
    } else {
      parent = scopeStack.pop() as string;
    }
  };

  const statement = (text: string, term: string, startLine: number) => {
    const tagWord = parseQuoteWord(text);
    if (!tagWord) throw syntax('Malformed tag');
    let tag = tagWord.word;
    let rest = tagWord.rest;
    let word = '';
    let noWord = false;
    const value = parseCWord(rest) ?? parseQuoteWord(rest);
    if (value) {
      word = value.word;
      rest = value.rest;
    } else if (term !== '{') {
      // A lone word is a list item: `"value";` inside a scope.
      word = tag;
      tag = '';
    } else {
      noWord = true;
    }
    if (rest.length !== 0) throw syntax('Extra junk after value');

    if (term === '{') {
      scopeStack.push(parent);
      parent = parent === '' ? tag : `${parent}::${tag}`;
      tag = '';
    }

    let item: string;
    if (parent === '') item = tag;
    else if (term !== '{' || tag !== '') item = `${parent}::${tag}`;
    else item = parent;

    if (tag.startsWith('#')) {
      if (parent !== '') throw syntax('Directives can only be done at the top level');
      const directive = tag.slice(1);
      if (directive === 'clear') result.entries.push({ op: 'clear', key: word, value: '', file, line: startLine });
      else if (directive === 'include') result.entries.push({ op: 'include', key: '', value: word, file, line: startLine });
      else if (directive === 'x-apt-configure-index') {
        // Only apt's own documentation tooling uses it; nothing to model.
      } else throw syntax(`Unsupported directive '${directive}'`);
      return;
    }
    if (tag === '' && !noWord && word === '#clear') {
      throw syntax('clear directive requires an option tree as argument');
    }
    if (noWord) return;
    // A key ending in "::" (an empty last component) is how apt appends to a list.
    if (item === '' || item.endsWith('::')) {
      result.entries.push({ op: 'append', key: item.replace(/::$/, ''), value: word, file, line: startLine });
    } else {
      result.entries.push({ op: 'set', key: item, value: word, file, line: startLine });
    }
  };

  try {
    for (const rawLine of lines) {
      lineNo++;
      let line = stripSpace(rawLine.replace(/\t/g, '        '));

      if (inComment) {
        const end = line.indexOf('*/');
        if (end === -1) continue;
        line = line.slice(end + 2);
        inComment = false;
      }

      line = cutLineComments(line);

      let fragment = '';
      let start = 0;
      while ((start = line.indexOf('/*', start)) !== -1) {
        if (quotesBefore(line, start) % 2 !== 0) {
          start += 2;
          continue;
        }
        fragment += line.slice(0, start);
        const end = line.indexOf('*/', start + 2);
        if (end === -1) {
          line = '';
          inComment = true;
          commentLine = lineNo;
          break;
        }
        line = line.slice(end + 2);
        start = 0;
      }
      fragment += line;
      if (fragment === '') continue;

      let inQuote = false;
      let pieceStart = 0;
      for (let i = 0; i < fragment.length; i++) {
        const ch = fragment[i];
        if (ch === '"') inQuote = !inQuote;
        if (inQuote || (ch !== '{' && ch !== ';' && ch !== '}')) continue;

        const piece = stripSpace(fragment.slice(pieceStart, i));
        if (buffer === '' && piece !== '') bufferLine = lineNo;
        if (buffer !== '' && piece !== '') buffer += ' ';
        buffer += piece;
        pieceStart = i + 1;

        if (ch === '{' && buffer === '') throw syntax('Block starts with no name.');
        if (buffer === '') {
          if (ch === '}') leaveScope();
          continue;
        }
        statement(buffer, ch, bufferLine);
        buffer = '';
        if (ch === '}') leaveScope();
      }
      const remainder = stripSpace(fragment.slice(pieceStart));
      if (remainder !== '') {
        if (buffer === '') bufferLine = lineNo;
        else buffer += ' ';
        buffer += remainder;
      }
    }
    if (buffer !== '') throw syntax('Extra junk at end of file');
  } catch (e) {
    // Anything else would be a bug here; it still must not escape as a throw.
    const stop = e instanceof StopAtSyntaxError ? e : new StopAtSyntaxError(lineNo, `${file}:${lineNo}: parser failure: ${String(e)}`);
    result.errors.push({ file, line: stop.line, message: stop.message });
    return result;
  }

  if (inComment) result.warnings.push({ file, line: commentLine, message: `${file}:${commentLine}: '/*' comment never closed` });
  if (scopeStack.length > 0) result.warnings.push({ file, line: lineNo, message: `${file}:${lineNo}: ${scopeStack.length} block(s) never closed` });
  return result;
}

// ---------------------------------------------------------------------------
// Which files apt reads from a parts directory (apt.conf.d), and in what order.

/**
 * apt's GetListOfFilesInDir(dir, "conf", sort, allowNoExt): no hidden files;
 * the extension must be ".conf" or absent; only [A-Za-z0-9_:.-]; not ending in
 * "."; sorted by byte value. So "50unattended-upgrades.ucf-dist" and
 * "20auto-upgrades.dpkg-old" are ignored, which is the point: they are what a
 * package upgrade leaves behind.
 */
export function isAptConfPartName(name: string): boolean {
  if (name === '' || name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  if (dot !== -1 && name.slice(dot + 1) !== 'conf') return false;
  if (!/^[A-Za-z0-9_:.-]+$/.test(name)) return false;
  return !name.endsWith('.');
}

export function aptConfPartsInOrder(names: readonly string[]): string[] {
  // Byte order, as std::sort on std::string: not the locale's collation.
  return names.filter(isAptConfPartName).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------
// Merging: apply every file's statements to one tree, in the order apt reads.

/** One value in the merged configuration, with the statement that set it. */
export interface AptValue {
  key: string;
  value: string;
  file: string;
  line: number;
}

interface AptNode {
  tag: string;
  value?: string;
  file?: string;
  line?: number;
  children: AptNode[];
}

export interface MergedAptConf {
  /** Files applied, in order. */
  files: string[];
  errors: AptConfProblem[];
  warnings: AptConfProblem[];
  /** `#include` statements the merge saw but did not follow (it does no I/O). */
  includes: AptConfEntry[];
  /** The value of a key (case-insensitive), with the file:line that set it last. */
  get(key: string): AptValue | undefined;
  /** The list items under a key (`Key { "a"; "b"; };`), in order, after every #clear. */
  list(key: string): AptValue[];
  /** Every value, tree order, keys as `apt-config dump` prints them (a list item's key ends in "::"). */
  dump(): AptValue[];
}

function splitKey(key: string): string[] {
  return key === '' ? [] : key.split('::');
}

function sameTag(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * apt's Configuration::Lookup: walk the tree case-insensitively; an empty
 * component always creates a new (list) child, appended at the end.
 */
function lookup(root: AptNode, parts: readonly string[], create: boolean): AptNode | undefined {
  let node = root;
  for (const part of parts) {
    let next = part === '' ? undefined : node.children.find((c) => sameTag(c.tag, part));
    if (!next) {
      if (!create) return undefined;
      next = { tag: part, children: [] };
      node.children.push(next);
    }
    node = next;
  }
  return node;
}

function fullKey(root: AptNode, parts: readonly string[]): string {
  // Report the spelling the tree first saw (apt keeps the first one too).
  const spelled: string[] = [];
  let node: AptNode | undefined = root;
  for (const part of parts) {
    node = node?.children.find((c) => sameTag(c.tag, part));
    spelled.push(node ? node.tag : part);
  }
  return spelled.join('::');
}

/**
 * Merge parsed files in the order given (apt: apt.conf.d parts in
 * aptConfPartsInOrder order, then apt.conf). Later values win, list items
 * append, `#clear` empties a subtree. Pure: includes are listed, not read;
 * a caller that can read files splices the included file's entries in place.
 */
export function mergeAptConf(files: readonly ParsedAptConf[]): MergedAptConf {
  const root: AptNode = { tag: '', children: [] };
  const merged: MergedAptConf = {
    files: [],
    errors: [],
    warnings: [],
    includes: [],
    get(key) {
      const parts = splitKey(key);
      const node = lookup(root, parts, false);
      if (!node || node.value === undefined || node.file === undefined || node.line === undefined) return undefined;
      return { key: fullKey(root, parts), value: node.value, file: node.file, line: node.line };
    },
    list(key) {
      const parts = splitKey(key);
      const node = lookup(root, parts, false);
      if (!node) return [];
      const name = fullKey(root, parts);
      return node.children
        .filter((c) => c.value !== undefined && c.file !== undefined && c.line !== undefined)
        .map((c) => ({ key: c.tag === '' ? name : `${name}::${c.tag}`, value: c.value as string, file: c.file as string, line: c.line as number }));
    },
    dump() {
      const out: AptValue[] = [];
      const walk = (node: AptNode, key: string | null) => {
        for (const child of node.children) {
          const childKey = key === null ? child.tag : `${key}::${child.tag}`;
          if (child.value !== undefined && child.file !== undefined && child.line !== undefined) {
            out.push({ key: childKey, value: child.value, file: child.file, line: child.line });
          }
          walk(child, childKey);
        }
      };
      walk(root, null);
      return out;
    },
  };

  for (const parsed of files) {
    merged.files.push(parsed.file);
    merged.errors.push(...parsed.errors);
    merged.warnings.push(...parsed.warnings);
    for (const entry of parsed.entries) applyEntry(root, entry, merged);
  }
  return merged;
}

function applyEntry(root: AptNode, entry: AptConfEntry, merged: MergedAptConf): void {
  switch (entry.op) {
    case 'set': {
      const node = lookup(root, splitKey(entry.key), true) as AptNode;
      Object.assign(node, { value: entry.value, file: entry.file, line: entry.line });
      return;
    }
    case 'append': {
      const parent = lookup(root, splitKey(entry.key), true) as AptNode;
      parent.children.push({ tag: '', value: entry.value, file: entry.file, line: entry.line, children: [] });
      return;
    }
    case 'clear': {
      const node = lookup(root, splitKey(entry.key), false);
      if (node) {
        node.value = undefined;
        node.file = undefined;
        node.line = undefined;
        node.children = [];
      }
      return;
    }
    case 'include':
      merged.includes.push(entry);
      return;
  }
}

// ---------------------------------------------------------------------------
// Reading values the way apt's callers do.

/**
 * apt's StringToBool (what find_b uses): "0"/"1", or yes/true/with/on/enable
 * and no/false/without/off/disable, case-insensitive; anything else → fallback.
 */
export function aptBool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (v === '0') return false;
  if (v === '1') return true;
  if (['no', 'false', 'without', 'off', 'disable'].includes(v)) return false;
  if (['yes', 'true', 'with', 'on', 'enable'].includes(v)) return true;
  return fallback;
}

export type PeriodicInterval = { kind: 'off' } | { kind: 'on'; seconds: number | 'always' } | { kind: 'invalid' };

/**
 * An APT::Periodic::* interval as /usr/lib/apt/apt.systemd.daily reads it:
 * exactly "0" disables; "always" runs every time; a number of days, or a number
 * with an s/m/h/d suffix (apt ≥ 1.x), is an interval. Anything else makes the
 * script's shell arithmetic misbehave, so we call it invalid.
 */
export function parsePeriodicInterval(value: string): PeriodicInterval {
  const v = value.trim();
  if (v === '0') return { kind: 'off' };
  if (v === 'always') return { kind: 'on', seconds: 'always' };
  const m = /^(\d+)([smhd]?)$/.exec(v);
  if (!m) return { kind: 'invalid' };
  const unit = { s: 1, m: 60, h: 3600, d: 86400, '': 86400 }[m[2] as 's' | 'm' | 'h' | 'd' | ''];
  return { kind: 'on', seconds: Number(m[1]) * unit };
}
