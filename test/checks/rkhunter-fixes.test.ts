// The rkhunter area's fixes on private copies of the rkh-* fixture sysroots,
// through the real fix engine (applyPlan / undo), the real LocalHost, the
// real sh and grep (apt's hook test) and the real rkhunter -C: plan → preview
// → apply writes exactly the expected file → the owning check passes → undo
// restores every byte. The fixes that run rkhunter itself (--propupd,
// --check) or apt-get are tested as plans and guards only: nothing here scans
// or records this machine.

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rkhAptAutogen } from '../../checks/rkhunter/apt-autogen';
import { rkhConfig } from '../../checks/rkhunter/config';
import { setDefaultVar } from '../../checks/rkhunter/default-edit';
import { APT_HOOK_FILE, setAptAutogen } from '../../checks/rkhunter/fix-apt-autogen';
import { SYSROOT_RUN_REFUSED } from '../../checks/rkhunter/fix-common';
import { installRkhunter } from '../../checks/rkhunter/fix-install';
import { updatePropertyDb } from '../../checks/rkhunter/fix-propupd';
import { runScan } from '../../checks/rkhunter/fix-scan';
import { scheduleDailyScan } from '../../checks/rkhunter/fix-schedule';
import { appendWhitelist, rkhunterConfigValidation, whitelistWarnings } from '../../checks/rkhunter/fix-whitelist';
import { rkhInstalled } from '../../checks/rkhunter/installed';
import { rkhLastScan } from '../../checks/rkhunter/last-scan';
import { rkhPropdb } from '../../checks/rkhunter/propdb';
import { rkhScheduled } from '../../checks/rkhunter/scheduled';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import { SYSROOT_INSTALL_REFUSED } from '../../checks/updates/fix-install-unattended';
import { checkFixArgs } from '../../src/core/catalog';
import type { Fix, Plan, RunContext } from '../../src/core/types';
import { applyPlan, type ApplyStage } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { parseDefaultFile, shellVar } from '../../src/parse/rkhunter-default';
import { changedPaths, copyRoot, read, real, snapshot, write } from '../fixtures/fix/updates/tree';
import { RKH_FIXTURES, rkhunterUnavailable } from './rkhunter-helpers';

const DEFAULT_FILE = '/etc/default/rkhunter';
const LOCAL_CONF = '/etc/rkhunter.conf.local';
/** The day after the fixture scans (2026-11-28 ~20:20 UTC). */
const ctx: RunContext = { now: new Date('2026-11-29T12:00:00Z'), network: false, signal: new AbortController().signal };

const unavailable = rkhunterUnavailable();
const withRkhunter = unavailable ? test.skip : test;
if (unavailable) test('rkhunter -C validations skipped', (t) => t.log(unavailable));

function hostOf(root: string, network = false): Host {
  return createLocalHost({ root, network });
}

/** A sysroot host that claims to be the live system (root "/"): for plans that differ there. Never applied. */
function claimsLive(root: string, network = false): Host {
  const host = hostOf(root, network);
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'root') return '/';
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function planOf(fix: Fix, host: Host): Promise<Plan> {
  return fix.plan(host, ctx);
}

/** rkhunter.whitelist --arg warning=known: every known false positive at once. */
function planKnown(host: Host): Promise<Plan> {
  return whitelistWarnings.plan(host, ctx, { warning: 'known' });
}

function useLog(root: string, fixture: string): void {
  write(root, '/var/log/rkhunter.log', fs.readFileSync(path.join(RKH_FIXTURES, fixture), 'utf8'));
}

function edit(root: string, hostPath: string, fn: (s: string) => string): void {
  write(root, hostPath, fn(read(root, hostPath)));
}

/** Apply, assert exactly `expected` changed, run `afterApply`, then undo and assert every byte is back. */
async function applyAndUndo(t: ExecutionContext, root: string, plan: Plan, expected: string[], afterApply: () => Promise<void>) {
  const host = hostOf(root);
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), expected, 'exactly the planned files changed');
  await afterApply();
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(before, snapshot(root)), [], 'undo restored the tree byte for byte');
}

/** The plan is refused at apply time and nothing in the tree changes. */
async function refusedAtApply(t: ExecutionContext, root: string, plan: Plan, stage: ApplyStage, message: RegExp) {
  const before = snapshot(root);
  const outcome = await applyPlan(hostOf(root), plan);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, stage);
    t.regex(outcome.message, message);
  }
  t.deepEqual(changedPaths(before, snapshot(root)), [], 'nothing changed');
}

// ---------------------------------------------------------------------------
// The findings name the fixes that address them

