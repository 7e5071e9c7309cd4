// rkhunter's log (/var/log/rkhunter.log), pure.
//
// What rkhunter 1.4.6 writes (its display() function):
//   [20:05:19] Running Rootkit Hunter version 1.4.6 on vm      ← a run starts
//   [20:05:19] Info: Start date is Sat Nov 28 20:05:19 UTC 2026
//   [20:05:19] Info: Command line is /usr/bin/rkhunter --check …
//   [20:05:20] Starting system checks...                         ← a scan, not --propupd
//   [20:08:10] Info: Starting test name 'system_configs_ssh'
//   [20:08:10]   Checking if SSH root access is allowed          [ Warning ]
//   [20:08:10] Warning: The SSH configuration option 'PermitRootLogin' has not been set.
//              The default value may be 'yes', to allow root access.
//   [20:09:12] Warning: The file properties have changed:
//   [20:09:12]          File: /usr/bin/cat
//   [20:08:13] Files checked: 122 … Possible rootkits: 0         ← summary
//   [20:08:13] Info: End date is Sat Nov 28 20:08:13 UTC 2026   ← a run ends
// A warning continues on untimestamped lines indented by 11 blanks (the rest
// of its message) and on timestamped lines indented by 9 or more (details:
// --log-indent 9). Every run writes its own header; with --appendlog (Debian's
// cron job) one file holds many runs; a killed run has no End date.
//
// Input that is not this format is reported, with its line, never thrown.

export interface RkhLogProblem {
  line: number;
  message: string;
}

export interface RkhLogLine {
  line: number;
  text: string;
}

export interface RkhLogWarning {
  line: number;
  /** HH:MM:SS as logged. */
  time: string;
  /** The message after "Warning: ". */
  message: string;
  /** Continuation lines, trimmed, in order. */
  details: string[];
  /** The test rkhunter was running ("Starting test name '…'"), if any. */
  test: string | null;
  /** The check line just before ("Checking for hidden files and directories", or a file name). */
  check: string | null;
}

export interface RkhLogCheck {
  line: number;
  test: string | null;
  name: string;
  /** "OK", "Warning", "None found", "Skipped" … */
  result: string;
}

export interface RkhLogSummary {
  filesChecked?: number;
  suspectFiles?: number;
  rootkitsChecked?: number;
  possibleRootkits?: number;
  /** "2 minutes and 53 seconds" */
  took?: string;
}

export type RkhRunKind = 'scan' | 'propupd' | 'other';

export interface RkhLogRun {
  /** Line of "Running Rootkit Hunter version …". */
  line: number;
  version: string | null;
  hostname: string | null;
  start: RkhLogLine | null;
  /** The date text after "Start date is ". */
  startDate: string | null;
  end: RkhLogLine | null;
  endDate: string | null;
  commandLine: string | null;
  kind: RkhRunKind;
  /** Tests started, in order ("Info: Starting test name 'x'"). */
  tests: string[];
  checks: RkhLogCheck[];
  warnings: RkhLogWarning[];
  summary: RkhLogSummary;
  /** The last line of the run and its time of day, for a run that never ended. */
  lastLine: number;
  lastTime: string | null;
}

export interface ParsedRkhLog {
  runs: RkhLogRun[];
  /** Input that is not rkhunter's log format: a check reports the first one. */
  errors: RkhLogProblem[];
  lineCount: number;
}

const STAMPED = /^\[(\d{2}):(\d{2}):(\d{2})\](?: (.*))?$/;
const RUN_HEADER = /^Running Rootkit Hunter version (\S+)(?: on (.*))?$/;
const START_DATE = /^Info: Start date is (.+)$/;
const END_DATE = /^Info: End date is (.+)$/;
const COMMAND_LINE = /^Info: Command line is (.+)$/;
const TEST_START = /^Info: Starting test name '([^']+)'$/;
const WARNING = /^Warning: (.*)$/;
const CHECK_LINE = /^ {2,8}(\S.*?)\s+\[ ([^\]]+) \]$/;
const SCAN_ARGS = /(?:^|\s)(?:-c|--check|--checkall|--check-all|--cronjob)(?:\s|$)/;
const PROPUPD_ARGS = /(?:^|\s)--propupd(?:\s|$)/;

function newRun(line: number, version: string | null, hostname: string | null): RkhLogRun {
  return {
    line,
    version,
    hostname,
    start: null,
    startDate: null,
    end: null,
    endDate: null,
    commandLine: null,
    kind: 'other',
    tests: [],
    checks: [],
    warnings: [],
    summary: {},
    lastLine: line,
    lastTime: null,
  };
}

function summaryNumber(summary: RkhLogSummary, body: string): boolean {
  const m = /^(Files checked|Suspect files|Rootkits checked|Possible rootkits)\s*: (\d+)$/.exec(body);
  if (m) {
    const n = Number(m[2]);
    if (m[1] === 'Files checked') summary.filesChecked = n;
    else if (m[1] === 'Suspect files') summary.suspectFiles = n;
    else if (m[1] === 'Rootkits checked') summary.rootkitsChecked = n;
    else summary.possibleRootkits = n;
    return true;
  }
  const took = /^The system checks took: (.+)$/.exec(body);
  if (took) {
    summary.took = took[1];
    return true;
  }
  return false;
}

