// rpm systems: "file properties changed" warnings triaged with `rpm -V -f`
// beside dpkg --verify. The parser and the verdicts are pure and tested on
// rpm's output (fixtures: rpm is not installed here); the check on a RHEL 9
// sysroot (rkh-rhel) says why it does not cross-check: rpm -V runs on the
// live system only, and a live system without the rpm program is said so.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rpmPropertiesVerdict, UPGRADE_NOISE, POSSIBLE_TAMPERING } from '../../checks/rkhunter/judge';
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
