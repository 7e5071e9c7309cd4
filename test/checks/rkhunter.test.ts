// The rkhunter checks on fixture sysroots (test/fixtures/roots/rkh-*, built by
// build-rkh.sh from Debian 12's real rkhunter files), with the real dpkg for
// the package cross-check and the real rkhunter -C for rkhunter.config.
// Trees are copied before every run: rkhunter.config stages files under the
// root's state dir, and several tests edit files or set mtimes.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rkhAptAutogen } from '../../checks/rkhunter/apt-autogen';
import { judgeConfig, rkhConfig } from '../../checks/rkhunter/config';
import { checks, fixes } from '../../checks/rkhunter/index';
import { rkhInstalled } from '../../checks/rkhunter/installed';
import { rkhLastScan } from '../../checks/rkhunter/last-scan';
import { policyProblems, rkhunterPolicy } from '../../checks/rkhunter/policy';
import { rkhPropdb } from '../../checks/rkhunter/propdb';
import { rkhScheduled, runsRkhunterScan } from '../../checks/rkhunter/scheduled';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import type { Finding, RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { RKH_FIXTURES, rkhunterUnavailable } from './rkhunter-helpers';
import { at, copyRoot, evidencePathsAreHostPaths, liveView, run } from './updates-reboot-helpers';

const RKH_ROOTS = ['rkh-none', 'rkh-default', 'rkh-good', 'rkh-warnings', 'rkh-malformed', 'rkh-rhel'];
/** The day after the fixture scans (2026-11-28 ~20:20 UTC). */
const ctx: RunContext = at('2026-11-29T12:00:00Z');

function write(root: string, hostPath: string, text: string, mode?: number): void {
  const p = path.join(root, hostPath);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  if (mode !== undefined) fs.chmodSync(p, mode);
}
function edit(root: string, hostPath: string, fn: (s: string) => string): void {
  const p = path.join(root, hostPath);
  fs.writeFileSync(p, fn(fs.readFileSync(p, 'utf8')));
}
function remove(root: string, hostPath: string): void {
  fs.rmSync(path.join(root, hostPath), { recursive: true, force: true });
}
function useLog(root: string, fixture: string, hostPath = '/var/log/rkhunter.log'): void {
  write(root, hostPath, fs.readFileSync(path.join(RKH_FIXTURES, fixture), 'utf8'));
}
function setMtime(root: string, hostPath: string, iso: string): void {
  const d = new Date(iso);
  fs.utimesSync(path.join(root, hostPath), d, d);
}
async function check(c: (typeof checks)[number], root: string, context = ctx): Promise<Finding> {
  return run(c, root, context);
}

// ---------------------------------------------------------------------------
// The area as a whole

test('the area lists its checks in CHECKS.md order with CHECKS.md severities, and its fixes', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['rkhunter.installed', 'rkhunter', 'medium'],
      ['rkhunter.apt-autogen', 'rkhunter', 'medium'],
      ['rkhunter.propdb', 'rkhunter', 'medium'],
      ['rkhunter.scheduled', 'rkhunter', 'medium'],
      ['rkhunter.last-scan', 'rkhunter', 'medium'],
      ['rkhunter.warnings', 'rkhunter', 'high'],
      ['rkhunter.config', 'rkhunter', 'medium'],
    ],
  );
  t.deepEqual(
    fixes.map((f) => [f.id, f.area, f.risk, f.verifies]),
    [
      ['rkhunter.install', 'rkhunter', 'disruptive', ['rkhunter.installed']],
      ['rkhunter.apt-autogen', 'rkhunter', 'safe', ['rkhunter.apt-autogen']],
      ['rkhunter.schedule', 'rkhunter', 'safe', ['rkhunter.scheduled']],
      ['rkhunter.propupd', 'rkhunter', 'disruptive', ['rkhunter.propdb']],
      ['rkhunter.scan', 'rkhunter', 'disruptive', ['rkhunter.last-scan']],
      ['rkhunter.whitelist', 'rkhunter', 'safe', ['rkhunter.config']],
    ],
  );
  for (const c of checks) t.true((c.watch?.length ?? 0) > 0 && (c.interval ?? 0) > 0, c.id);
});

test('the policy data in assets/policy/rkhunter.json is sane', (t) => {
  t.deepEqual(policyProblems(rkhunterPolicy), []);
  t.is(rkhunterPolicy.lastScan.maxAgeDays, 7);
  t.deepEqual(policyProblems({ ...rkhunterPolicy, lastScan: { maxAgeDays: 0, futureToleranceHours: 24 } }), ['lastScan.maxAgeDays must be a number > 0']);
});

