// rkhunter.whitelist --arg warning=KIND:SUBJECT: whitelisting the ONE warning
// the admin picked, end to end with the REAL rkhunter.
//
// The sysroot is a copy of rkh-default (Debian 12's shipped rkhunter.conf)
// whose sshd_config sets neither PermitRootLogin nor Protocol. The real
// rkhunter scans it — its configuration rebased into the sysroot, exactly as
// the fix's rkhunter -C validation does, limited to `--enable
// system_configs_ssh` (a few seconds) — and logs two warnings to the
// sysroot's /var/log/rkhunter.log. The fix whitelists one of them through the
// real fix engine (real rkhunter -C on the staged copy); a re-run of the
// test drops that warning and only that one; undo restores every byte and a
// re-run brings it back. Nothing of this machine's /etc or /var is touched.
//
// The refusals (unknown kind, possible tampering, no such warning, already
// whitelisted) are plans on the rkh-warnings fixture.

import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WARNING_PARAM, whitelistWarnings } from '../../checks/rkhunter/fix-whitelist';
import { judgeLastScan } from '../../checks/rkhunter/judge';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import { targetLine, warningKey, whitelistArgsFor } from '../../checks/rkhunter/whitelist-target';
import { checkFixArgs } from '../../src/core/catalog';
import type { Plan, RunContext } from '../../src/core/types';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { rebaseRkhunterConf } from '../../src/parse/rkhunter-conf';
import { parseRkhunterLog, lastRunOf } from '../../src/parse/rkhunter-log';
import { changedPaths, copyRoot, read, real, snapshot, write } from '../fixtures/fix/updates/tree';
import { RKH_FIXTURES, rkhunter, rkhunterUnavailable } from './rkhunter-helpers';

const LOCAL_CONF = '/etc/rkhunter.conf.local';
const SYSTEM_DB = '/var/lib/rkhunter/db';
const ROOT_KEY = 'ssh-root-unset:/etc/ssh/sshd_config';
const PROTOCOL_KEY = 'ssh-protocol-unset:/etc/ssh/sshd_config';
/** The day after the fixture scans (2026-11-28 ~20:20 UTC). */
const fixtureCtx: RunContext = { now: new Date('2026-11-29T12:00:00Z'), network: false, signal: new AbortController().signal };

const unavailable = rkhunterUnavailable();
const real_ = unavailable ? test.serial.skip : test.serial;
if (unavailable) test('real rkhunter round trips skipped', (t) => t.log(unavailable));

function hostOf(root: string): Host {
  return createLocalHost({ root, network: false });
}

function nowCtx(): RunContext {
  return { ...fixtureCtx, now: new Date(Date.now() + 60_000) };
}

