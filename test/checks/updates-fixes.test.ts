// The updates area's fixes on private copies of fixture sysroots, through the
// real fix engine (applyPlan / undo), the real LocalHost, the real apt-config
// and the real systemctl: plan → preview → apply writes exactly the expected
// files → the owning check passes → undo restores every byte.

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import { autoEnabled } from '../../checks/updates/auto-enabled';
import { autoInstalled } from '../../checks/updates/auto-installed';
import { autoTimers } from '../../checks/updates/auto-timers';
import { setAptValues } from '../../checks/updates/apt-conf-edit';
import { AUTO_UPGRADES_FILE, enableUnattended } from '../../checks/updates/fix-enable-unattended';
import { enableTimers } from '../../checks/updates/fix-enable-timers';
import { undoChange } from '../../src/cli/fix-command';
import { installUnattended, SYSROOT_INSTALL_REFUSED } from '../../checks/updates/fix-install-unattended';
import { fixes } from '../../checks/updates/index';
import { catalog } from '../../checks/index';
import type { Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { parseAptConf } from '../../src/parse/apt-conf';
import { aptConfigAvailable, aptConfigDump, changedPaths, copyRoot, ctx, read, real, ROOTS, snapshot, write } from '../fixtures/fix/updates/tree';

const UU_KEY = 'APT::Periodic::Unattended-Upgrade';
const LISTS_KEY = 'APT::Periodic::Update-Package-Lists';
const withApt = aptConfigAvailable() ? test : test.skip;

function hostOf(root: string, network = false): Host {
  return createLocalHost({ root, network });
}

/** A sysroot host that claims to be the live system (root "/"): for plans that differ there. Never applied. */
function claimsLive(root: string, network: boolean): Host {
  const host = hostOf(root, network);
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'root') return '/';
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function planOf(fix: { plan: (h: Host, c: typeof ctx) => Promise<Plan> }, host: Host): Promise<Plan> {
  return fix.plan(host, ctx);
}

/** Apply, assert exactly `expected` changed, run `check`, then undo and assert every byte is back. */
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

// ---------------------------------------------------------------------------
// The area's fixes and the findings that name them

test('the area has its fixes, each verified by the check it fixes', (t) => {
  t.deepEqual(
    fixes.map((f) => [f.id, f.area, f.risk, f.verifies]),
    [
      ['updates.install-unattended', 'updates', 'disruptive', ['updates.auto.installed']],
      ['updates.enable-unattended', 'updates', 'safe', ['updates.auto.enabled']],
      ['updates.enable-timers', 'updates', 'safe', ['updates.auto.timers']],
      ['updates.enable-dnf-automatic', 'updates', 'disruptive', ['updates.auto.enabled']],
    ],
  );
});

test('failing findings name the fix that addresses them, and only fixes that exist', async (t) => {
  const off = hostOf(`${ROOTS}/deb12-auto-off`);
  t.deepEqual((await autoEnabled.run(off, ctx)).fixes, ['updates.enable-unattended']);
  t.deepEqual((await autoTimers.run(off, ctx)).fixes, ['updates.enable-timers']);
  t.deepEqual((await autoInstalled.run(off, ctx)).fixes, [], 'installed: nothing to offer');
  t.deepEqual((await autoInstalled.run(hostOf(`${ROOTS}/deb12-no-uu`), ctx)).fixes, ['updates.install-unattended']);
  // A timer whose unit file is gone cannot be enabled by systemctl: no fix offered.
  const malformed = await autoTimers.run(hostOf(`${ROOTS}/deb12-malformed`), ctx);
  t.is(malformed.status, 'fail');
  t.deepEqual(malformed.fixes, []);

  const known = new Set(catalog.fixes.map((f) => f.id));
  for (const name of fs.readdirSync(ROOTS).filter((n) => fs.statSync(`${ROOTS}/${n}`).isDirectory())) {
    for (const check of catalog.checks.filter((c) => c.area === 'updates' || c.area === 'reboot')) {
      const f = await check.run(hostOf(`${ROOTS}/${name}`), ctx);
      for (const id of f.fixes) t.true(known.has(id), `${name} ${f.id} offers ${id}`);
      if (f.status === 'pass') t.deepEqual(f.fixes, [], `${name} ${f.id}: a passing finding offers nothing`);
    }
  }
});

// ---------------------------------------------------------------------------
// setAptValues (pure)

test('setAptValues rewrites the winning value in place and keeps everything else byte for byte', (t) => {
  const file = '/etc/apt/apt.conf.d/20auto-upgrades';
  const flat = '// keep me\nAPT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0"; // off for now\n';
  t.deepEqual(setAptValues(flat, file, [{ key: UU_KEY, value: '1' }]), {
    ok: true,
    text: '// keep me\nAPT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1"; // off for now\n',
  });

  const nested = 'APT\n{\n  Periodic\n  {\n    Update-Package-Lists "1";\n    Unattended-Upgrade "0";\n  };\n};\n';
  t.deepEqual(setAptValues(nested, file, [{ key: UU_KEY, value: '1' }]), { ok: true, text: nested.replace('Unattended-Upgrade "0"', 'Unattended-Upgrade "1"') });

  const crlf = 'APT::Periodic::Unattended-Upgrade "0";\r\n';
  t.deepEqual(setAptValues(crlf, file, [{ key: UU_KEY, value: '1' }, { key: LISTS_KEY, value: '1' }]), {
    ok: true,
    text: 'APT::Periodic::Unattended-Upgrade "1";\r\nAPT::Periodic::Update-Package-Lists "1";\r\n',
  });

  // One line holding a whole block: not rewritten in place, a line is appended (later wins).
  const oneLine = 'APT { Periodic { Unattended-Upgrade "0"; }; };';
  t.deepEqual(setAptValues(oneLine, file, [{ key: UU_KEY, value: '1' }]), { ok: true, text: `${oneLine}\nAPT::Periodic::Unattended-Upgrade "1";\n` });
});

test('setAptValues refuses a file that ends inside an unclosed block or has a syntax error', (t) => {
  const file = '/etc/apt/apt.conf.d/20auto-upgrades';
  const unclosed = setAptValues('APT::Periodic {\n  Update-Package-Lists "1";\n', file, [{ key: UU_KEY, value: '1' }]);
  t.false(unclosed.ok);
  if (!unclosed.ok) t.regex(unclosed.reason, /unclosed block or comment/);
  const broken = setAptValues('APT::Periodic::Unattended-Upgrade "0" junk;\n', file, [{ key: UU_KEY, value: '1' }]);
  t.false(broken.ok);
  if (!broken.ok) t.regex(broken.reason, /Syntax error .*20auto-upgrades:1/);
  // Whatever it returns parses cleanly and sets the value.
  const created = setAptValues(null, file, [{ key: UU_KEY, value: '1' }], ['// header']);
  t.true(created.ok);
  if (created.ok) t.deepEqual(parseAptConf(created.text, file).errors, []);
});

// ---------------------------------------------------------------------------
// updates.enable-unattended

withApt('enable-unattended: "0" in 20auto-upgrades becomes "1"; the check passes, apt agrees; undo restores', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.warnings, []);
  t.deepEqual(plan.commands, []);
  const preview = previewPlan(plan);
  t.is(
    preview.diffs.join(''),
    [
      '--- a/etc/apt/apt.conf.d/20auto-upgrades',
      '+++ b/etc/apt/apt.conf.d/20auto-upgrades',
      '@@ -1,2 +1,2 @@',
      ' APT::Periodic::Update-Package-Lists "1";',
      '-APT::Periodic::Unattended-Upgrade "0";',
      '+APT::Periodic::Unattended-Upgrade "1";',
      '',
    ].join('\n'),
  );
  t.is(plan.validate.length, 1);
  t.is(plan.validate[0].argv[0], 'apt-config');
  t.deepEqual(plan.validate[0].stage, ['/etc/apt']);
  t.true(plan.validate[0].argv.includes(`{stage}${AUTO_UPGRADES_FILE}`));

  const original = read(root, AUTO_UPGRADES_FILE);
  await applyAndUndo(t, root, plan, [AUTO_UPGRADES_FILE], async () => {
    t.is(read(root, AUTO_UPGRADES_FILE), 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n');
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
    const apt = aptConfigDump(root);
    t.is(apt.get(UU_KEY.toLowerCase()), '1');
    t.is(apt.get(LISTS_KEY.toLowerCase()), '1');
  });
  t.is(read(root, AUTO_UPGRADES_FILE), original);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
});

