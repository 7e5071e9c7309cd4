// The last scan in rkhunter's log, read through the Host. The log is
// LOGFILE from the configuration (Debian: /var/log/rkhunter.log, mode 0600);
// logrotate moves it to .1 weekly (delaycompress), and a --propupd run
// without --nolog overwrites it with a log holding no scan at all, so the
// previous scan may sit in .1.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { ParsedRkhConf } from '../../src/parse/rkhunter-conf';
import { lastRunOf, parseRkhDate, parseRkhunterLog, rkhDateToDate, type ParsedRkhLog, type RkhLogLine, type RkhLogRun } from '../../src/parse/rkhunter-log';
import { readFailure, thrownMessage } from '../updates/finding';
import { logFilePath } from './config-files';
import { rkhunterPolicy } from './policy';

export interface LastScan {
  kind: 'scan';
  file: string;
  run: RkhLogRun;
  /** The run's "Start date" line. */
  start: RkhLogLine;
  log: ParsedRkhLog;
  startedAt: Date;
  endedAt: Date | null;
  /** "/var/log/rkhunter.log:3". */
  where: string;
}

export type ScanLookup =
  | LastScan
  | { kind: 'none'; summary: string; evidence: Evidence[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

type LogRead = { kind: 'ok'; log: ParsedRkhLog } | { kind: 'missing' } | { kind: 'error'; summary: string; evidence: Evidence[] };

async function readLog(host: Host, path: string): Promise<LogRead> {
  let r;
  try {
    r = await host.read(path, { maxBytes: rkhunterPolicy.log.maxBytes });
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] };
  }
  if (!r.ok) {
    if (r.reason === 'missing') return { kind: 'missing' };
    const hint = r.reason === 'denied' ? ' (rkhunter keeps its log root-only: run hardtop as root)' : '';
    return { kind: 'error', summary: `${readFailure(path, r)}${hint}`, evidence: [{ file: path }] };
  }
  const log = parseRkhunterLog(r.text);
  const first = log.errors[0];
  if (first) {
    const more = log.errors.length > 1 ? ` (+${log.errors.length - 1} more)` : '';
    return { kind: 'error', summary: `malformed ${path}:${first.line}: ${first.message}${more}`, evidence: [{ file: path, line: first.line }] };
  }
  return { kind: 'ok', log };
}

function dated(host: Host, file: string, log: ParsedRkhLog, run: RkhLogRun): LastScan | { kind: 'error'; summary: string; evidence: Evidence[] } {
  if (!run.start || !run.startDate) {
    return { kind: 'error', summary: `malformed ${file}:${run.line}: the scan has no "Info: Start date is …" line`, evidence: [{ file, line: run.line }] };
  }
  const start = parseRkhDate(run.startDate);
  if (!start) {
    return {
      kind: 'error',
      summary: `malformed ${file}:${run.start.line}: unrecognised start date "${run.startDate}"`,
      evidence: [{ file, line: run.start.line, text: run.start.text }],
    };
  }
  // The log has the zone `date` printed; a zone name we cannot map is read as local time live, UTC in a sysroot.
  const zone = host.root === '/' ? 'local' : 'utc';
  const end = run.endDate ? parseRkhDate(run.endDate) : null;
  return {
    kind: 'scan',
    file,
    run,
    start: run.start,
    log,
    startedAt: rkhDateToDate(start, zone),
    endedAt: end ? rkhDateToDate(end, zone) : null,
    where: `${file}:${run.start.line}`,
  };
}

export async function loadLastScan(host: Host, conf: ParsedRkhConf | null): Promise<ScanLookup> {
  const { path, evidence: setAt } = logFilePath(conf);
  const main = await readLog(host, path);
  if (main.kind === 'error') return main;
  if (main.kind === 'ok') {
    const run = lastRunOf(main.log, 'scan');
    if (run) return dated(host, path, main.log, run);
  }
  const rotatedPath = `${path}.1`;
  const rotated = await readLog(host, rotatedPath);
  if (rotated.kind === 'ok') {
    const run = lastRunOf(rotated.log, 'scan');
    if (run) return dated(host, rotatedPath, rotated.log, run);
  }
  const where = setAt ? ` (LOGFILE at ${setAt.file}:${setAt.line})` : '';
  if (main.kind === 'missing') {
    return { kind: 'none', summary: `no ${path}${where}: rkhunter has never logged a scan`, evidence: [{ file: path, text: 'missing' }, ...(setAt ? [setAt] : [])] };
  }
  const other = main.log.runs[main.log.runs.length - 1];
  const what = other ? `its last run was ${other.kind === 'propupd' ? 'a --propupd' : 'not a scan'}${other.startDate ? ` on ${other.startDate}` : ''}` : 'it is empty';
  return {
    kind: 'none',
    summary: `no scan recorded in ${path}${where}: ${what}`,
    evidence: [other ? { file: path, line: other.line, text: other.commandLine ?? `Running Rootkit Hunter version ${other.version ?? '?'}` } : { file: path }],
  };
}

/** "12 min ago" / "3 h ago" / "9 days ago" */
export function describeAge(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.max(0, Math.round(ms / 60_000))} min ago`;
  if (hours < 48) return `${Math.max(0, Math.round(hours))} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export function isoMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}
