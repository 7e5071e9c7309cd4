// The updates area on dnf systems: the dnf ini parser (against libdnf's own
// ConfigParser where python3-libdnf is installed), the updates.auto.* checks
// on dnf4 / dnf5 / no-package-manager sysroots, and updates.enable-dnf-automatic
// through the real fix engine on private copies (fail → apply → pass → undo →
// fail, byte for byte).

import { osFamily, parseOsRelease, type OsFamily } from '../../src/parse/os-release';
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { autoEnabled } from '../../checks/updates/auto-enabled';
import { autoInstalled } from '../../checks/updates/auto-installed';
import { autoLastRun } from '../../checks/updates/auto-last-run';
import { autoTimers } from '../../checks/updates/auto-timers';
import { dnfLogTime } from '../../checks/updates/dnf-checks';
import { enableDnfAutomatic } from '../../checks/updates/fix-enable-dnf-automatic';
import { installUnattended, SYSROOT_INSTALL_REFUSED } from '../../checks/updates/fix-install-unattended';
import { checks } from '../../checks/updates/index';
import { pendingSecurity } from '../../checks/updates/pending-security';
import { rebootPolicy } from '../../checks/reboot/policy';
import type { Plan } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { previewPlan } from '../../src/fix/preview';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { dnfBool, parseDnfIni, setDnfIniValues } from '../../src/parse/dnf-ini';
import { undoChange } from '../../src/cli/fix-command';
import { changedPaths, copyRoot, ctx, read, real, ROOTS, snapshot, write } from '../fixtures/fix/updates/tree';
import { liveView } from './updates-reboot-helpers';

const CONF = '/etc/dnf/automatic.conf';

function hostOf(root: string): Host {
  return createLocalHost({ root: root.startsWith('/') ? root : `${ROOTS}/${root}`, network: false });
}

function libdnfAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import libdnf.conf'], { stdio: 'ignore', env: {} });
    return true;
  } catch {
    return false;
  }
}
const withLibdnf = libdnfAvailable() ? test : test.skip;

/** What libdnf's ConfigParser (the parser dnf-automatic uses) makes of a text: section → key → value, or its error. */
function libdnfRead(text: string): { data?: Record<string, Record<string, string>>; error?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-libdnf-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.conf'), text);
    const script = [
      'import sys, json, libdnf.conf',
      'p = libdnf.conf.ConfigParser()',
      'try:',
      '    p.read(sys.argv[1])',
      'except Exception as e:',
      "    print(json.dumps({'error': str(e)})); sys.exit(0)",
      'd = p.getData()',
      "print(json.dumps({'data': {s: {k: d[s][k] for k in d[s] if k[0] not in '#;'} for s in d}}))",
    ].join('\n');
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path.join(dir, 'a.conf')], { encoding: 'utf8', env: {} }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ours(text: string): { data?: Record<string, Record<string, string>>; error?: string } {
  const parsed = parseDnfIni(text, '/x');
  if (parsed.error) return { error: `${parsed.error.message} at line ${parsed.error.line}` };
  const data: Record<string, Record<string, string>> = {};
  for (const s of parsed.sections) data[s.name] ??= {};
  for (const v of parsed.values) data[v.section][v.key] = v.value;
  return { data };
}

const UGLY: string[] = [
  '[commands]\napply_updates = yes # on\n',
  '[commands]\napply_updates=yes\n  continued value\n\n\tand more\n[emitters]\nemit_via = stdio\n',
  '[commands]\n  # indented comment is a continuation\n',
  '[commands]\napply_updates = no\n  # indented comment after a key: part of the value\napply_updates = yes\n',
  '\uFEFF[commands]\r\napply_updates = yes\r\n',
  '# top comment\n; another\n[a] # c\nk =\n=v\n',
  '[a]\nk : v\n',
  'k = v\n[a]\n',
  '[a\n',
  '[]\n',
  '[a] junk\n',
  '[a]x\n',
  '[commands]\n key = v\n',
  '[a]\nk = 1\n[b]\nk = 2\n[a]\nk = 3\n',
  '[a]\nk = v\n \n  more\n',
  '[a]\nk = "v"\nj = \'w\'\nl = "x\nm = "a" b"\nn = ""\no = "\np = "v\n  more"\n',
  '[a]\nk = v\n\n  more\n',
  '[a]\nk = v\n# c\n  more\n',
  '[a]\r\nk = v\r\n\r\nj = w\r\n',
  '[a]\n \nk = v\n  x  \n \n',
  '',
];

