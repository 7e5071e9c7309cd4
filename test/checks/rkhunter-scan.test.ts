// The REAL rkhunter scanning this machine, limited to a few tests, with its
// database, temp dir and log in a temp dir (never /etc or /var/lib/rkhunter);
// its log is then parsed and judged by rkhunter.last-scan and
// rkhunter.warnings on a sysroot.
//
// The default run does the fast parts: the passwd/group tests, a whitelist
// round trip through the SSH configuration test (SSH_CONFIG_DIR pointed at a
// temp dir), and rkhunter --propupd of single files on a copied database.
// The round trips through the file-system and scripts tests (20-60 s each on
// a loaded machine: they walk /dev, /etc and every command) need
// HARDTOP_SLOW_TESTS=1.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { updatePropertyDb } from '../../checks/rkhunter/fix-propupd';
import { whitelistWarnings } from '../../checks/rkhunter/fix-whitelist';
import { rkhLastScan } from '../../checks/rkhunter/last-scan';
import { classifyWarning } from '../../checks/rkhunter/warning-kinds';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import { whitelistedBy } from '../../checks/rkhunter/whitelist';
import { applyPlan } from '../../src/fix/engine';
import { undo } from '../../src/fix/undo';
import { createLocalHost } from '../../src/host/local-host';
import { parseRkhunterConf } from '../../src/parse/rkhunter-conf';
import { lastRunOf, parseRkhDate, parseRkhunterLog, rkhDateToDate } from '../../src/parse/rkhunter-log';
import { RKH_FIXTURES, rkhunter, rkhunterUnavailable, sandbox, type Sandbox } from './rkhunter-helpers';
import { at, copyRoot, run } from './updates-reboot-helpers';

const unavailable = rkhunterUnavailable();
const real = unavailable ? test.serial.skip : test.serial;
const slow = unavailable || process.env.HARDTOP_SLOW_TESTS !== '1' ? test.serial.skip : test.serial;
if (unavailable) test('real rkhunter scans skipped', (t) => t.log(unavailable));

function scan(box: Sandbox, log: string, tests: string, extraArgs: string[] = []) {
  const started = Date.now();
  const r = rkhunter(['--check', '--sk', '--nocolors', '--configfile', box.conf, '--logfile', log, '--enable', tests, ...extraArgs]);
  const parsed = parseRkhunterLog(fs.readFileSync(log, 'utf8'));
  return { exit: r.code, parsed, run: lastRunOf(parsed, 'scan'), ms: Date.now() - started };
}

real('a limited real scan: its log parses, its warnings are judged, a re-run drops them', async (t) => {
  t.timeout(120_000);
  const box = sandbox(t);
  const first = scan(box, path.join(box.dir, 'first.log'), 'passwd_changes,group_changes');
  t.log(`rkhunter scan took ${first.ms} ms`);
  t.is(first.exit, 1, 'rkhunter --check exits 1 on warnings');
  t.deepEqual(first.parsed.errors, []);
  t.is(first.parsed.runs.length, 1);
  const run1 = first.run;
  t.truthy(run1?.end, 'the run finished');
  t.is(run1?.version, '1.4.6');
  t.deepEqual(
    run1?.warnings.map((w) => [w.test, w.message]),
    [
      ['passwd_changes', 'Unable to check for passwd file differences: no copy of the passwd file exists.'],
      ['group_changes', 'Unable to check for group file differences: no copy of the group file exists.'],
    ],
  );
  // The start date is today's, in a zone we read exactly or by the live rule.
  const started = rkhDateToDate(parseRkhDate(run1?.startDate ?? '')!, 'local');
  t.true(Math.abs(Date.now() - started.getTime()) < 10 * 60_000, `${run1?.startDate}`);

  // The checks on a sysroot holding that log.
  const root = copyRoot(t, 'rkh-good');
  fs.copyFileSync(path.join(box.dir, 'first.log'), path.join(root, 'var/log/rkhunter.log'));
  const now = at(new Date(started.getTime() + 3_600_000).toISOString());
  t.is((await run(rkhLastScan, root, now)).status, 'pass');
  const judged = await run(rkhWarnings, root, now);
  t.is(judged.status, 'warn');
  t.deepEqual(
    judged.items?.map((i) => [i.subject, i.status]),
    [
      ['/etc/passwd', 'warn'],
      ['/etc/group', 'warn'],
    ],
  );

  // rkhunter keeps its copies in TMPDIR now: the next scan compares instead. It is
  // clean unless an account changed in between (other tests on this machine
  // add and delete throwaway users): then those changes are what it reports.
  const second = scan(box, path.join(box.dir, 'second.log'), 'passwd_changes,group_changes');
  const kinds = (second.run?.warnings ?? []).map((w) => classifyWarning(w).kind);
  t.false(kinds.includes('accounts-no-copy'));
  t.true(kinds.every((k) => k === 'accounts-changed'), kinds.join(', '));
  t.is(second.exit, kinds.length === 0 ? 0 : 1);
  fs.copyFileSync(path.join(box.dir, 'second.log'), path.join(root, 'var/log/rkhunter.log'));
  t.is((await run(rkhWarnings, root, now)).status, kinds.length === 0 ? 'pass' : 'warn');
});

