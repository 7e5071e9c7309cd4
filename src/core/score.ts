// Status arithmetic of REPORT.md: worst-of, the summary counts, the score,
// the exit code of `check` and the Prometheus value. Pure.

import { STATUSES, type Finding, type Report, type Severity, type Status } from './types';

/** Higher is worse: fail > error > warn > info > pass > skip (REPORT.md). */
const RANK: Record<Status, number> = { skip: 0, pass: 1, info: 2, warn: 3, error: 4, fail: 5 };

/** Score weight per severity. `info` findings inform; they carry no weight. */
export const SEVERITY_WEIGHT: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1, info: 0 };

/** Share of a severity's weight that a status earns; null: not applicable (no weight at all). */
const EARNED_SHARE: Record<Status, number | null> = {
  pass: 1,
  warn: 0.5,
  fail: 0,
  error: 0,
  info: null,
  skip: null,
};

/** Sorts worst first when used as a comparator key (higher = worse). */
export function statusRank(status: Status): number {
  return RANK[status] ?? -1;
}

/**
 * The worst of a check's objects. An empty list is `skip`: nothing was looked
 * at, so nothing can be claimed to pass.
 */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'skip';
  for (const s of statuses) if (statusRank(s) > statusRank(worst)) worst = s;
  return worst;
}

/** Counts per status and the 0–100 score. */
export function summarize(findings: readonly Finding[]): Report['summary'] {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, info: 0, error: 0, skip: 0 };
  let earned = 0;
  let applicable = 0;
  for (const f of findings) {
    // A report read back from elsewhere (fleet) may hold a status we do not
    // know; it must not turn the counts into NaN.
    if (!(STATUSES as readonly string[]).includes(f.status)) continue;
    counts[f.status]++;
    const share = EARNED_SHARE[f.status];
    const weight = SEVERITY_WEIGHT[f.severity] ?? 0;
    if (share === null || weight === 0) continue;
    applicable += weight;
    earned += weight * share;
  }
  const score = applicable === 0 ? 100 : Math.round((100 * earned) / applicable);
  return { ...counts, score };
}

/** Exit code of `check`: 1 when any check fails, else 0 (`error` alone does not fail the run). */
export function exitCodeFor(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.status === 'fail') ? 1 : 0;
}

/** hardtop_check_status value: 0 pass/info/skip, 1 warn, 2 fail/error. */
export function promValue(status: Status): 0 | 1 | 2 {
  switch (status) {
    case 'warn':
      return 1;
    case 'fail':
    case 'error':
      return 2;
    default:
      return 0;
  }
}
