// Pure: the lines of a fix preview: risk, warnings, the unified diffs and the
// commands that will run, so the admin sees everything before pressing y.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';

export interface FixPreview {
  title: string;
  risk: 'safe' | 'disruptive' | 'lockout-risk';
  diffs: string[];
  commands: string[];
  warnings: string[];
  guard?: { ok: boolean; reason: string };
}

export function previewLines(p: FixPreview, width: number, color: boolean): string[] {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const fit = (s: string) => escapeTags(truncate(sanitizeText(s), Math.max(1, width - 1)));
  const lines: string[] = [];
  lines.push(`{bold}${fit(p.title)}{/bold}`);
  const riskColor = p.risk === 'safe' ? 'green' : p.risk === 'disruptive' ? 'yellow' : 'red';
  lines.push(`risk: ${paint(riskColor, p.risk)}`);
  if (p.guard && !p.guard.ok) lines.push(paint('red', fit(`REFUSED: ${p.guard.reason}`)));
  for (const w of p.warnings) lines.push(paint('yellow', fit(`warning: ${w}`)));
  lines.push('');
  for (const diff of p.diffs) {
    for (const line of diff.split('\n')) {
      const c = line.startsWith('+++') || line.startsWith('---') ? 'white' : line.startsWith('+') ? 'green' : line.startsWith('-') ? 'red' : line.startsWith('@@') ? 'cyan' : '';
      lines.push(c ? paint(c, fit(line)) : fit(line));
    }
  }
  if (p.commands.length) {
    lines.push('');
    lines.push('{bold}commands{/bold}');
    for (const cmd of p.commands) lines.push(`  $ ${fit(cmd)}`);
  }
  lines.push('');
  lines.push(p.guard && !p.guard.ok ? 'Esc: back' : 'y: apply    Esc: cancel (nothing changes)');
  return lines;
}