withApt('enable-unattended: no 20auto-upgrades → creates the file dpkg-reconfigure writes (0644); undo removes it', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.rmSync(real(root, AUTO_UPGRADES_FILE));
  const host = hostOf(root);
  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits, [
    { path: AUTO_UPGRADES_FILE, before: null, after: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n', mode: 0o644 },
  ]);
  t.true(previewPlan(plan).diffs[0].startsWith('--- /dev/null\n+++ b/etc/apt/apt.conf.d/20auto-upgrades\n'));
  await applyAndUndo(t, root, plan, [AUTO_UPGRADES_FILE], async () => {
    t.is(fs.statSync(real(root, AUTO_UPGRADES_FILE)).mode & 0o777, 0o644);
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
  });
  t.false(fs.existsSync(real(root, AUTO_UPGRADES_FILE)));
});

withApt('enable-unattended: an earlier file says "0" → 20auto-upgrades overrides it (appended line), with a note', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf.d/10periodic', 'APT::Periodic::Unattended-Upgrade "0";\n');
  write(root, AUTO_UPGRADES_FILE, '// lists only\nAPT::Periodic::Update-Package-Lists "2";\n');
  const host = hostOf(root);
  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  // The admin's "2" (every two days) is on: kept.
  t.is(plan.edits[0].after, '// lists only\nAPT::Periodic::Update-Package-Lists "2";\nAPT::Periodic::Unattended-Upgrade "1";\n');
  t.deepEqual(plan.warnings, [
    '/etc/apt/apt.conf.d/10periodic:1 still says APT::Periodic::Unattended-Upgrade "0"; /etc/apt/apt.conf.d/20auto-upgrades is read after it and overrides it',
  ]);
  await applyAndUndo(t, root, plan, [AUTO_UPGRADES_FILE], async () => {
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
    t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), '1');
  });
});

