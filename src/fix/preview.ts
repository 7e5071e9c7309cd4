// What the admin sees before pressing the key: every diff and every command,
// in the order they would run. Pure: reads nothing, runs nothing.
//
// Diffs and commands can carry text from the system (file contents, paths);
// the screen sanitises them for display, as it does all untrusted text.

import type { Command, Guard, Plan, Risk } from '../core/types';
import { unifiedDiff } from '../core/diff';

export interface Preview {
  fixId: string;
  title: string;
  risk: Risk;
  /** One unified diff per edit, in plan order. */
  diffs: string[];
  /** Validations first, then the commands, as display strings. */
  commands: string[];
  warnings: string[];
  guard?: Guard;
}

export function previewPlan(plan: Plan): Preview {
  return {
    fixId: plan.fixId,
    title: plan.title,
    risk: plan.risk,
    diffs: plan.edits.map((edit) => (edit.delete ? removalNote(edit.path, edit.before ?? '') : unifiedDiff(edit.path, edit.before, edit.after))),
    commands: [...plan.validate, ...plan.commands].map(displayCommand),
    warnings: [...plan.warnings],
    ...(plan.guard ? { guard: plan.guard } : {}),
  };
}

/**
 * A removed file as a patch header and one line, never its content: what a
 * fix removes may be a private key (ssh.retire-host-keys moves old host keys
 * into the backup), and a preview is shown on screens and kept in scrollback.
 */
export function removalNote(path: string, before: string): string {
  const p = path.replace(/^\/+/, '');
  const bytes = Buffer.byteLength(before, 'utf8');
  return `--- a/${p}\n+++ /dev/null\n# removed: ${bytes} bytes, kept in the backup (hardtop undo puts the file back)\n`;
}

/**
 * argv as one line. Arguments are quoted only when needed, so the admin can
 * tell `a b` (one argument) from `a` `b` (two); it is still never run by a shell.
 */
export function displayCommand(command: Pick<Command, 'argv'>): string {
  return command.argv.map(quoteForDisplay).join(' ');
}

function quoteForDisplay(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./{}-]+$/.test(arg)) return arg;
  // Control characters (a newline in a `python3 -c` script) would break the
  // one display line: show them as bash's $'…' escapes instead.
  if (/[\u0000-\u001f\u007f]/.test(arg)) return `$'${arg.replace(/[\\'\u0000-\u001f\u007f]/g, ansiCEscape)}'`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function ansiCEscape(ch: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\\': '\\\\', "'": "\\'" };
  return named[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}
