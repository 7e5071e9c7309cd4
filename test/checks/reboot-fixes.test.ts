// reboot.set-policy on private copies of fixture sysroots, through the real
// fix engine, the real LocalHost and the real apt-config: a file of our own is
// created, the check passes, apt agrees, undo removes it again.

import test from 'ava';
import * as fs from 'node:fs';
import { fixes } from '../../checks/reboot/index';
import { AUTO_REBOOT, AUTO_REBOOT_TIME, isRebootTime, policyRebootTime, REBOOT_POLICY_FILE, setRebootPolicy } from '../../checks/reboot/fix-set-policy';
import { rebootPolicy } from '../../checks/reboot/policy';
import { rebootRequired } from '../../checks/reboot/required';
import type { Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { aptConfigAvailable, aptConfigDump, changedPaths, copyRoot, ctx, read, real, ROOTS, snapshot, write } from '../fixtures/fix/updates/tree';

const withApt = aptConfigAvailable() ? test : test.skip;

function hostOf(root: string): Host {
  return createLocalHost({ root, network: false });
}

function planOf(host: Host): Promise<Plan> {
  return setRebootPolicy.plan(host, ctx);
}

const NEW_FILE = [
  '// Written by hardtop (fix reboot.set-policy): unattended-upgrades reboots',
  '// by itself, at this time, when an update needs a reboot. Remove to stop.',
  'Unattended-Upgrade::Automatic-Reboot "true";',
  'Unattended-Upgrade::Automatic-Reboot-Time "03:30";',
  '',
].join('\n');

test('the area has its three fixes, each verified by its check (reboot.schedule by none: the reboot is pending by design); failing findings name them', async (t) => {
  t.deepEqual(
    fixes.map((f) => [f.id, f.area, f.risk, f.verifies]),
    [
      ['reboot.set-policy', 'reboot', 'disruptive', ['reboot.policy']],
      ['reboot.restart-services', 'reboot', 'disruptive', ['reboot.stale-services']],
      ['reboot.schedule', 'reboot', 'disruptive', undefined],
    ],
  );
  const off = hostOf(`${ROOTS}/deb12-auto-off`);
  t.deepEqual((await rebootPolicy.run(off, ctx)).fixes, ['reboot.set-policy']);
  const required = await rebootRequired.run(off, ctx);
  t.is(required.status, 'fail');
  t.deepEqual(required.fixes, ['reboot.schedule']);
});

test('the reboot time comes from assets/policy/updates.json and must be a clock time shutdown accepts', (t) => {
  t.is(policyRebootTime(), '03:30');
  for (const ok of ['00:00', '03:30', '23:59']) t.true(isRebootTime(ok), ok);
  for (const bad of ['24:00', '3:30', 'now', '+30', '03:30; reboot', 3, null]) t.false(isRebootTime(bad), String(bad));
  t.is(policyRebootTime({ reboot: { automaticRebootTime: '25:00' } }), null);
  t.is(policyRebootTime({}), null);
});

withApt('set-policy: creates 52hardtop-reboot; reboot.policy passes, apt agrees; undo removes it byte for byte', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  t.is((await rebootPolicy.run(host, ctx)).status, 'fail');
  const plan = await planOf(host);
  t.is(plan.guard, undefined);
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, [{ path: REBOOT_POLICY_FILE, before: null, after: NEW_FILE, mode: 0o644 }]);
  t.deepEqual(plan.commands, []);
  t.deepEqual(plan.warnings, ['this machine will reboot by itself at 03:30 (its local time) after an update that needs it, even with users logged in (Automatic-Reboot-WithUsers)']);
  const diff = previewPlan(plan).diffs[0];
  t.true(diff.startsWith('--- /dev/null\n+++ b/etc/apt/apt.conf.d/52hardtop-reboot\n'));
  t.true(diff.includes('\n+Unattended-Upgrade::Automatic-Reboot "true";\n+Unattended-Upgrade::Automatic-Reboot-Time "03:30";\n'));
  t.is(plan.validate[0].argv[0], 'apt-config');
  t.true(plan.validate[0].argv.includes(`{stage}${REBOOT_POLICY_FILE}`), 'the new file is among the files apt-config reads');

  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), [REBOOT_POLICY_FILE]);
  t.is(read(root, REBOOT_POLICY_FILE), NEW_FILE);
  t.is(fs.statSync(real(root, REBOOT_POLICY_FILE)).mode & 0o777, 0o644);
  const after = await rebootPolicy.run(host, ctx);
  t.is(after.status, 'pass');
  t.regex(after.summary, /reboots by itself at "03:30" \(\/etc\/apt\/apt\.conf\.d\/52hardtop-reboot:4\)/);
  const apt = aptConfigDump(root);
  t.is(apt.get(AUTO_REBOOT.toLowerCase()), 'true');
  t.is(apt.get(AUTO_REBOOT_TIME.toLowerCase()), '03:30');

  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.is((await rebootPolicy.run(host, ctx)).status, 'fail');
});