test('on every rkh root each check gives one well-formed finding, never a throw', async (t) => {
  t.timeout(240_000); // rkhunter -C runs once per root
  for (const name of RKH_ROOTS) {
    const root = copyRoot(t, name);
    for (const c of checks) {
      const f = await check(c, root);
      t.is(f.id, c.id);
      t.is(f.severity, c.severity);
      t.true(f.summary.length > 0 && !/[\r\n]/.test(f.summary), `${name} ${c.id}: one line`);
      t.false(f.summary.includes(root), `${name} ${c.id}: no real path in the summary: ${f.summary}`);
      t.true(evidencePathsAreHostPaths(f), `${name} ${c.id}: ${JSON.stringify(f.evidence)}`);
      for (const item of f.items ?? []) t.false(item.summary.includes(root) || /[\r\n]/.test(item.summary), item.summary);
      for (const id of f.fixes) t.true(fixes.some((x) => x.id === id), `${name} ${c.id} offers ${id}, which exists`);
      if (f.status === 'pass' || f.status === 'skip') t.deepEqual(f.fixes, [], `${name} ${c.id}: nothing to fix, nothing offered`);
    }
  }
});

test('without rkhunter, every check but rkhunter.installed is skipped with the reason', async (t) => {
  const root = copyRoot(t, 'rkh-none');
  for (const c of checks.slice(1)) {
    const f = await check(c, root);
    t.is(f.status, 'skip', c.id);
    t.is(f.summary, 'rkhunter is not installed (see rkhunter.installed)');
  }
});

// ---------------------------------------------------------------------------
// rkhunter.installed

test('installed: pass with the package version and what rkhunter is worth; absent fails', async (t) => {
  const f = await check(rkhInstalled, copyRoot(t, 'rkh-default'));
  t.is(f.status, 'pass');
  t.is(f.summary, 'rkhunter 1.4.6-11 is installed (unmaintained upstream since 1.4.6 (2018): a low-signal check)');
  t.is(f.evidence[0].file, '/var/lib/dpkg/status');
  const none = await check(rkhInstalled, copyRoot(t, 'rkh-none'));
  t.is(none.status, 'fail');
  t.is(none.summary, 'rkhunter is not installed: nothing scans for rootkits');
});

test('installed: removed (config files left) fails, half-configured warns, a source install counts', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const status = (s: string) => edit(root, '/var/lib/dpkg/status', (x) => x.replace(/(Package: rkhunter\nStatus: )[^\n]+/, `$1${s}`));
  status('deinstall ok config-files');
  remove(root, '/usr/bin/rkhunter');
  t.regex((await check(rkhInstalled, root)).summary, /^rkhunter was removed \(only its config files remain\)/);
  status('install ok half-configured');
  const half = await check(rkhInstalled, root);
  t.is(half.status, 'warn');
  t.regex(half.summary, /"half-configured"/);
  // Not from a package, and not a dpkg system at all: the program file decides.
  remove(root, '/var/lib/dpkg/status');
  write(root, '/usr/local/bin/rkhunter', '#!/bin/sh\n', 0o755);
  const src = await check(rkhInstalled, root);
  t.is(src.status, 'pass');
  t.regex(src.summary, /^rkhunter is installed at \/usr\/local\/bin\/rkhunter \(not from a package\)/);
  remove(root, '/usr/local/bin/rkhunter');
  t.is((await check(rkhInstalled, root)).status, 'fail');
});

// ---------------------------------------------------------------------------
// rkhunter.apt-autogen