/** rkh-default with real rkhunter data files, an sshd_config rkhunter complains about, and no syslog. */
function sshRoot(t: ExecutionContext): string {
  const root = copyRoot(t, 'rkh-default');
  const db = real(root, SYSTEM_DB);
  for (const f of ['i18n/en', 'backdoorports.dat', 'mirrors.dat', 'programs_bad.dat', 'suspscan.dat']) {
    if (fs.existsSync(path.join(SYSTEM_DB, f))) fs.copyFileSync(path.join(SYSTEM_DB, f), path.join(db, f));
  }
  // Debian's sshd_config style: settings live in drop-ins rkhunter never reads.
  write(root, '/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n');
  const conf = read(root, '/etc/rkhunter.conf')
    .replace(/^#SSH_CONFIG_DIR=\/etc\/ssh$/m, 'SSH_CONFIG_DIR=/etc/ssh')
    // Debian ships ALLOW_SSH_PROT_V1=2: without it the Protocol warning appears too.
    .replace(/^ALLOW_SSH_PROT_V1=2\n/m, '')
    // Never write to this machine's syslog from a test.
    .replace(/^USE_SYSLOG=/m, '#USE_SYSLOG=');
  t.true(conf.includes('\nSSH_CONFIG_DIR=/etc/ssh\n') && !conf.includes('\nALLOW_SSH_PROT_V1='), 'the fixture conf is the one this test expects');
  write(root, '/etc/rkhunter.conf', conf);
  return root;
}

/**
 * The real rkhunter, limited to the SSH configuration test, reading the
 * sysroot's configuration (main + .local) rebased into the sysroot; its log
 * goes to the sysroot's /var/log/rkhunter.log (LOGFILE, rebased).
 */
function scanSsh(t: ExecutionContext, root: string): string[] {
  const stage = fs.mkdtempSync(path.join(root, '..', 'hardtop-rkh-stage-'));
  t.teardown(() => fs.rmSync(stage, { recursive: true, force: true }));
  fs.mkdirSync(path.join(stage, 'etc'));
  for (const f of ['/etc/rkhunter.conf', LOCAL_CONF]) {
    if (fs.existsSync(real(root, f))) fs.writeFileSync(path.join(stage, f), rebaseRkhunterConf(read(root, f), root));
  }
  const r = rkhunter(['--check', '--sk', '--nocolors', '--configfile', path.join(stage, 'etc/rkhunter.conf'), '--enable', 'system_configs_ssh'], 60_000);
  const parsed = parseRkhunterLog(read(root, '/var/log/rkhunter.log'));
  t.deepEqual(parsed.errors, [], r.out);
  const run = lastRunOf(parsed, 'scan');
  t.truthy(run?.end, 'the scan finished');
  return (run?.warnings ?? []).map((w) => w.message);
}

const ROOT_WARNING = "The SSH configuration option 'PermitRootLogin' has not been set.";
const PROTOCOL_WARNING = "The SSH configuration option 'Protocol' has not been set.";

real_('one warning whitelisted: the real rkhunter drops it on a re-run and keeps the other; undo brings it back', async (t) => {
  t.timeout(180_000);
  const root = sshRoot(t);
  const host = hostOf(root);
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING, PROTOCOL_WARNING]);

  // Each item names the warning the fix takes (the dashboard passes it as fix.args).
  const before = await rkhWarnings.run(host, nowCtx());
  t.is(before.status, 'warn');
  t.deepEqual(
    before.items?.map((i) => [i.subject, i.status]),
    [
      ['/etc/ssh/sshd_config', 'warn'],
      ['/etc/ssh/sshd_config', 'warn'],
    ],
  );
  t.deepEqual(
    before.items?.map((i) => i.fix),
    [
      { id: 'rkhunter.whitelist', args: { warning: ROOT_KEY } },
      { id: 'rkhunter.whitelist', args: { warning: PROTOCOL_KEY } },
    ],
  );

  const plan = await whitelistWarnings.plan(host, nowCtx(), { warning: PROTOCOL_KEY });
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.is(plan.title, 'Whitelist /etc/ssh/sshd_config (known false positive) in /etc/rkhunter.conf.local: ALLOW_SSH_PROT_V1=2');
  const added = plan.edits[0].after.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  // Debian's quoted WEB_CMD would make the validation fail whatever we add: unquoted on the way.
  t.deepEqual(added, ['ALLOW_SSH_PROT_V1=2', 'WEB_CMD=/bin/false']);
  t.regex(plan.edits[0].after, /^# Added by hardtop \(fix rkhunter.whitelist\): one warning of rkhunter's scan of \d{4}-\d\d-\d\d \d\d:\d\dZ\n# \/etc\/ssh\/sshd_config: known false positive: OpenSSH 7.4/);
  t.deepEqual(plan.validate.map((v) => v.argv), [['rkhunter', '-C', '--configfile', '{stage}/etc/rkhunter.conf']]);

  const snap = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.deepEqual(changedPaths(snap, snapshot(root)), [LOCAL_CONF], 'only rkhunter.conf.local changed');

  // hardtop reads the old log with the new configuration: that one warning is whitelisted since.
  const judgedAfter = await rkhWarnings.run(host, nowCtx());
  t.deepEqual(
    judgedAfter.items?.map((i) => [i.status, i.fix?.args.warning]),
    [
      ['warn', ROOT_KEY],
      ['pass', undefined],
    ],
    'a whitelisted item offers no fix',
  );
  // The real rkhunter agrees: a re-run of the test drops that warning, and only that one.
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING]);

  // Asking again for the same warning: nothing to do, said so.
  const again = await whitelistWarnings.plan(host, nowCtx(), { warning: PROTOCOL_KEY });
  t.regex(again.guard?.reason ?? '', /has no warning "ssh-protocol-unset:\/etc\/ssh\/sshd_config"; its open warnings: ssh-root-unset:\/etc\/ssh\/sshd_config$/);

  const snapBeforeUndo = snapshot(root);
  const undone = await undo(host, {});
  t.true(undone.ok, JSON.stringify(undone));
  t.deepEqual(changedPaths(snapBeforeUndo, snapshot(root)), [LOCAL_CONF]);
  t.false(fs.existsSync(real(root, LOCAL_CONF)), 'undo removed the file the fix created');
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING, PROTOCOL_WARNING], 'undone: rkhunter warns again');
});