test('enable-unattended: APT::Periodic::Enable "0" is switched on too', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf.d/10off', 'APT::Periodic::Enable "0";\n');
  const host = hostOf(root);
  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  t.is(plan.edits[0].after, 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nAPT::Periodic::Enable "1";\n');
});

withApt('enable-unattended on deb12-auto-overridden: the later file that says "0" is named and fixed too; apt agrees; undo restores it', async (t) => {
  const root = copyRoot(t, 'deb12-auto-overridden');
  const LATER = '/etc/apt/apt.conf.d/99local-no-auto';
  const host = hostOf(root);
  const off = await autoEnabled.run(host, ctx);
  t.is(off.status, 'fail');
  t.regex(off.summary, /Unattended-Upgrade "0" \(\/etc\/apt\/apt\.conf\.d\/99local-no-auto:2\)/);
  t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), '0', 'apt agrees that the later file wins');

  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  // 20auto-upgrades already says "1": only the file that wins changes, on its own line.
  t.deepEqual(plan.edits.map((e) => [e.path, e.after]), [[LATER, '// Site policy: updates are rolled out by the config management, not here.\nAPT::Periodic::Unattended-Upgrade "1";\n']]);
  t.deepEqual(plan.warnings, [
    `${LATER}:2 sets ${UU_KEY} "0" and apt reads it after ${AUTO_UPGRADES_FILE}: fixed there too (${UU_KEY} "1")`,
  ]);
  t.regex(previewPlan(plan).diffs.join(''), /-APT::Periodic::Unattended-Upgrade "0";\n\+APT::Periodic::Unattended-Upgrade "1";/);
  await applyAndUndo(t, root, plan, [LATER], async () => {
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
    t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), '1');
    t.is(aptConfigDump(root).get(LISTS_KEY.toLowerCase()), '1');
  });
  t.is((await autoEnabled.run(host, ctx)).status, 'fail', 'undo: off again');
});

