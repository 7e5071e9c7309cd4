// Pure: the result of an applied fix: the engine's one-line outcome and the
// fix's afterApply lines (new fingerprints, known_hosts lines, SSHFP records,
// ssh-copy-id commands). Those lines exist to be copied, so they are wrapped,
// never cut; they come from files and commands, so they are sanitised.

import { escapeTags, sanitizeText } from '../src/core/sanitize';

/**
 * Wrap at spaces to `width` columns; a word longer than a line (a base64 key,
 * a fingerprint) is split only where it must be, so it stays whole whenever
 * it fits on a line of its own.
 */
export function wrap(text: string, width: number): string[] {
  if (text.length <= Math.max(8, width)) return [text];
  // Continuation lines keep the line's own indent ("  known_hosts: …").
  const indent = /^ */.exec(text)![0];
  const w = Math.max(8, width - indent.length);
  const out: string[] = [];
  let line = '';
  for (const word of text.slice(indent.length).split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= w) {
      line = candidate;
      continue;
    }
    if (line !== '') out.push(line);
    line = word;
    while (line.length > w) {
      out.push(line.slice(0, w));
      line = line.slice(w);
    }
  }
  if (line !== '') out.push(line);
  return out.map((l) => indent + l);
}

export function resultLines(r: { ok: boolean; message: string; details: readonly string[] }, width: number, color: boolean): string[] {
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const lines: string[] = [];
  for (const l of wrap(sanitizeText(r.message), width - 1)) lines.push(paint(r.ok ? 'green' : 'red', escapeTags(l)));
  lines.push('');
  for (const d of r.details) {
    const clean = sanitizeText(d);
    if (clean === '') {
      lines.push('');
      continue;
    }
    for (const l of wrap(clean, width - 1)) lines.push(escapeTags(l));
  }
  lines.push('');
  lines.push('Esc/q: close    (the same lines are printed by `hardtop fix ID` on the command line)');
  return lines;
}
