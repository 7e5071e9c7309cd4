// Pure: the lines of a fix preview: risk, warnings, the unified diffs and the
// commands that will run, so the admin sees everything before pressing y.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import { wrap } from './result';

export interface FixPreview {
  title: string;
  risk: 'safe' | 'disruptive' | 'lockout-risk';
  diffs: string[];
  commands: string[];
  warnings: string[];
  guard?: { ok: boolean; reason: string };
}

/** A diff or command line longer than the screen: cut into pieces, each continued on the next line after a marker, never dropped. */
function hardWrap(text: string, width: number): string[] {
  const w = Math.max(8, width);
  if (text.length <= w) return [text];
  const out = [text.slice(0, w)];
  for (let i = w; i < text.length; i += w - 2) out.push(`↪ ${text.slice(i, i + w - 2)}`);
  return out;
}

export function previewLines(p: FixPreview, width: number, color: boolean): string[] {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const w = Math.max(1, width - 1);
  const fit = (s: string) => escapeTags(truncate(sanitizeText(s), w));
  // Everything the fix will do is shown whole: warnings wrap at words, diff
  // and command lines wrap hard (what the admin approves is every byte of them).
  const words = (s: string) => wrap(sanitizeText(s), w).map(escapeTags);
  const pieces = (s: string) => hardWrap(sanitizeText(s), w).map(escapeTags);
  const lines: string[] = [];
  lines.push(`{bold}${fit(p.title)}{/bold}`);
  const riskColor = p.risk === 'safe' ? 'green' : p.risk === 'disruptive' ? 'yellow' : 'red';
  lines.push(`risk: ${paint(riskColor, p.risk)}`);
  if (p.guard && !p.guard.ok) for (const l of words(`REFUSED: ${p.guard.reason}`)) lines.push(paint('red', l));
  for (const warning of p.warnings) for (const l of words(`warning: ${warning}`)) lines.push(paint('yellow', l));
  lines.push('');
  for (const diff of p.diffs) {
    for (const line of diff.split('\n')) {
      const c = line.startsWith('+++') || line.startsWith('---') ? 'white' : line.startsWith('+') ? 'green' : line.startsWith('-') ? 'red' : line.startsWith('@@') ? 'cyan' : '';
      for (const piece of pieces(line)) lines.push(c ? paint(c, piece) : piece);
    }
  }
  if (p.commands.length) {
    lines.push('');
    lines.push('{bold}commands{/bold}');
    for (const cmd of p.commands) for (const piece of pieces(`  $ ${cmd}`)) lines.push(piece);
  }
  lines.push('');
  lines.push(p.guard && !p.guard.ok ? 'Esc: back' : 'y: apply    Esc: cancel (nothing changes)');
  return lines;
}
