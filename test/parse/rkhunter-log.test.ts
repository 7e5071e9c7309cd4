// The rkhunter log parser on REAL logs written by rkhunter 1.4.6 (Debian 12)
// on this kind of machine (test/fixtures/rkhunter/generate.sh), and on the
// ways a log breaks.

import test from 'ava';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lastRunOf, parseRkhDate, parseRkhunterLog, rkhDateToDate } from '../../src/parse/rkhunter-log';

const DIR = path.resolve(__dirname, '../fixtures/rkhunter');
const load = (name: string) => parseRkhunterLog(fs.readFileSync(path.join(DIR, name), 'utf8'));

test('a clean full scan: one complete run, no warnings, every test, the summary', (t) => {
  const log = load('debian12-clean.log');
  t.deepEqual(log.errors, []);
  t.is(log.runs.length, 1);
  const run = log.runs[0];
  t.is(run.kind, 'scan');
  t.is(run.version, '1.4.6');
  t.is(run.hostname, 'vm');
  t.is(run.startDate, 'Sat Nov 28 20:18:08 UTC 2026');
  t.is(run.endDate, 'Sat Nov 28 20:20:56 UTC 2026');
  t.is(run.start?.line, 3);
  t.regex(run.commandLine ?? '', /^\/usr\/bin\/rkhunter .*--check/);
  t.deepEqual(run.warnings, []);
  t.true(run.tests.includes('system_commands') && run.tests.includes('filesystem'));
  t.false(run.tests.includes('os_specific'), 'disabled in this scan');
  t.true(run.checks.length > 1000);
  t.true(run.checks.every((c) => c.result !== 'Warning'));
  t.deepEqual(run.summary, { filesChecked: 122, suspectFiles: 0, rootkitsChecked: 496, possibleRootkits: 0, took: '2 minutes and 47 seconds' });
});

test('a full scan with the usual Debian 12 VM warnings: each with its test, check line and continuation', (t) => {
  const log = load('debian12-full-warnings.log');
  t.deepEqual(log.errors, []);
  const run = lastRunOf(log, 'scan');
  t.truthy(run);
  t.deepEqual(
    run?.warnings.map((w) => [w.line, w.test, w.check, w.message]),
    [
      [1745, 'os_specific', 'Checking loaded kernel modules', "The modules file '/proc/modules' is missing."],
      [1748, 'os_specific', 'Checking kernel module names', "The kernel modules directory '/lib/modules' is missing or empty."],
      [1809, 'passwd_changes', 'Checking for passwd file changes', 'Unable to check for passwd file differences: no copy of the passwd file exists.'],
      [1813, 'group_changes', 'Checking for group file changes', 'Unable to check for group file differences: no copy of the group file exists.'],
      [1825, 'system_configs_ssh', 'Checking if SSH root access is allowed', "The SSH configuration option 'PermitRootLogin' has not been set."],
      [1832, 'system_configs_syslog', 'Checking for a running system logging daemon', 'No running system logging daemon has been found.'],
      [1841, 'filesystem', 'Checking for hidden files and directories', 'Hidden directory found: /etc/.java'],
    ],
  );
  // The untimestamped continuation line (11 blanks) belongs to the SSH warning.
  t.deepEqual(run?.warnings[4].details, ["The default value may be 'yes', to allow root access."]);
  t.is(run?.warnings[4].time, '20:18:04');
  t.is(run?.checks.filter((c) => c.result === 'Warning').length, 7);
});

