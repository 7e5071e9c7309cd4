// Shared by the rkhunter tests: a sandbox in which the REAL rkhunter runs with
// every file it writes (database, temp dir, log) in a temp dir, so tests never
// touch this machine's /etc or /var/lib/rkhunter.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RKH_FIXTURES = path.resolve(__dirname, '../fixtures/rkhunter');
export const DEBIAN_CONF = path.resolve(__dirname, '../fixtures/roots/rkh-default/etc/rkhunter.conf');
const SYSTEM_DB = '/var/lib/rkhunter/db';

/** rkhunter refuses to run unless root; without the package there is nothing to run. */
export function rkhunterUnavailable(): string | null {
  if (process.geteuid?.() !== 0) return 'rkhunter runs only as root';
  if (!fs.existsSync('/usr/bin/rkhunter')) return 'rkhunter is not installed (Debian package rkhunter)';
  if (!fs.existsSync(path.join(SYSTEM_DB, 'i18n/en'))) return `no ${SYSTEM_DB}/i18n/en`;
  return null;
}

export interface Sandbox {
  dir: string;
  conf: string;
  db: string;
  tmp: string;
  log: string;
}

/**
 * Debian's shipped rkhunter.conf pointed at a temp DBDIR/TMPDIR/LOGFILE (the
 * data files copied read-only from the package), WEB_CMD unquoted, no syslog.
 */
export function sandbox(t: { teardown(fn: () => void): void }, extra = ''): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-rkh-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'db');
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(path.join(db, 'i18n'), { recursive: true });
  fs.mkdirSync(tmp);
  fs.mkdirSync(path.join(dir, 'etc'));
  for (const f of ['backdoorports.dat', 'mirrors.dat', 'programs_bad.dat', 'suspscan.dat']) {
    if (fs.existsSync(path.join(SYSTEM_DB, f))) fs.copyFileSync(path.join(SYSTEM_DB, f), path.join(db, f));
  }
  fs.copyFileSync(path.join(SYSTEM_DB, 'i18n/en'), path.join(db, 'i18n/en'));
  const log = path.join(dir, 'rkhunter.log');
  const conf = path.join(dir, 'etc/rkhunter.conf');
  const text = fs
    .readFileSync(DEBIAN_CONF, 'utf8')
    .replace(/^TMPDIR=.*$/m, `TMPDIR=${tmp}`)
    .replace(/^DBDIR=.*$/m, `DBDIR=${db}`)
    .replace(/^LOGFILE=.*$/m, `LOGFILE=${log}`)
    .replace(/^WEB_CMD=.*$/m, 'WEB_CMD=/bin/false')
    .replace(/^USE_SYSLOG=/m, '#USE_SYSLOG=');
  fs.writeFileSync(conf, text + extra);
  return { dir, conf, db, tmp, log };
}

export function rkhunter(args: string[], timeoutMs = 120_000): { code: number | null; out: string } {
  const r = spawnSync('/usr/bin/rkhunter', args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', HOME: '/root' },
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `rkhunter -C` on a config file: its exit code and its message lines. */
export function configCheck(conf: string): { code: number | null; lines: string[] } {
  const r = rkhunter(['-C', '--configfile', conf], 60_000);
  return { code: r.code, lines: r.out.split('\n').map((l) => l.trim()).filter(Boolean) };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** A date as rkhunter logs it (`date` in the C locale, UTC): "Sat Nov 28 20:22:50 UTC 2026". */
export function rkhDate(d: Date): string {
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/**
 * A fixture log whose every run starts at `start` and ends `minutes` later
 * (the Start/End date lines rewritten, in UTC): tests that run against the
 * real clock (the dashboard) get an age they can predict.
 */
export function retimeLog(text: string, start: Date, minutes = 3): string {
  const end = new Date(start.getTime() + minutes * 60_000);
  return text
    .replace(/^(\[\d\d:\d\d:\d\d\] Info: Start date is ).*$/gm, `$1${rkhDate(start)}`)
    .replace(/^(\[\d\d:\d\d:\d\d\] Info: End date is ).*$/gm, `$1${rkhDate(end)}`);
}
