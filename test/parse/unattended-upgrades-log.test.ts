import test from 'ava';
import { newestRun, parseUnattendedUpgradesLog, uuLogTimeToDate } from '../../src/parse/unattended-upgrades-log';

const LOG = `2026-11-26 06:21:04,511 INFO Starting unattended upgrades script
2026-11-26 06:21:04,512 INFO Allowed origins are: origin=Debian,codename=bookworm,label=Debian-Security
2026-11-26 06:21:09,930 INFO No packages found that can be upgraded unattended and no pending auto-removals
2026-11-28 06:12:44,003 INFO Starting unattended upgrades script
2026-11-28 06:12:49,187 INFO Packages that will be upgraded: libssl3 openssl
2026-11-27 06:40:01,000 INFO Running unattended-upgrades in an old format
a line with no timestamp
`;

test('run starts, their lines, and the newest by time rather than by position', (t) => {
  const log = parseUnattendedUpgradesLog(LOG);
  t.deepEqual(log.runs.map((r) => [r.time.text, r.line]), [
    ['2026-11-26 06:21:04', 1],
    ['2026-11-28 06:12:44', 4],
    ['2026-11-27 06:40:01', 6],
  ]);
  t.is(log.timestampedLines, 6);
  t.is(log.nonEmptyLines, 7);
  const newest = newestRun(log);
  t.is(newest?.line, 4);
  t.is(uuLogTimeToDate(newest!.time, 'utc').toISOString(), '2026-11-28T06:12:44.000Z');
});

test('garbage and impossible dates give no runs and no timestamped lines', (t) => {
  const log = parseUnattendedUpgradesLog('\x1b[31mnot a log\n2026-13-45 99:00:00,000 INFO Starting unattended upgrades script\n');
  t.deepEqual(log.runs, []);
  t.is(log.timestampedLines, 0);
  t.is(log.nonEmptyLines, 2);
  t.is(newestRun(log), undefined);
});
