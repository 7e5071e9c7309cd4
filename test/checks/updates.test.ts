import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { autoEnabled } from '../../checks/updates/auto-enabled';
import { autoInstalled } from '../../checks/updates/auto-installed';
import { autoLastRun } from '../../checks/updates/auto-last-run';
import { autoTimers } from '../../checks/updates/auto-timers';
import { checks, fixes } from '../../checks/updates/index';
import { policyProblems, updatesPolicy } from '../../checks/updates/policy';
import { nextDailyElapse } from '../../checks/updates/systemd-units';
import { at, copyRoot, ctx, evidencePathsAreHostPaths, hostFor, liveView, ROOTS, run } from './updates-reboot-helpers';

const ALL_ROOTS = fs.readdirSync(ROOTS).filter((n) => fs.statSync(path.join(ROOTS, n)).isDirectory());

// ---------------------------------------------------------------------------
// The area as a whole

test('the area lists its checks in CHECKS.md order with CHECKS.md severities, and the fixes that exist', (t) => {
  t.deepEqual(
    checks.map((c) => [c.id, c.area, c.severity]),
    [
      ['updates.auto.installed', 'updates', 'high'],
      ['updates.auto.enabled', 'updates', 'high'],
      ['updates.auto.timers', 'updates', 'medium'],
      ['updates.auto.last-run', 'updates', 'medium'],
      ['updates.pending.security', 'updates', 'high'],
      ['updates.pending.all', 'updates', 'info'],
    ],
  );
  t.deepEqual(fixes.map((f) => f.id).sort(), ['updates.enable-dnf-automatic', 'updates.enable-unattended', 'updates.enable-timers', 'updates.install-unattended'].sort());
  for (const c of checks) t.true((c.watch?.length ?? 0) > 0 && (c.interval ?? 0) > 0, c.id);
});

test('the thresholds in assets/policy/updates.json are sane', (t) => {
  t.deepEqual(policyProblems(updatesPolicy), []);
  t.is(updatesPolicy.lastRun.warnAfterHours, 48);
  t.is(updatesPolicy.lastRun.failAfterHours, 168);
});

test('on every fixture root each check gives one well-formed finding, never a throw', async (t) => {
  for (const root of ALL_ROOTS) {
    for (const check of checks) {
      const f = await run(check, root);
      t.is(f.id, check.id);
      t.is(f.severity, check.severity);
      t.false(/[\r\n]/.test(f.summary), `${root} ${check.id}: one line`);
      t.true(f.summary.length > 0);
      t.true(evidencePathsAreHostPaths(f), `${root} ${check.id}: ${JSON.stringify(f.evidence)}`);
      for (const id of f.fixes) t.true(fixes.some((x) => x.id === id), `${check.id} offers ${id}, which must exist`);
    }
  }
});

test('a system with neither apt nor dnf is skipped with the reason, installed check included (dnf: updates-dnf.test.ts)', async (t) => {
  for (const check of checks) {
    const f = await run(check, 'rhel9-kpatch');
    t.is(f.status, 'skip', check.id);
    t.is(f.summary, 'Red Hat Enterprise Linux 9.4 (Plow) (ID=rhel: RHEL/Alma/Rocky family (dnf4)) has no package manager hardtop can read here: no /var/lib/dpkg/status (apt) and no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3');
  }
});

// ---------------------------------------------------------------------------
// updates.auto.installed

test('installed: pass names the version and the dpkg stanza', async (t) => {
  const f = await run(autoInstalled, 'deb12-auto-on');
  t.is(f.status, 'pass');
  t.is(f.summary, 'unattended-upgrades 2.9.1+nmu3 is installed');
  t.is(f.evidence[0].file, '/var/lib/dpkg/status');
  t.is(f.evidence[0].line, 65);
});

test('installed: absent fails', async (t) => {
  const f = await run(autoInstalled, 'deb12-no-uu');
  t.is(f.status, 'fail');
  t.regex(f.summary, /^unattended-upgrades is not installed/);
});

test('installed: removed with config files left fails; half-configured warns', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  const status = path.join(root, 'var/lib/dpkg/status');
  const text = fs.readFileSync(status, 'utf8');
  fs.writeFileSync(status, text.replace(/(Package: unattended-upgrades\nStatus: )install ok installed/, '$1deinstall ok config-files'));
  t.regex((await run(autoInstalled, root)).summary, /was removed \(only its config files remain\)/);
  fs.writeFileSync(status, text.replace(/(Package: unattended-upgrades\nStatus: )install ok installed/, '$1install ok half-configured'));
  const half = await run(autoInstalled, root);
  t.is(half.status, 'warn');
  t.regex(half.summary, /half-configured/);
});