withApt('set-policy: mail only on error (warn) → fixed too; an existing 52hardtop-reboot keeps its other lines', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf.d/60mail', 'Unattended-Upgrade::Mail "root";\nUnattended-Upgrade::MailReport "only-on-error";\n');
  write(root, REBOOT_POLICY_FILE, '// ours, edited by the admin\nUnattended-Upgrade::Automatic-Reboot-Time "05:00";\nUnattended-Upgrade::Automatic-Reboot-WithUsers "false";\n');
  const host = hostOf(root);
  t.is((await rebootPolicy.run(host, ctx)).status, 'warn');
  const plan = await planOf(host);
  t.is(plan.guard, undefined);
  t.is(
    plan.edits[0].after,
    '// ours, edited by the admin\nUnattended-Upgrade::Automatic-Reboot-Time "03:30";\nUnattended-Upgrade::Automatic-Reboot-WithUsers "false";\nUnattended-Upgrade::Automatic-Reboot "true";\n',
  );
  t.deepEqual(plan.warnings, ['this machine will reboot by itself at 03:30 (its local time) after an update that needs it']);
  const before = snapshot(root);
  t.true((await applyPlan(host, plan)).ok);
  t.deepEqual(changedPaths(before, snapshot(root)), [REBOOT_POLICY_FILE]);
  t.is((await rebootPolicy.run(host, ctx)).status, 'pass');
  t.true((await undo(host, {})).ok);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

test('set-policy: already covered (auto reboot, or mail) → nothing to change', async (t) => {
  t.regex((await planOf(hostOf(`${ROOTS}/deb12-auto-on`))).guard?.reason ?? '', /^nothing to change: Unattended-Upgrade::Automatic-Reboot is already "true" \(\/etc\/apt\/apt\.conf\.d\/50unattended-upgrades:\d+\)$/);
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf.d/60mail', 'Unattended-Upgrade::Mail "root";\n');
  const host = hostOf(root);
  t.is((await rebootPolicy.run(host, ctx)).status, 'pass');
  t.regex((await planOf(host)).guard?.reason ?? '', /^nothing to change: Unattended-Upgrade::Mail "root" \(\/etc\/apt\/apt\.conf\.d\/60mail:1\) already reports needed reboots$/);
});

withApt('set-policy with the admin\'s choice: --arg time picks the hour; --arg mail alone sets a mail address, no reboot; both at once; bad values refused', async (t) => {
  t.deepEqual(setRebootPolicy.params?.map((p) => [p.name, p.optional]), [['time', true], ['mail', true]]);
  // The hour: even where Automatic-Reboot is already on (deb12-auto-on reboots at 02:00), the admin's time is written.
  const on = copyRoot(t, 'deb12-auto-on');
  const timed = await setRebootPolicy.plan(hostOf(on), ctx, { time: '04:15' });
  t.is(timed.guard, undefined);
  t.true(timed.edits[0].after.includes('Unattended-Upgrade::Automatic-Reboot-Time "04:15";\n'));
  t.true((await applyPlan(hostOf(on), timed)).ok);
  t.regex((await rebootPolicy.run(hostOf(on), ctx)).summary, /reboots by itself at "04:15" \(\/etc\/apt\/apt\.conf\.d\/52hardtop-reboot:\d\)/);
  t.is(aptConfigDump(on).get(AUTO_REBOOT_TIME.toLowerCase()), '04:15');
  t.regex((await setRebootPolicy.plan(hostOf(on), ctx, { time: '04:15' })).guard?.reason ?? '', /^nothing to change: .*Automatic-Reboot-Time "04:15"; already in force$/);

  // Mail alone: Mail + MailReport, no Automatic-Reboot; reboot.policy passes on the mail.
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  const mailed = await setRebootPolicy.plan(host, ctx, { mail: 'ops@example.org' });
  t.is(mailed.guard, undefined);
  t.is(
    mailed.edits[0].after,
    '// Written by hardtop (fix reboot.set-policy): unattended-upgrades mails this\n// address after each run that changes something (a needed reboot too). Remove to stop.\nUnattended-Upgrade::Mail "ops@example.org";\nUnattended-Upgrade::MailReport "on-change";\n',
  );
  t.false(mailed.edits[0].after.includes('Automatic-Reboot'));
  t.regex(mailed.warnings.join('\n'), /mails ops@example\.org .* needs a working mail setup, which hardtop does not test/);
  const before = snapshot(root);
  t.true((await applyPlan(host, mailed)).ok);
  const f = await rebootPolicy.run(host, ctx);
  t.is(f.status, 'pass');
  t.regex(f.summary, /mails ops@example\.org \(\/etc\/apt\/apt\.conf\.d\/52hardtop-reboot:3\)/);
  t.is(aptConfigDump(root).get('unattended-upgrade::mail'), 'ops@example.org');
  t.true((await undo(host, {})).ok);
  t.deepEqual(changedPaths(before, snapshot(root)), []);

  const both = await setRebootPolicy.plan(host, ctx, { mail: 'root', time: '01:00' });
  t.is(both.guard, undefined);
  t.deepEqual(
    parseAptLines(both.edits[0].after),
    ['Unattended-Upgrade::Automatic-Reboot "true";', 'Unattended-Upgrade::Automatic-Reboot-Time "01:00";', 'Unattended-Upgrade::Mail "root";', 'Unattended-Upgrade::MailReport "on-change";'],
  );
  const bad: Record<string, string>[] = [{ time: '24:00' }, { time: '3:30' }, { mail: 'a"; APT::X "1' }, { mail: '-oops' }, { mail: 'x@y' }];
  for (const args of bad) {
    const plan = await setRebootPolicy.plan(host, ctx, args);
    t.regex(plan.guard?.reason ?? '', /^--arg (time|mail) must be/, JSON.stringify(args));
    t.deepEqual(plan.edits, []);
  }
});

function parseAptLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('//'));
}