withLibdnf('the dnf ini parser and libdnf\'s own ConfigParser agree on ugly files and on every fixture automatic.conf', (t) => {
  const fixtures = fs
    .readdirSync(ROOTS)
    .flatMap((r) => [`${ROOTS}/${r}${CONF}`, `${ROOTS}/${r}/usr/share/dnf5/dnf5-plugins/automatic.conf`])
    .filter((p) => fs.existsSync(p))
    .map((p) => fs.readFileSync(p, 'utf8'));
  t.true(fixtures.length >= 5);
  for (const text of [...UGLY, ...fixtures]) {
    const real = libdnfRead(text);
    const mine = ours(text);
    if (real.error) {
      t.truthy(mine.error, `libdnf refuses ${JSON.stringify(text)}: ${real.error}`);
      // libdnf says "Parsing file '…' failed: IniParser: Missing '=' at line 8"
      t.true(real.error.endsWith(mine.error ?? '?'), `${real.error} vs ${mine.error}`);
    } else {
      t.deepEqual(mine, real, JSON.stringify(text));
    }
  }
});

test('dnf ini: booleans as libdnf reads them; the error names file:line', (t) => {
  for (const v of ['1', 'yes', 'True', 'ON']) t.true(dnfBool(v));
  for (const v of ['0', 'no', 'False', 'off']) t.false(dnfBool(v));
  for (const v of ['', 'y', 'yes # on', '2']) t.is(dnfBool(v), null);
  t.deepEqual(parseDnfIni('[a]\nk = v\nnope\n', '/etc/dnf/automatic.conf').error, { file: '/etc/dnf/automatic.conf', line: 3, message: "IniParser: Missing '='" });
});

test('setDnfIniValues: rewrites the winning value in place, adds to [commands], keeps every other byte', (t) => {
  const file = CONF;
  const before = '# mine\n[commands]\nupgrade_type = default\napply_updates = no\n  continued\n\n[emitters]\nemit_via = motd\n';
  const r = setDnfIniValues(before, file, [
    { section: 'commands', key: 'apply_updates', value: 'yes' },
    { section: 'commands', key: 'reboot', value: 'when-needed' },
    { section: 'commands', key: 'upgrade_type', value: 'security' },
  ]);
  t.deepEqual(r, { ok: true, text: '# mine\n[commands]\nupgrade_type = security\napply_updates = yes\nreboot = when-needed\n\n[emitters]\nemit_via = motd\n' });
  // No [commands] yet; CRLF kept.
  t.deepEqual(setDnfIniValues('[emitters]\r\nemit_via = stdio\r\n', file, [{ section: 'commands', key: 'apply_updates', value: 'yes' }]), {
    ok: true,
    text: '[emitters]\r\nemit_via = stdio\r\n\r\n[commands]\r\napply_updates = yes\r\n',
  });
  // A new file: header, section, keys.
  t.deepEqual(setDnfIniValues(null, file, [{ section: 'commands', key: 'apply_updates', value: 'yes' }], ['# hi']), { ok: true, text: '# hi\n\n[commands]\napply_updates = yes\n' });
  t.deepEqual(setDnfIniValues(null, file, [{ section: 'commands', key: 'apply_updates', value: 'yes' }]), { ok: true, text: '[commands]\napply_updates = yes\n' });
  // A file dnf refuses is not touched.
  const bad = setDnfIniValues('apply_updates = no\n', file, [{ section: 'commands', key: 'apply_updates', value: 'yes' }]);
  t.false(bad.ok);
  if (!bad.ok) t.regex(bad.reason, /automatic\.conf:1: IniParser: Missing section header/);
});