real_('a whitelist appended to an existing rkhunter.conf.local keeps its bytes and mode; undo restores them exactly', async (t) => {
  t.timeout(180_000);
  const root = sshRoot(t);
  const host = hostOf(root);
  const original = '# local settings\nWEB_CMD=/bin/false\nALLOWHIDDENDIR=/etc/.java';
  write(root, LOCAL_CONF, original);
  fs.chmodSync(real(root, LOCAL_CONF), 0o600);
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING, PROTOCOL_WARNING]);

  const plan = await whitelistWarnings.plan(host, nowCtx(), { warning: ROOT_KEY });
  t.is(plan.guard, undefined, plan.guard?.reason);
  t.true(plan.edits[0].after.startsWith(`${original}\n\n# Added by hardtop`), 'the old text byte for byte (its missing last end of line added)');
  t.deepEqual(
    plan.edits[0].after.slice(original.length).split('\n').filter((l) => l !== '' && !l.startsWith('#')),
    ['ALLOW_SSH_ROOT_USER=unset'],
    'WEB_CMD is unquoted already: one line added',
  );
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  t.is(fs.statSync(real(root, LOCAL_CONF)).mode & 0o777, 0o600, 'an existing file keeps its mode');
  t.deepEqual(scanSsh(t, root), [PROTOCOL_WARNING]);
  t.true((await undo(host, {})).ok);
  t.is(read(root, LOCAL_CONF), original);
  t.is(fs.statSync(real(root, LOCAL_CONF)).mode & 0o777, 0o600);
});

real_('a CRLF rkhunter.conf.local: rkhunter reads each CR as part of the value, so the plan says so and the real rkhunter -C refuses it', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t);
  const host = hostOf(root);
  write(root, LOCAL_CONF, '# local settings\r\nWEB_CMD=/bin/false\r\n');
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING, PROTOCOL_WARNING]);
  const plan = await whitelistWarnings.plan(host, nowCtx(), { warning: ROOT_KEY });
  t.is(plan.guard, undefined, plan.guard?.reason);
  // Our own lines are LF: a CR would make the value "unset\\r".
  t.true(plan.edits[0].after.endsWith('\nALLOW_SSH_ROOT_USER=unset\n') && !plan.edits[0].after.includes('unset\r'));
  t.true(plan.warnings.some((w) => /^\/etc\/rkhunter.conf.local:2: "WEB_CMD=\/bin\/false" ends with a carriage return .* the validation will refuse the change until it is fixed/.test(w)), plan.warnings.join('\n'));
  const snap = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) t.regex(outcome.message, /Invalid WEB_CMD configuration option: Non-existent pathname: \/bin\/false.; nothing was changed$/);
  t.deepEqual(changedPaths(snap, snapshot(root)), []);
});

