// Pure: the authorized-keys screen (issue 5): every account's keys with
// type and bits, fingerprint, comment, options and age; weak ones marked.
// The cursor walks over keys only (problem lines are shown, not selectable);
// `f` on a key previews ssh.remove-authorized-key for exactly that key.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import type { AccountKeys, KeyRow } from './ssh-keys-view';
import { STATUS_COLOR, STATUS_SYMBOL } from './view-model';

/** The keys in screen order: the cursor's index space. */
export function flatKeys(accounts: readonly AccountKeys[]): KeyRow[] {
  return accounts.flatMap((a) => a.keys);
}

export function keysLines(accounts: readonly AccountKeys[], selected: number, width: number, color: boolean): { lines: string[]; selectedLine: number } {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const fit = (s: string, indent: number) => escapeTags(truncate(sanitizeText(s), Math.max(1, width - indent - 1)));
  const lines: string[] = [];
  let selectedLine = 0;
  let n = 0;
  if (accounts.length === 0) return { lines: ['no authorized keys known (ssh.keys.authorized has not reported any)'], selectedLine: 0 };
  for (const a of accounts) {
    lines.push(`${paint(STATUS_COLOR[a.status], STATUS_SYMBOL[a.status])} {bold}${fit(a.account, 2)}{/bold}  ${fit(`${a.keys.length} key${a.keys.length === 1 ? '' : 's'}`, 2 + a.account.length)}`);
    for (const k of a.keys) {
      const mark = k.weak ? paint('red', 'WEAK') : '    ';
      const head = `${k.label.padEnd(14)} ${k.fingerprint}  age ${k.age}`;
      const onIt = n === selected;
      if (onIt) selectedLine = lines.length;
      const text = fit(head, 8);
      lines.push(`  ${mark} ${onIt ? `{inverse}${text}{/inverse}` : text}`);
      const tail = [k.comment ? `comment ${k.comment}` : 'no comment', k.options ? `options ${k.options}` : '', `${k.file}:${k.line}`].filter((x) => x !== '').join('  ');
      lines.push(`         ${paint('gray', fit(tail, 9))}`);
      if (k.notes) lines.push(`         ${paint(k.weak ? 'red' : 'yellow', fit(k.notes, 9))}`);
      n++;
    }
    for (const p of a.problems) lines.push(`  ${paint('magenta', '!')}    ${fit(p.text, 7)}`);
    lines.push('');
  }
  return { lines, selectedLine };
}