test('dnf log times: ISO with a +HHMM zone', (t) => {
  t.is(dnfLogTime('2026-11-28T06:40:11+0000 SUBDEBUG Upgrade: x')?.toISOString(), '2026-11-28T06:40:11.000Z');
  t.is(dnfLogTime('2026-11-28T08:40:11+0200 INFO x')?.toISOString(), '2026-11-28T06:40:11.000Z');
  t.is(dnfLogTime('Nov 28 06:40:11 host dnf'), null);
});

// ---------------------------------------------------------------------------
// The checks on dnf sysroots

test('dnf4, enabled: installed, enabled, timers and last run pass with file:line evidence', async (t) => {
  const host = hostOf('rhel9-dnf-on');
  const installed = await autoInstalled.run(host, ctx);
  t.is(installed.status, 'pass');
  t.deepEqual(installed.evidence, [{ file: '/usr/bin/dnf-automatic', text: 'dnf-automatic: /usr/bin/dnf-automatic present' }]);
  const enabled = await autoEnabled.run(host, ctx);
  t.is(enabled.status, 'pass');
  t.is(enabled.summary, 'updates are installed automatically: apply_updates = yes (/etc/dnf/automatic.conf:22), dnf-automatic.timer enabled; upgrade_type = security (/etc/dnf/automatic.conf:5)');
  t.deepEqual(enabled.evidence.slice(0, 3), [
    { file: CONF, line: 22, text: 'apply_updates = yes' },
    { file: CONF, line: 5, text: 'upgrade_type = security' },
    { file: '/etc/systemd/system/timers.target.wants/dnf-automatic.timer', text: 'dnf-automatic.timer enabled' },
  ]);
  t.is((await autoTimers.run(host, ctx)).status, 'pass');
  // No stamp (git keeps no mtimes): the rpm log's last transaction, said to be any dnf run.
  const last = await autoLastRun.run(host, ctx);
  t.is(last.status, 'pass');
  t.is(last.summary, 'last run 2026-11-28T06:40:11Z (/var/log/dnf.rpm.log:4), 5 h ago (a dnf transaction, not necessarily the automatic one: no timer stamp)');
});

test('dnf4 last run: the timer stamp wins over the log; old stamps warn, then fail', async (t) => {
  const root = copyRoot(t, 'rhel9-dnf-on');
  const stamp = real(root, '/var/lib/systemd/timers/stamp-dnf-automatic.timer');
  fs.writeFileSync(stamp, '');
  const set = (iso: string) => fs.utimesSync(stamp, new Date(iso), new Date(iso));
  set('2026-11-28T10:00:00Z');
  const host = hostOf(root);
  const pass = await autoLastRun.run(host, ctx);
  t.is(pass.status, 'pass');
  t.is(pass.summary, 'last run 2026-11-28T10:00:00Z (/var/lib/systemd/timers/stamp-dnf-automatic.timer mtime), 2 h ago');
  t.is(pass.evidence[1].file, '/var/log/dnf.rpm.log');
  set('2026-11-25T10:00:00Z');
  t.is((await autoLastRun.run(host, ctx)).status, 'warn');
  set('2026-11-10T10:00:00Z');
  const stale = await autoLastRun.run(host, ctx);
  t.is(stale.status, 'fail');
  t.regex(stale.summary, /more than 7 days without updates/);
});

test('dnf4, half-enabled (stock apply_updates = no): enabled fails naming the line and offers the fix; timers pass', async (t) => {
  const host = hostOf('rhel9-dnf-half');
  const f = await autoEnabled.run(host, ctx);
  t.is(f.status, 'fail');
  t.is(f.summary, 'automatic updates are off: apply_updates = no (/etc/dnf/automatic.conf:22): the timer only downloads or notifies; dnf-automatic-notifyonly.timer never installs');
  t.deepEqual(f.fixes, ['updates.enable-dnf-automatic']);
  t.is((await autoTimers.run(host, ctx)).status, 'pass');
  t.regex((await autoLastRun.run(host, ctx)).summary, /^dnf-automatic has never run: no \/var\/lib\/systemd\/timers\/stamp-dnf-automatic\.timer/);
});