real_('a line the real rkhunter -C rejects on the staged copy is refused at apply; nothing changes', async (t) => {
  t.timeout(120_000);
  const root = sshRoot(t);
  t.deepEqual(scanSsh(t, root), [ROOT_WARNING, PROTOCOL_WARNING]);
  // A bogus option in a drop-in: rkhunter -C fails the whole staged configuration.
  write(root, '/etc/rkhunter.d/50-bogus.conf', 'NOT_AN_OPTION=1\n');
  const host = hostOf(root);
  const plan = await whitelistWarnings.plan(host, nowCtx(), { warning: ROOT_KEY });
  t.is(plan.guard, undefined);
  const snap = snapshot(root);
  const outcome = await applyPlan(host, plan);
  t.false(outcome.ok);
  if (!outcome.ok) t.regex(outcome.message, /Unknown configuration file option: NOT_AN_OPTION=1; nothing was changed$/);
  t.deepEqual(changedPaths(snap, snapshot(root)), []);
});

// ---------------------------------------------------------------------------
// Which warnings can be picked, and the refusals (plans on fixtures)

function planOne(root: string, warning: string): Promise<Plan> {
  return whitelistWarnings.plan(hostOf(root), fixtureCtx, { warning });
}

function useLog(root: string, fixture: string): void {
  write(root, '/var/log/rkhunter.log', fs.readFileSync(path.join(RKH_FIXTURES, fixture), 'utf8'));
}

test('the warning argument: a KIND:SUBJECT key or "known"; control characters and bare words are refused before planning', (t) => {
  const bad = (v: string) => checkFixArgs(whitelistWarnings, { warning: v });
  t.is(bad('known'), null);
  t.is(bad('hidden-file:/etc/.pwd.lock'), null);
  t.is(bad('syslog-not-running:system logging daemon'), null);
  t.regex(bad('hidden-file:/etc/.x\n') ?? '', /^--arg warning: .* is not one warning of the last scan/s);
  t.regex(bad('/etc/.pwd.lock') ?? '', /is not one warning/);
  t.regex(bad('everything') ?? '', /is not one warning/);
  t.regex(checkFixArgs(whitelistWarnings, {}) ?? '', /^rkhunter.whitelist needs --arg warning=…/);
  t.is(WARNING_PARAM.name, 'warning');
});

test('which items carry a whitelist key: kinds with an option of their own, not those the fix must refuse', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-full-warnings.log');
  const judged = await judgeLastScan(hostOf(root), { verifyPackages: false });
  if (judged.kind !== 'judged') return t.fail(judged.summary);
  const rows = judged.items.map((i) => {
    const target = targetLine(i);
    return [i.kind, whitelistArgsFor(i)?.warning ?? null, target.ok ? target.line.line : null];
  });
  t.deepEqual(rows, [
    ['modules-missing', 'modules-missing:/proc/modules', 'DISABLE_TESTS=os_specific'],
    ['modules-missing', 'modules-missing:/lib/modules', 'DISABLE_TESTS=os_specific'],
    ['accounts-no-copy', null, null],
    ['accounts-no-copy', null, null],
    ['ssh-root-unset', 'ssh-root-unset:/etc/ssh/sshd_config', 'ALLOW_SSH_ROOT_USER=unset'],
    ['syslog-not-running', 'syslog-not-running:system logging daemon', 'DISABLE_TESTS=system_configs_syslog'],
    ['hidden-dir', 'hidden-dir:/etc/.java', 'ALLOWHIDDENDIR=/etc/.java'],
  ]);
  // Every key the items carry is accepted by the param and names that item.
  for (const i of judged.items) {
    const args = whitelistArgsFor(i);
    if (!args) continue;
    t.is(checkFixArgs(whitelistWarnings, args), null, args.warning);
    t.is(warningKey(i), args.warning);
  }
  // A whitelisted item carries none (rkh-warnings' own log: the probe file is whitelisted since).
  const own = copyRoot(t, 'rkh-warnings');
  const ownJudged = await judgeLastScan(hostOf(own), { verifyPackages: false });
  if (ownJudged.kind !== 'judged') return t.fail(ownJudged.summary);
  const probe = ownJudged.items.find((i) => i.subject === '/dev/shm/.hardtop-probe');
  t.is(probe?.status, 'pass');
  t.is(probe && whitelistArgsFor(probe), null);
});