real("whitelist round trip (fast, by default): the item's own fix makes the real rkhunter's SSH test drop the PermitRootLogin warning; undo restores", async (t) => {
  t.timeout(180_000);
  // An sshd_config that does not set PermitRootLogin, where rkhunter's SSH test looks (SSH_CONFIG_DIR).
  const box = sandbox(t);
  const sshDir = path.join(box.dir, 'ssh');
  fs.mkdirSync(sshDir);
  fs.writeFileSync(path.join(sshDir, 'sshd_config'), 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n');
  fs.appendFileSync(box.conf, `SSH_CONFIG_DIR=${sshDir}\n`);
  const before = scan(box, path.join(box.dir, 'before.log'), 'system_configs_ssh');
  t.log(`rkhunter SSH test took ${before.ms} ms`);
  t.deepEqual(before.parsed.errors, []);
  t.deepEqual(
    before.run?.warnings.map((w) => [w.test, w.message, w.details]),
    [['system_configs_ssh', "The SSH configuration option 'PermitRootLogin' has not been set.", ["The default value may be 'yes', to allow root access."]]],
  );

  // That log on a sysroot: the item names its own fix; the fix goes through the real engine (real rkhunter -C).
  const root = copyRoot(t, 'rkh-default');
  fs.copyFileSync(path.join(box.dir, 'before.log'), path.join(root, 'var/log/rkhunter.log'));
  const host = createLocalHost({ root, network: false });
  const now = at(new Date().toISOString());
  const judged = await run(rkhWarnings, root, now);
  const item = judged.items?.find((i) => i.summary.startsWith('system_configs_ssh:'));
  t.is(item?.status, 'warn');
  t.deepEqual(item?.fix?.id, 'rkhunter.whitelist');
  const plan = await whitelistWarnings.plan(host, now, item?.fix?.args);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const written = fs.readFileSync(path.join(root, 'etc/rkhunter.conf.local'), 'utf8');
  t.regex(written, /^ALLOW_SSH_ROOT_USER=unset$/m);
  t.is((await run(rkhWarnings, root, now)).items?.find((i) => i.summary.startsWith('system_configs_ssh:'))?.status, 'pass');

  // The bytes the fix wrote, next to the sandbox's config: the real rkhunter no longer warns.
  fs.writeFileSync(path.join(path.dirname(box.conf), 'rkhunter.conf.local'), written);
  const after = scan(box, path.join(box.dir, 'after.log'), 'system_configs_ssh');
  t.deepEqual(after.parsed.errors, []);
  t.truthy(after.run?.end);
  t.deepEqual(after.run?.warnings, [], 'rkhunter no longer warns');
  t.is(after.exit, 0);
  t.true((await undo(host, {})).ok);
  t.false(fs.existsSync(path.join(root, 'etc/rkhunter.conf.local')), 'undo removed the file the fix created');
});

real('propupd of the upgrade-noise file: the argv the plan gives makes the real rkhunter update that entry of rkhunter.dat and no other', async (t) => {
  t.timeout(180_000);
  const box = sandbox(t);
  // A database recorded on Debian 12 (this machine's binaries), with the stored hashes of ls and cat wiped.
  const zeros = '0'.repeat(64);
  const dat = path.join(box.db, 'rkhunter.dat');
  const wiped = fs
    .readFileSync(path.join(RKH_FIXTURES, 'debian12-rkhunter.dat'), 'utf8')
    .replace(/^(File:0:\/usr\/bin\/(?:ls|cat):)[0-9a-f]{64}:/gm, `$1${zeros}:`);
  fs.writeFileSync(dat, wiped);
  const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const entry = (text: string, file: string) => text.split('\n').find((l) => l.startsWith(`File:0:${file}:`)) ?? '';

  // The plan for the item's own fix, from a sysroot whose last scan flagged ls as upgrade noise.
  const root = copyRoot(t, 'rkh-warnings');
  fs.copyFileSync(path.join(RKH_FIXTURES, 'debian12-properties-changed.log'), path.join(root, 'var/log/rkhunter.log'));
  const now = at('2026-11-29T12:00:00Z');
  const ls = (await run(rkhWarnings, root, now)).items?.find((i) => i.subject === '/usr/bin/ls');
  t.deepEqual(ls?.fix, { id: 'rkhunter.propupd', args: { files: '/usr/bin/ls' } });
  const plan = await updatePropertyDb.plan(createLocalHost({ root, network: false }), now, ls?.fix?.args);
  const argv = plan.commands[0]?.argv ?? [];
  t.deepEqual(argv, ['rkhunter', '--propupd', '/usr/bin/ls', '--nolog']);

  // Exactly that argv (plus the sandbox's config) with the real rkhunter.
  const r = rkhunter([...argv.slice(1), '--configfile', box.conf]);
  t.is(r.code, 0, r.out);
  // "found N of M": ls, plus any command this machine has that the copied database lacks (rkhunter adds those).
  t.regex(r.out, /File updated: searched for \d+ files, found \d+ of \d+/);
  const now_ = fs.readFileSync(dat, 'utf8');
  if (fs.existsSync('/usr/bin/ls')) t.regex(entry(now_, '/usr/bin/ls'), new RegExp(`^File:0:/usr/bin/ls:${sha('/usr/bin/ls')}:`));
  t.is(entry(now_, '/usr/bin/cat'), entry(wiped, '/usr/bin/cat'), 'cat keeps its (wiped) entry: not recorded');
  const others = (text: string) => text.split('\n').filter((l) => l.startsWith('File:') && !l.startsWith('File:0:/usr/bin/ls:'));
  const kept = new Set(others(now_));
  t.deepEqual(others(wiped).filter((l) => !kept.has(l)), [], 'every other entry is kept as it was');
});

slow("whitelist round trip: the item's own fix (rkhunter.whitelist --arg warning=hidden-file:…) makes the real rkhunter drop a hidden-file warning", async (t) => {
  t.timeout(240_000);
  // A hidden file where rkhunter's hidden-file test looks (find /dev -name ".*"), for this test only.
  const probe = `/dev/shm/.hardtop-test-${process.pid}`;
  try {
    fs.writeFileSync(probe, 'hardtop test probe\n', { flag: 'wx' });
  } catch (err) {
    t.log(`cannot plant a probe in /dev/shm: ${(err as Error).message}`);
    t.pass();
    return;
  }
  t.teardown(() => fs.rmSync(probe, { force: true }));
  const box = sandbox(t);
  const before = scan(box, path.join(box.dir, 'before.log'), 'filesystem');
  const warning = before.run?.warnings.find((w) => w.message.startsWith(`Hidden file found: ${probe}:`));
  t.truthy(warning, JSON.stringify(before.run?.warnings));

  const root = copyRoot(t, 'rkh-default');
  fs.copyFileSync(path.join(box.dir, 'before.log'), path.join(root, 'var/log/rkhunter.log'));
  const host = createLocalHost({ root, network: false });
  const now = at(new Date().toISOString());
  const judged = await run(rkhWarnings, root, now);
  const item = judged.items?.find((i) => i.subject === probe);
  t.is(item?.status, 'fail');
  t.regex(item?.summary ?? '', /whitelist it with ALLOWHIDDENFILE=\S+ in \/etc\/rkhunter.conf.local$/);
  t.deepEqual(item?.fix, { id: 'rkhunter.whitelist', args: { warning: `hidden-file:${probe}` } });

  // The fix the item names, through the real engine (real rkhunter -C on the staged copy).
  const plan = await whitelistWarnings.plan(host, now, item?.fix?.args);
  t.is(plan.guard, undefined, plan.guard?.reason);
  const outcome = await applyPlan(host, plan);
  t.true(outcome.ok, JSON.stringify(outcome));
  const written = fs.readFileSync(path.join(root, 'etc/rkhunter.conf.local'), 'utf8');
  t.true(written.includes(`\nALLOWHIDDENFILE=${probe}\n`), written);
  t.truthy(whitelistedBy(parseRkhunterConf([{ path: 'local', text: written }]), 'ALLOWHIDDENFILE', probe));

  // The bytes the fix wrote, read by the real rkhunter next to the sandbox's config (its
  // paths are this machine's, where the probe is): the re-run drops the warning.
  fs.writeFileSync(path.join(path.dirname(box.conf), 'rkhunter.conf.local'), written);
  const after = scan(box, path.join(box.dir, 'after.log'), 'filesystem');
  t.false(after.run?.warnings.some((w) => w.message.includes(probe)), 'rkhunter no longer warns');
  t.true(after.parsed.runs[0].checks.length > 0);
  t.true((await undo(host, {})).ok);
  t.false(fs.existsSync(path.join(root, 'etc/rkhunter.conf.local')), 'undo removed the file the fix created');
});

slow("whitelist round trip: SCRIPTWHITELIST for Debian's egrep wrapper", async (t) => {
  t.timeout(240_000);
  if (!fs.existsSync('/usr/bin/egrep') || !/^#!/.test(fs.readFileSync('/usr/bin/egrep', 'utf8').slice(0, 2))) {
    t.log('/usr/bin/egrep is not a script on this machine');
    t.pass();
    return;
  }
  const box = sandbox(t);
  fs.writeFileSync(box.conf, fs.readFileSync(box.conf, 'utf8').replace('SCRIPTWHITELIST=/usr/bin/egrep\n', ''));
  const before = scan(box, path.join(box.dir, 'before.log'), 'scripts');
  t.true(before.run?.warnings.some((w) => w.message.startsWith("The command '/usr/bin/egrep' has been replaced by a script")));
  fs.writeFileSync(path.join(path.dirname(box.conf), 'rkhunter.conf.local'), 'SCRIPTWHITELIST=/usr/bin/egrep\n');
  const after = scan(box, path.join(box.dir, 'after.log'), 'scripts');
  t.false(after.run?.warnings.some((w) => w.message.includes('/usr/bin/egrep')));
});