withApt('enable-unattended on deb12-auto-clear: a later #clear is named and the setting is added after it; apt agrees; undo restores', async (t) => {
  const root = copyRoot(t, 'deb12-auto-clear');
  const LATER = '/etc/apt/apt.conf.d/99reset-periodic';
  const host = hostOf(root);
  const off = await autoEnabled.run(host, ctx);
  t.is(off.status, 'fail');
  t.regex(off.summary, /Unattended-Upgrade unset \(default 0\)/);
  t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), undefined, 'apt agrees: the #clear removed it');
  const before = read(root, LATER);

  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits.map((e) => [e.path, e.after]), [[LATER, `${before}${UU_KEY} "1";\n`]]);
  t.deepEqual(plan.warnings, [
    `${LATER}:2 clears APT::Periodic (#clear) after ${AUTO_UPGRADES_FILE} is read, so ${UU_KEY} ends up unset: fixed there too (${UU_KEY} "1")`,
  ]);
  await applyAndUndo(t, root, plan, [LATER], async () => {
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
    t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), '1');
  });
  t.is(read(root, LATER), before);
});

withApt('enable-unattended: 20auto-upgrades and a later apt.conf block are both fixed in one plan; undo restores both', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  write(root, '/etc/apt/apt.conf', 'APT { Periodic { Unattended-Upgrade "false"; }; };\n');
  const host = hostOf(root);
  const plan = await planOf(enableUnattended, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits.map((e) => e.path), [AUTO_UPGRADES_FILE, '/etc/apt/apt.conf']);
  // A block on one line is not rewritten in place: the setting is appended, so it wins in that file.
  t.is(plan.edits[1].after, `APT { Periodic { Unattended-Upgrade "false"; }; };\n${UU_KEY} "1";\n`);
  t.regex(plan.warnings.join('\n'), /\/etc\/apt\/apt\.conf:1 sets APT::Periodic::Unattended-Upgrade "false" and apt reads it after \/etc\/apt\/apt\.conf\.d\/20auto-upgrades: fixed there too/);
  t.true(plan.validate[0].argv.includes('{stage}/etc/apt/apt.conf'), 'apt-config validates the staged apt.conf too');
  await applyAndUndo(t, root, plan, ['/etc/apt/apt.conf', AUTO_UPGRADES_FILE], async () => {
    t.is((await autoEnabled.run(host, ctx)).status, 'pass');
    t.is(aptConfigDump(root).get(UU_KEY.toLowerCase()), '1');
  });
});

test('enable-unattended: a winning later file that cannot be edited safely (symlink, outside /etc/apt) → refused, naming it; nothing changes', async (t) => {
  const cases: [string, (root: string) => void, RegExp][] = [
    [
      'symlink',
      (root) => {
        write(root, '/etc/apt/site/no-auto.conf', 'APT::Periodic::Unattended-Upgrade "0";\n');
        fs.symlinkSync('../site/no-auto.conf', real(root, '/etc/apt/apt.conf.d/99site'));
      },
      /\/etc\/apt\/apt\.conf\.d\/99site:1 sets APT::Periodic::Unattended-Upgrade "0" .*, and it cannot be fixed here: \/etc\/apt\/apt\.conf\.d\/99site is a symlink/,
    ],
    [
      'include',
      (root) => {
        write(root, '/opt/site/apt-policy.conf', 'APT::Periodic::Unattended-Upgrade "0";\n');
        write(root, '/etc/apt/apt.conf.d/99site', '#include /opt/site/apt-policy.conf;\n');
      },
      /^\/opt\/site\/apt-policy\.conf:1 sets APT::Periodic::Unattended-Upgrade "0" and apt reads it after \/etc\/apt\/apt\.conf\.d\/20auto-upgrades: it is outside \/etc\/apt, change it by hand$/,
    ],
  ];
  for (const [name, setUp, why] of cases) {
    const root = copyRoot(t, 'deb12-auto-off');
    setUp(root);
    const host = hostOf(root);
    const plan = await planOf(enableUnattended, host);
    t.is(plan.guard?.ok, false, name);
    t.regex(plan.guard?.reason ?? '', why, name);
    const before = snapshot(root);
    const outcome = await applyPlan(host, plan);
    t.false(outcome.ok);
    if (!outcome.ok) t.is(outcome.stage, 'refused');
    t.deepEqual(changedPaths(before, snapshot(root)), []);
  }
});

