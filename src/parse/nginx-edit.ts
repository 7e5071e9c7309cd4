// Text edits of nginx configuration files, by the offsets parseNginxConf
// records (NginxDirective.start/end/argSpans/blockEnd). Pure: text in, text
// out. A fix changes only the bytes of the statements it means to change;
// everything else (comments, spacing, line endings) stays byte for byte, so
// the preview diff shows exactly the change and undo is exact.

import type { NginxDirective } from './nginx-conf';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Apply non-overlapping edits (any order). Throws on overlap: a fix bug, never input. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit || e.start > e.end || e.start < 0 || e.end > text.length) throw new Error(`overlapping or invalid text edits at ${e.start}-${e.end}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

/** The argument as nginx must read it back exactly: bare when that is safe, else single-quoted with escapes. */
export function quoteNginxArg(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,~*[\]-][A-Za-z0-9_./:@%+=,~*#[\]-]*$/.test(value)) return value;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A statement: name and quoted arguments, ending in ";". */
export function statement(name: string, args: string[]): string {
  return `${[name, ...args.map(quoteNginxArg)].join(' ')};`;
}

export function newlineOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function lineStartAt(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndAt(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

/** The whitespace before `offset` on its line, or null when something else precedes it. */
function indentBefore(text: string, offset: number): string | null {
  const before = text.slice(lineStartAt(text, offset), offset);
  return /^[ \t]*$/.test(before) ? before : null;
}

/** Only spaces and maybe a comment between `offset` and the end of its line. */
function restOfLineIsBlank(text: string, offset: number): boolean {
  return /^[ \t]*(#.*)?\r?$/.test(text.slice(offset, lineEndAt(text, offset)));
}

function spans(d: NginxDirective): { start: number; end: number } {
  if (d.start === undefined || d.end === undefined) throw new Error(`${d.file}:${d.line}: "${d.name}" has no text offsets`);
  return { start: d.start, end: d.end };
}

/** Replace a whole simple statement (`ssl_protocols …;`) by another. */
export function replaceStatement(d: NginxDirective, text: string): TextEdit {
  const { start, end } = spans(d);
  return { start, end, text };
}

/**
 * Remove a simple statement: its whole line when nothing else is on it (a
 * trailing comment goes with it), else just the statement.
 */
export function removeStatement(text: string, d: NginxDirective): TextEdit {
  const { start, end } = spans(d);
  if (indentBefore(text, start) !== null && restOfLineIsBlank(text, end)) {
    const lineEnd = lineEndAt(text, end);
    return { start: lineStartAt(text, start), end: lineEnd < text.length ? lineEnd + 1 : lineEnd, text: '' };
  }
  let stop = end;
  while (text[stop] === ' ' || text[stop] === '\t') stop++;
  return { start, end: stop, text: '' };
}

/** The indentation of a block's children: its first child written on a line of its own, else the block's + 4 spaces. */
export function childIndent(text: string, block: NginxDirective): string {
  const { start, end } = spans(block);
  const child = (block.block ?? []).find((c) => c.file === block.file && c.start !== undefined && c.start > end && indentBefore(text, c.start) !== null);
  if (child?.start !== undefined) return indentBefore(text, child.start) ?? '    ';
  return `${indentBefore(text, start) ?? ''}    `;
}

/** Insert statements as the first lines of a block (after its `{`). */
export function insertAtBlockStart(text: string, block: NginxDirective, statements: string[]): TextEdit {
  const { end } = spans(block);
  const nl = newlineOf(text);
  if (restOfLineIsBlank(text, end) && lineEndAt(text, end) < text.length) {
    const at = lineEndAt(text, end) + 1;
    const indent = childIndent(text, block);
    return { start: at, end: at, text: statements.map((s) => `${indent}${s}${nl}`).join('') };
  }
  // `server { listen 80; }` on one line: stay on it.
  return { start: end, end, text: ` ${statements.join(' ')}` };
}

/** Insert statements right after a simple statement, on lines of their own with its indentation. */
export function insertAfterStatement(text: string, d: NginxDirective, statements: string[]): TextEdit {
  const { start, end } = spans(d);
  const nl = newlineOf(text);
  const indent = indentBefore(text, start);
  if (indent !== null && restOfLineIsBlank(text, end) && lineEndAt(text, end) < text.length) {
    const at = lineEndAt(text, end) + 1;
    return { start: at, end: at, text: statements.map((s) => `${indent}${s}${nl}`).join('') };
  }
  return { start: end, end, text: ` ${statements.join(' ')}` };
}

/**
 * Where each word of a statement is written (quotes included): the name
 * first, then the arguments. The same word rules as parseNginxConf's
 * tokenizer (quotes with backslash escapes, `${` inside a word, a `#` that
 * starts a word comments out the rest of the line).
 */
export function wordSpans(text: string, d: NginxDirective): Array<[number, number]> {
  const { start, end } = spans(d);
  const out: Array<[number, number]> = [];
  let i = start;
  const stop = end - 1; // the ";" or "{"
  while (i < stop) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < stop && text[i] !== '\n') i++;
      continue;
    }
    let j = i;
    if (c === '"' || c === "'") {
      j++;
      while (j < stop && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      j++;
    } else {
      let variable = false;
      while (j < stop) {
        const x = text[j];
        if (x === '{' && variable) {
          j++;
          variable = false;
          continue;
        }
        variable = x === '$';
        if (x === '\\') {
          j += 2;
          continue;
        }
        if (x === ' ' || x === '\t' || x === '\r' || x === '\n' || x === ';' || x === '{') break;
        j++;
      }
    }
    out.push([i, Math.min(j, stop)]);
    i = j;
  }
  return out;
}

/** Replace one argument (by index) with a new value, quoted as needed. */
export function replaceArg(text: string, d: NginxDirective, index: number, value: string): TextEdit {
  const span = wordSpans(text, d)[index + 1];
  if (!span) throw new Error(`${d.file}:${d.line}: "${d.name}" has no argument ${index + 1}`);
  return { start: span[0], end: span[1], text: quoteNginxArg(value) };
}

/** Every directive of a parsed file, depth first, blocks included. */
export function walkDirectives(directives: NginxDirective[], visit: (d: NginxDirective, parents: NginxDirective[]) => void, parents: NginxDirective[] = []): void {
  for (const d of directives) {
    visit(d, parents);
    if (d.block) walkDirectives(d.block, visit, [...parents, d]);
  }
}
