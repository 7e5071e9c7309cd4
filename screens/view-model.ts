// Pure: findings in, the text each panel shows out. No blessed here, so the
// view can be tested without a terminal.

import { sanitizeText } from '../src/core/sanitize';
import { worstStatus } from '../src/core/score';
import type { Area, Check, Finding, Report, Status } from '../src/core/types';

export const AREA_TITLES: Record<Area, string> = {
  updates: 'Updates',
  reboot: 'Reboot',
  ssh: 'SSH',
  fail2ban: 'fail2ban',
  rkhunter: 'rkhunter',
  tls: 'TLS',
  web: 'Web headers',
};

export const STATUS_SYMBOL: Record<Status | 'running', string> = {
  pass: '✔',
  warn: '▲',
  fail: '✖',
  info: '●',
  error: '!',
  skip: '–',
  running: '…',
};

/** blessed colour names; NO_COLOR is handled by the screen factory. */
export const STATUS_COLOR: Record<Status | 'running', string> = {
  pass: 'green',
  warn: 'yellow',
  fail: 'red',
  info: 'cyan',
  error: 'magenta',
  skip: 'gray',
  running: 'gray',
};

export interface Row {
  checkId: string;
  status: Status | 'running';
  /** Sanitised of control sequences; the screen truncates, then escapes blessed tags. */
  title: string;
  summary: string;
  fixable: boolean;
}

export function panelRows(checks: readonly Check[], results: ReadonlyMap<string, Finding>): Row[] {
  return checks.map((check) => {
    const f = results.get(check.id);
    if (!f) return { checkId: check.id, status: 'running', title: sanitizeText(check.title), summary: 'checking…', fixable: false };
    return {
      checkId: check.id,
      status: f.status,
      title: sanitizeText(f.title || check.title),
      summary: sanitizeText(f.summary),
      fixable: f.fixes.length > 0 && f.status !== 'pass',
    };
  });
}

/** "✖2 ▲1 ✔7": counts by status, worst first, for a panel's title. */
export function statusCounts(rows: readonly Row[]): string {
  const order: (Status | 'running')[] = ['fail', 'error', 'warn', 'info', 'pass', 'skip', 'running'];
  return order
    .map((s) => [s, rows.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${STATUS_SYMBOL[s]}${n}`)
    .join(' ');
}

export function panelStatus(rows: readonly Row[]): Status | 'running' {
  const done = rows.filter((r) => r.status !== 'running').map((r) => r.status as Status);
  if (done.length === 0) return rows.length ? 'running' : 'skip';
  return worstStatus(done);
}

export interface HeaderFacts {
  hostname: string;
  os: string;
  kernel: string;
  uptimeSeconds: number | null;
  root: string;
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m`;
}

/** The header line's parts; the screen lays them out. */
export function headerParts(facts: HeaderFacts | null, summary: Report['summary'] | null, readOnly: boolean) {
  const host = facts
    ? `${sanitizeText(facts.hostname)} · ${sanitizeText(facts.os)} · ${sanitizeText(facts.kernel)} · up ${formatUptime(facts.uptimeSeconds)}`
    : 'reading host…';
  const root = facts && facts.root !== '/' ? ` · root ${sanitizeText(facts.root)}` : '';
  return {
    left: `hardtop  ${host}${root}`,
    score: summary ? `score ${summary.score}` : 'score …',
    badge: readOnly ? 'READ-ONLY' : '',
  };
}