test('dnf4 (AlmaLinux 8): dnf-automatic-install.timer installs whatever apply_updates says', async (t) => {
  const f = await autoEnabled.run(hostOf('rhel9-dnf-old'), ctx);
  t.is(f.status, 'pass');
  t.regex(f.summary, /dnf-automatic-install\.timer enabled \(installs whatever apply_updates says\)/);
});

test('dnf4: a file dnf refuses is an error with file:line; not installed fails; the others skip', async (t) => {
  const bad = await autoEnabled.run(hostOf('rhel9-dnf-malformed'), ctx);
  t.is(bad.status, 'error');
  t.is(bad.summary, 'malformed /etc/dnf/automatic.conf:1: IniParser: Missing section header');
  t.deepEqual(bad.evidence, [{ file: CONF, line: 1 }]);
  // Timers do not depend on that file: still judged.
  t.is((await autoTimers.run(hostOf('rhel9-dnf-malformed'), ctx)).status, 'pass');

  const root = copyRoot(t, 'rhel9-dnf-half');
  write(root, CONF, '[commands]\napply_updates = maybe\n');
  const notBool = await autoEnabled.run(hostOf(root), ctx);
  t.is(notBool.status, 'error');
  t.regex(notBool.summary, /^\/etc\/dnf\/automatic\.conf:2: apply_updates = maybe is not a boolean dnf accepts/);

  const none = hostOf('rhel9-dnf-no-automatic');
  const installed = await autoInstalled.run(none, ctx);
  t.is(installed.status, 'fail');
  t.is(installed.summary, 'dnf-automatic is not installed: security updates are not installed automatically (dnf4)');
  t.deepEqual(installed.fixes, ['updates.install-unattended']);
  for (const check of [autoEnabled, autoTimers, autoLastRun]) t.is((await check.run(none, ctx)).summary, 'dnf-automatic is not installed (see updates.auto.installed)');
});

test('dnf5: defaults from /usr/share, overrides from /etc/dnf/automatic.conf; one timer', async (t) => {
  const host = hostOf('fedora-dnf5');
  t.is((await autoInstalled.run(host, ctx)).summary, 'dnf5-plugin-automatic is installed (dnf5)');
  const off = await autoEnabled.run(host, ctx);
  t.is(off.status, 'fail');
  t.regex(off.summary, /^automatic updates are off: apply_updates = no \(\/usr\/share\/dnf5\/dnf5-plugins\/automatic\.conf:8\)/);
  t.is((await autoTimers.run(host, ctx)).status, 'fail');

  const root = copyRoot(t, 'fedora-dnf5');
  write(root, CONF, '[commands]\napply_updates = True\n');
  fs.symlinkSync('/usr/lib/systemd/system/dnf5-automatic.timer', real(root, '/etc/systemd/system/timers.target.wants/dnf5-automatic.timer'));
  const on = await autoEnabled.run(hostOf(root), ctx);
  t.is(on.status, 'pass');
  t.is(on.summary, 'updates are installed automatically: apply_updates = True (/etc/dnf/automatic.conf:2), dnf5-automatic.timer enabled; upgrade_type = default (/usr/share/dnf5/dnf5-plugins/automatic.conf:27)');
  // Some dnf5 builds read /etc/dnf/dnf5-plugins/automatic.conf: it is read last and wins.
  write(root, '/etc/dnf/dnf5-plugins/automatic.conf', '[commands]\napply_updates = no\n');
  t.is((await autoEnabled.run(hostOf(root), ctx)).status, 'fail');
});