test('set-policy: a later file that says "false" would still win → refused, naming it; nothing changes', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf.d/99noreboot', 'Unattended-Upgrade::Automatic-Reboot "false";\n');
  const host = hostOf(root);
  const plan = await planOf(host);
  t.is(plan.guard?.ok, false);
  t.regex(
    plan.guard?.reason ?? '',
    /^\/etc\/apt\/apt\.conf\.d\/99noreboot:1 sets Unattended-Upgrade::Automatic-Reboot "false" and apt reads it after \/etc\/apt\/apt\.conf\.d\/52hardtop-reboot, so it would still win: change or remove that line$/,
  );
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

test('set-policy: not apt, unreadable config → refused; unattended-upgrades absent → a warning', async (t) => {
  t.regex((await planOf(hostOf(`${ROOTS}/rhel9-kpatch`))).guard?.reason ?? '', /not an apt system/);
  t.regex((await planOf(hostOf(`${ROOTS}/deb12-malformed`))).guard?.reason ?? '', /^apt cannot read its configuration: Syntax error \/etc\/apt\/apt\.conf\.d\/20auto-upgrades:2/);
  // deb12-no-uu already says Automatic-Reboot "true": installing is what is missing.
  const noUu = await planOf(hostOf(`${ROOTS}/deb12-no-uu`));
  t.regex(noUu.guard?.reason ?? '', /^nothing to change: Unattended-Upgrade::Automatic-Reboot is already "true" .*; but unattended-upgrades is not installed: this setting takes effect once it is \(fix updates\.install-unattended\)$/);
  const root = copyRoot(t, 'deb12-no-uu');
  fs.rmSync(real(root, '/etc/apt/apt.conf.d/50unattended-upgrades'));
  const bare = await planOf(hostOf(root));
  t.is(bare.guard, undefined);
  t.true(bare.warnings.includes('unattended-upgrades is not installed: this setting takes effect once it is (fix updates.install-unattended)'));
});

withApt('set-policy: a broken edit is refused by the real apt-config on the staged copy; nothing changes', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  const plan = await planOf(host);
  const broken: Plan = { ...plan, edits: [{ ...plan.edits[0], after: NEW_FILE.replace('"03:30";', '"03:30"') }] };
  const before = snapshot(root);
  const outcome = await applyPlan(host, broken);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /E: Syntax error \/etc\/apt\/apt\.conf\.d\/52hardtop-reboot:\d+: /);
  }
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.false(fs.existsSync(real(root, REBOOT_POLICY_FILE)));
});