test('installed: a corrupt dpkg database is an error naming file:line', async (t) => {
  const f = await run(autoInstalled, 'deb12-corrupt-dpkg');
  t.is(f.status, 'error');
  t.is(f.summary, 'malformed /var/lib/dpkg/status:67: not a "Field: value" line');
  t.deepEqual(f.evidence, [{ file: '/var/lib/dpkg/status', line: 67 }]);
  // Every check that needs the database says the same, rather than guessing.
  for (const check of [autoEnabled, autoTimers, autoLastRun]) t.is((await run(check, 'deb12-corrupt-dpkg')).status, 'error', check.id);
});

// ---------------------------------------------------------------------------
// updates.auto.enabled

test('enabled: the winning values and the file:line that set them (20auto-upgrades beats 10periodic; *.ucf-dist ignored)', async (t) => {
  const f = await run(autoEnabled, 'deb12-auto-on');
  t.is(f.status, 'pass');
  t.is(
    f.summary,
    'Update-Package-Lists "1" (/etc/apt/apt.conf.d/20auto-upgrades:1), Unattended-Upgrade "1" (/etc/apt/apt.conf.d/20auto-upgrades:2)',
  );
  t.deepEqual(f.evidence, [
    { file: '/etc/apt/apt.conf.d/20auto-upgrades', line: 1, text: 'APT::Periodic::Update-Package-Lists "1";' },
    { file: '/etc/apt/apt.conf.d/20auto-upgrades', line: 2, text: 'APT::Periodic::Unattended-Upgrade "1";' },
  ]);
});

test('enabled: "0" (what debconf writes for "no") fails and says where', async (t) => {
  const f = await run(autoEnabled, 'deb12-auto-off');
  t.is(f.status, 'fail');
  t.is(f.summary, 'automatic updates are off: Unattended-Upgrade "0" (/etc/apt/apt.conf.d/20auto-upgrades:2)');
});

test('enabled: unset values and the APT::Periodic::Enable master switch', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  const parts = path.join(root, 'etc/apt/apt.conf.d');
  fs.writeFileSync(path.join(parts, '99off'), 'APT::Periodic::Enable "0";\n');
  const off = await run(autoEnabled, root);
  t.is(off.status, 'fail');
  t.regex(off.summary, /Enable "0" \(\/etc\/apt\/apt.conf.d\/99off:1\) switches all periodic apt jobs off/);

  fs.rmSync(path.join(parts, '99off'));
  fs.rmSync(path.join(parts, '10periodic'));
  fs.rmSync(path.join(parts, '20auto-upgrades'));
  const unset = await run(autoEnabled, root);
  t.is(unset.summary, 'automatic updates are off: Update-Package-Lists unset (default 0); Unattended-Upgrade unset (default 0)');

  fs.writeFileSync(path.join(parts, '20auto-upgrades'), 'APT::Periodic::Update-Package-Lists "12h";\nAPT::Periodic::Unattended-Upgrade "yes";\n');
  t.regex((await run(autoEnabled, root)).summary, /Unattended-Upgrade "yes" \(.*20auto-upgrades:2\) is not an interval apt understands/);
});

test('enabled: a syntax error anywhere in apt.conf.d is an error with apt\'s message and file:line', async (t) => {
  const f = await run(autoEnabled, 'deb12-malformed');
  t.is(f.status, 'error');
  t.is(f.summary, 'apt cannot read its configuration: Syntax error /etc/apt/apt.conf.d/20auto-upgrades:2: Extra junk after value');
  t.deepEqual(f.evidence, [{ file: '/etc/apt/apt.conf.d/20auto-upgrades', line: 2 }]);
});

test('enabled: #include is followed, relative to the root', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.writeFileSync(path.join(root, 'etc/apt/apt.conf.d/99include'), '#include /etc/apt/site.conf;\n');
  fs.writeFileSync(path.join(root, 'etc/apt/site.conf'), 'APT::Periodic::Unattended-Upgrade "1";\n');
  const f = await run(autoEnabled, root);
  t.is(f.status, 'pass');
  t.regex(f.summary, /Unattended-Upgrade "1" \(\/etc\/apt\/site.conf:1\)/);
});

test('enabled: skipped when unattended-upgrades is not installed', async (t) => {
  const f = await run(autoEnabled, 'deb12-no-uu');
  t.is(f.status, 'skip');
  t.is(f.summary, 'unattended-upgrades is not installed (see updates.auto.installed)');
});

