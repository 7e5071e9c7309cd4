// The report of `hardtop check` (REPORT.md is the contract) and its three
// formats: json, text and prom. All pure: in a Report, out a string.
//
// Every string in a report may have come from the system (a summary quoting a
// config line, a certificate subject, a user name), so each formatter runs
// every string through the sanitiser on the way out; a consumer never
// receives terminal control characters, whatever a check put in a finding.

import { AREAS, type Evidence, type Finding, type Item, type Report, type Status } from './types';
import { sanitizeMultiline, sanitizeText } from './sanitize';
import { promValue, summarize } from './score';

export const REPORT_SCHEMA = 'hardtop.report/1' as const;

export interface BuildReportInput {
  version: string;
  /** HostFacts fits; only the four fields of the contract are kept. */
  host: { hostname: string; os: string; kernel: string; root: string };
  startedAt: Date | string;
  durationMs: number;
  /** In the stable order the report should list them. */
  findings: readonly Finding[];
}

// Canonical copies: the keys in the contract's order, and nothing a check
// happened to attach beyond the Finding shape, so the JSON is the same shape
// whatever produced it.

function copyEvidence(e: Evidence): Evidence {
  const out: Evidence = {};
  if (e.file !== undefined) out.file = e.file;
  if (e.line !== undefined) out.line = e.line;
  if (e.text !== undefined) out.text = e.text;
  if (e.command !== undefined) out.command = e.command;
  return out;
}

function copyItem(it: Item): Item {
  return {
    subject: it.subject,
    status: it.status,
    summary: it.summary,
    evidence: (it.evidence ?? []).map(copyEvidence),
  };
}

function copyFinding(f: Finding): Finding {
  const out: Finding = {
    id: f.id,
    area: f.area,
    title: f.title,
    status: f.status,
    severity: f.severity,
    summary: f.summary,
    evidence: (f.evidence ?? []).map(copyEvidence),
    fixes: [...(f.fixes ?? [])],
  };
  if (f.items !== undefined) out.items = f.items.map(copyItem);
  if (f.durationMs !== undefined) out.durationMs = f.durationMs;
  return out;
}

export function buildReport(input: BuildReportInput): Report {
  const checks = input.findings.map(copyFinding);
  const startedAt = typeof input.startedAt === 'string' ? input.startedAt : input.startedAt.toISOString();
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'hardtop', version: input.version },
    host: {
      hostname: input.host.hostname,
      os: input.host.os,
      kernel: input.host.kernel,
      root: input.host.root,
    },
    startedAt,
    durationMs: input.durationMs,
    summary: summarize(checks),
    checks,
  };
}

// ---------------------------------------------------------------- json

/** Every string value, at any depth, through sanitizeText; structure untouched. */
function sanitizeDeep(v: unknown): unknown {
  if (typeof v === 'string') return sanitizeText(v);
  if (Array.isArray(v)) return v.map(sanitizeDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = sanitizeDeep(x);
    return out;
  }
  return v;
}

/** `--format json`: the report, pretty-printed with 2 spaces, ending in a newline. */
export function formatJson(report: Report): string {
  return JSON.stringify(sanitizeDeep(report), null, 2) + '\n';
}

// ---------------------------------------------------------------- text

export const STATUS_SYMBOL: Record<Status, string> = {
  pass: '✔',
  warn: '▲',
  fail: '✖',
  info: '●',
  error: '!',
  skip: '–',
};

// Plain SGR, so the text report reads right in any terminal and in `less -R`.
const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

const STATUS_COLOUR: Record<Status, string> = {
  pass: SGR.green,
  warn: SGR.yellow,
  fail: SGR.bold + SGR.red,
  info: SGR.cyan,
  error: SGR.magenta,
  skip: SGR.dim,
};

export interface TextOptions {
  color: boolean;
}

type Paint = (sgr: string, s: string) => string;

function evidenceLine(e: Evidence): string {
  const where = e.file === undefined ? '' : sanitizeText(e.file) + (e.line === undefined ? '' : `:${e.line}`);
  const what = e.command !== undefined ? `$ ${sanitizeText(e.command)}` : '';
  const text = e.text !== undefined ? sanitizeText(e.text) : '';
  return [where, what, text].filter((x) => x !== '').join('  ');
}

function statusLabel(status: Status, paint: Paint): string {
  const sym = STATUS_SYMBOL[status] ?? '?';
  // The word as well as the symbol: greppable, and readable without colour or glyphs.
  return paint(STATUS_COLOUR[status] ?? '', `${sym} ${sanitizeText(String(status)).padEnd(5)}`);
}

