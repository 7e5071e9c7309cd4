// A small YAML writer for the Ansible export: block style, every scalar
// quoted or a literal block, nothing left to YAML's guessing. Pure.
//
// Why by hand: the only YAML library in node_modules (js-yaml) is a dev-only
// transitive dependency, and what we need is narrow: sequences, mappings,
// comments, strings, booleans and integers.
//
// Every string that came from the system is untrusted (SECURITY.md):
// - it is ALWAYS a double-quoted scalar with every character outside
//   printable ASCII / ordinary Unicode escaped (C0, DEL, C1, NEL, U+2028/9,
//   BOM, bidi controls, U+FFFE/F), or a literal block (`|`) when it has none
//   of those: no value can end its scalar early, start a new key, or carry a
//   raw escape sequence into the file;
// - a string holding "{" is tagged `!unsafe`, so Ansible never treats it as a
//   Jinja template (`{{ lookup('pipe', …) }}` in a config file stays text).
//   Jinja needs "{" to start anything, so strings without one are inert and
//   stay readable without the tag;
// - the only templates in the output are `Tpl` values, which this code writes
//   itself from constants and validated names;
// - comments go through sanitizeText (one line, no control characters), so a
//   newline in a reason cannot end the comment and start YAML.

import { sanitizeText } from '../core/sanitize';

/** A Jinja template we wrote ourselves (trusted): quoted, never tagged !unsafe. */
export class Tpl {
  constructor(readonly text: string) {}
}

/** Comment lines: before a sequence item, or on their own in a sequence. */
export class Comment {
  constructor(
    readonly lines: readonly string[],
    readonly node?: YNode,
  ) {}
}

export type YScalar = string | number | boolean | Tpl;
export type YNode = YScalar | YNode[] | YMap | Comment;
export interface YMap {
  [key: string]: YNode | undefined;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const INDENT_STEP = 2;

function isBidiControl(c: number): boolean {
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/**
 * Code points written as an escape in a double-quoted scalar (besides `"` and
 * `\`), and that rule out a literal block: everything PyYAML calls
 * non-printable, YAML 1.1's extra line breaks, the BOM, and bidi controls
 * (printable for YAML, but they reorder what an admin reads).
 */
function needsEscape(c: number): boolean {
  if (c < 0x20 || c === 0x7f) return true;
  if (c >= 0x80 && c <= 0x9f) return true; // C1 (NEL included)
  if (c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0xfffe || c === 0xffff) return true;
  if (c >= 0xd800 && c <= 0xdfff) return true; // surrogates are handled by the caller
  return isBidiControl(c);
}

function hex(c: number, width: number): string {
  return c.toString(16).toUpperCase().padStart(width, '0');
}

/** A YAML double-quoted scalar holding exactly `s`. */
export function doubleQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] + s[i + 1]; // a valid pair: an astral character, printable for YAML
        i++;
        continue;
      }
    }
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\uFFFD'; // a lone surrogate has no UTF-8 form
    else if (c < 0x100 && needsEscape(c)) out += `\\x${hex(c, 2)}`;
    else if (needsEscape(c)) out += `\\u${hex(c, 4)}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** Can `s` be a literal block scalar, byte for byte? */
function blockable(s: string): boolean {
  if (!s.includes('\n')) return false;
  // A block made of empty lines only would come back as "" (clip) or lose lines.
  if (!/[^\n]/.test(s)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x09) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return false;
    }
    if (needsEscape(c)) return false;
  }
  return true;
}

/**
 * A literal block: header line and content lines. The indentation indicator
 * is always given (content at `indent` + 2), so a first line that starts with
 * spaces cannot shift the block; the chomping indicator keeps the exact
 * number of trailing newlines.
 */
function literalBlock(s: string, indent: number): { header: string; lines: string[] } {
  const trailing = s.length - s.replace(/\n+$/, '').length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? s : s.slice(0, s.length - 1); // the last newline ends the last line
  const pad = ' '.repeat(indent + INDENT_STEP);
  return { header: `|${INDENT_STEP}${chomp}`, lines: body.split('\n').map((l) => (l === '' ? '' : pad + l)) };
}

/** One scalar; `indent` is the column of the mapping or sequence that holds it. */
function scalar(v: YScalar, indent: number): { head: string; lines: string[] } {
  if (typeof v === 'boolean') return { head: v ? 'true' : 'false', lines: [] };
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`yaml: only integers are written, not ${v}`);
    return { head: String(v), lines: [] };
  }
  if (v instanceof Tpl) return { head: doubleQuoted(v.text), lines: [] };
  const tag = v.includes('{') ? '!unsafe ' : '';
  if (blockable(v)) {
    const b = literalBlock(v, indent);
    return { head: tag + b.header, lines: b.lines };
  }
  return { head: tag + doubleQuoted(v), lines: [] };
}

/** A comment line: one display line, nothing that can end the comment. */
export function commentLine(text: string): string {
  const clean = sanitizeText(text);
  return clean === '' ? '#' : `# ${clean}`;
}

function isScalar(n: YNode): n is YScalar {
  return typeof n === 'string' || typeof n === 'number' || typeof n === 'boolean' || n instanceof Tpl;
}

function emitMap(map: YMap, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new Error(`yaml: not a plain key: ${JSON.stringify(key)}`);
    if (value instanceof Comment) throw new Error('yaml: a comment is not a mapping value');
    if (isScalar(value)) {
      const s = scalar(value, indent);
      out.push(`${pad}${key}: ${s.head}`, ...s.lines);
    } else if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${pad}${key}: []`);
      else out.push(`${pad}${key}:`, ...emitSeq(value, indent + INDENT_STEP));
    } else if (Object.values(value).every((v) => v === undefined)) {
      out.push(`${pad}${key}: {}`);
    } else {
      out.push(`${pad}${key}:`, ...emitMap(value, indent + INDENT_STEP));
    }
  }
  return out;
}

function emitSeq(items: readonly YNode[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const item of items) {
    let node: YNode | undefined = item;
    if (item instanceof Comment) {
      out.push(...item.lines.map((l) => pad + commentLine(l)));
      node = item.node;
      if (node === undefined) continue;
      if (node instanceof Comment) throw new Error('yaml: nested comments');
    }
    if (isScalar(node)) {
      const s = scalar(node, indent);
      out.push(`${pad}- ${s.head}`, ...s.lines);
    } else if (Array.isArray(node)) {
      if (node.length === 0) out.push(`${pad}- []`);
      else {
        if (node[0] instanceof Comment) throw new Error('yaml: a nested sequence cannot start with a comment');
        const inner = emitSeq(node, indent + INDENT_STEP);
        out.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
      }
    } else {
      const inner = emitMap(node as YMap, indent + INDENT_STEP);
      if (inner.length === 0) out.push(`${pad}- {}`);
      else out.push(`${pad}- ${inner[0].slice(indent + INDENT_STEP)}`, ...inner.slice(1));
    }
  }
  return out;
}

/** A whole file: header comments, then a top-level sequence or mapping. */
export function yamlDocument(header: readonly string[], body: YNode[] | YMap): string {
  const lines = header.map(commentLine);
  if (Array.isArray(body)) lines.push(...(body.length === 0 ? ['[]'] : emitSeq(body, 0)));
  else lines.push(...emitMap(body, 0));
  return `${lines.join('\n')}\n`;
}
