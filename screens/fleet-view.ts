// Pure: the fleet model in, the text of the fleet view out (blessed tags
// included, no blessed here). Only the rows that fit on the screen are ever
// formatted, so 1,000 hosts cost what 20 do.
//
// Strings in the model are already sanitised of control sequences; here they
// are cut to their column and tag-escaped, in that order (escaping first
// would skew the width).

import type { FleetHost, FleetModel, FleetProblem } from '../src/core/fleet';
import { filterHosts, filterProblems } from '../src/core/fleet';
import { displayWidth, escapeTags, truncate } from '../src/core/sanitize';
import type { Area, Evidence, Status } from '../src/core/types';
import { AREAS } from '../src/core/types';
import { AREA_TITLES, STATUS_COLOR, STATUS_SYMBOL } from './view-model';

export type FleetRow = { kind: 'problem'; problem: FleetProblem } | { kind: 'host'; host: FleetHost };

/**
 * The rows of the list for a filter: files that could not be used first (they
 * need attention and have no score), then the hosts, lowest score first.
 */
export function fleetRows(model: FleetModel, filter: string): FleetRow[] {
  return [
    ...filterProblems(model.problems, filter).map((problem) => ({ kind: 'problem' as const, problem })),
    ...filterHosts(model.hosts, filter).map((host) => ({ kind: 'host' as const, host })),
  ];
}

const SHORT_AREA: Record<Area, string> = { updates: 'upd', reboot: 'rbt', ssh: 'ssh', fail2ban: 'f2b', rkhunter: 'rkh', tls: 'tls', web: 'web' };
const LONG_AREA: Record<Area, string> = { updates: 'updates', reboot: 'reboot', ssh: 'ssh', fail2ban: 'fail2ban', rkhunter: 'rkhunter', tls: 'tls', web: 'web' };

const SCORE_WIDTH = 5; // "  100"
const GAP = 2;

export interface FleetLayout {
  nameWidth: number;
  cellWidth: number;
  areaLabels: Record<Area, string>;
}