test('"file properties have changed": the timestamped detail lines (indent 9) are the warning\'s', (t) => {
  const run = lastRunOf(load('debian12-properties-changed.log'), 'scan');
  t.deepEqual(
    run?.warnings.map((w) => ({ line: w.line, check: w.check, message: w.message, details: w.details })),
    [
      {
        line: 95,
        check: '/usr/bin/cat',
        message: 'The file properties have changed:',
        details: ['File: /usr/bin/cat', 'Current permissions: 0755    Stored permissions: 0775'],
      },
      {
        line: 138,
        check: '/usr/bin/ls',
        message: 'The file properties have changed:',
        details: [
          'File: /usr/bin/ls',
          'Current hash: cb30d69b24245bf2ecdc9e7f53bbad19159999970b6d82c0c00c7d32d9e37aa4',
          'Stored hash : 0000000000000000000000000000000000000000000000000000000000000000',
        ],
      },
    ],
  );
  t.is(run?.summary.suspectFiles, 2);
  t.is(run?.summary.filesChecked, 122);
});

test('hidden files and odd /dev files: several warnings under one check line, a file list as details', (t) => {
  const run = lastRunOf(load('debian12-hidden-dev.log'), 'scan');
  const fsWarnings = run?.warnings.filter((w) => w.test === 'filesystem');
  t.deepEqual(
    fsWarnings?.map((w) => [w.check, w.message, w.details]),
    [
      ['Checking /dev for suspicious file types', 'Suspicious file types found in /dev:', ['/dev/shm/hardtop-probe.bin: data']],
      ['Checking for hidden files and directories', 'Hidden directory found: /etc/.java', []],
      ['Checking for hidden files and directories', 'Hidden file found: /dev/shm/.hardtop-probe: ASCII text', []],
    ],
  );
});

test('a script-replacement warning (Debian\'s egrep without its SCRIPTWHITELIST entry)', (t) => {
  const run = lastRunOf(load('debian12-script-replaced.log'), 'scan');
  t.is(run?.warnings.length, 1);
  t.is(run?.warnings[0].message, "The command '/usr/bin/egrep' has been replaced by a script: /usr/bin/egrep: POSIX shell script, ASCII text executable");
  t.is(run?.warnings[0].test, 'properties');
});

test('an interrupted scan: no End date, the warnings so far, where it stopped', (t) => {
  const log = load('debian12-interrupted.log');
  t.deepEqual(log.errors, []);
  const run = lastRunOf(log, 'scan');
  t.is(run?.end, null);
  t.is(run?.endDate, null);
  t.is(run?.warnings.length, 3);
  t.is(run?.lastLine, log.lineCount);
  t.regex(run?.lastTime ?? '', /^\d\d:\d\d:\d\d$/);
  t.deepEqual(run?.summary, {});
});

test('an appended log (Debian cron: --appendlog): runs apart, the last scan is the last one', (t) => {
  const log = load('debian12-appended.log');
  t.is(log.runs.length, 2);
  t.deepEqual(
    log.runs.map((r) => [r.line, r.kind, r.warnings.length, r.end !== null]),
    [
      [1, 'scan', 2, true],
      [108, 'scan', 1, true],
    ],
  );
  t.is(lastRunOf(log, 'scan'), log.runs[1]);
  // A warning never spills from one run into the next.
  t.true(log.runs[1].warnings.every((w) => w.line > 108));
});

test('a --propupd run is not a scan', (t) => {
  const log = load('debian12-propupd.log');
  t.deepEqual(log.errors, []);
  t.is(log.runs.length, 1);
  t.is(log.runs[0].kind, 'propupd');
  t.is(lastRunOf(log, 'scan'), null);
  t.truthy(log.runs[0].end);
});