test("apt-autogen: Debian's default fails, naming the line; true passes and names the trade-off", async (t) => {
  const f = await check(rkhAptAutogen, copyRoot(t, 'rkh-default'));
  t.is(f.status, 'fail');
  t.is(f.summary, `APT_AUTOGEN="false" (/etc/default/rkhunter:25): package upgrades leave rkhunter's database stale, so upgraded files are reported as changed`);
  t.deepEqual(f.evidence, [{ file: '/etc/default/rkhunter', line: 25, text: 'APT_AUTOGEN="false"' }]);
  const good = await check(rkhAptAutogen, copyRoot(t, 'rkh-good'));
  t.is(good.status, 'pass');
  t.regex(good.summary, /^APT_AUTOGEN is on \(\/etc\/default\/rkhunter:25: APT_AUTOGEN="true"\): apt refreshes rkhunter's database after package changes \(trade-off/);
});

test("apt-autogen is judged as apt's hook greps the file, not as a shell reads it", async (t) => {
  const root = copyRoot(t, 'rkh-good');
  // A later "false" does not switch the hook off: it greps for any matching line.
  edit(root, '/etc/default/rkhunter', (s) => `${s}APT_AUTOGEN="false"\n`);
  const later = await check(rkhAptAutogen, root);
  t.is(later.status, 'pass');
  t.regex(later.summary, /note: APT_AUTOGEN="false" \(\/etc\/default\/rkhunter:35\) comes later, but apt's hook greps the file and line 25 wins there/);
  // "export APT_AUTOGEN=true" is true for a shell but invisible to the hook.
  edit(root, '/etc/default/rkhunter', (s) => s.replace(/^APT_AUTOGEN=.*$/gm, '').concat('export APT_AUTOGEN=true\n'));
  const exported = await check(rkhAptAutogen, root);
  t.is(exported.status, 'fail');
  t.regex(exported.summary, /is not seen by apt's hook, which greps '\^APT_AUTOGEN=\.\?\(true\|yes\)'/);
});

test('apt-autogen: the hook file missing fails; the default file missing fails; not apt is skipped', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  remove(root, '/etc/apt/apt.conf.d/90rkhunter');
  const noHook = await check(rkhAptAutogen, root);
  t.is(noHook.status, 'fail');
  t.regex(noHook.summary, /but \/etc\/apt\/apt.conf.d\/90rkhunter, the apt hook that acts on it, is missing/);
  remove(root, '/etc/default/rkhunter');
  t.regex((await check(rkhAptAutogen, root)).summary, /^\/etc\/default\/rkhunter is missing, so APT_AUTOGEN is off/);
  remove(root, '/var/lib/dpkg/status');
  const notApt = await check(rkhAptAutogen, root);
  t.is(notApt.status, 'skip');
  t.regex(notApt.summary, /not an apt system/);
});

// ---------------------------------------------------------------------------
// rkhunter.propdb

test('propdb: newer than every package it covers passes; a package upgraded after it warns by name', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  setMtime(root, '/var/lib/dpkg/info/coreutils.list', '2026-11-20T06:12:02Z');
  setMtime(root, '/var/lib/dpkg/info/grep.list', '2026-10-01T00:00:00Z');
  setMtime(root, '/var/lib/rkhunter/db/rkhunter.dat', '2026-11-21T00:00:00Z');
  const ok = await check(rkhPropdb, root);
  t.is(ok.status, 'pass');
  t.is(ok.summary, '/var/lib/rkhunter/db/rkhunter.dat (3 files, updated 2026-11-21 00:00Z) is newer than the last change to the 2 packages it covers (coreutils 2026-11-20 06:12Z)');

  setMtime(root, '/var/lib/rkhunter/db/rkhunter.dat', '2026-11-01T00:00:00Z');
  const stale = await check(rkhPropdb, root);
  t.is(stale.status, 'warn');
  t.regex(stale.summary, /is older than 1 package change to files it covers: coreutils 2026-11-20 06:12Z; the next scan reports their files as changed/);
  t.deepEqual(stale.evidence[1], { file: '/var/lib/dpkg/info/coreutils.list', text: 'coreutils changed 2026-11-20T06:12:02.000Z' });
  // A package that owns none of its files does not count (dpkg's own list).
  setMtime(root, '/var/lib/dpkg/info/dpkg.list', '2026-11-25T00:00:00Z');
  t.regex((await check(rkhPropdb, root)).summary, /1 package change/);
});

test('propdb: missing fails, DBDIR from the config is honoured, malformed and empty are reported', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  write(root, '/etc/rkhunter.conf.local', 'DBDIR=/srv/rkhunter/db\n');
  const moved = await check(rkhPropdb, root);
  t.is(moved.status, 'fail');
  t.regex(moved.summary, /^no file-properties database \/srv\/rkhunter\/db\/rkhunter.dat \(DBDIR at \/etc\/rkhunter.conf.local:1\)/);
  remove(root, '/etc/rkhunter.conf.local');
  write(root, '/var/lib/rkhunter/db/rkhunter.dat', 'Version:2026112800\nHost:vm\n');
  t.regex((await check(rkhPropdb, root)).summary, /holds no file entries/);
  const bad = await check(rkhPropdb, copyRoot(t, 'rkh-malformed'));
  t.is(bad.status, 'error');
  t.is(bad.summary, 'malformed /var/lib/rkhunter/db/rkhunter.dat:1: does not start with "Version:YYYYMMDDNN": not an rkhunter.dat file');
});

test('propdb: with no package owning its files, the dpkg status mtime is the coarse yardstick', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  for (const p of ['coreutils', 'grep']) remove(root, `/var/lib/dpkg/info/${p}.list`);
  setMtime(root, '/var/lib/rkhunter/db/rkhunter.dat', '2026-11-01T00:00:00Z');
  setMtime(root, '/var/lib/dpkg/status', '2026-11-02T00:00:00Z');
  const f = await check(rkhPropdb, root);
  t.is(f.status, 'warn');
  t.regex(f.summary, /older than the last package change \(\/var\/lib\/dpkg\/status 2026-11-02 00:00Z; no package owns its files, so judged on any package\)/);
});

// ---------------------------------------------------------------------------
// rkhunter.scheduled

test('scheduled: Debian ships CRON_DAILY_RUN empty, so installed is not scanning', async (t) => {
  const f = await check(rkhScheduled, copyRoot(t, 'rkh-default'));
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    'no scheduled scan: CRON_DAILY_RUN="" (/etc/default/rkhunter:9); Debian ships it empty: /etc/cron.daily/rkhunter exits without scanning, and no crontab, /etc/cron.d entry or systemd timer runs rkhunter --check or --cronjob',
  );
  const good = await check(rkhScheduled, copyRoot(t, 'rkh-good'));
  t.is(good.status, 'pass');
  t.is(good.summary, 'scans are scheduled: CRON_DAILY_RUN="yes" (/etc/default/rkhunter:9) with /etc/cron.daily/rkhunter');
  t.true(good.evidence.some((e) => e.file === '/etc/systemd/system/multi-user.target.wants/cron.service'));
});