test('failing findings offer the rkhunter fix that addresses them, and only where its plan can help', async (t) => {
  const none = copyRoot(t, 'rkh-none');
  t.deepEqual((await rkhInstalled.run(hostOf(none), ctx)).fixes, ['rkhunter.install']);
  const def = copyRoot(t, 'rkh-default');
  t.deepEqual((await rkhAptAutogen.run(hostOf(def), ctx)).fixes, ['rkhunter.apt-autogen']);
  t.deepEqual((await rkhScheduled.run(hostOf(def), ctx)).fixes, ['rkhunter.schedule']);
  t.deepEqual((await rkhLastScan.run(hostOf(def), ctx)).fixes, ['rkhunter.scan']);
  fs.rmSync(real(def, '/var/lib/rkhunter/db/rkhunter.dat'));
  t.deepEqual((await rkhPropdb.run(hostOf(def), ctx)).fixes, ['rkhunter.propupd']);

  // Known false positives → whitelist; upgrade noise → propupd; possible tampering → neither.
  const warnings = copyRoot(t, 'rkh-warnings');
  t.deepEqual((await rkhWarnings.run(hostOf(warnings), ctx)).fixes, ['rkhunter.whitelist']);
  useLog(warnings, 'debian12-properties-changed.log');
  t.deepEqual((await rkhWarnings.run(hostOf(warnings), ctx)).fixes, ['rkhunter.propupd']);
  write(warnings, '/usr/bin/ls', 'a trojaned ls\n');
  const tampered = await rkhWarnings.run(hostOf(warnings), ctx);
  t.is(tampered.status, 'fail');
  t.deepEqual(tampered.fixes, []);

  // The apt hook itself missing: setting APT_AUTOGEN cannot help, so it is not offered.
  const good = copyRoot(t, 'rkh-good');
  fs.rmSync(real(good, APT_HOOK_FILE));
  const noHook = await rkhAptAutogen.run(hostOf(good), ctx);
  t.is(noHook.status, 'fail');
  t.deepEqual(noHook.fixes, []);
  // CRON_DAILY_RUN is "yes" but cron is disabled: the schedule fix has nothing to set.
  const cronOff = copyRoot(t, 'rkh-good');
  fs.rmSync(real(cronOff, '/etc/systemd/system/multi-user.target.wants/cron.service'));
  const blocked = await rkhScheduled.run(hostOf(cronOff), ctx);
  t.is(blocked.status, 'warn');
  t.deepEqual(blocked.fixes, []);
  // A CRON_DAILY_RUN we cannot evaluate: an error, no fix.
  t.deepEqual((await rkhScheduled.run(hostOf(copyRoot(t, 'rkh-malformed')), ctx)).fixes, []);
});

// ---------------------------------------------------------------------------
// setDefaultVar (pure)

test('setDefaultVar sets the value on the line the shell obeys, keeping its comment and every other byte', (t) => {
  const yes = () => true;
  t.deepEqual(setDefaultVar('# c\nA=1\nAPT_AUTOGEN=no  # off for now\nB=2\n', 'APT_AUTOGEN', 'true', yes), {
    ok: true,
    text: '# c\nA=1\nAPT_AUTOGEN="true"  # off for now\nB=2\n',
    how: 'in place',
    line: 3,
  });
  // The LAST assignment is the one a sourcing shell keeps: that line changes, the earlier one stays.
  t.deepEqual(setDefaultVar('X="no"\nX=\'\'\n', 'X', 'yes', yes), { ok: true, text: 'X="no"\nX="yes"\n', how: 'in place', line: 2 });
  t.deepEqual(setDefaultVar('  export X=n\r\n', 'X', 'yes', yes), { ok: true, text: '  export X="yes"\r\n', how: 'in place', line: 1 });
  // Unset: appended (a missing final newline is added first, in the file's own style).
  t.deepEqual(setDefaultVar('A=1\r\nB=2', 'X', 'yes', yes), { ok: true, text: 'A=1\r\nB=2\r\nX="yes"\r\n', how: 'appended', line: 3 });
  t.deepEqual(setDefaultVar(null, 'X', 'yes', yes, ['# new']), { ok: true, text: '# new\nX="yes"\n', how: 'created', line: 2 });
});

test("setDefaultVar appends where an in-place edit would not satisfy apt's hook, and refuses lines it cannot evaluate", (t) => {
  const hook = (text: string) => parseDefaultFile(text).aptAutogenHookLines.length > 0;
  // `export` and indentation hide the line from grep '^APT_AUTOGEN=': a plain line is appended.
  for (const line of ['export APT_AUTOGEN=false', '  APT_AUTOGEN=false']) {
    const r = setDefaultVar(`${line}\n`, 'APT_AUTOGEN', 'true', hook);
    t.deepEqual(r, { ok: true, text: `${line}\nAPT_AUTOGEN="true"\n`, how: 'appended', line: 2 }, line);
    if (r.ok) {
      const v = shellVar(parseDefaultFile(r.text), 'APT_AUTOGEN');
      t.true(v.state === 'set' && v.assignment.value === 'true');
    }
  }
  const subst = setDefaultVar('APT_AUTOGEN="$(cat /etc/x)"\n', 'APT_AUTOGEN', 'true', hook);
  t.deepEqual(subst, {
    ok: false,
    reason: '/etc/default/rkhunter:1 sets APT_AUTOGEN with shell hardtop does not evaluate (APT_AUTOGEN: expansion inside the value: not evaluated): edit that line by hand',
  });
});

// ---------------------------------------------------------------------------
// rkhunter.apt-autogen

test("apt-autogen: Debian's APT_AUTOGEN=\"false\" becomes \"true\" in place; the check passes; undo restores", async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const host = hostOf(root);
  t.is((await rkhAptAutogen.run(host, ctx)).status, 'fail');
  const plan = await planOf(setAptAutogen, host);
  t.is(plan.guard, undefined);
  t.is(plan.risk, 'safe');
  t.deepEqual(plan.commands, []);
  t.is(
    previewPlan(plan).diffs.join(''),
    [
      '--- a/etc/default/rkhunter',
      '+++ b/etc/default/rkhunter',
      '@@ -22,7 +22,7 @@',
      ' ',
      ' # Set this to yes to enable automatic database updates',
      ' # (default: false)',
      '-APT_AUTOGEN="false"',
      '+APT_AUTOGEN="true"',
      ' ',
      ' # Nicenesses range from -20 (most favorable scheduling) to 19 (least favorable)',
      ' # (default: 0)',
      '',
    ].join('\n'),
  );
  t.deepEqual(
    plan.validate.map((v) => [v.argv, v.stage]),
    [
      [['sh', '-n', '{stage}/etc/default/rkhunter'], ['/etc/default']],
      [['grep', '-qsiE', '^APT_AUTOGEN=.?(true|yes)', '{stage}/etc/default/rkhunter'], ['/etc/default']],
    ],
  );
  t.regex(plan.warnings.join('\n'), /trade-off \(README\.Debian\)/);
  const original = read(root, DEFAULT_FILE);
  await applyAndUndo(t, root, plan, [DEFAULT_FILE], async () => {
    t.is(read(root, DEFAULT_FILE), original.replace('APT_AUTOGEN="false"', 'APT_AUTOGEN="true"'));
    t.is((await rkhAptAutogen.run(host, ctx)).status, 'pass');
  });
  t.is(read(root, DEFAULT_FILE), original);
  t.is((await rkhAptAutogen.run(host, ctx)).status, 'fail');
});