/** debian12-full-warnings.log with a UID 0 account, a sniffer log and a warning hardtop does not know. */
function unusualLog(): string {
  const text = fs.readFileSync(path.join(RKH_FIXTURES, 'debian12-full-warnings.log'), 'utf8');
  const replaced = text
    .replace(
      '[20:18:03]   Checking for root equivalent (UID 0) accounts   [ None found ]\n',
      "[20:18:03]   Checking for root equivalent (UID 0) accounts   [ Warning ]\n[20:18:03] Warning: Account 'toor' is root equivalent (UID = 0)\n",
    )
    .replace(
      '[20:17:59]   Checking for sniffer log files                  [ None found ]\n',
      '[20:17:59]   Checking for sniffer log files                  [ Warning ]\n[20:17:59] Warning: Found possible sniffer log file: /usr/lib/libice.log\n',
    )
    .replace(
      '[20:18:02]   Checking for promiscuous interfaces             [ None found ]\n',
      "[20:18:02]   Checking for promiscuous interfaces             [ Warning ]\n[20:18:02] Warning: Possible promiscuous interfaces:\n           'ip' command output: 2: eth0: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP>\n",
    );
  if (replaced.split('Warning: ').length !== text.split('Warning: ').length + 3) throw new Error('the fixture log changed: unusualLog needs updating');
  return replaced;
}

test('refused with the reason: a kind without its own option, possible tampering, a UID 0 account, no such warning, already whitelisted', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  // rkh-warnings' last scan: /etc/passwd and /etc/group had no earlier copy; a file in /dev; a hidden file whitelisted since.
  const noCopy = await planOne(root, 'accounts-no-copy:/etc/passwd');
  t.is(noCopy.guard?.reason, '/etc/passwd [no earlier copy] is not whitelisted: nothing to whitelist: the next scan compares with the copy this one made');
  t.deepEqual(noCopy.edits, []);

  const missing = await planOne(root, 'hidden-file:/etc/.not-there');
  t.regex(missing.guard?.reason ?? '', /^the last scan \(2026-11-28 20:2\dZ, \/var\/log\/rkhunter.log:\d+\) has no warning "hidden-file:\/etc\/.not-there"; its open warnings: .*dev-files:\/dev\/shm\/hardtop-probe.bin/);

  const whitelisted = await planOne(root, 'hidden-file:/dev/shm/.hardtop-probe');
  t.regex(whitelisted.guard?.reason ?? '', /^already silenced: whitelisted since this scan: ALLOWHIDDENFILE=\/dev\/shm\/.hardtop-\* \(\/etc\/rkhunter.conf.local:3\)$/);

  // A changed file that dpkg says differs from its package: never whitelisted.
  const props = copyRoot(t, 'rkh-warnings');
  useLog(props, 'debian12-properties-changed.log');
  write(props, '/usr/bin/ls', 'a trojaned ls\n');
  const tampered = await planOne(props, 'file-properties:/usr/bin/ls');
  t.regex(tampered.guard?.reason ?? '', /^\/usr\/bin\/ls \[possible tampering\] is not whitelisted: rkhunter has no per-file whitelist for changed properties/);
  t.deepEqual(tampered.edits, []);

  // A UID 0 account, a rootkit sign and a warning hardtop cannot classify: refused, with what to do instead.
  const odd = copyRoot(t, 'rkh-warnings');
  write(odd, '/var/log/rkhunter.log', unusualLog());
  const cases: [string, RegExp][] = [
    ['rootkit:sniffer_logs', /^sniffer_logs \[rootkit signature\] is not whitelisted: a rootkit signature is investigated, never whitelisted$/],
    ['other:promisc', /^promisc \[warning\] is not whitelisted: hardtop does not know what this warning means/],
    ['root-equivalent:toor', /^toor \[UID 0 account\] is not whitelisted: an account other than root with UID 0 is how a backdoor keeps root: hardtop does not whitelist it; if the account is yours and must stay, add UID0_ACCOUNTS=<name>/],
  ];
  const judged = await judgeLastScan(hostOf(odd), { verifyPackages: false });
  if (judged.kind !== 'judged') return t.fail(judged.summary);
  t.deepEqual(
    judged.items.filter((i) => ['root-equivalent', 'rootkit', 'other'].includes(i.kind)).map((i) => [warningKey(i), whitelistArgsFor(i)]),
    cases.map(([key]) => [key, null]),
    'no item the fix would refuse carries fix args',
  );
  for (const [key, reason] of cases) {
    const plan = await planOne(odd, key);
    t.regex(plan.guard?.reason ?? '', reason, key);
    t.deepEqual(plan.edits, [], key);
  }
});

