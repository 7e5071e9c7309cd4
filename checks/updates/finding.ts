// Small helpers to build one Finding for a check (shared by updates and reboot).

import type { Check, Evidence, Finding, Fix, Status } from '../../src/core/types';
import type { ReadResult } from '../../src/host/host';

export function finding(check: Check, status: Status, summary: string, evidence: Evidence[] = [], fixes: string[] = []): Finding {
  return {
    id: check.id,
    area: check.area,
    title: check.title,
    status,
    severity: check.severity,
    summary: oneLine(summary),
    evidence,
    fixes,
  };
}

/** Summaries are one line: text from the system may hold newlines (control characters are the screen's job). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/** "missing" / "denied" … as a clause for a summary: "cannot read /x: permission denied". */
export function readFailure(path: string, result: Extract<ReadResult, { ok: false }>): string {
  const why: Record<typeof result.reason, string> = {
    missing: 'it does not exist',
    denied: 'permission denied',
    'not-a-file': 'not a regular file',
    symlink: 'refused to follow a symlink',
    'too-large': 'file too large',
    io: 'I/O error',
  };
  return `cannot read ${path}: ${why[result.reason]}`;
}

/** "a, b, c +2 more" */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} +${items.length - max} more`;
}

/** Error text of anything thrown by a Host call (HostError or not), one line. */
export function thrownMessage(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err));
}

/** The fix ids a finding should offer, limited to fixes that exist (so no key leads nowhere). */
export function fixesThatExist(fixes: readonly Fix[], ids: readonly string[]): string[] {
  const known = new Set(fixes.map((f) => f.id));
  return ids.filter((id) => known.has(id));
}

/**
 * A check whose run() cannot throw: a Host call that fails in an unexpected way
 * (EACCES on a directory, a symlink loop) becomes an `error` finding that
 * names the path, instead of an exception for the scheduler to catch.
 */
export function guardedCheck(check: Check): Check {
  return {
    ...check,
    async run(host, ctx) {
      try {
        return await check.run(host, ctx);
      } catch (err) {
        return finding(check, 'error', thrownMessage(err));
      }
    },
  };
}
