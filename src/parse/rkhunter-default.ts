// /etc/default/rkhunter (Debian), pure.
//
// Two programs read this file, differently, and both matter:
// - /etc/cron.daily/rkhunter and /etc/cron.weekly/rkhunter SOURCE it as a
//   POSIX shell fragment: the last assignment of a variable wins, quotes are
//   shell quotes, `export` is allowed;
// - apt's hook /etc/apt/apt.conf.d/90rkhunter does NOT source it: it runs
//   grep -qsiE '^APT_AUTOGEN=.?(true|yes)' on the raw text, so ANY line that
//   matches turns the property-database update on, even one that a later
//   APT_AUTOGEN="false" overrides for the shell.
// We model both, and report lines we cannot evaluate without running a shell.

export interface ShellAssignment {
  name: string;
  /** The value after shell quote removal. */
  value: string;
  line: number;
  text: string;
}

export interface ShellProblem {
  line: number;
  message: string;
}

export interface ParsedDefaultFile {
  assignments: ShellAssignment[];
  /** Lines a shell would do something with that we do not evaluate (command substitution, if …). */
  problems: ShellProblem[];
  /** Lines apt's hook greps as "on" (see above). */
  aptAutogenHookLines: { line: number; text: string }[];
}

/** The hook's test, verbatim from 90rkhunter: grep -qsiE '^APT_AUTOGEN=.?(true|yes)'. */
export const APT_AUTOGEN_HOOK_PATTERN = /^APT_AUTOGEN=.?(true|yes)/i;

type Unquoted = { ok: true; value: string } | { ok: false; why: string };

/** Shell quote removal for a plain word: 'x', "x", x and mixtures; no expansions. */
function unquoteShellWord(word: string): Unquoted {
  let out = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i];
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end === -1) return { ok: false, why: 'unterminated single quote' };
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let inner = '';
      for (; j < word.length && word[j] !== '"'; j++) {
        if (word[j] === '\\' && j + 1 < word.length && '"\\$`'.includes(word[j + 1])) {
          inner += word[++j];
          continue;
        }
        if (word[j] === '$' || word[j] === '`') return { ok: false, why: 'expansion inside the value' };
        inner += word[j];
      }
      if (j >= word.length) return { ok: false, why: 'unterminated double quote' };
      out += inner;
      i = j + 1;
    } else if (c === '\\' && i + 1 < word.length) {
      out += word[i + 1];
      i += 2;
    } else if (c === '$' || c === '`') {
      return { ok: false, why: 'expansion inside the value' };
    } else if (/\s/.test(c) || ';&|<>()'.includes(c)) {
      return { ok: false, why: 'more than a plain assignment on the line' };
    } else {
      out += c;
      i++;
    }
  }
  return { ok: true, value: out };
}

/** Cut a trailing ` # comment` that is outside quotes. */
function cutComment(s: string): string {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i);
  }
  return s;
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export function parseDefaultFile(text: string): ParsedDefaultFile {
  const result: ParsedDefaultFile = { assignments: [], problems: [], aptAutogenHookLines: [] };
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/\r$/, '');
    if (APT_AUTOGEN_HOOK_PATTERN.test(line)) result.aptAutogenHookLines.push({ line: lineNo, text: line });
    const stmt = cutComment(line).trim();
    if (stmt === '') return;
    const m = ASSIGNMENT.exec(stmt);
    if (!m) {
      result.problems.push({ line: lineNo, message: `"${stmt}" is not a plain VAR=value assignment: not evaluated` });
      return;
    }
    const unq = unquoteShellWord(m[2].trim());
    if (!unq.ok) {
      result.problems.push({ line: lineNo, message: `${m[1]}: ${unq.why}: not evaluated` });
      return;
    }
    result.assignments.push({ name: m[1], value: unq.value, line: lineNo, text: line });
  });
  return result;
}

/**
 * A variable as the sourcing shell sees it: the last assignment wins. A line
 * for this name we could not evaluate, after the last good one, makes it unknown.
 */
export type ShellVar =
  | { state: 'set'; assignment: ShellAssignment }
  | { state: 'unset' }
  | { state: 'unknown'; problem: ShellProblem };

export function shellVar(parsed: ParsedDefaultFile, name: string): ShellVar {
  const assigned = parsed.assignments.filter((a) => a.name === name);
  const last = assigned[assigned.length - 1];
  const lastProblem = parsed.problems.filter((p) => p.message.startsWith(`${name}:`)).pop();
  if (lastProblem && (!last || lastProblem.line > last.line)) return { state: 'unknown', problem: lastProblem };
  return last ? { state: 'set', assignment: last } : { state: 'unset' };
}

/** The cron scripts' test: case "$VAR" in [YyTt]*) … */
export function cronYes(value: string): boolean {
  return /^[YyTt]/.test(value);
}