test('scheduled: "yes" without a cron daemon, with cron disabled, or a non-executable script never runs', async (t) => {
  const noCron = copyRoot(t, 'rkh-default');
  edit(noCron, '/etc/default/rkhunter', (s) => s.replace('CRON_DAILY_RUN=""', 'CRON_DAILY_RUN="yes"'));
  const a = await check(rkhScheduled, noCron);
  t.is(a.status, 'warn');
  t.regex(a.summary, /a scan is configured but never runs: .*no cron daemon is installed/);

  const disabled = copyRoot(t, 'rkh-good');
  remove(disabled, '/etc/systemd/system/multi-user.target.wants/cron.service');
  const b = await check(rkhScheduled, disabled);
  t.is(b.status, 'warn');
  t.regex(b.summary, /cron installed but cron.service not enabled/);

  const noExec = copyRoot(t, 'rkh-good');
  fs.chmodSync(path.join(noExec, 'etc/cron.daily/rkhunter'), 0o644);
  t.regex((await check(rkhScheduled, noExec)).summary, /is not an executable file, so run-parts skips it/);
});

test("scheduled: an admin's cron.d entry or systemd timer counts; comments and disabled timers do not", async (t) => {
  const root = copyRoot(t, 'rkh-good');
  edit(root, '/etc/default/rkhunter', (s) => s.replace('CRON_DAILY_RUN="yes"', 'CRON_DAILY_RUN=""'));
  write(root, '/etc/cron.d/rkhunter-weekly', '# m h dom mon dow user command\n#30 4 * * 0 root /usr/bin/rkhunter --cronjob\n');
  t.is((await check(rkhScheduled, root)).status, 'fail', 'a commented line is not a schedule');
  write(root, '/etc/cron.d/rkhunter-weekly', 'MAILTO=root\n30 4 * * 0 root /usr/bin/rkhunter --cronjob --report-warnings-only\n');
  const cronD = await check(rkhScheduled, root);
  t.is(cronD.status, 'pass');
  t.is(cronD.summary, 'scans are scheduled: /etc/cron.d/rkhunter-weekly:2');

  remove(root, '/etc/cron.d/rkhunter-weekly');
  write(root, '/etc/systemd/system/rkhunter-scan.timer', '[Unit]\nDescription=rkhunter scan\n\n[Timer]\nOnCalendar=daily\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n');
  write(root, '/etc/systemd/system/rkhunter-scan.service', '[Service]\nType=oneshot\nExecStart=/usr/bin/rkhunter --check --sk --nocolors\n');
  const off = await check(rkhScheduled, root);
  t.is(off.status, 'warn');
  t.regex(off.summary, /rkhunter-scan.timer → rkhunter-scan.service: rkhunter-scan.timer not enabled/);
  fs.mkdirSync(path.join(root, 'etc/systemd/system/timers.target.wants'), { recursive: true });
  fs.symlinkSync('/etc/systemd/system/rkhunter-scan.timer', path.join(root, 'etc/systemd/system/timers.target.wants/rkhunter-scan.timer'));
  const on = await check(rkhScheduled, root);
  t.is(on.status, 'pass');
  t.true(on.evidence.some((e) => e.text === 'ExecStart=/usr/bin/rkhunter --check --sk --nocolors' && e.line === 3));
});

test('scheduled: a CRON_DAILY_RUN the checks cannot evaluate is an error naming the line', async (t) => {
  const f = await check(rkhScheduled, copyRoot(t, 'rkh-malformed'));
  t.is(f.status, 'error');
  t.is(f.summary, 'cannot tell whether /etc/cron.daily/rkhunter scans: /etc/default/rkhunter:35: CRON_DAILY_RUN: expansion inside the value: not evaluated; no other crontab or timer runs rkhunter');
});

test('what counts as a scan command (rkhunter 1.4.6 option names)', (t) => {
  for (const yes of ['/usr/bin/rkhunter --check --sk', 'rkhunter -c', 'nice -n 19 rkhunter --cronjob --rwo', 'rkhunter --checkall', '/usr/bin/rkhunter --check-all;']) t.true(runsRkhunterScan(yes), yes);
  for (const no of ['rkhunter --propupd', 'rkhunter --update', 'rkhunter --versioncheck', 'echo rkhunter-check', 'chkrootkit -c', 'myrkhunter --check']) t.false(runsRkhunterScan(no), no);
});

// ---------------------------------------------------------------------------
// rkhunter.last-scan

