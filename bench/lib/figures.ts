// One row of the bench table: a measured figure (or why there is none), the
// issue's target next to it, and met / missed.

export type Unit = 'ms' | '%' | 'MiB' | 'MB/s' | '×';

export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  section: string;
  name: string;
  scope: string;
  /** null: not measured; `absent` says why ("not installed", "n/a (not built yet)"). */
  value: number | null;
  unit: Unit;
  absent?: string;
  target?: Target;
  /** Every sample behind a median. */
  samples?: number[];
  note?: string;
  /** Anything else worth keeping in results.json (raw times of a pair, exit codes). */
  detail?: Record<string, unknown>;
}

export type Verdict = 'met' | 'missed' | '—';

export function verdict(f: Figure): Verdict {
  if (!f.target || f.value === null || Number.isNaN(f.value)) return '—';
  return (f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value) ? 'met' : 'missed';
}

function num(v: number, unit: Unit): string {
  if (unit === '×') return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (unit === '%') return v.toFixed(2);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function valueText(f: Figure): string {
  if (f.value === null || Number.isNaN(f.value)) return f.absent ?? 'n/a';
  return `${num(f.value, f.unit)} ${f.unit}`;
}

export function targetText(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.op === '<=' ? '≤' : '≥'} ${num(f.target.value, f.unit)} ${f.unit}`;
}

const HEAD = ['section', 'figure', 'scope', 'value', 'target', 'verdict'];

function rows(figures: readonly Figure[]): string[][] {
  return figures.map((f) => [f.section, f.name, f.scope, valueText(f), targetText(f), verdict(f)]);
}

/** The table for a terminal; notes follow as numbered footnotes. */
export function textTable(figures: readonly Figure[]): string {
  const body = rows(figures);
  const noteRefs: string[] = [];
  body.forEach((r, i) => {
    const note = figures[i].note;
    if (note) {
      noteRefs.push(note);
      r[1] = `${r[1]} [${noteRefs.length}]`;
    }
  });
  const widths = HEAD.map((h, c) => Math.max(h.length, ...body.map((r) => [...r[c]].length)));
  const line = (r: string[]) => r.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join('  ').trimEnd();
  const out = [line(HEAD), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)];
  if (noteRefs.length) out.push('', ...noteRefs.map((n, i) => `[${i + 1}] ${n}`));
  return out.join('\n');
}

export function markdownTable(figures: readonly Figure[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['| section | figure | scope | value | target | verdict | notes |', '|---|---|---|---|---|---|---|'];
  for (const [i, r] of rows(figures).entries()) out.push(`| ${[...r, figures[i].note ?? ''].map(esc).join(' | ')} |`);
  return out.join('\n');
}
