// fail2ban's own log (logtarget, /var/log/fail2ban.log), pure: the events
// that matter for bans, one line at a time.
//
//   2026-11-28 20:04:20,407 fail2ban.filter  [25247]: INFO    [sshd] Found 192.0.2.7 - 2026-11-28 20:04:20
//   2026-11-28 20:04:20,416 fail2ban.actions [25247]: NOTICE  [sshd] Ban 192.0.2.7
//   2026-11-28 21:04:20,002 fail2ban.actions [25247]: NOTICE  [sshd] Unban 192.0.2.7
//   2026-11-28 21:05:00,100 fail2ban.actions [25247]: NOTICE  [sshd] Restore Ban 192.0.2.7
//
// Times are the server's local time, without a zone (as fail2ban writes them).

export type LogEventKind = 'Found' | 'Ban' | 'Unban' | 'Restore Ban' | 'Ignore';

export interface LogEvent {
  /** When the line was written (local time, "YYYY-MM-DD HH:MM:SS"). */
  time: string;
  jail: string;
  kind: LogEventKind;
  ip: string;
  /** Found: the time of the failure in the watched log (local time). */
  failureTime?: string;
}

const LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:,\d+)?\s+fail2ban\.\S+\s+\[\d+\]:\s+[A-Z]+\s+\[([^\]]+)\]\s+(Found|Restore Ban|Ban|Unban|Ignore)\s+(\S+)(?:\s+-\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d))?/;

export function parseLogLine(line: string): LogEvent | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const event: LogEvent = { time: m[1], jail: m[2], kind: m[3] as LogEventKind, ip: m[4] };
  if (m[3] === 'Found' && m[5]) event.failureTime = m[5];
  return event;
}

/** "2026-11-28 20:04:20" read as this process's local time (fail2ban's, on the same machine), epoch ms. */
export function localTimeMs(text: string): number | null {
  // The live view converts every line of a log that may be gigabytes: a
  // local-time Date costs a time-zone lookup. Log lines come in time order,
  // so the epoch of the current minute is cached and the seconds added.
  // Exact: time-zone offsets change only on whole minutes.
  if (text.length === 19 && text.charCodeAt(16) === 58) {
    const s1 = text.charCodeAt(17) - 48;
    const s2 = text.charCodeAt(18) - 48;
    if (s1 >= 0 && s1 <= 5 && s2 >= 0 && s2 <= 9) {
      const minute = text.slice(0, 16);
      if (minute !== cachedMinute) {
        const base = slowLocalTimeMs(`${minute}:00`);
        if (base === null) return null;
        // A copy: the slice would keep the whole chunk it came from alive.
        cachedMinute = Buffer.from(minute, 'latin1').toString('latin1');
        cachedMinuteMs = base;
      }
      return cachedMinuteMs + (s1 * 10 + s2) * 1000;
    }
  }
  return slowLocalTimeMs(text);
}

/** The inverse of localTimeMs: epoch ms → "YYYY-MM-DD HH:MM:SS" in this process's local time. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

let cachedMinute = '';
let cachedMinuteMs = 0;

function slowLocalTimeMs(text: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = new Date(y, mo - 1, d, h, mi, s).getTime();
  return Number.isNaN(t) ? null : t;
}

/**
 * Failures of `ip` in `jail` that still count: found at or after `sinceMs`
 * (now − findtime) and after the address's last ban in that jail (a ban
 * clears its failures). `sameIp` decides address equality (IPv6 spellings).
 */
export function failuresInWindow(lines: Iterable<string>, jail: string, sameIp: (ip: string) => boolean, sinceMs: number): number {
  let failures = 0;
  for (const line of lines) {
    const e = parseLogLine(line);
    if (!e || e.jail !== jail || !sameIp(e.ip)) continue;
    if (e.kind === 'Ban' || e.kind === 'Restore Ban') failures = 0;
    else if (e.kind === 'Found') {
      const t = localTimeMs(e.failureTime ?? e.time);
      if (t !== null && t >= sinceMs) failures++;
    }
  }
  return failures;
}