test('last-scan: the clean scan is recent; a week later it is too old; before it, the clock is suspect', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  const f = await check(rkhLastScan, root);
  t.is(f.status, 'pass');
  // Age and outcome first: they are what the narrow panel row must show.
  t.is(f.summary, 'last scan 16 h ago, no warnings, took 2 minutes and 47 seconds (started 2026-11-28 20:18Z, /var/log/rkhunter.log:3)');
  t.regex((await check(rkhLastScan, root, at('2026-11-28T20:30:00Z'))).summary, /^last scan 12 min ago, no warnings/);
  t.deepEqual(f.evidence, [
    { file: '/var/log/rkhunter.log', line: 3, text: '[20:18:08] Info: Start date is Sat Nov 28 20:18:08 UTC 2026' },
    { file: '/var/log/rkhunter.log', line: 1851, text: '[20:20:56] Info: End date is Sat Nov 28 20:20:56 UTC 2026' },
  ]);
  const old = await check(rkhLastScan, root, at('2026-12-06T21:00:00Z'));
  t.is(old.status, 'fail');
  t.regex(old.summary, /^last scan 8 days ago: more than 7 days without a scan/);
  const early = await check(rkhLastScan, root, at('2026-11-27T00:00:00Z'));
  t.is(early.status, 'warn');
  t.regex(early.summary, /is in the future: is the clock right\?$/);
});

test('last-scan: never scanned, or only a --propupd in the log, fails; the rotated log is read', async (t) => {
  const none = await check(rkhLastScan, copyRoot(t, 'rkh-default'));
  t.is(none.status, 'fail');
  t.is(none.summary, 'no /var/log/rkhunter.log (LOGFILE at /etc/rkhunter.conf:234): rkhunter has never logged a scan');

  const root = copyRoot(t, 'rkh-good');
  useLog(root, 'debian12-propupd.log');
  const propupd = await check(rkhLastScan, root);
  t.is(propupd.status, 'fail');
  t.is(propupd.summary, 'no scan recorded in /var/log/rkhunter.log (LOGFILE at /etc/rkhunter.conf:234): its last run was a --propupd on Sat Nov 28 20:15:10 UTC 2026');

  // logrotate moved last week's log to .1 (delaycompress), then a --propupd overwrote the log.
  useLog(root, 'debian12-clean.log', '/var/log/rkhunter.log.1');
  const rotated = await check(rkhLastScan, root);
  t.is(rotated.status, 'pass');
  t.regex(rotated.summary, /, \/var\/log\/rkhunter.log.1:3\)$/);
});

test('last-scan: an interrupted scan warns and says where the log stops; LOGFILE is honoured', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  useLog(root, 'debian12-interrupted.log');
  const f = await check(rkhLastScan, root);
  t.is(f.status, 'warn');
  t.regex(f.summary, /^last scan 1\d h ago, did not finish: the log stops at \/var\/log\/rkhunter.log:\d+ at 20:2\d:\d\d with no "End date" line \(killed, crashed, or still running; started 2026-11-28 20:2\dZ, \/var\/log\/rkhunter.log:3\)$/);
  t.is((await check(rkhLastScan, root, at('2026-12-20T00:00:00Z'))).status, 'fail');

  edit(root, '/etc/rkhunter.conf.local', (s) => `${s}LOGFILE=/var/log/rkhunter/scan.log\n`);
  t.regex((await check(rkhLastScan, root)).summary, /^no \/var\/log\/rkhunter\/scan.log \(LOGFILE at \/etc\/rkhunter.conf.local:6\)/);
});

test('last-scan and warnings: a log cut off mid-line is an error naming the line', async (t) => {
  const root = copyRoot(t, 'rkh-malformed');
  for (const c of [rkhLastScan, rkhWarnings]) {
    const f = await check(c, root);
    t.is(f.status, 'error', c.id);
    t.is(f.summary, 'malformed /var/log/rkhunter.log:48: the last line has no end of line: the log was cut off mid-line');
    t.deepEqual(f.evidence, [{ file: '/var/log/rkhunter.log', line: 48 }]);
  }
});

// ---------------------------------------------------------------------------
// rkhunter.warnings

test('warnings: a clean last scan passes; no scan at all is skipped', async (t) => {
  const f = await check(rkhWarnings, copyRoot(t, 'rkh-good'));
  t.is(f.status, 'pass');
  t.is(f.summary, 'no warnings in the last scan (2026-11-28 20:18Z, /var/log/rkhunter.log:3)');
  const none = await check(rkhWarnings, copyRoot(t, 'rkh-default'));
  t.is(none.status, 'skip');
  t.regex(none.summary, /^no scan to judge: .*\(see rkhunter.last-scan\)$/);
});

