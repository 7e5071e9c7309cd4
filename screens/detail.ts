// Pure: the lines of an area's detail view: each finding with its summary,
// evidence (file:line and the text found there) and per-object items.
// The cursor sits on a finding's head line or on one of its items; an item
// with its own fix (Item.fix) says so on its line.

import { escapeTags, sanitizeText, truncate } from '../src/core/sanitize';
import type { Check, Evidence, Finding } from '../src/core/types';
import { STATUS_COLOR, STATUS_SYMBOL } from './view-model';

function evidenceText(e: Evidence): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : e.command ? `$ ${e.command}` : '';
  const text = e.text ? `${where ? '  ' : ''}${e.text}` : '';
  return sanitizeText(`${where}${text}`);
}

export function detailLines(
  checks: readonly Check[],
  results: ReadonlyMap<string, Finding>,
  selected: number,
  width: number,
  color: boolean,
  /** Index into the selected finding's items; null: the cursor is on the finding itself. */
  selectedItem: number | null = null,
): { lines: string[]; selectedLine: number } {
  const lines: string[] = [];
  let selectedLine = 0;
  const paint = (c: string, s: string) => (color ? `{${c}-fg}${s}{/${c}-fg}` : s);
  const fit = (s: string, indent: number) => escapeTags(truncate(s, Math.max(1, width - indent)));
  if (checks.length === 0) return { lines: ['no checks in this area yet'], selectedLine: 0 };
  checks.forEach((check, i) => {
    const f = results.get(check.id);
    const status = f?.status ?? 'running';
    const head = `${paint(STATUS_COLOR[status], STATUS_SYMBOL[status])} ${fit(`${sanitizeText(f?.title || check.title)}  [${check.id}, ${f?.severity ?? check.severity}]`, 2)}`;
    const onHead = i === selected && selectedItem === null;
    if (onHead) selectedLine = lines.length;
    lines.push(onHead ? `{inverse}${head}{/inverse}` : head);
    lines.push(`    ${fit(f ? sanitizeText(f.summary) : 'checking…', 4)}`);
    for (const e of f?.evidence ?? []) lines.push(`      ${paint('gray', fit(evidenceText(e), 6))}`);
    (f?.items ?? []).forEach((item, n) => {
      const own = item.fix ? `  [f: ${sanitizeText(item.fix.id)}]` : '';
      const text = fit(`${sanitizeText(item.subject)}: ${sanitizeText(item.summary)}`, 6 + own.length);
      const onItem = i === selected && selectedItem === n;
      if (onItem) selectedLine = lines.length;
      // The highlight covers the item's text, so the cursor is visible without colour.
      lines.push(`    ${paint(STATUS_COLOR[item.status], STATUS_SYMBOL[item.status])} ${onItem ? `{inverse}${text}${escapeTags(own)}{/inverse}` : `${text}${paint('cyan', escapeTags(own))}`}`);
      for (const e of item.evidence) lines.push(`        ${paint('gray', fit(evidenceText(e), 8))}`);
    });
    if (f && f.fixes.length && f.status !== 'pass') lines.push(`    ${paint('cyan', fit(`fix: ${f.fixes.join(', ')}  (press f)`, 4))}`);
    lines.push('');
  });
  return { lines, selectedLine };
}