test('no package manager at all: every updates check skips with the reason', async (t) => {
  for (const check of checks) {
    const f = await check.run(hostOf('nopm-alpine'), ctx);
    t.is(f.status, 'skip', check.id);
    t.is(f.summary, 'Alpine Linux v3.20 (ID=alpine) is not a family hardtop knows (Debian/Ubuntu with apt, RHEL/Alma/Rocky with dnf4, Fedora with dnf5): no /var/lib/dpkg/status (apt) and no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3', check.id);
  }
});

test('os-release: quoting as os-release(5) says; the family from ID, then ID_LIKE', (t) => {
  const os = parseOsRelease('# comment\nNAME="Alma\\"Linux\\""\nID=almalinux\nID_LIKE="rhel centos fedora"\nVERSION_ID=\'9.4\'\nbogus line\r\n');
  t.is(os.get('NAME'), 'Alma"Linux"');
  t.is(os.get('VERSION_ID'), '9.4');
  t.is(osFamily(os), 'rhel', 'Alma says fedora too, but rhel comes first');
  const cases: [string, OsFamily | null][] = [
    ['ID=debian', 'debian'],
    ['ID=ubuntu\nID_LIKE=debian', 'debian'],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"', 'debian'],
    ['ID="rhel"', 'rhel'],
    ['ID=rocky\nID_LIKE="rhel centos fedora"', 'rhel'],
    ['ID=fedora', 'fedora'],
    ['ID=alpine', null],
    ['ID=opensuse-leap\nID_LIKE="suse opensuse"', null],
    ['', null],
  ];
  for (const [text, family] of cases) t.is(osFamily(parseOsRelease(text)), family, text);
});

test('pending security updates on dnf: never run under --root, said so, dnf4 and dnf5 alike (the real dnf4 runs in updates-dnf-pending.test.ts)', async (t) => {
  const f = await pendingSecurity.run(hostOf('rhel9-dnf-on'), ctx);
  t.is(f.status, 'skip');
  t.is(f.summary, 'dnf4 system under --root: `dnf updateinfo list --security` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only');
  t.is((await pendingSecurity.run(hostOf('fedora-dnf5'), ctx)).summary, 'dnf5 system under --root: `dnf5 advisory list --security` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only');
});

// ---------------------------------------------------------------------------
// updates.enable-dnf-automatic

async function planOf(host: Host): Promise<Plan> {
  return enableDnfAutomatic.plan(host, ctx);
}

test('enable-dnf-automatic, dnf4 half-enabled: two values change in place, reboot = when-needed; check passes; undo restores every byte', async (t) => {
  const root = copyRoot(t, 'rhel9-dnf-half');
  const host = hostOf(root);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
  const plan = await planOf(host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.commands, [], 'the timer is already enabled');
  t.deepEqual(previewPlan(plan).diffs.join('').split('\n').filter((l) => /^[-+][^-+]/.test(l)), [
    '-upgrade_type = default',
    '+upgrade_type = security',
    '-apply_updates = no',
    '+apply_updates = yes',
    '-reboot = never',
    '+reboot = when-needed',
  ]);
  t.regex(plan.warnings.join('\n'), /only security updates are installed automatically/);
  t.regex(plan.warnings.join('\n'), /reboot = when-needed/);
  if (libdnfAvailable()) t.is(plan.validate[0]?.argv[0], 'python3');

  const before = snapshot(root);
  const original = read(root, CONF);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), [CONF]);
  t.is((await autoEnabled.run(host, ctx)).status, 'pass');
  const policy = await rebootPolicy.run(host, ctx);
  t.is(policy.status, 'pass');
  t.is(policy.summary, 'dnf-automatic reboots by itself after an update that needs it: reboot = when-needed (/etc/dnf/automatic.conf:28), run by dnf-automatic.timer');
  if (libdnfAvailable()) t.deepEqual(libdnfRead(read(root, CONF)).data?.commands?.apply_updates, 'yes');
  t.regex((await planOf(host)).guard?.reason ?? '', /^nothing to change: dnf-automatic\.timer installs security updates$/);
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.is(read(root, CONF), original);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
});