test('warnings: each warning of the LAST scan with its test and verdict; whitelisted ones shown, not counted', async (t) => {
  const f = await check(rkhWarnings, copyRoot(t, 'rkh-warnings'));
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    '5 warnings in the last scan (2026-11-28 20:22Z, /var/log/rkhunter.log:231), 1 more whitelisted since: /dev/shm/hardtop-probe.bin [file in /dev], /etc/passwd [no earlier copy], /etc/group [no earlier copy], /etc/ssh/sshd_config [known false positive] +1 more',
  );
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status]),
    [
      ['/etc/passwd', 'warn'],
      ['/etc/group', 'warn'],
      ['/etc/ssh/sshd_config', 'warn'],
      ['/dev/shm/hardtop-probe.bin', 'fail'],
      ['/etc/.java', 'warn'],
      ['/dev/shm/.hardtop-probe', 'pass'],
    ],
  );
  const byName = new Map(f.items?.map((i) => [i.subject, i]));
  t.regex(byName.get('/etc/ssh/sshd_config')?.summary ?? '', /^system_configs_ssh: The SSH configuration option 'PermitRootLogin' has not been set\. \(The default value may be 'yes', to allow root access\.\) — known false positive: rkhunter greps only \/etc\/ssh\/sshd_config/);
  t.regex(byName.get('/etc/.java')?.summary ?? '', /known false positive: Java's system preferences directory .*; if expected, whitelist it with ALLOWHIDDENDIR=\/etc\/.java in \/etc\/rkhunter.conf.local$/);
  t.regex(byName.get('/dev/shm/hardtop-probe.bin')?.summary ?? '', /^filesystem: Suspicious file types found in \/dev: \(\/dev\/shm\/hardtop-probe.bin: data\) — regular files in \/dev.*ALLOWDEVFILE=\/dev\/shm\/hardtop-probe.bin/);
  t.is(byName.get('/dev/shm/.hardtop-probe')?.summary, 'filesystem: Hidden file found: /dev/shm/.hardtop-probe: ASCII text — whitelisted since this scan: ALLOWHIDDENFILE=/dev/shm/.hardtop-* (/etc/rkhunter.conf.local:3)');
  t.deepEqual(byName.get('/dev/shm/.hardtop-probe')?.evidence, [
    { file: '/var/log/rkhunter.log', line: 329, text: 'Warning: Hidden file found: /dev/shm/.hardtop-probe: ASCII text' },
    { file: '/etc/rkhunter.conf.local', line: 3, text: 'ALLOWHIDDENFILE=/dev/shm/.hardtop-*' },
  ]);
  // The earlier run in the same log (file properties) is not the last scan.
  t.false(f.items?.some((i) => i.subject === '/usr/bin/ls'));
});

test('warnings: a changed file that matches its package is upgrade noise; one that does not is possible tampering', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-properties-changed.log');
  const noise = await check(rkhWarnings, root);
  t.is(noise.status, 'warn');
  t.is(noise.summary, '2 warnings in the last scan (2026-11-28 20:20Z, /var/log/rkhunter.log:3): /usr/bin/cat [attributes changed], /usr/bin/ls [upgrade noise]');
  const ls = noise.items?.find((i) => i.subject === '/usr/bin/ls');
  t.regex(ls?.summary ?? '', /— hash changed, but the file matches package coreutils \(dpkg --verify\): rkhunter's database is older than the package; run rkhunter --propupd$/);
  t.true(ls?.evidence.some((e) => e.command === 'dpkg --verify coreutils (on the --root database)' && e.text === 'coreutils owns /bin/ls'));
  const cat = noise.items?.find((i) => i.subject === '/usr/bin/cat');
  t.regex(cat?.summary ?? '', /permissions changed; the contents match package coreutils \(dpkg --verify\), but dpkg does not record owners and modes/);

  // Now the file on disk no longer matches what coreutils shipped (through the /bin symlink, as dpkg sees it).
  write(root, '/usr/bin/ls', 'a trojaned ls\n', 0o755);
  const tampered = await check(rkhWarnings, root);
  t.is(tampered.status, 'fail');
  t.is(tampered.summary, '2 warnings, 1 possible tampering, in the last scan (2026-11-28 20:20Z, /var/log/rkhunter.log:3): /usr/bin/ls [possible tampering], /usr/bin/cat [attributes changed]');
  t.regex(tampered.items?.find((i) => i.subject === '/usr/bin/ls')?.summary ?? '', /hash changed and dpkg --verify says \/bin\/ls differs from package coreutils \(\?\?5\?\?\?\?\?\?\)$/);

  // A file gone from disk is "missing" for dpkg: also not what the package shipped.
  remove(root, '/usr/bin/ls');
  t.regex((await check(rkhWarnings, root)).items?.find((i) => i.subject === '/usr/bin/ls')?.summary ?? '', /dpkg --verify says \/bin\/ls is missing$/);
});