export function parseRkhunterLog(text: string): ParsedRkhLog {
  const result: ParsedRkhLog = { runs: [], errors: [], lineCount: 0 };
  const error = (line: number, message: string): void => {
    result.errors.push({ line, message });
  };
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = text.slice(0, nul).split('\n').length;
    error(line, 'contains a NUL byte: not a text log (corrupt or overwritten)');
  }
  const lines = text.split('\n');
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  result.lineCount = lines.length;

  let run: RkhLogRun | null = null;
  let test: string | null = null;
  let check: string | null = null;
  let warning: RkhLogWarning | null = null;

  lines.forEach((rawLine, i) => {
    const lineNo = i + 1;
    const raw = rawLine.replace(/\r$/, '');
    if (raw.trim() === '') {
      warning = null;
      return;
    }
    const stamped = STAMPED.exec(raw);
    if (!stamped) {
      if (/^\s/.test(raw) && warning) {
        warning.details.push(raw.trim());
        return;
      }
      error(lineNo, /^\s/.test(raw) ? 'an indented line with no warning before it' : 'not an rkhunter log line (no [HH:MM:SS] time stamp)');
      return;
    }
    const [hh, mm, ss] = [Number(stamped[1]), Number(stamped[2]), Number(stamped[3])];
    if (hh > 23 || mm > 59 || ss > 60) {
      error(lineNo, `impossible time stamp [${stamped[1]}:${stamped[2]}:${stamped[3]}]`);
      return;
    }
    const time = `${stamped[1]}:${stamped[2]}:${stamped[3]}`;
    const body = stamped[4] ?? '';

    const header = RUN_HEADER.exec(body);
    if (header) {
      run = newRun(lineNo, header[1], header[2] ?? null);
      result.runs.push(run);
      test = null;
      check = null;
      warning = null;
      run.lastTime = time;
      return;
    }
    if (!run) {
      error(lineNo, 'comes before any "Running Rootkit Hunter version" line: the start of the log is missing');
      return;
    }
    const current: RkhLogRun = run;
    current.lastLine = lineNo;
    current.lastTime = time;
    if (body === '') {
      warning = null;
      return;
    }
    // Details of a warning: --log-indent 9 or more.
    if (/^ {9,}\S/.test(body)) {
      if (warning) warning.details.push(body.trim());
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = WARNING.exec(body))) {
      warning = { line: lineNo, time, message: m[1], details: [], test, check };
      current.warnings.push(warning);
      return;
    }
    warning = null;
    if ((m = START_DATE.exec(body))) {
      current.start = { line: lineNo, text: raw };
      current.startDate = m[1].trim();
    } else if ((m = END_DATE.exec(body))) {
      current.end = { line: lineNo, text: raw };
      current.endDate = m[1].trim();
    } else if ((m = COMMAND_LINE.exec(body))) {
      current.commandLine = m[1];
      if (SCAN_ARGS.test(m[1])) current.kind = 'scan';
      else if (PROPUPD_ARGS.test(m[1]) && current.kind !== 'scan') current.kind = 'propupd';
    } else if (body === 'Starting system checks...') {
      current.kind = 'scan';
    } else if (/^Info: Starting file properties data update/.test(body) && current.kind === 'other') {
      current.kind = 'propupd';
    } else if ((m = TEST_START.exec(body))) {
      test = m[1];
      current.tests.push(m[1]);
    } else if ((m = CHECK_LINE.exec(body))) {
      check = m[1];
      current.checks.push({ line: lineNo, test, name: m[1], result: m[2] });
    } else {
      summaryNumber(current.summary, body);
    }
  });

  if (lines.length > 0 && !endsWithNewline) {
    error(lines.length, 'the last line has no end of line: the log was cut off mid-line');
  }
  return result;
}

/** The newest run of a kind, by position (rkhunter only ever appends). */
export function lastRunOf(log: ParsedRkhLog, kind: RkhRunKind): RkhLogRun | null {
  for (let i = log.runs.length - 1; i >= 0; i--) if (log.runs[i].kind === kind) return log.runs[i];
  return null;
}

// --- dates -------------------------------------------------------------------

export interface RkhDate {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The zone as `date` printed it ("UTC", "CET", "+0100"), or null. */
  zone: string | null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * `date` output in the C locale, as rkhunter logs it: "Sat Nov 28 20:05:19 UTC 2026"
 * (also without the weekday or the zone). null when it is not that shape.
 */
export function parseRkhDate(text: string): RkhDate | null {
  const m = /^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+([A-Za-z][A-Za-z0-9+-]{0,9}|[+-]\d{2}:?\d{2}))?\s+(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1].toLowerCase()) + 1;
  const [day, hour, minute, second, year] = [m[2], m[3], m[4], m[5], m[7]].map(Number);
  if (month === 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  return { year, month, day, hour, minute, second, zone: m[6] ?? null };
}

/**
 * The instant an rkhunter date denotes. UTC/GMT and numeric offsets are
 * exact; a zone abbreviation (CET, EST …) is ambiguous, so it is read as this
 * machine's local time on the live system and as UTC for a sysroot (off by
 * at most a few hours against thresholds counted in days).
 */
export function rkhDateToDate(d: RkhDate, fallback: 'local' | 'utc'): Date {
  const utc = Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second);
  const zone = d.zone ?? '';
  if (/^(UTC|GMT|Z|UT)$/i.test(zone)) return new Date(utc);
  const off = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (off) {
    const minutes = (Number(off[2]) * 60 + Number(off[3])) * (off[1] === '-' ? -1 : 1);
    return new Date(utc - minutes * 60_000);
  }
  return fallback === 'utc' ? new Date(utc) : new Date(d.year, d.month - 1, d.day, d.hour, d.minute, d.second);
}
