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
  /** A short name for the panel: the id's last part (two parts where that is ambiguous). */
  label: string;
  status: Status | 'running';
  /** Sanitised of control sequences; the screen truncates, then escapes blessed tags. */
  title: string;
  summary: string;
  fixable: boolean;
}

/** 'ssh.server.password-auth' → 'password-auth', or 'server.password-auth' when the area also has a 'client.password-auth'. */
export function shortLabels(ids: readonly string[]): string[] {
  const last = ids.map((id) => id.split('.').at(-1) ?? id);
  return ids.map((id, i) => (last.filter((l) => l === last[i]).length > 1 ? id.split('.').slice(-2).join('.') : last[i]));
}

export function panelRows(checks: readonly Check[], results: ReadonlyMap<string, Finding>): Row[] {
  const labels = shortLabels(checks.map((c) => c.id));
  return checks.map((check, i) => {
    const label = labels[i];
    const f = results.get(check.id);
    if (!f) return { checkId: check.id, label, status: 'running', title: sanitizeText(check.title), summary: 'checking…', fixable: false };
    return {
      checkId: check.id,
      label,
      status: f.status,
      title: sanitizeText(f.title || check.title),
      summary: sanitizeText(f.summary),
      fixable: f.fixes.length > 0 && f.status !== 'pass',
    };
  });
}

const ROW_ORDER: Record<Status | 'running', number> = { fail: 0, error: 1, warn: 2, running: 3, info: 4, pass: 5, skip: 6 };

/** Worst first, so what needs the admin is at the top of a small panel; catalogue order within a status. */
export function worstFirst(rows: readonly Row[]): Row[] {
  return rows.map((r, i) => [r, i] as const).sort((a, b) => ROW_ORDER[a[0].status] - ROW_ORDER[b[0].status] || a[1] - b[1]).map(([r]) => r);
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