test('warnings: setuid gained is tampering whatever dpkg says; a file no package owns is only "not verifiable"', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-properties-changed.log');
  edit(root, '/var/log/rkhunter.log', (s) => s.replace('Current permissions: 0755    Stored permissions: 0775', 'Current permissions: 4755    Stored permissions: 0755'));
  const suid = await check(rkhWarnings, root);
  t.regex(suid.items?.find((i) => i.subject === '/usr/bin/cat')?.summary ?? '', /it became setuid \(permissions 0755 → 4755\)$/);
  t.is(suid.items?.find((i) => i.subject === '/usr/bin/cat')?.status, 'fail');

  edit(root, '/var/lib/dpkg/info/coreutils.list', (s) => s.replace('/bin/ls\n', ''));
  const unowned = await check(rkhWarnings, root);
  const ls = unowned.items?.find((i) => i.subject === '/usr/bin/ls');
  t.is(ls?.status, 'warn');
  t.regex(ls?.summary ?? '', /no package owns it \(dpkg -S\), so dpkg cannot vouch for it: check it by hand$/);
});

test('warnings: known false positives are whitelisted or their tests disabled since the scan', async (t) => {
  // rkh-good whitelists /etc/.java and PermitRootLogin, and disables os_specific and system_configs_syslog.
  const root = copyRoot(t, 'rkh-good');
  useLog(root, 'debian12-full-warnings.log');
  const f = await check(rkhWarnings, root);
  t.is(f.status, 'warn');
  t.is(f.summary, '2 warnings in the last scan (2026-11-28 20:15Z, /var/log/rkhunter.log:3), 5 more whitelisted since: /etc/passwd [no earlier copy], /etc/group [no earlier copy]');
  const summaries = new Map(f.items?.map((i) => [i.subject, i.summary.replace(/^.* — /, '')]));
  t.is(summaries.get('/proc/modules'), "the 'os_specific' test is disabled since this scan: DISABLE_TESTS os_specific (/etc/rkhunter.d/10-vm.conf:2)");
  t.is(summaries.get('system logging daemon'), "the 'system_configs_syslog' test is disabled since this scan: DISABLE_TESTS system_configs_syslog (/etc/rkhunter.d/10-vm.conf:2)");
  t.is(summaries.get('/etc/.java'), 'whitelisted since this scan: ALLOWHIDDENDIR=/etc/.java (/etc/rkhunter.conf.local:4)');
  t.is(summaries.get('/etc/ssh/sshd_config'), 'whitelisted since this scan: ALLOW_SSH_ROOT_USER=unset (/etc/rkhunter.conf.local:5)');
});

test("warnings: Debian's egrep wrapper is a known false positive until SCRIPTWHITELIST covers it; an unknown script fails", async (t) => {
  const root = copyRoot(t, 'rkh-good');
  useLog(root, 'debian12-script-replaced.log');
  // rkh-good's config still has Debian's SCRIPTWHITELIST=/usr/bin/egrep: whitelisted.
  t.is((await check(rkhWarnings, root)).status, 'pass');
  edit(root, '/etc/rkhunter.conf', (s) => s.replace('SCRIPTWHITELIST=/usr/bin/egrep\n', ''));
  const known = await check(rkhWarnings, root);
  t.is(known.status, 'warn');
  t.regex(known.items?.[0].summary ?? '', /known false positive: a shell wrapper around grep -E in Debian's grep package; if expected, whitelist it with SCRIPTWHITELIST=\/usr\/bin\/egrep/);
  edit(root, '/var/log/rkhunter.log', (s) => s.replaceAll('/usr/bin/egrep', '/usr/bin/ls'));
  const unknown = await check(rkhWarnings, root);
  t.is(unknown.status, 'fail');
  t.regex(unknown.summary, /\/usr\/bin\/ls \[command replaced by a script\]/);
});

test('warnings: an interrupted scan says its results are partial', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  useLog(root, 'debian12-interrupted.log');
  const f = await check(rkhWarnings, root);
  t.is(f.status, 'warn');
  t.regex(f.summary, /^3 warnings in the last scan .*; it did not finish \(no "End date" line\), so later tests never ran$/);
});

// ---------------------------------------------------------------------------
// rkhunter.config — the real rkhunter -C

const unavailable = rkhunterUnavailable();
const real = unavailable ? test.skip : test;
if (unavailable) test('rkhunter -C tests skipped', (t) => t.log(unavailable));

real("config: Debian's shipped WEB_CMD is the known packaging fault: warn, with the explanation", async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const root = copyRoot(t, 'rkh-default');
  const f = await check(rkhConfig, root);
  t.is(f.status, 'warn');
  t.is(
    f.summary,
    'rkhunter -C --configfile /etc/rkhunter.conf fails only on WEB_CMD="/bin/false" (/etc/rkhunter.conf:1190): Debian\'s own known packaging fault (rkhunter keeps the quotes of *_CMD options, then rejects the value as a relative path); harmless here, since updates are off, and fixed by WEB_CMD=/bin/false without quotes in /etc/rkhunter.conf.local',
  );
  t.true(f.evidence.some((e) => e.file === '/etc/rkhunter.conf' && e.line === 1190 && e.text === 'Invalid WEB_CMD configuration option: Relative pathname: "/bin/false"'));
  // Staged outside the sysroot: nothing was written into it.
  t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')));
});