test('enable-unattended: nothing to do, not apt, unreadable config, symlinked file → refused with the reason', async (t) => {
  const on = await planOf(enableUnattended, hostOf(`${ROOTS}/deb12-auto-on`));
  t.regex(on.guard?.reason ?? '', /nothing to change: automatic updates are already on/);
  const rhel = await planOf(enableUnattended, hostOf(`${ROOTS}/rhel9-kpatch`));
  t.regex(rhel.guard?.reason ?? '', /not an apt system/);
  const malformed = await planOf(enableUnattended, hostOf(`${ROOTS}/deb12-malformed`));
  t.regex(malformed.guard?.reason ?? '', /^apt cannot read its configuration: Syntax error \/etc\/apt\/apt\.conf\.d\/20auto-upgrades:2: Extra junk after value; fix that first$/);

  const root = copyRoot(t, 'deb12-auto-off');
  fs.renameSync(real(root, AUTO_UPGRADES_FILE), real(root, '/etc/apt/auto.conf'));
  fs.writeFileSync(real(root, '/etc/apt/auto.conf'), 'APT::Periodic::Unattended-Upgrade "0";\n');
  fs.symlinkSync('../auto.conf', real(root, AUTO_UPGRADES_FILE));
  const linked = await planOf(enableUnattended, hostOf(root));
  t.regex(linked.guard?.reason ?? '', /20auto-upgrades is a symlink; not rewriting what it points to/);

  const noUu = await planOf(enableUnattended, hostOf(`${ROOTS}/deb12-no-uu`));
  t.deepEqual(noUu.warnings, ['unattended-upgrades is not installed: these settings take effect once it is (fix updates.install-unattended)']);
});

withApt('enable-unattended: a broken edit is refused by the real apt-config on the staged copy; nothing changes', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  const plan = await planOf(enableUnattended, host);
  // What a bug in the editor could produce: apt rejects it ("Extra junk after value").
  const broken: Plan = { ...plan, edits: [{ ...plan.edits[0], after: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1" yes;\n' }] };
  const before = snapshot(root);
  const outcome = await applyPlan(host, broken);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /validation failed \(apt-config reads the staged apt configuration without a syntax error\): E: Syntax error \/etc\/apt\/apt\.conf\.d\/20auto-upgrades:2: Extra junk after value; nothing was changed/);
  }
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  // The same plan, unbroken, passes the same validator: it is the edit that was refused.
  const good = await applyPlan(host, plan);
  t.true(good.ok, JSON.stringify(good));
});

// ---------------------------------------------------------------------------
// updates.enable-timers