test('apt-autogen: no /etc/default/rkhunter → created 0644 with the one line; undo removes it', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  fs.rmSync(real(root, DEFAULT_FILE));
  const host = hostOf(root);
  const plan = await planOf(setAptAutogen, host);
  t.is(plan.guard, undefined);
  t.is(plan.edits[0].before, null);
  t.is(plan.edits[0].mode, 0o644);
  t.regex(plan.edits[0].after, /\nAPT_AUTOGEN="true"\n$/);
  await applyAndUndo(t, root, plan, [DEFAULT_FILE], async () => {
    t.is(fs.statSync(real(root, DEFAULT_FILE)).mode & 0o777, 0o644);
    t.is((await rkhAptAutogen.run(host, ctx)).status, 'pass');
  });
  t.false(fs.existsSync(real(root, DEFAULT_FILE)));
});

test('apt-autogen: already on, unevaluable, not installed, not apt, symlinked → refused with the reason', async (t) => {
  t.regex((await planOf(setAptAutogen, hostOf(copyRoot(t, 'rkh-good')))).guard?.reason ?? '', /^nothing to change: APT_AUTOGEN is already on for apt's hook \(\/etc\/default\/rkhunter:25: APT_AUTOGEN="true"\)$/);
  t.is((await planOf(setAptAutogen, hostOf(copyRoot(t, 'rkh-none')))).guard?.reason, 'rkhunter is not installed (fix rkhunter.install)');

  const root = copyRoot(t, 'rkh-default');
  edit(root, DEFAULT_FILE, (s) => s.replace('APT_AUTOGEN="false"', 'APT_AUTOGEN="$(cat /etc/autogen)"'));
  t.regex((await planOf(setAptAutogen, hostOf(root))).guard?.reason ?? '', /^\/etc\/default\/rkhunter:25 sets APT_AUTOGEN with shell hardtop does not evaluate .*: edit that line by hand$/);

  const linked = copyRoot(t, 'rkh-default');
  fs.renameSync(real(linked, DEFAULT_FILE), real(linked, '/etc/rkhunter.defaults'));
  fs.symlinkSync('../rkhunter.defaults', real(linked, DEFAULT_FILE));
  t.regex((await planOf(setAptAutogen, hostOf(linked))).guard?.reason ?? '', /rkhunter is a symlink; not rewriting what it points to/);

  // A source install on a system without dpkg: there is no apt hook to act on it.
  const notApt = copyRoot(t, 'rkh-default');
  fs.rmSync(real(notApt, '/var/lib/dpkg/status'));
  t.regex((await planOf(setAptAutogen, hostOf(notApt))).guard?.reason ?? '', /not an apt system/);

  // The hook file gone: the edit is still right, and the plan says what else is needed.
  const noHook = copyRoot(t, 'rkh-default');
  fs.rmSync(real(noHook, APT_HOOK_FILE));
  const plan = await planOf(setAptAutogen, hostOf(noHook));
  t.is(plan.guard, undefined);
  t.regex(plan.warnings[0], /90rkhunter, the apt hook that acts on APT_AUTOGEN, is missing: .*apt-get install --reinstall rkhunter/);
});

test("apt-autogen: a broken edit is refused on the staged copy by sh -n, and one apt's hook would not see by its grep", async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const plan = await planOf(setAptAutogen, hostOf(root));
  const original = plan.edits[0];
  const unterminated: Plan = { ...plan, edits: [{ ...original, after: original.after.replace('APT_AUTOGEN="true"', 'APT_AUTOGEN="true') }] };
  await refusedAtApply(t, root, unterminated, 'validate', /^validation failed \(sh -n \/etc\/default\/rkhunter .*\): \/etc\/default\/rkhunter: \d+: Syntax error: Unterminated quoted string; nothing was changed$/);
  // Valid shell (a command named APT_AUTOGEN), but not what the hook greps for.
  const spaced: Plan = { ...plan, edits: [{ ...original, after: original.after.replace('APT_AUTOGEN="true"', 'APT_AUTOGEN = "true"') }] };
  await refusedAtApply(t, root, spaced, 'validate', /^validation failed \(apt's hook test .*\): exit 1; nothing was changed$/);
  // The unbroken plan passes the same validators.
  const good = await applyPlan(hostOf(root), plan);
  t.true(good.ok, JSON.stringify(good));
});

// ---------------------------------------------------------------------------
// rkhunter.schedule

test('schedule: CRON_DAILY_RUN="" becomes "yes" in place; with cron running the check passes; undo restores', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  edit(root, DEFAULT_FILE, (s) => s.replace('CRON_DAILY_RUN="yes"', 'CRON_DAILY_RUN=""'));
  const host = hostOf(root);
  t.is((await rkhScheduled.run(host, ctx)).status, 'fail');
  const plan = await planOf(scheduleDailyScan, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.commands, []);
  t.deepEqual(plan.warnings, ['once a day the scan takes minutes of CPU and disk reads (at NICE from /etc/default/rkhunter), and mails its warnings to REPORT_EMAIL']);
  t.regex(previewPlan(plan).diffs[0], /\n-CRON_DAILY_RUN=""\n\+CRON_DAILY_RUN="yes"\n/);
  t.deepEqual(plan.validate.map((v) => v.argv), [['sh', '-n', '{stage}/etc/default/rkhunter']]);
  const original = read(root, DEFAULT_FILE);
  await applyAndUndo(t, root, plan, [DEFAULT_FILE], async () => {
    t.is(read(root, DEFAULT_FILE), original.replace('CRON_DAILY_RUN=""', 'CRON_DAILY_RUN="yes"'));
    const f = await rkhScheduled.run(host, ctx);
    t.is(f.status, 'pass');
    t.is(f.summary, 'scans are scheduled: CRON_DAILY_RUN="yes" (/etc/default/rkhunter:9) with /etc/cron.daily/rkhunter');
  });
  t.is(read(root, DEFAULT_FILE), original);
});

test('schedule: without a cron daemon the plan says nothing will run and what to install, and installs nothing', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const host = hostOf(root);
  const plan = await planOf(scheduleDailyScan, host);
  t.is(plan.guard, undefined);
  t.is(
    plan.warnings[0],
    'no cron daemon is installed (none of cron, cronie, systemd-cron, anacron, bcron): nothing runs /etc/cron.daily, so no scan will run until one is — install one (apt-get install cron); this fix does not install it',
  );
  t.deepEqual(plan.commands, []);
  await applyAndUndo(t, root, plan, [DEFAULT_FILE], async () => {
    // The check agrees: configured, but nothing runs it.
    const f = await rkhScheduled.run(host, ctx);
    t.is(f.status, 'warn');
    t.regex(f.summary, /a scan is configured but never runs: .*no cron daemon is installed/);
  });
  // anacron alone runs cron.daily too.
  edit(root, '/var/lib/dpkg/status', (s) => `${s}\nPackage: anacron\nStatus: install ok installed\nVersion: 2.3-36\nArchitecture: amd64\n`);
  t.false((await planOf(scheduleDailyScan, hostOf(root))).warnings.some((w) => w.startsWith('no cron daemon')));
});

