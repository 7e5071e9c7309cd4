// Pure: the SSH server's full effective configuration (issue 4, "Enter for
// the full effective config"), drawn from checks/ssh/effective-view.ts's
// EffectiveView: every option with its value, where it was set (file:line,
// or sshd's compiled-in default), weak and deprecated ones marked, then what
// each Match block changes. Values come from config files and sshd: untrusted
// text, sanitised and tag-escaped here.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import type { EffectiveLine, EffectiveView } from '../checks/ssh/effective-view';

const MARK: Record<EffectiveLine['verdict'], { symbol: string; color: string }> = {
  weak: { symbol: '✖', color: 'red' },
  deprecated: { symbol: '▲', color: 'yellow' },
  ok: { symbol: ' ', color: 'green' },
};

export function effectiveLines(view: EffectiveView, width: number, color: boolean): string[] {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const fit = (s: string, indent: number) => escapeTags(truncate(sanitizeText(s), Math.max(1, width - indent - 1)));
  const keyWidth = Math.min(32, Math.max(8, ...view.lines.map((l) => l.key.length)));
  const one = (l: EffectiveLine, indent: string): string[] => {
    const m = MARK[l.verdict];
    const where = l.source ? `${l.source.file}:${l.source.line}` : 'default';
    const head = `${sanitizeText(l.key).padEnd(keyWidth)} ${sanitizeText(l.value)}`;
    const out = [`${indent}${paint(m.color, m.symbol)} ${fit(head, indent.length + 2)}`];
    const note = [l.why ? sanitizeText(l.why) : '', `(${where})`].filter((x) => x !== '').join('  ');
    out.push(`${indent}  ${' '.repeat(Math.min(keyWidth, 4))}${l.verdict === 'ok' ? paint('gray', fit(note, indent.length + 6)) : paint(m.color, fit(note, indent.length + 6))}`);
    return out;
  };
  const lines: string[] = [];
  const c = view.counts;
  lines.push(`{bold}${fit(`${view.lines.length} options: ${c.weak} weak, ${c.deprecated} deprecated`, 0)}{/bold}  ${paint('gray', 'worst first; then every option as sshd uses it')}`);
  lines.push('');
  // What needs the admin first, then the rest in sshd -T's order.
  const rank = { weak: 0, deprecated: 1, ok: 2 } as const;
  const sorted = view.lines.map((l, i) => [l, i] as const).sort((a, b) => rank[a[0].verdict] - rank[b[0].verdict] || a[1] - b[1]);
  for (const [l] of sorted) lines.push(...one(l, ''));
  for (const b of view.matches) {
    lines.push('');
    lines.push(`{bold}${fit(`${b.text}  (${b.file}:${b.line})`, 0)}{/bold}`);
    if (b.lines.length === 0) lines.push(`  ${paint('gray', 'changes nothing')}`);
    for (const l of b.lines) lines.push(...one(l, '  '));
  }
  return lines;
}
