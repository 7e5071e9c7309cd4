// /var/log/unattended-upgrades/unattended-upgrades.log, pure.
//
// Python logging writes `YYYY-MM-DD HH:MM:SS,mmm LEVEL message` in the
// server's local time, with no zone. A run starts with "Starting unattended
// upgrades script" (older releases said "Running unattended-upgrades …").

export interface UuLogTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** As written, for summaries: "2026-11-28 06:12:01". */
  text: string;
}

export interface UuRunStart {
  time: UuLogTime;
  line: number;
  text: string;
}

export interface ParsedUuLog {
  /** Every run start, in file order. */
  runs: UuRunStart[];
  /** Lines that carry a log timestamp: zero in a non-empty file means it is not this log. */
  timestampedLines: number;
  nonEmptyLines: number;
}

const LOG_LINE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:,\d{1,6})?\s+[A-Z]+\s+(.*)$/;
const RUN_START = /Starting unattended upgrades script|Running unattended-upgrades/;

export function parseUnattendedUpgradesLog(text: string): ParsedUuLog {
  const result: ParsedUuLog = { runs: [], timestampedLines: 0, nonEmptyLines: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    result.nonEmptyLines++;
    const m = LOG_LINE.exec(line);
    if (!m) continue;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) continue;
    result.timestampedLines++;
    if (!RUN_START.test(m[7])) continue;
    result.runs.push({
      time: { year, month, day, hour, minute, second, text: line.slice(0, 19) },
      line: i + 1,
      text: line,
    });
  }
  return result;
}

/**
 * The instant a log time denotes. The log carries no zone: on the live system
 * it is this machine's local time; for a sysroot we cannot know the zone and
 * read it as UTC (off by at most a few hours against day-sized thresholds).
 */
export function uuLogTimeToDate(t: UuLogTime, zone: 'local' | 'utc'): Date {
  return zone === 'utc'
    ? new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second))
    : new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/** The newest run start (by time, not by position: a restored or concatenated log need not be in order). */
export function newestRun(log: ParsedUuLog): UuRunStart | undefined {
  let best: UuRunStart | undefined;
  for (const run of log.runs) {
    if (!best || uuLogTimeToDate(run.time, 'utc') >= uuLogTimeToDate(best.time, 'utc')) best = run;
  }
  return best;
}
