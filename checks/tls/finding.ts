// Building the one Finding of a check that looks at many objects (REPORT.md):
// the status is the worst of its items (fail > error > warn > info > pass > skip),
// the summary names the worst ones, `items` holds one entry per object.
// Shared by the tls and web areas.

import { worstStatus } from '../../src/core/score';
import type { Check, Evidence, Finding, Item, Status } from '../../src/core/types';

/** The report's own order (REPORT.md), from core: one definition of "worst". */
export const worst = (statuses: readonly Status[]): Status => worstStatus(statuses);

/** Summaries and item texts are one line: text from the system may hold newlines. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function finding(check: Check, status: Status, summary: string, evidence: Evidence[] = [], fixes: string[] = [], items?: Item[]): Finding {
  const f: Finding = { id: check.id, area: check.area, title: check.title, status, severity: check.severity, summary: oneLine(summary), evidence, fixes };
  if (items) f.items = items;
  return f;
}

export function item(subject: string, status: Status, summary: string, evidence: Evidence[] = []): Item {
  return { subject: oneLine(subject), status, summary: oneLine(summary), evidence };
}

/** "a, b, c +2 more" */
export function listSome(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} +${items.length - max} more`;
}

/**
 * One finding from items: worst status; the summary leads with the worst
 * items ("site.test:443: expires in 2 days; …") and counts the rest.
 */
export function fromItems(check: Check, items: Item[], opts: { passSummary?: string; emptySummary: string; fixes?: string[] }): Finding {
  if (items.length === 0) return finding(check, 'skip', opts.emptySummary);
  const status = worst(items.map((i) => i.status));
  const top = items.filter((i) => i.status === status);
  const evidence = top.flatMap((i) => i.evidence).slice(0, 8);
  let summary: string;
  if (status === 'pass' && opts.passSummary) summary = opts.passSummary;
  else {
    const shown = top.slice(0, 2).map((i) => `${i.subject}: ${i.summary}`);
    const more = items.length - shown.length;
    summary = shown.join('; ') + (more > 0 ? ` (+${more} more: ${countByStatus(items.filter((i) => !top.slice(0, 2).includes(i)))})` : '');
  }
  const fixes = status === 'pass' || status === 'skip' || status === 'info' ? [] : (opts.fixes ?? []);
  return finding(check, status, summary, evidence, fixes, items);
}

function countByStatus(items: Item[]): string {
  const counts = new Map<Status, number>();
  for (const i of items) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

export function thrownMessage(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}

/** A check whose run() cannot throw: anything unexpected becomes an `error` finding. */
export function guardedCheck(check: Check): Check {
  return {
    ...check,
    async run(host, ctx) {
      try {
        return await check.run(host, ctx);
      } catch (err) {
        return finding(check, 'error', `check failed: ${thrownMessage(err)}`);
      }
    },
  };
}