// ---------------------------------------------------------------------------
// updates.auto.timers

test('timers: both enabled by links in timers.target.wants', async (t) => {
  const f = await run(autoTimers, 'deb12-auto-on');
  t.is(f.status, 'pass');
  // ctx.now is 2026-11-28 12:00Z: today's 06:00 has passed, so tomorrow's.
  t.is(f.summary, 'apt-daily.timer enabled, apt-daily-upgrade.timer enabled; next upgrade run 2026-11-29 06:00 UTC + up to 60m (OnCalendar=*-*-* 6:00, /lib/systemd/system/apt-daily-upgrade.timer:6)');
  t.deepEqual(f.evidence.map((e) => e.file), [
    '/etc/systemd/system/timers.target.wants/apt-daily.timer',
    '/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer',
    '/lib/systemd/system/apt-daily-upgrade.timer',
  ]);
});

test('timers: the next run follows OnCalendar= after drop-ins (an empty one resets the list); a rich spec is named, not guessed', async (t) => {
  t.is(nextDailyElapse('*-*-* 6:00', new Date('2026-11-28T05:59:00Z'), 'utc')?.toISOString(), '2026-11-28T06:00:00.000Z');
  t.is(nextDailyElapse('*-*-* 06:00:30', new Date('2026-11-28T06:00:30Z'), 'utc')?.toISOString(), '2026-11-29T06:00:30.000Z');
  t.is(nextDailyElapse('daily', new Date('2026-12-31T12:00:00Z'), 'utc')?.toISOString(), '2027-01-01T00:00:00.000Z');
  for (const spec of ['Mon *-*-* 6:00', '*-*-* 6,18:00', '*-*-* 25:00', 'weekly']) t.is(nextDailyElapse(spec, ctx.now, 'utc'), null, spec);

  const root = copyRoot(t, 'deb12-auto-on');
  fs.mkdirSync(path.join(root, 'etc/systemd/system/apt-daily-upgrade.timer.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/systemd/system/apt-daily-upgrade.timer.d/override.conf'), '[Timer]\nOnCalendar=\nOnCalendar=*-*-* 14:30\nRandomizedDelaySec=0\n');
  const f = await run(autoTimers, root);
  t.is(f.status, 'pass');
  t.regex(f.summary, /; next upgrade run 2026-11-28 14:30 UTC \(OnCalendar=\*-\*-\* 14:30, \/etc\/systemd\/system\/apt-daily-upgrade\.timer\.d\/override\.conf:3\)$/);
  fs.writeFileSync(path.join(root, 'etc/systemd/system/apt-daily-upgrade.timer.d/override.conf'), '[Timer]\nOnCalendar=Mon..Fri *-*-* 6:00\n');
  t.regex((await run(autoTimers, root)).summary, /; next upgrade run: OnCalendar=\*-\*-\* 6:00, Mon\.\.Fri \*-\*-\* 6:00 \(see systemctl list-timers\)$/);
});

test('timers: a timer masked to /dev/null fails', async (t) => {
  const f = await run(autoTimers, 'deb12-auto-off');
  t.is(f.status, 'fail');
  t.is(f.summary, 'apt-daily.timer enabled, apt-daily-upgrade.timer masked (/etc/systemd/system/apt-daily-upgrade.timer)');
});

test('timers: a broken enablement link and an empty (masking) unit file fail and say so', async (t) => {
  const f = await run(autoTimers, 'deb12-malformed');
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    'apt-daily.timer enabled by a broken link (/etc/systemd/system/timers.target.wants/apt-daily.timer: its unit file is missing), apt-daily-upgrade.timer masked (/etc/systemd/system/apt-daily-upgrade.timer)',
  );
});

test('timers: a timer that is installed but not enabled fails', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  fs.rmSync(path.join(root, 'etc/systemd/system/timers.target.wants/apt-daily.timer'));
  const f = await run(autoTimers, root);
  t.is(f.status, 'fail');
  t.is(f.summary, 'apt-daily.timer not enabled, apt-daily-upgrade.timer enabled');
});

test('timers: on the live system without systemd as PID 1 the result is info; with it, judged', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const live = liveView(hostFor(root));
  const info = await run(autoTimers, live);
  t.is(info.status, 'info');
  t.regex(info.summary, /^systemd is not running here \(no \/run\/systemd\/system\), so timers do not fire; on disk: apt-daily.timer enabled, apt-daily-upgrade.timer masked/);
  fs.mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
  t.is((await run(autoTimers, live)).status, 'fail');
});