/** Column widths for a terminal width: long area names when they fit beside a 20-cell host name. */
export function fleetLayout(width: number): FleetLayout {
  const long = 9;
  const short = 5;
  const fixed = SCORE_WIDTH + GAP;
  if (width - fixed - AREAS.length * long >= 20) {
    return { nameWidth: Math.min(48, width - fixed - AREAS.length * long - 1), cellWidth: long, areaLabels: LONG_AREA };
  }
  return { nameWidth: Math.max(8, width - fixed - AREAS.length * short - 1), cellWidth: short, areaLabels: SHORT_AREA };
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

function padLeft(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

type Paint = (colour: string, s: string) => string;

function painter(color: boolean): Paint {
  return (colour, s) => (color && colour ? `{${colour}-fg}${s}{/${colour}-fg}` : s);
}

/** The colour a score is drawn in, as the dashboard draws statuses: red, yellow, green. */
export function scoreColour(score: number): string {
  return score < 50 ? STATUS_COLOR.fail : score < 80 ? STATUS_COLOR.warn : STATUS_COLOR.pass;
}

export function columnHeader(layout: FleetLayout): string {
  const areas = AREAS.map((a) => pad(layout.areaLabels[a], layout.cellWidth)).join('');
  return escapeTags(`${padLeft('score', SCORE_WIDTH)}${' '.repeat(GAP)}${pad('host', layout.nameWidth)} ${areas}`.trimEnd());
}

/** One area cell: the worst status's symbol, with how many checks have it when that is a problem. */
function cellText(host: FleetHost, area: Area): { text: string; status: Status | null } {
  const cell = host.areas[area];
  if (!cell) return { text: '·', status: null };
  const many = cell.count > 1 && (cell.worst === 'fail' || cell.worst === 'error' || cell.worst === 'warn');
  return { text: `${STATUS_SYMBOL[cell.worst]}${many ? cell.count : ''}`, status: cell.worst };
}

function hostLine(host: FleetHost, layout: FleetLayout, paint: Paint): string {
  const score = paint(scoreColour(host.score), padLeft(String(host.score), SCORE_WIDTH));
  const name = escapeTags(pad(truncate(host.name, layout.nameWidth), layout.nameWidth));
  const cells = AREAS.map((area) => {
    const { text, status } = cellText(host, area);
    const fitted = pad(truncate(text, layout.cellWidth - 1), layout.cellWidth);
    return status ? paint(STATUS_COLOR[status], fitted) : paint('gray', fitted);
  }).join('');
  return `${score}${' '.repeat(GAP)}${name} ${cells}`;
}

const PROBLEM_LABEL: Record<FleetProblem['kind'], string> = {
  malformed: 'malformed',
  truncated: 'truncated',
  'unknown-schema': 'unknown schema',
  unreadable: 'unreadable',
  'run-failed': 'run failed',
  unreachable: 'unreachable',
};

function problemLine(p: FleetProblem, layout: FleetLayout, width: number, paint: Paint): string {
  const symbol = paint(STATUS_COLOR.error, padLeft(STATUS_SYMBOL.error, SCORE_WIDTH));
  const name = escapeTags(pad(truncate(p.name, layout.nameWidth), layout.nameWidth));
  const rest = Math.max(1, width - SCORE_WIDTH - GAP - layout.nameWidth - 1);
  const what = escapeTags(truncate(`${PROBLEM_LABEL[p.kind]}: ${p.message}`, rest));
  return `${symbol}${' '.repeat(GAP)}${name} ${paint(STATUS_COLOR.error, what)}`;
}

/** First row to show so that `selected` is on screen, moving the window as little as possible. */
export function scrollOffset(selected: number, offset: number, visible: number, total: number): number {
  if (visible <= 0 || total === 0) return 0;
  let o = offset;
  if (selected < o) o = selected;
  if (selected >= o + visible) o = selected - visible + 1;
  return Math.max(0, Math.min(o, total - visible));
}

/** The visible rows only: at most `height` lines, whatever the number of hosts. */
export function listLines(rows: readonly FleetRow[], offset: number, height: number, selected: number, width: number, color: boolean): string[] {
  const layout = fleetLayout(width);
  const paint = painter(color);
  const out: string[] = [];
  const end = Math.min(rows.length, offset + Math.max(0, height));
  for (let i = offset; i < end; i++) {
    const row = rows[i];
    const line = row.kind === 'host' ? hostLine(row.host, layout, paint) : problemLine(row.problem, layout, width, paint);
    out.push(i === selected ? `{inverse}${line}{/inverse}` : line);
  }
  return out;
}

/** The header line: where the reports come from and what is shown. */
export function fleetHeader(model: FleetModel, dir: string, shown: number, filter: string): string {
  const total = model.hosts.length + model.problems.length;
  const parts = [`hardtop fleet  ${dir}`, `${model.hosts.length} host${model.hosts.length === 1 ? '' : 's'}`];
  if (model.problems.length) parts.push(`${model.problems.length} unusable file${model.problems.length === 1 ? '' : 's'}`);
  if (model.notRead) parts.push(`${model.notRead} files not read (limit)`);
  if (filter !== '') parts.push(`filter "${filter}": ${shown} of ${total}`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------- one host

function evidenceText(e: Evidence): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : e.command ? `$ ${e.command}` : '';
  const text = e.text ? `${where ? '  ' : ''}${e.text}` : '';
  return `${where}${text}`;
}

/** A host's findings, area by area, as the dashboard's area detail shows them. */
export function hostDetailLines(host: FleetHost, width: number, color: boolean): string[] {
  const paint = painter(color);
  const fit = (s: string, indent: number) => escapeTags(truncate(s, Math.max(1, width - indent)));
  const sym = (s: Status) => paint(STATUS_COLOR[s], STATUS_SYMBOL[s]);
  const lines: string[] = [];
  const s = host.summary;
  lines.push(fit(`${host.name}${host.hostname && host.hostname !== host.name ? ` (${host.hostname})` : ''} · score ${host.score} · ${host.os} · kernel ${host.kernel}`, 0));
  lines.push(
    paint(
      'gray',
      fit(
        `${s.fail} fail, ${s.error} error, ${s.warn} warn, ${s.info} info, ${s.pass} pass, ${s.skip} skip · ${host.source === 'ansible' ? 'ansible --tree' : 'report'} ${host.file} · hardtop ${host.version} · ${host.startedAt}${host.root && host.root !== '/' ? ` · root ${host.root}` : ''}`,
        0,
      ),
    ),
  );
  for (const area of AREAS) {
    const checks = host.checks.filter((c) => c.area === area);
    if (checks.length === 0) continue;
    const cell = host.areas[area]!;
    lines.push('');
    lines.push(`${sym(cell.worst)} {bold}${escapeTags(AREA_TITLES[area])}{/bold}`);
    for (const f of checks) {
      lines.push(`  ${sym(f.status)} ${fit(`${f.title}  [${f.id}, ${f.severity}]`, 4)}`);
      lines.push(`      ${fit(f.summary, 6)}`);
      for (const e of f.evidence) lines.push(`        ${paint('gray', fit(evidenceText(e), 8))}`);
      for (const item of f.items ?? []) {
        lines.push(`      ${sym(item.status)} ${fit(`${item.subject}: ${item.summary}`, 8)}`);
        for (const e of item.evidence) lines.push(`          ${paint('gray', fit(evidenceText(e), 10))}`);
      }
      if (f.fixes.length && f.status !== 'pass') lines.push(`      ${paint('cyan', fit(`fix on the host: hardtop fix ${f.fixes[0]}${f.fixes.length > 1 ? ` (also ${f.fixes.slice(1).join(', ')})` : ''}`, 6))}`);
    }
  }
  if (host.checks.length === 0) lines.push('', 'the report holds no checks');
  return lines;
}

/** What is known about a file that could not be used. */
export function problemDetailLines(p: FleetProblem, width: number, color: boolean): string[] {
  const paint = painter(color);
  const fit = (s: string) => escapeTags(truncate(s, Math.max(1, width)));
  return [
    `${paint(STATUS_COLOR.error, STATUS_SYMBOL.error)} ${fit(`${p.name}: ${PROBLEM_LABEL[p.kind]}`)}`,
    '',
    fit(`file: ${p.file}`),
    fit(p.message),
  ];
}