test('schedule: already on, no daily script, a line it cannot evaluate, not executable → refused or said', async (t) => {
  t.regex((await planOf(scheduleDailyScan, hostOf(copyRoot(t, 'rkh-good')))).guard?.reason ?? '', /^nothing to change: CRON_DAILY_RUN="yes" \(\/etc\/default\/rkhunter:9\) already turns the daily scan on$/);
  t.regex((await planOf(scheduleDailyScan, hostOf(copyRoot(t, 'rkh-malformed')))).guard?.reason ?? '', /^\/etc\/default\/rkhunter:35 sets CRON_DAILY_RUN with shell hardtop does not evaluate/);
  const noScript = copyRoot(t, 'rkh-default');
  fs.rmSync(real(noScript, '/etc/cron.daily/rkhunter'));
  t.regex((await planOf(scheduleDailyScan, hostOf(noScript))).guard?.reason ?? '', /^no \/etc\/cron.daily\/rkhunter \(Debian's daily scan script\)/);
  const noExec = copyRoot(t, 'rkh-default');
  fs.chmodSync(real(noExec, '/etc/cron.daily/rkhunter'), 0o644);
  t.true((await planOf(scheduleDailyScan, hostOf(noExec))).warnings.some((w) => /not an executable file, so run-parts skips it: chmod 755/.test(w)));
});

test('schedule: a broken edit is refused by sh -n on the staged copy', async (t) => {
  const root = copyRoot(t, 'rkh-default');
  const plan = await planOf(scheduleDailyScan, hostOf(root));
  const broken: Plan = { ...plan, edits: [{ ...plan.edits[0], after: plan.edits[0].after.replace('CRON_DAILY_RUN="yes"', 'CRON_DAILY_RUN="yes\nif then') }] };
  await refusedAtApply(t, root, broken, 'validate', /^validation failed \(sh -n \/etc\/default\/rkhunter/);
});

// ---------------------------------------------------------------------------
// rkhunter.whitelist

/** rkh-default (stock Debian config) whose last scan flagged Debian's egrep wrapper, no longer whitelisted in rkhunter.conf. */
function egrepRoot(t: ExecutionContext): string {
  const root = copyRoot(t, 'rkh-default');
  useLog(root, 'debian12-script-replaced.log');
  edit(root, '/etc/rkhunter.conf', (s) => s.replace('SCRIPTWHITELIST=/usr/bin/egrep\n', ''));
  return root;
}

test('appendWhitelist keeps the old text byte for byte and adds one commented line per entry', (t) => {
  const entries = [{ line: 'ALLOWHIDDENDIR=/etc/.java', why: "Java's prefs", subjects: ['/etc/.java'] }];
  t.is(appendWhitelist(null, 'Added', entries), "# Added\n# /etc/.java: Java's prefs\nALLOWHIDDENDIR=/etc/.java\n");
  t.is(appendWhitelist('A=1', 'Added', entries), "A=1\n\n# Added\n# /etc/.java: Java's prefs\nALLOWHIDDENDIR=/etc/.java\n");
  // LF even in a CRLF file: rkhunter would read a CR as part of the value.
  t.is(appendWhitelist('A=1\r\n', 'Added', entries), "A=1\r\n\n# Added\n# /etc/.java: Java's prefs\nALLOWHIDDENDIR=/etc/.java\n");
  // Untrusted subjects never reach the file: not even in a comment, when they are odd.
  const odd = appendWhitelist(null, 'x\ny', [{ line: 'ALLOWDEVFILE=/dev/shm/a*', why: 'w', subjects: ['/dev/shm/a b\u001b[31m'] }]);
  t.is(odd, '# x y\n# w\nALLOWDEVFILE=/dev/shm/a*\n');
});

withRkhunter("whitelist: Debian's egrep wrapper → SCRIPTWHITELIST in a new rkhunter.conf.local, checked by the real rkhunter -C; undo removes it", async (t) => {
  t.timeout(180_000);
  const root = egrepRoot(t);
  const host = hostOf(root);
  const before = await rkhWarnings.run(host, ctx);
  t.is(before.status, 'warn');
  t.deepEqual(before.fixes, ['rkhunter.whitelist']);
  t.regex(before.items?.[0].summary ?? '', /if expected, whitelist it with SCRIPTWHITELIST=\/usr\/bin\/egrep in \/etc\/rkhunter.conf.local$/);

  const plan = await planKnown(host);
  t.is(plan.guard, undefined);
  t.is(plan.title, 'Whitelist the one known false positive of the last rkhunter scan in /etc/rkhunter.conf.local');
  t.deepEqual(plan.edits, [
    {
      path: LOCAL_CONF,
      before: null,
      mode: 0o644,
      after: [
        "# Added by hardtop (fix rkhunter.whitelist): the known false positives of rkhunter's scan of 2026-11-28 20:22Z",
        "# /usr/bin/egrep: a shell wrapper around grep -E in Debian's grep package",
        'SCRIPTWHITELIST=/usr/bin/egrep',
        '# WEB_CMD="/bin/false" (/etc/rkhunter.conf:1189) keeps its quotes, which rkhunter -C rejects (Debian\'s known packaging fault): the same command without them',
        'WEB_CMD=/bin/false',
        '',
      ].join('\n'),
    },
  ]);
  // Each line is listed in the preview with what it silences (egrepRoot removed one line above WEB_CMD).
  t.deepEqual(plan.warnings.slice(0, 2), [
    "SCRIPTWHITELIST=/usr/bin/egrep — /usr/bin/egrep: a shell wrapper around grep -E in Debian's grep package",
    'WEB_CMD=/bin/false — WEB_CMD="/bin/false" (/etc/rkhunter.conf:1189) keeps its quotes, which rkhunter -C rejects (Debian\'s known packaging fault): the same command without them',
  ]);
  t.deepEqual(plan.validate.map((v) => [v.argv, v.stage]), [[['rkhunter', '-C', '--configfile', '{stage}/etc/rkhunter.conf'], []]]);
  t.true(previewPlan(plan).diffs[0].startsWith('--- /dev/null\n+++ b/etc/rkhunter.conf.local\n'));

  await applyAndUndo(t, root, plan, [LOCAL_CONF], async () => {
    t.is(fs.statSync(real(root, LOCAL_CONF)).mode & 0o777, 0o644);
    const after = await rkhWarnings.run(host, ctx);
    t.is(after.status, 'pass');
    t.regex(after.summary, /^no open warnings in the last scan \(.*\): its 1 warning is whitelisted since$/);
    // The WEB_CMD line also settles rkhunter.config's known packaging fault.
    t.is((await rkhConfig.run(host, ctx)).status, 'pass');
  });
  t.false(fs.existsSync(real(root, LOCAL_CONF)));
  t.is((await rkhWarnings.run(host, ctx)).status, 'warn');
});

withRkhunter('whitelist: of a mixed scan only the known false positives are whitelisted (appended to the existing .local); the rest is named', async (t) => {
  t.timeout(180_000);
  const root = copyRoot(t, 'rkh-warnings');
  const host = hostOf(root);
  const plan = await planKnown(host);
  t.is(plan.guard, undefined);
  t.is(plan.title, 'Whitelist all 2 known false positives of the last rkhunter scan in /etc/rkhunter.conf.local');
  const original = read(root, LOCAL_CONF);
  t.true(plan.edits[0].after.startsWith(`${original}\n# Added by hardtop`));
  const added = plan.edits[0].after.slice(original.length).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  t.deepEqual(added, ['ALLOW_SSH_ROOT_USER=unset', 'ALLOWHIDDENDIR=/etc/.java'], 'its WEB_CMD is unquoted already');
  t.deepEqual(plan.warnings.slice(0, 1), [
    'not whitelisted, not known false positives (read each warning first): /etc/passwd [no earlier copy], /etc/group [no earlier copy], /dev/shm/hardtop-probe.bin [file in /dev]',
  ]);

  await applyAndUndo(t, root, plan, [LOCAL_CONF], async () => {
    const f = await rkhWarnings.run(host, ctx);
    const status = new Map(f.items?.map((i) => [i.subject, i.status]));
    t.is(status.get('/etc/.java'), 'pass');
    t.is(status.get('/etc/ssh/sshd_config'), 'pass');
    t.is(status.get('/dev/shm/hardtop-probe.bin'), 'fail', 'an unknown file in /dev is never whitelisted blindly');
    t.regex(f.summary, /3 more whitelisted since/);
  });
  t.is(read(root, LOCAL_CONF), original);
});

withRkhunter("whitelist: a line the real rkhunter -C rejects on the staged copy is refused; the sysroot's files are checked, not this machine's", async (t) => {
  t.timeout(180_000);
  // The egrep wrapper was removed since the scan: SCRIPTWHITELIST of a missing file fails -C.
  // (/usr/bin/egrep exists on this machine: only the rebased, staged copy catches it.)
  const root = egrepRoot(t);
  fs.rmSync(real(root, '/usr/bin/egrep'));
  const host = hostOf(root);
  const plan = await planKnown(host);
  t.is(plan.guard, undefined);
  await refusedAtApply(t, root, plan, 'validate', /^validation failed \(rkhunter -C accepts the staged configuration .*\): Invalid SCRIPTWHITELIST configuration option: Non-existent pathname: .*\/usr\/bin\/egrep; nothing was changed$/);

  // A hand-broken file, validated the way the fix builds its validation.
  const root2 = egrepRoot(t);
  const good = await planKnown(hostOf(root2));
  const brokenText = `${good.edits[0].after}BOGUS_OPTION=1\n`;
  const broken: Plan = {
    ...good,
    edits: [{ ...good.edits[0], after: brokenText }],
    validate: [rkhunterConfigValidation('/etc/rkhunter.conf', [{ path: '/etc/rkhunter.conf', text: read(root2, '/etc/rkhunter.conf') }, { path: LOCAL_CONF, text: brokenText }])],
  };
  await refusedAtApply(t, root2, broken, 'validate', /Unknown configuration file option: BOGUS_OPTION=1; nothing was changed$/);
});

test('whitelist: nothing known to whitelist, a later reset, a symlinked .local, no rkhunter → refused with the reason', async (t) => {
  // Possible tampering and upgrade noise are never whitelisted.
  const props = copyRoot(t, 'rkh-warnings');
  useLog(props, 'debian12-properties-changed.log');
  write(props, '/usr/bin/ls', 'a trojaned ls\n');
  const tampered = await planKnown(hostOf(props));
  t.regex(tampered.guard?.reason ?? '', /^nothing to whitelist: none of the 2 open warnings of the last scan \(2026-11-28 20:20Z, \/var\/log\/rkhunter.log:3\) is a known false positive with a whitelist line$/);
  t.deepEqual(tampered.edits, []);
  t.deepEqual(tampered.warnings, [
    'never whitelisted, possible tampering: /usr/bin/ls',
    'not whitelisted, not known false positives (read each warning first): /usr/bin/cat [attributes changed]',
  ]);

  // A drop-in read after .local empties the list again: the line would not take effect.
  const reset = copyRoot(t, 'rkh-warnings');
  write(reset, '/etc/rkhunter.d/99-reset.conf', 'ALLOWHIDDENDIR=""\n');
  const resetPlan = await planKnown(hostOf(reset));
  t.regex(resetPlan.guard?.reason ?? '', /^ALLOWHIDDENDIR=\/etc\/.java would not whitelist \/etc\/.java \(known false positive: /);

  const linked = copyRoot(t, 'rkh-warnings');
  fs.renameSync(real(linked, LOCAL_CONF), real(linked, '/etc/local.conf'));
  fs.symlinkSync('/etc/local.conf', real(linked, LOCAL_CONF));
  t.regex((await planKnown(hostOf(linked))).guard?.reason ?? '', /is a symlink; not rewriting what it points to \(rkhunter ignores a symlinked \/etc\/rkhunter.conf.local anyway\)$/);

  t.regex((await planKnown(hostOf(copyRoot(t, 'rkh-default')))).guard?.reason ?? '', /^no scan to whitelist from: no \/var\/log\/rkhunter.log/);
  t.is((await planKnown(hostOf(copyRoot(t, 'rkh-none')))).guard?.reason, 'rkhunter is not installed (fix rkhunter.install)');
});

// ---------------------------------------------------------------------------
// rkhunter.propupd (plan and guards only: never records this machine)

test('propupd: an interactive rkhunter --propupd --nolog that says what it blesses; refused under --root', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-properties-changed.log');
  const host = hostOf(root);
  const plan = await planOf(updatePropertyDb, host);
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.commands.map((c) => [c.argv, !!c.interactive, !!c.reload]), [[['rkhunter', '--propupd', '--nolog'], true, false]]);
  t.deepEqual(plan.guard, { ok: false, reason: SYSROOT_RUN_REFUSED });
  t.deepEqual(plan.warnings, [
    'rkhunter --propupd blesses the CURRENT state of every file it checks: a binary replaced before now becomes "known good" for every later scan; run it only once the warnings are understood as upgrade noise (dpkg --verify agrees)',
    'the last scan (2026-11-28 20:20Z, /var/log/rkhunter.log:3) had 0 possible tampering items, 1 upgrade noise',
    'upgrade noise (the file matches its package): /usr/bin/ls; to record only these: --arg files=noise',
    'dpkg could not vouch for 1 changed file: /usr/bin/cat [attributes changed]; check them by hand before',
    "the last scan's log is kept (--nolog): rkhunter.warnings shows its warnings until the next scan (fix rkhunter.scan)",
  ]);
  await refusedAtApply(t, root, plan, 'refused', /^refused by guard: rkhunter has no --root/);
});

test('propupd: possible tampering in the last scan → refused, with the list, whatever the root', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-properties-changed.log');
  write(root, '/usr/bin/ls', 'a trojaned ls\n');
  const plan = await planOf(updatePropertyDb, hostOf(root));
  t.is(plan.warnings[1], 'the last scan (2026-11-28 20:20Z, /var/log/rkhunter.log:3) had 1 possible tampering item, 0 upgrade noise');
  t.regex(plan.guard?.reason ?? '', /^the last scan \(2026-11-28 20:20Z, \/var\/log\/rkhunter.log:3\) flagged 1 possible tampering: .*dpkg --verify says \/bin\/ls differs from package coreutils \(\?\?5\?\?\?\?\?\?\) — investigate/);
  // Setuid gained is tampering without dpkg's help: refused on a "live" view too.
  const suid = copyRoot(t, 'rkh-warnings');
  useLog(suid, 'debian12-properties-changed.log');
  edit(suid, '/var/log/rkhunter.log', (s) => s.replace('Current permissions: 0755    Stored permissions: 0775', 'Current permissions: 4755    Stored permissions: 0755'));
  t.regex((await planOf(updatePropertyDb, claimsLive(suid))).guard?.reason ?? '', /flagged 1 possible tampering: .*it became setuid/);
});

/** The properties log with /usr/bin/cat's change turned into a hash change (so dpkg --verify decides it too). */
function twoHashChanges(root: string): void {
  useLog(root, 'debian12-properties-changed.log');
  edit(root, '/var/log/rkhunter.log', (s) =>
    s.replace(
      '[20:21:10]          Current permissions: 0755    Stored permissions: 0775',
      '[20:21:10]          Current hash: 1111111111111111111111111111111111111111111111111111111111111111\n[20:21:10]          Stored hash : 0000000000000000000000000000000000000000000000000000000000000000',
    ),
  );
}

test('propupd --arg files=noise: only the files dpkg vouched for, as one rkhunter --propupd F1,F2 list; the tampered one is left flagged', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  twoHashChanges(root);
  const both = await updatePropertyDb.plan(hostOf(root), ctx, { files: 'noise' });
  t.deepEqual(both.commands.map((c) => [c.argv, !!c.interactive]), [[['rkhunter', '--propupd', '/usr/bin/cat,/usr/bin/ls', '--nolog'], true]]);
  t.regex(both.commands[0].describe, /^record the current properties of 2 files in rkhunter's database \(rkhunter.dat\), every other entry kept: \/usr\/bin\/cat, \/usr\/bin\/ls$/);
  // Under --root still refused (rkhunter would record this machine), the command shown.
  t.deepEqual(both.guard, { ok: false, reason: SYSROOT_RUN_REFUSED });

  // Now ls no longer matches coreutils: possible tampering. Only cat is recorded; ls stays flagged.
  write(root, '/usr/bin/ls', 'a trojaned ls\n');
  const one = await updatePropertyDb.plan(hostOf(root), ctx, { files: 'noise' });
  t.deepEqual(one.commands.map((c) => c.argv), [['rkhunter', '--propupd', '/usr/bin/cat', '--nolog']]);
  t.true(one.warnings.includes('not recorded, possible tampering, rkhunter keeps flagging them: /usr/bin/ls'), one.warnings.join('\n'));
  t.deepEqual(one.guard, { ok: false, reason: SYSROOT_RUN_REFUSED });
  // The whole-database run stays refused while anything is possible tampering.
  t.regex((await planOf(updatePropertyDb, hostOf(root))).guard?.reason ?? '', /flagged 1 possible tampering/);

  // Named files: each must be upgrade noise of the last scan.
  const named = await updatePropertyDb.plan(hostOf(root), ctx, { files: '/usr/bin/cat' });
  t.deepEqual(named.commands.map((c) => c.argv), [['rkhunter', '--propupd', '/usr/bin/cat', '--nolog']]);
  t.is(
    (await updatePropertyDb.plan(hostOf(root), ctx, { files: '/usr/bin/cat,/usr/bin/ls,/usr/bin/nope' })).guard?.reason,
    'only files the package manager vouched for are recorded: /usr/bin/ls is possible tampering, not upgrade noise; the last scan (2026-11-28 20:20Z, /var/log/rkhunter.log:3) did not flag /usr/bin/nope as changed',
  );
});

test('propupd --arg files: nothing vouched for, no scan, a malformed log → refused with the reason; the argument is checked before planning', async (t) => {
  // The stock properties log: cat only changed mode (dpkg cannot vouch for modes), ls is noise.
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-properties-changed.log');
  t.is((await updatePropertyDb.plan(hostOf(root), ctx, { files: '/usr/bin/cat' })).guard?.reason, 'only files the package manager vouched for are recorded: /usr/bin/cat is attributes changed, not upgrade noise');
  t.regex((await updatePropertyDb.plan(hostOf(copyRoot(t, 'rkh-good')), ctx, { files: 'noise' })).guard?.reason ?? '', /flagged no changed file that matches its package \(upgrade noise\): nothing to record$/);
  t.regex((await updatePropertyDb.plan(hostOf(copyRoot(t, 'rkh-default')), ctx, { files: 'noise' })).guard?.reason ?? '', /^no scan to take the files from: /);
  t.regex((await updatePropertyDb.plan(hostOf(copyRoot(t, 'rkh-malformed')), ctx, { files: 'noise' })).guard?.reason ?? '', /^cannot judge the last scan's warnings: malformed \/var\/log\/rkhunter.log:48/);
  t.is((await updatePropertyDb.plan(hostOf(copyRoot(t, 'rkh-none')), ctx, { files: 'noise' })).guard?.reason, 'rkhunter is not installed (fix rkhunter.install)');
  // The optional argument: left out is the whole database; a comma list of absolute paths or 'noise'.
  t.is(checkFixArgs(updatePropertyDb, {}), null);
  t.is(checkFixArgs(updatePropertyDb, { files: 'noise' }), null);
  t.is(checkFixArgs(updatePropertyDb, { files: '/usr/bin/ls,/usr/bin/cat' }), null);
  for (const bad of ['ls', '/usr/bin/ls,', '/usr/bin/l s', '/usr/bin/*', '/a,b', "/usr/bin/ls'", '/usr/bin/ls\n']) {
    t.truthy(checkFixArgs(updatePropertyDb, { files: bad }), bad);
  }
});

test('warnings: each upgrade-noise item carries rkhunter --propupd of its own file; tampering and unsettled items carry none', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  twoHashChanges(root);
  write(root, '/usr/bin/ls', 'a trojaned ls\n');
  const f = await rkhWarnings.run(hostOf(root), ctx);
  t.is(f.status, 'fail');
  const byName = new Map((f.items ?? []).map((i) => [i.subject, i]));
  t.is(byName.get('/usr/bin/cat')?.status, 'warn');
  t.deepEqual(byName.get('/usr/bin/cat')?.fix, { id: 'rkhunter.propupd', args: { files: '/usr/bin/cat' } });
  t.is(byName.get('/usr/bin/ls')?.status, 'fail');
  t.is(byName.get('/usr/bin/ls')?.fix, undefined);
  // The item's fix plans as the single file.
  const fix = byName.get('/usr/bin/cat')?.fix;
  t.deepEqual((await updatePropertyDb.plan(hostOf(root), ctx, fix?.args)).commands.map((c) => c.argv), [['rkhunter', '--propupd', '/usr/bin/cat', '--nolog']]);

  const stock = copyRoot(t, 'rkh-warnings');
  useLog(stock, 'debian12-properties-changed.log');
  const g = await rkhWarnings.run(hostOf(stock), ctx);
  t.deepEqual(g.items?.find((i) => i.subject === '/usr/bin/ls')?.fix, { id: 'rkhunter.propupd', args: { files: '/usr/bin/ls' } });
  t.is(g.items?.find((i) => i.subject === '/usr/bin/cat')?.fix, undefined, 'attributes changed: dpkg cannot vouch for modes');
});

test('propupd on the live root: offered after a clean scan; without any scan it says nothing was cross-checked (plan only)', async (t) => {
  const clean = await planOf(updatePropertyDb, claimsLive(copyRoot(t, 'rkh-good')));
  t.is(clean.guard, undefined);
  t.is(clean.warnings[1], 'the last scan (2026-11-28 20:18Z, /var/log/rkhunter.log:3) had 0 possible tampering items, 0 upgrade noise');
  const never = await planOf(updatePropertyDb, claimsLive(copyRoot(t, 'rkh-default')));
  t.is(never.guard, undefined);
  t.regex(never.warnings[1], /^no scan to cross-check \(no \/var\/log\/rkhunter.log .*\): nothing tells whether the files are genuine; consider dpkg --verify first$/);
  t.is((await planOf(updatePropertyDb, claimsLive(copyRoot(t, 'rkh-none')))).guard?.reason, 'rkhunter is not installed (fix rkhunter.install)');
  t.regex((await planOf(updatePropertyDb, claimsLive(copyRoot(t, 'rkh-malformed')))).guard?.reason ?? '', /^cannot judge the last scan's warnings: malformed \/var\/log\/rkhunter.log:48/);
});

// ---------------------------------------------------------------------------
// rkhunter.scan (plan and guards only: never scans this machine)

test('scan: an interactive rkhunter --check --sk --nocolors logging to LOGFILE; refused under --root', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  const plan = await planOf(runScan, hostOf(root));
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.commands.map((c) => [c.argv, !!c.interactive, !!c.reload]), [[['rkhunter', '--check', '--sk', '--nocolors'], true, false]]);
  t.is(plan.commands[0].describe, 'scan this machine with every enabled test; the log goes to /var/log/rkhunter.log (LOGFILE at /etc/rkhunter.conf:234)');
  t.deepEqual(plan.guard, { ok: false, reason: SYSROOT_RUN_REFUSED });
  t.deepEqual(previewPlan(plan).commands, ['rkhunter --check --sk --nocolors']);
  await refusedAtApply(t, root, plan, 'refused', /^refused by guard: rkhunter has no --root/);
});