test('enable-timers: offline systemctl --root unmasks and enables; the check passes; undo disables and re-masks', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const host = hostOf(root);
  t.is((await autoTimers.run(host, ctx)).status, 'fail');
  const plan = await planOf(enableTimers, host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits, []);
  t.deepEqual(
    plan.commands.map((c) => [c.argv, !!c.interactive, !!c.reload]),
    [
      [['systemctl', `--root=${root}`, 'unmask', 'apt-daily-upgrade.timer'], false, false],
      [['systemctl', `--root=${root}`, 'enable', 'apt-daily-upgrade.timer'], false, false],
    ],
  );
  t.deepEqual(
    (plan.undoCommands ?? []).map((c) => c.argv),
    [
      ['systemctl', `--root=${root}`, 'disable', 'apt-daily-upgrade.timer'],
      ['systemctl', `--root=${root}`, 'mask', 'apt-daily-upgrade.timer'],
    ],
  );
  t.regex(plan.warnings.join('\n'), /nothing is started/);

  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), [
    '/etc/systemd/system/apt-daily-upgrade.timer',
    '/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer',
  ]);
  t.is(fs.readlinkSync(real(root, '/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer')), '/lib/systemd/system/apt-daily-upgrade.timer');
  t.false(fs.existsSync(real(root, '/etc/systemd/system/apt-daily-upgrade.timer')));
  t.is((await autoTimers.run(host, ctx)).status, 'pass');
  // Nothing left to do now.
  t.regex((await planOf(enableTimers, host)).guard?.reason ?? '', /^nothing to change: apt-daily\.timer enabled, apt-daily-upgrade\.timer enabled$/);
  // hardtop undo takes the unit links back as they were: the tree is as before.
  const undone = await undoChange(host, null);
  t.true(undone.ok, undone.message);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.is((await autoTimers.run(host, ctx)).status, 'fail');
});

test('enable-timers: on a live system with systemd as PID 1 it enables --now through systemd (plan only)', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.mkdirSync(real(root, '/run/systemd/system'), { recursive: true });
  const plan = await planOf(enableTimers, claimsLive(root, false));
  t.deepEqual(
    plan.commands.map((c) => c.argv),
    [
      ['systemctl', 'unmask', 'apt-daily-upgrade.timer'],
      ['systemctl', 'enable', '--now', 'apt-daily-upgrade.timer'],
    ],
  );
  t.true(plan.commands.every((c) => /needs a running systemd/.test(c.describe)));
  // Live, but systemd is not PID 1: offline links on / and a plain statement of it.
  fs.rmSync(real(root, '/run/systemd'), { recursive: true });
  const noSystemd = await planOf(enableTimers, claimsLive(root, false));
  t.regex(noSystemd.commands[1].argv[1], /^--root=/);
  t.regex(noSystemd.warnings.join('\n'), /systemd is not running here/);
});

// ---------------------------------------------------------------------------
// updates.install-unattended (plan and preview only: never installs anything)

test('install-unattended: an interactive apt-get, disruptive, no file edits; refused under --root', async (t) => {
  const root = copyRoot(t, 'deb12-no-uu');
  const host = hostOf(root, true);
  const plan = await planOf(installUnattended, host);
  t.is(plan.risk, 'disruptive');
  t.deepEqual(plan.edits, []);
  t.deepEqual(plan.validate, []);
  t.deepEqual(plan.commands.map((c) => [c.argv, c.interactive, !!c.reload]), [[['apt-get', 'install', '-y', 'unattended-upgrades'], true, false]]);
  t.deepEqual(plan.guard, { ok: false, reason: SYSROOT_INSTALL_REFUSED });
  t.deepEqual(previewPlan(plan).commands, ['apt-get install -y unattended-upgrades']);
  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) t.is(outcome.message, `refused by guard: ${SYSROOT_INSTALL_REFUSED}`);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

test('install-unattended on the live root: offered when absent; refused when installed or under --no-network (plan only)', async (t) => {
  const absent = await planOf(installUnattended, claimsLive(`${ROOTS}/deb12-no-uu`, true));
  t.is(absent.guard, undefined);
  t.deepEqual(absent.commands[0].argv, ['apt-get', 'install', '-y', 'unattended-upgrades']);
  const offline = await planOf(installUnattended, claimsLive(`${ROOTS}/deb12-no-uu`, false));
  t.deepEqual(offline.guard, { ok: false, reason: '--no-network: apt-get would download packages' });
  const installed = await planOf(installUnattended, claimsLive(`${ROOTS}/deb12-auto-off`, true));
  t.deepEqual(installed.guard, { ok: false, reason: 'nothing to change: unattended-upgrades is installed' });
});
