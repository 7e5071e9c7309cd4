// Setting one variable in /etc/default/rkhunter for a fix, safely. Pure.
//
// The file is a POSIX shell fragment that the cron scripts SOURCE (the last
// assignment wins) and apt's hook GREPS. We change as little as possible:
// the value on the line the shell obeys (its comment and everything else
// kept byte for byte), else one line appended; a line we cannot evaluate
// (command substitution, an if …) is the admin's logic, never overwritten.
// Every result is re-parsed with the parser the checks use and must say what
// we meant, or the edit is refused.

import type { Validation } from '../../src/core/types';
import { parseDefaultFile, shellVar } from '../../src/parse/rkhunter-default';
import { DEFAULT_FILE } from './default-file';

export type DefaultEdit =
  | { ok: true; text: string; how: 'in place' | 'appended' | 'created'; line: number }
  | { ok: false; reason: string };

// NAME=word [rest]: the word is quotes and plain characters with no unquoted blank.
const WORD = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|\\.|[^\s"'\\#])*`;

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** `NAME="value"`: Debian's own style for this file. */
export function shellAssignment(name: string, value: string): string {
  return `${name}="${value}"`;
}

function holds(text: string, name: string, value: string, accept: (text: string) => boolean): number | null {
  const v = shellVar(parseDefaultFile(text), name);
  if (v.state !== 'set' || v.assignment.value !== value || !accept(text)) return null;
  return v.assignment.line;
}

/**
 * The file's text with `name` set to `value` for the sourcing shell, and
 * `accept(text)` true (apt's hook pattern, for APT_AUTOGEN). `before` null:
 * the file is created with `header` comment lines. Never throws.
 */
export function setDefaultVar(before: string | null, name: string, value: string, accept: (text: string) => boolean = () => true, header: readonly string[] = []): DefaultEdit {
  const assignment = shellAssignment(name, value);
  if (before === null) {
    const text = [...header, assignment].join('\n') + '\n';
    const line = holds(text, name, value, accept);
    return line ? { ok: true, text, how: 'created', line } : { ok: false, reason: `the new ${DEFAULT_FILE} would not set ${name} as intended` };
  }
  const parsed = parseDefaultFile(before);
  const current = shellVar(parsed, name);
  if (current.state === 'unknown') {
    return { ok: false, reason: `${DEFAULT_FILE}:${current.problem.line} sets ${name} with shell hardtop does not evaluate (${current.problem.message}): edit that line by hand` };
  }

  if (current.state === 'set') {
    // In place: the value of the line the shell obeys; leading blanks, `export` and a trailing comment stay.
    const lines = before.split('\n');
    const i = current.assignment.line - 1;
    const cr = lines[i].endsWith('\r') ? '\r' : '';
    const body = cr ? lines[i].slice(0, -1) : lines[i];
    const m = new RegExp(String.raw`^(\s*(?:export\s+)?${name}=)(${WORD})(\s.*)?$`).exec(body);
    if (m) {
      const copy = [...lines];
      copy[i] = `${m[1]}"${value}"${m[3] ?? ''}${cr}`;
      const text = copy.join('\n');
      const line = holds(text, name, value, accept);
      if (line === current.assignment.line) return { ok: true, text, how: 'in place', line };
    }
  }

  // Appended: after the last assignment, so the shell sees ours.
  const eol = eolOf(before);
  const text = `${before}${before === '' || before.endsWith('\n') ? '' : eol}${assignment}${eol}`;
  const line = holds(text, name, value, accept);
  if (line === null) return { ok: false, reason: `cannot set ${name} in ${DEFAULT_FILE} safely (does it end inside an unclosed quote?)` };
  return { ok: true, text, how: 'appended', line };
}

/** `sh -n`: the shell that sources the staged file finds no syntax error in it. */
export function shellSyntaxValidation(): Validation {
  return {
    argv: ['sh', '-n', `{stage}${DEFAULT_FILE}`],
    describe: `sh -n ${DEFAULT_FILE} (the cron scripts source it: no shell syntax error)`,
    stage: ['/etc/default'],
    timeoutMs: 10_000,
  };
}