test('scan on the live root: offered; a moved LOGFILE and a missing database are said; no rkhunter refused (plan only)', async (t) => {
  const root = copyRoot(t, 'rkh-good');
  const live = await planOf(runScan, claimsLive(root));
  t.is(live.guard, undefined);
  t.true(live.warnings.some((w) => /exits 1 when it logged a warning: that counts as a scan that ran/.test(w)));
  t.deepEqual(live.commands[0].okExitCodes, [1]);
  write(root, LOCAL_CONF, `${read(root, LOCAL_CONF)}LOGFILE=/var/log/rkhunter/scan.log\n`);
  fs.rmSync(real(root, '/var/lib/rkhunter/db/rkhunter.dat'));
  const moved = await planOf(runScan, claimsLive(root));
  t.is(moved.commands[0].describe, 'scan this machine with every enabled test; the log goes to /var/log/rkhunter/scan.log (LOGFILE at /etc/rkhunter.conf.local:6)');
  t.true(moved.warnings.some((w) => /^no file-properties database \/var\/lib\/rkhunter\/db\/rkhunter.dat: .*fix rkhunter.propupd/.test(w)));
  t.is((await planOf(runScan, claimsLive(copyRoot(t, 'rkh-none')))).guard?.reason, 'rkhunter is not installed (fix rkhunter.install)');
});

// ---------------------------------------------------------------------------
// rkhunter.install (plan only: never installs anything)

test('install: an interactive apt-get, disruptive, no file edits; refused under --root, when installed, under --no-network', async (t) => {
  const root = copyRoot(t, 'rkh-none');
  const plan = await planOf(installRkhunter, hostOf(root, true));
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.commands.map((c) => [c.argv, c.interactive, !!c.reload]), [[['apt-get', 'install', '-y', 'rkhunter'], true, false]]);
  t.deepEqual(plan.guard, { ok: false, reason: SYSROOT_INSTALL_REFUSED });
  t.regex(plan.warnings.join('\n'), /recommended packages .*--no-install-recommends/);
  await refusedAtApply(t, root, plan, 'refused', /^refused by guard: installing packages into a sysroot is not supported$/);

  t.is((await planOf(installRkhunter, claimsLive(root, true))).guard, undefined);
  t.deepEqual((await planOf(installRkhunter, claimsLive(root, false))).guard, { ok: false, reason: '--no-network: apt-get would download packages' });
  t.deepEqual((await planOf(installRkhunter, claimsLive(copyRoot(t, 'rkh-default'), true))).guard, { ok: false, reason: 'nothing to change: rkhunter is installed' });
});