real('config: a good configuration (main + .local + rkhunter.d) passes', async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const f = await check(rkhConfig, copyRoot(t, 'rkh-good'));
  t.is(f.status, 'pass');
  t.is(f.summary, 'rkhunter -C --configfile /etc/rkhunter.conf accepts /etc/rkhunter.conf + /etc/rkhunter.conf.local + /etc/rkhunter.d/10-vm.conf');
});

real('config: bogus options fail, each pointed at its file:line (an indented one too)', async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const f = await check(rkhConfig, copyRoot(t, 'rkh-malformed'));
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    'rkhunter -C --configfile /etc/rkhunter.conf rejects the configuration: Unknown configuration file option: ALLOW_SSH_ROOT_USR=unset (/etc/rkhunter.conf.local:2); Unknown configuration file option:   ALLOWHIDDENDIR=/etc/.java (/etc/rkhunter.conf.local:3)',
  );
});

real("config: paths are checked in the sysroot, not on this machine, and reported as host paths", async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const root = copyRoot(t, 'rkh-good');
  // /usr/bin/lwp-request exists neither here nor (usually) on this machine; /etc/hostname exists here only.
  edit(root, '/etc/rkhunter.conf.local', (s) => `${s}SCRIPTWHITELIST=/etc/hostname\n`);
  const f = await check(rkhConfig, root);
  t.is(f.status, 'fail');
  t.is(f.summary, 'rkhunter -C --configfile /etc/rkhunter.conf rejects the configuration: Invalid SCRIPTWHITELIST configuration option: Non-existent pathname: /etc/hostname (/etc/rkhunter.conf.local:6)');
  // Remove a directory rkhunter needs in the sysroot: TMPDIR.
  const root2 = copyRoot(t, 'rkh-good');
  remove(root2, '/var/lib/rkhunter/tmp');
  t.regex((await check(rkhConfig, root2)).summary, /Invalid TMPDIR configuration option: Non-existent pathname: \/var\/lib\/rkhunter\/tmp \(\/etc\/rkhunter.conf:\d+\)$/);
});

real('config: a symlinked rkhunter.conf.local is ignored, as rkhunter ignores it, and said so', async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const root = copyRoot(t, 'rkh-good');
  write(root, '/etc/elsewhere.conf', 'BOGUS_OPTION=1\n');
  remove(root, '/etc/rkhunter.conf.local');
  fs.symlinkSync('/etc/elsewhere.conf', path.join(root, 'etc/rkhunter.conf.local'));
  edit(root, '/etc/rkhunter.conf', (s) => s.replace('WEB_CMD="/bin/false"', 'WEB_CMD=/bin/false'));
  const f = await check(rkhConfig, root);
  t.is(f.status, 'pass');
  t.regex(f.summary, /; not read: \/etc\/rkhunter.conf.local \(a symlink: rkhunter ignores it\)$/);
});

test('config: not root, rkhunter -C cannot run ("You must be the root user"): skipped with the reason', async (t) => {
  const host = createLocalHost({ root: copyRoot(t, 'rkh-default'), network: false });
  const asUser = new Proxy(host, {
    get(target, prop) {
      if (prop === 'isRoot') return false;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const f = await rkhConfig.run(asUser, ctx);
  t.is(f.status, 'skip');
  t.is(f.summary, 'rkhunter -C runs only as root ("You must be the root user"): run hardtop as root to check /etc/rkhunter.conf');
});

real('config: no rkhunter.conf at all fails', async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const root = copyRoot(t, 'rkh-default');
  remove(root, '/etc/rkhunter.conf');
  const f = await check(rkhConfig, root);
  t.is(f.status, 'fail');
  t.is(f.summary, 'no /etc/rkhunter.conf or /usr/local/etc/rkhunter.conf: rkhunter refuses to run ("Unable to find configuration file")');
});

real("config on the live system runs rkhunter -C on the real files (read-only)", async (t) => {
  t.timeout(120_000); // rkhunter -C takes seconds on a loaded machine
  const host = createLocalHost({ root: '/', network: false });
  // Without the cache: a test writes nothing into this machine's /var/lib/hardtop.
  const f = await judgeConfig(host, null);
  t.true(['pass', 'warn', 'fail'].includes(f.status), f.summary);
  const realConf = fs.readFileSync('/etc/rkhunter.conf', 'utf8');
  const stock = /^WEB_CMD="\/bin\/false"$/m.test(realConf) && !fs.existsSync('/etc/rkhunter.conf.local') && !fs.existsSync('/etc/rkhunter.d');
  if (stock) t.regex(f.summary, /fails only on WEB_CMD="\/bin\/false" \(\/etc\/rkhunter.conf:\d+\): Debian's own known packaging fault/);
  // A sysroot that claims to be live still never leaks the real machine into the sysroot's findings.
  t.is((await rkhConfig.run(liveView(createLocalHost({ root: copyRoot(t, 'rkh-none') })), ctx)).status, 'skip');
});