test('broken logs are reported with their line, never thrown', (t) => {
  const good = fs.readFileSync(path.join(DIR, 'debian12-hidden-dev.log'), 'utf8');
  // Cut mid-line (a full disk, a crash while writing).
  const cut = parseRkhunterLog(good.slice(0, good.indexOf('Warning: Hidden') + 12));
  t.is(cut.errors.length, 1);
  t.is(cut.errors[0].line, 100);
  t.regex(cut.errors[0].message, /cut off mid-line/);
  // Garbage in the middle.
  const lines = good.split('\n');
  lines.splice(10, 0, 'this is not rkhunter');
  t.deepEqual(parseRkhunterLog(lines.join('\n')).errors, [{ line: 11, message: 'not an rkhunter log line (no [HH:MM:SS] time stamp)' }]);
  // A NUL byte (the file was overwritten with binary data).
  t.is(parseRkhunterLog(`${good.slice(0, 100)}\0\0${good.slice(100)}`).errors[0].message, 'contains a NUL byte: not a text log (corrupt or overwritten)');
  // The head of the log is missing.
  const headless = parseRkhunterLog(lines.slice(20).join('\n'));
  t.is(headless.errors[0].line, 1);
  t.regex(headless.errors[0].message, /before any "Running Rootkit Hunter version" line/);
  // Impossible time, and an indented line with no warning before it.
  t.regex(parseRkhunterLog('[25:00:00] Running Rootkit Hunter version 1.4.6 on x\n').errors[0].message, /impossible time stamp/);
  t.regex(parseRkhunterLog('[10:00:00] Running Rootkit Hunter version 1.4.6 on x\n           stray\n').errors[0].message, /indented line with no warning/);
  // Empty: no runs, nothing wrong.
  t.deepEqual(parseRkhunterLog(''), { runs: [], errors: [], lineCount: 0 });
});

test('CRLF line ends (a log copied through Windows) parse the same', (t) => {
  const text = fs.readFileSync(path.join(DIR, 'debian12-appended.log'), 'utf8');
  const crlf = parseRkhunterLog(text.replace(/\n/g, '\r\n'));
  t.deepEqual(crlf.errors, []);
  t.deepEqual(
    crlf.runs.map((r) => r.warnings.map((w) => w.message)),
    parseRkhunterLog(text).runs.map((r) => r.warnings.map((w) => w.message)),
  );
});

test('the parser never throws, whatever the bytes', (t) => {
  const sample = fs.readFileSync(path.join(DIR, 'debian12-properties-changed.log'), 'utf8');
  fc.assert(
    fc.property(fc.string(), fc.nat(sample.length), (junk, at) => {
      const log = parseRkhunterLog(sample.slice(0, at) + junk + sample.slice(at));
      return Array.isArray(log.runs) && Array.isArray(log.errors);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('dates as `date` prints them in the C locale', (t) => {
  t.deepEqual(parseRkhDate('Sat Nov 28 20:05:19 UTC 2026'), { year: 2026, month: 11, day: 28, hour: 20, minute: 5, second: 19, zone: 'UTC' });
  t.deepEqual(parseRkhDate('Mon Mar  2 07:00:01 CET 2026'), { year: 2026, month: 3, day: 2, hour: 7, minute: 0, second: 1, zone: 'CET' });
  t.deepEqual(parseRkhDate('Nov 28 20:05:19 2026'), { year: 2026, month: 11, day: 28, hour: 20, minute: 5, second: 19, zone: null });
  t.is(parseRkhDate('Sa 28. Nov 20:05:19 CET 2026'), null, 'a German locale is not guessed at');
  t.is(parseRkhDate('Sat Foo 28 20:05:19 UTC 2026'), null);
  t.is(parseRkhDate('Sat Nov 32 20:05:19 UTC 2026'), null);
  t.is(parseRkhDate(''), null);

  const at = (text: string, fallback: 'local' | 'utc') => rkhDateToDate(parseRkhDate(text)!, fallback).toISOString();
  t.is(at('Sat Nov 28 20:05:19 UTC 2026', 'local'), '2026-11-28T20:05:19.000Z', 'UTC is exact whatever the fallback');
  t.is(at('Sat Nov 28 20:05:19 +0100 2026', 'utc'), '2026-11-28T19:05:19.000Z');
  t.is(at('Sat Nov 28 20:05:19 -05:30 2026', 'utc'), '2026-11-29T01:35:19.000Z');
  t.is(at('Sat Nov 28 20:05:19 CET 2026', 'utc'), '2026-11-28T20:05:19.000Z', 'a zone name is read as UTC in a sysroot');
});