test('enable-dnf-automatic, dnf5 all off: creates /etc/dnf/automatic.conf and enables dnf5-automatic.timer offline; undo takes both back', async (t) => {
  const root = copyRoot(t, 'fedora-dnf5');
  const host = hostOf(root);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
  const plan = await planOf(host);
  t.is(plan.guard, undefined);
  t.deepEqual(plan.edits.map((e) => [e.path, e.before, e.after]), [
    [
      CONF,
      null,
      '# Written by hardtop (fix updates.enable-dnf-automatic): overrides of\n# /usr/share/dnf5/dnf5-plugins/automatic.conf.\n\n[commands]\nupgrade_type = security\napply_updates = yes\nreboot = when-needed\n',
    ],
  ]);
  t.deepEqual(plan.commands.map((c) => c.argv), [['systemctl', `--root=${root}`, 'enable', 'dnf5-automatic.timer']]);
  t.deepEqual((plan.undoCommands ?? []).map((c) => c.argv), [['systemctl', `--root=${root}`, 'disable', 'dnf5-automatic.timer']]);

  const before = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(before, snapshot(root)), [CONF, '/etc/systemd/system/timers.target.wants/dnf5-automatic.timer']);
  t.is((await autoEnabled.run(host, ctx)).status, 'pass');
  t.is((await autoTimers.run(host, ctx)).status, 'pass');
  const undone = await undoChange(host, null);
  t.true(undone.ok, undone.message);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.is((await autoEnabled.run(host, ctx)).status, 'fail');
});