function checkLines(f: Finding, paint: Paint): string[] {
  const lines = [`  ${statusLabel(f.status, paint)}  ${sanitizeText(f.id)}  ${sanitizeText(f.summary)}`];
  for (const e of f.evidence ?? []) {
    const l = evidenceLine(e);
    if (l) lines.push(paint(SGR.dim, `        ${l}`));
  }
  for (const it of f.items ?? []) {
    lines.push(`      ${statusLabel(it.status, paint)}  ${sanitizeText(it.subject)}  ${sanitizeText(it.summary)}`);
    for (const e of it.evidence ?? []) {
      const l = evidenceLine(e);
      if (l) lines.push(paint(SGR.dim, `            ${l}`));
    }
  }
  if (f.fixes?.length && (f.status === 'fail' || f.status === 'warn')) {
    lines.push(`        fix: ${f.fixes.map(sanitizeText).join(', ')}`);
  }
  return lines;
}

/** Areas in the catalogue order; an area the catalogue does not know comes after, in report order. */
function groupByArea(checks: readonly Finding[]): Array<[string, Finding[]]> {
  const groups = new Map<string, Finding[]>();
  for (const a of AREAS) groups.set(a, []);
  for (const f of checks) {
    const list = groups.get(f.area) ?? [];
    list.push(f);
    groups.set(f.area, list);
  }
  return [...groups].filter(([, list]) => list.length > 0);
}

/** `--format text`: what an admin reads. SGR colour only when `color` is true. */
export function formatText(report: Report, opts: TextOptions): string {
  const paint: Paint = opts.color ? (sgr, s) => (sgr ? sgr + s + SGR.reset : s) : (_sgr, s) => s;
  const h = report.host;
  const s = report.summary;
  const out: string[] = [];
  out.push(
    paint(
      SGR.bold,
      `hardtop ${sanitizeText(report.tool.version)} · ${sanitizeText(h.hostname)} · ${sanitizeText(h.os)} · ` +
        `kernel ${sanitizeText(h.kernel)} · score ${s.score}/100`,
    ),
  );
  out.push(
    `root ${sanitizeText(h.root)} · started ${sanitizeText(report.startedAt)} · ${report.durationMs} ms · ` +
      `${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.error} error, ${s.info} info, ${s.skip} skip`,
  );
  for (const [area, list] of groupByArea(report.checks)) {
    out.push('', paint(SGR.bold, sanitizeText(area)));
    for (const f of list) out.push(...checkLines(f, paint));
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- prom

/** A label value per the Prometheus text format: backslash, double quote and line feed escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Sanitised (line breaks kept, so the escape shows them) then escaped. */
function label(v: string): string {
  return escapeLabelValue(sanitizeMultiline(String(v)));
}

/** A sample value as Prometheus parses it. */
function promNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** `--format prom`: node-exporter textfile-collector format. */
export function formatProm(report: Report): string {
  const out: string[] = [];
  // One series per id: a duplicate would make the collector reject the whole file.
  const seen = new Set<string>();
  const checks = report.checks.filter((f) => !seen.has(f.id) && (seen.add(f.id), true));

  out.push('# HELP hardtop_check_status Status of a hardtop check: 0 pass, info or skip; 1 warn; 2 fail or error.');
  out.push('# TYPE hardtop_check_status gauge');
  for (const f of checks) {
    out.push(
      `hardtop_check_status{id="${label(f.id)}",area="${label(f.area)}",severity="${label(f.severity)}"} ` +
        promValue(f.status),
    );
  }

  out.push('# HELP hardtop_check_duration_seconds Time a hardtop check took in the last run.');
  out.push('# TYPE hardtop_check_duration_seconds gauge');
  for (const f of checks) {
    if (typeof f.durationMs !== 'number') continue;
    out.push(`hardtop_check_duration_seconds{id="${label(f.id)}"} ${promNumber(f.durationMs / 1000)}`);
  }

  out.push('# HELP hardtop_score Hardening score 0-100: the share of applicable severity weight that passes.');
  out.push('# TYPE hardtop_score gauge');
  out.push(`hardtop_score ${promNumber(report.summary.score)}`);

  // When the run finished, not when it started: staleness alerts care about
  // how old the data is.
  const finished = (Date.parse(report.startedAt) + report.durationMs) / 1000;
  out.push('# HELP hardtop_last_run_timestamp_seconds Unix time at which the last hardtop run finished.');
  out.push('# TYPE hardtop_last_run_timestamp_seconds gauge');
  out.push(`hardtop_last_run_timestamp_seconds ${promNumber(finished)}`);

  return out.join('\n') + '\n';
}