// ---------------------------------------------------------------------------
// updates.auto.last-run

test('last-run: the newest "Starting unattended upgrades script" line, with its age', async (t) => {
  const f = await run(autoLastRun, 'deb12-auto-on');
  t.is(f.status, 'pass');
  t.is(f.summary, 'last run 2026-11-28T06:12:44Z (/var/log/unattended-upgrades/unattended-upgrades.log:11), 6 h ago');
  t.deepEqual(f.evidence, [
    { file: '/var/log/unattended-upgrades/unattended-upgrades.log', line: 11, text: '2026-11-28 06:12:44,003 INFO Starting unattended upgrades script' },
  ]);
});

test('last-run: 18 days ago fails; thresholds 48 h (warn) and 7 days (fail) from assets', async (t) => {
  const stale = await run(autoLastRun, 'deb12-auto-off');
  t.is(stale.status, 'fail');
  t.is(stale.summary, 'last run 2026-11-10T06:31:12Z (/var/log/unattended-upgrades/unattended-upgrades.log:5), 18 days ago: more than 7 days without updates');
  // Last run 2026-11-28 06:12:44: just under / over each threshold.
  t.is((await run(autoLastRun, 'deb12-auto-on', at('2026-11-30T06:12:00Z'))).status, 'pass');
  t.is((await run(autoLastRun, 'deb12-auto-on', at('2026-11-30T06:13:00Z'))).status, 'warn');
  t.is((await run(autoLastRun, 'deb12-auto-on', at('2026-12-05T06:12:00Z'))).status, 'warn');
  t.is((await run(autoLastRun, 'deb12-auto-on', at('2026-12-05T06:13:00Z'))).status, 'fail');
  const future = await run(autoLastRun, 'deb12-auto-on', at('2026-11-28T03:00:00Z'));
  t.is(future.status, 'warn');
  t.regex(future.summary, /is in the future: is the clock right\?/);
});

test('last-run: a file that is not a u-u log is an error naming it', async (t) => {
  const f = await run(autoLastRun, 'deb12-malformed');
  t.is(f.status, 'error');
  t.is(
    f.summary,
    '/var/log/unattended-upgrades/unattended-upgrades.log:1: no line has a "YYYY-MM-DD HH:MM:SS,mmm LEVEL" timestamp: not an unattended-upgrades log?',
  );
});

test('last-run: the stamp file counts when it is newer than the log (or the only record)', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const stamp = path.join(root, 'var/lib/apt/periodic/unattended-upgrades-stamp');
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, '');
  const sixtyHoursAgo = new Date(ctx.now.getTime() - 60 * 3_600_000);
  fs.utimesSync(stamp, sixtyHoursAgo, sixtyHoursAgo);
  const f = await run(autoLastRun, root);
  t.is(f.status, 'warn');
  t.is(f.summary, 'last run 2026-11-26T00:00:00Z (/var/lib/apt/periodic/unattended-upgrades-stamp mtime), 3 days ago: more than 48 h ago');
  t.deepEqual(f.evidence, [{ file: '/var/lib/apt/periodic/unattended-upgrades-stamp', text: 'modified 2026-11-26T00:00:00.000Z' }]);

  fs.rmSync(path.join(root, 'var/log/unattended-upgrades'), { recursive: true });
  t.is((await run(autoLastRun, root)).status, 'warn', 'stamp alone');

  // The stamp also rescues an unreadable log (a directory in its place).
  fs.mkdirSync(path.join(root, 'var/log/unattended-upgrades/unattended-upgrades.log'), { recursive: true });
  const rescued = await run(autoLastRun, root);
  t.is(rescued.status, 'warn');
  t.regex(rescued.summary, /\(cannot read \/var\/log\/unattended-upgrades\/unattended-upgrades.log: not a regular file\)$/);
});

test('last-run: no log and no stamp: it never ran', async (t) => {
  const root = copyRoot(t, 'deb12-auto-on');
  fs.rmSync(path.join(root, 'var/log/unattended-upgrades'), { recursive: true });
  const f = await run(autoLastRun, root);
  t.is(f.status, 'fail');
  t.is(f.summary, 'unattended-upgrades has never run: no /var/log/unattended-upgrades/unattended-upgrades.log and no /var/lib/apt/periodic/unattended-upgrades-stamp');
});

test('last-run: skipped when unattended-upgrades is not installed', async (t) => {
  t.is((await run(autoLastRun, 'deb12-no-uu')).status, 'skip');
});