test('enable-dnf-automatic: old dnf-automatic gets no reboot key; refusals say why; a broken staged file is refused by libdnf', async (t) => {
  const oldPlan = await planOf(hostOf('rhel9-dnf-old'));
  t.is(oldPlan.guard, undefined);
  t.false(/^reboot/m.test(oldPlan.edits[0]?.after ?? ''), 'no reboot key for dnf < 4.15');
  t.regex(oldPlan.edits[0]?.after ?? '', /^upgrade_type = security$/m);
  t.regex(oldPlan.warnings.join('\n'), /no `reboot` option/);
  t.deepEqual(oldPlan.commands, [], 'dnf-automatic-install.timer already installs');

  t.regex((await planOf(hostOf('nopm-alpine'))).guard?.reason ?? '', /^not a dnf system/);
  t.regex((await planOf(hostOf('rhel9-dnf-no-automatic'))).guard?.reason ?? '', /^dnf-automatic is not installed: dnf install dnf-automatic first$/);
  t.regex((await planOf(hostOf('rhel9-dnf-malformed'))).guard?.reason ?? '', /^malformed \/etc\/dnf\/automatic\.conf:1: IniParser: Missing section header; fix that first$/);

  if (!libdnfAvailable()) return;
  const root = copyRoot(t, 'rhel9-dnf-half');
  const host = hostOf(root);
  const plan = await planOf(host);
  const broken: Plan = { ...plan, edits: [{ ...plan.edits[0], after: `apply_updates = yes\n${plan.edits[0].after}` }] };
  const before = snapshot(root);
  const outcome = await applyPlan(host, broken);
  t.false(outcome.ok);
  if (!outcome.ok) {
    t.is(outcome.stage, 'validate');
    t.regex(outcome.message, /IniParser: Missing section header at line 1; nothing was changed/);
  }
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

test('reboot.policy on dnf: reboot = never fails and offers the dnf fix; old dnf says it cannot; kpatch passes; no package manager skips', async (t) => {
  const never = await rebootPolicy.run(hostOf('rhel9-dnf-on'), ctx);
  t.is(never.status, 'fail');
  t.is(never.summary, 'nobody learns of a needed reboot: reboot = never (/etc/dnf/automatic.conf:28), and no livepatch service is enabled');
  t.deepEqual(never.fixes, ['updates.enable-dnf-automatic']);
  const old = await rebootPolicy.run(hostOf('rhel9-dnf-old'), ctx);
  t.is(old.status, 'fail');
  t.regex(old.summary, /has no reboot option \(no reboot key in \/etc\/dnf\/automatic\.conf: dnf older than 4\.15\)/);
  t.deepEqual(old.fixes, []);
  // when-needed, but nothing installs updates: it never triggers.
  const root = copyRoot(t, 'fedora-dnf5');
  write(root, CONF, '[commands]\nreboot = when-needed\n');
  const idle = await rebootPolicy.run(hostOf(root), ctx);
  t.is(idle.status, 'fail');
  t.regex(idle.summary, /^reboot = when-needed \(\/etc\/dnf\/automatic\.conf:2\), but no timer installs updates/);
  t.is((await rebootPolicy.run(hostOf('nopm-alpine'), ctx)).status, 'skip');
  t.is((await rebootPolicy.run(hostOf('rhel9-kpatch'), ctx)).status, 'pass');
});

test('dnf timers on a live system without systemd as PID 1: info, saying so', async (t) => {
  const f = await autoTimers.run(liveView(hostOf('rhel9-dnf-on')), ctx);
  t.is(f.status, 'info');
  t.regex(f.summary, /^systemd is not running here \(no \/run\/systemd\/system\), so timers do not fire; on disk: dnf-automatic\.timer enabled/);
});

test('install-unattended on dnf: `dnf install -y dnf-automatic` / `dnf5 install -y dnf5-plugin-automatic`, interactive; refused under --root (plan only)', async (t) => {
  const sysroot = await installUnattended.plan(hostOf('rhel9-dnf-no-automatic'), ctx);
  t.deepEqual(sysroot.commands.map((c) => [c.argv, c.interactive]), [[['dnf', 'install', '-y', 'dnf-automatic'], true]]);
  t.deepEqual(sysroot.guard, { ok: false, reason: SYSROOT_INSTALL_REFUSED });
  const live = (root: string, network: boolean) => {
    const h = createLocalHost({ root: `${ROOTS}/${root}`, network });
    return liveView(h);
  };
  // Live and online: offered when absent (dnf itself is not on this Debian machine: refused, saying so).
  const absent = await installUnattended.plan(live('rhel9-dnf-no-automatic', true), ctx);
  const hereHasDnf = ['/usr/bin/dnf', '/usr/sbin/dnf', '/bin/dnf'].some((p) => fs.existsSync(p));
  t.deepEqual(absent.guard, hereHasDnf ? undefined : { ok: false, reason: 'dnf not found in the system directories' });
  t.deepEqual((await installUnattended.plan(live('rhel9-dnf-no-automatic', false), ctx)).guard, { ok: false, reason: '--no-network: dnf would download packages' });
  t.deepEqual((await installUnattended.plan(live('rhel9-dnf-on', true), ctx)).guard, { ok: false, reason: 'nothing to change: dnf-automatic is installed' });
  const dnf5 = await installUnattended.plan(hostOf('fedora-dnf5'), ctx);
  t.deepEqual(dnf5.commands[0].argv, ['dnf5', 'install', '-y', 'dnf5-plugin-automatic']);
});

test('dnf last run from a big log: only its tail is read; no line number is claimed', async (t) => {
  const root = copyRoot(t, 'rhel9-dnf-on');
  const old = '2026-10-01T06:00:00+0000 SUBDEBUG Upgrade: filler-1.0-1.el9.x86_64 ünïcödé\n'.repeat(3000);
  write(root, '/var/log/dnf.rpm.log', `${old}2026-11-28T07:00:00+0000 SUBDEBUG Upgrade: openssl-1:3.0.7-28.el9.x86_64\n`);
  const f = await autoLastRun.run(hostOf(root), ctx);
  t.is(f.status, 'pass');
  t.is(f.summary, 'last run 2026-11-28T07:00:00Z (/var/log/dnf.rpm.log), 5 h ago (a dnf transaction, not necessarily the automatic one: no timer stamp)');
  t.deepEqual(f.evidence[0], { file: '/var/log/dnf.rpm.log', text: '2026-11-28T07:00:00+0000 SUBDEBUG Upgrade: openssl-1:3.0.7-28.el9.x86_64' });
});