test('an unknown hidden file is whitelisted by its exact path, with a warning to check it first; a known one by the policy pattern', async (t) => {
  const root = copyRoot(t, 'rkh-warnings');
  const dev = await planOne(root, 'dev-files:/dev/shm/hardtop-probe.bin');
  t.is(dev.guard, undefined, dev.guard?.reason);
  t.true(dev.edits[0].after.endsWith('# /dev/shm/hardtop-probe.bin: chosen by the admin after reading the warning (file in /dev)\nALLOWDEVFILE=/dev/shm/hardtop-probe.bin\n'));
  t.true(dev.warnings.includes('/dev/shm/hardtop-probe.bin is not a known false positive: make sure it is yours (ls -la, dpkg -S) before silencing it'));

  const java = await planOne(root, 'hidden-dir:/etc/.java');
  t.is(java.guard, undefined, java.guard?.reason);
  t.true(java.edits[0].after.endsWith("# /etc/.java: known false positive: Java's system preferences directory (created by OpenJDK packages)\nALLOWHIDDENDIR=/etc/.java\n"));
  t.false(java.warnings.some((w) => /not a known false positive/.test(w)));
});

real_('a known false positive only a whole test can silence (no syslog daemon, no module list) → DISABLE_TESTS with that test, said so; the real rkhunter -C accepts it', async (t) => {
  t.timeout(180_000);
  const root = copyRoot(t, 'rkh-warnings');
  useLog(root, 'debian12-full-warnings.log');
  const host = hostOf(root);
  for (const [key, test] of [
    ['syslog-not-running:system logging daemon', 'system_configs_syslog'],
    ['modules-missing:/proc/modules', 'os_specific'],
  ]) {
    const plan = await planOne(root, key);
    t.is(plan.guard, undefined, plan.guard?.reason);
    t.true(plan.edits[0].after.endsWith(`\nDISABLE_TESTS=${test}\n`), key);
    t.true(plan.warnings.some((w) => w.startsWith(`DISABLE_TESTS switches off the whole '${test}' test`)), key);
    const snap = snapshot(root);
    const outcome = await applyPlan(host, plan);
    t.true(outcome.ok, JSON.stringify(outcome));
    const items = (await rkhWarnings.run(host, fixtureCtx)).items ?? [];
    const off = items.filter((i) => i.summary.includes(`the '${test}' test is disabled since this scan`));
    t.true(off.length >= 1 && off.every((i) => i.status === 'pass'), key);
    t.true((await undo(host, {})).ok);
    t.deepEqual(changedPaths(snap, snapshot(root)), [], 'undo restored every byte');
  }
});
