// updates.pending.security and updates.pending.all on a dnf 4 system, with the real dnf (Debian's
// dnf 4.14), never a mock and never the network: the test builds two
// releases of two tiny noarch packages with rpmbuild, a file:// repository
// of the newer ones with createrepo_c, adds an updateinfo.xml (one security
// advisory, one bugfix advisory) with modifyrepo_c, installs the older ones
// into a private tree with `rpm --root`, and lets dnf cache the metadata
// (`dnf makecache --installroot`). The check then runs against that tree
// through a Host that claims to be the live system (root "/"): its
// `dnf -C --noplugins --installroot=<host.realPath('/')> updateinfo list
// --security` (and `check-update`) reaches the tree. A third pair, hardtop-new
// Obsoletes: hardtop-old, makes dnf print its "Obsoleting Packages" section.
// Debian packages: dnf, createrepo-c, rpm.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pendingSecurity } from '../../checks/updates/pending-security';
import { pendingAll } from '../../checks/updates/pending-all';
import type { RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { nevraName, parseDnfUpdateinfoList, reposWithoutCache } from '../../src/parse/dnf-updateinfo';
import { liveView } from './updates-reboot-helpers';

function have(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const tools = ['dnf', 'rpmbuild', 'rpm', 'createrepo_c', 'modifyrepo_c'];
const withDnf = tools.every(have) ? test.serial : test.skip;
const now = (): RunContext => ({ now: new Date(), network: false, signal: new AbortController().signal });

test('updateinfo lines: id, severity/type, the fixing NEVRA and its name; anything else is kept as "other" with its line', (t) => {
  const parsed = parseDnfUpdateinfoList(
    'HTDEMO-2026:0001 Important/Sec. hardtop-demo-1.0-2.noarch\nFEDORA-2024-1a2b3c4d5e Sec. openssl-1:3.0.9-2.fc38.x86_64\r\nRHSA-2024:1234 Moderate/Sec.  python3-libs-3.9.18-3.el9_4.1.x86_64\n\nLast metadata expiration check: 0:00:02 ago on Sat Nov 28 23:07:51 2026.\n',
  );
  t.deepEqual(
    parsed.advisories.map((a) => [a.id, a.severity, a.type, a.nevra, a.name, a.line]),
    [
      ['HTDEMO-2026:0001', 'Important', 'Sec.', 'hardtop-demo-1.0-2.noarch', 'hardtop-demo', 1],
      ['FEDORA-2024-1a2b3c4d5e', null, 'Sec.', 'openssl-1:3.0.9-2.fc38.x86_64', 'openssl', 2],
      ['RHSA-2024:1234', 'Moderate', 'Sec.', 'python3-libs-3.9.18-3.el9_4.1.x86_64', 'python3-libs', 3],
    ],
  );
  t.deepEqual(parsed.notes, [{ line: 5, text: 'Last metadata expiration check: 0:00:02 ago on Sat Nov 28 23:07:51 2026.' }]);
  t.deepEqual(parseDnfUpdateinfoList('HTDEMO-2026:0001 Important/Sec. hardtop-demo-1.0-2.noarch\nWaiting for process with pid 42 to finish.\n').other, [{ line: 2, text: 'Waiting for process with pid 42 to finish.' }]);
  t.is(nevraName('kernel-core-5.14.0-427.13.1.el9_4.x86_64'), 'kernel-core');
  t.deepEqual(reposWithoutCache("Error: Cache-only enabled but no cache for 'baseos'\nError: Cache-only enabled but no cache for 'appstream'\nIgnoring repositories: baseos, appstream\n"), ['baseos', 'appstream']);
  for (const junk of ['', '\u0000\u0001', 'a b c d e f', '\u001b[2J']) t.notThrows(() => parseDnfUpdateinfoList(junk));
});

/** rpmbuild a noarch package with no files: name-1.0-release. */
function buildRpm(dir: string, name: string, release: number, extra = ''): string {
  const top = path.join(dir, 'rpmbuild');
  fs.mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const spec = path.join(top, 'SPECS', `${name}.spec`);
  fs.writeFileSync(spec, `Name: ${name}\nVersion: 1.0\nRelease: ${release}\nSummary: hardtop test package\nLicense: MIT\nBuildArch: noarch\n${extra}%description\nhardtop test package\n%files\n`);
  execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '-bb', spec], { stdio: 'ignore' });
  return path.join(top, 'RPMS', 'noarch', `${name}-1.0-${release}.noarch.rpm`);
}

function advisory(id: string, type: string, severity: string, name: string): string {
  return `  <update from="security@example.org" status="final" type="${type}" version="2.0">
    <id>${id}</id><title>${name} update</title><severity>${severity}</severity>
    <issued date="2026-11-20 00:00:00"/><updated date="2026-11-20 00:00:00"/>
    <description>test advisory</description><references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="${name}" version="1.0" release="2" epoch="0" arch="noarch"><filename>${name}-1.0-2.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>\n`;
}

/** A dnf4 tree: the old packages installed, a cached local repository with the new ones and their advisories. */
function dnfTree(t: { teardown(fn: () => void): void }): { dir: string; root: string; newer: Record<string, string>; obsoleter: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-dnf-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const repo = path.join(dir, 'repo');
  const root = path.join(dir, 'root');
  fs.mkdirSync(repo);
  const newer: Record<string, string> = {};
  const older: string[] = [];
  for (const name of ['hardtop-demo', 'hardtop-other']) {
    older.push(buildRpm(dir, name, 1));
    newer[name] = buildRpm(dir, name, 2);
    fs.copyFileSync(newer[name], path.join(repo, path.basename(newer[name])));
  }
  older.push(buildRpm(dir, 'hardtop-old', 1));
  const obsoleter = buildRpm(dir, 'hardtop-new', 1, 'Obsoletes: hardtop-old < 2\n');
  fs.copyFileSync(obsoleter, path.join(repo, path.basename(obsoleter)));
  execFileSync('createrepo_c', ['-q', repo]);
  const info = path.join(dir, 'updateinfo.xml');
  fs.writeFileSync(info, `<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n${advisory('HTDEMO-2026:0001', 'security', 'Important', 'hardtop-demo')}${advisory('HTDEMO-2026:0002', 'bugfix', 'None', 'hardtop-other')}</updates>\n`);
  execFileSync('modifyrepo_c', ['--mdtype=updateinfo', info, path.join(repo, 'repodata')], { stdio: 'ignore' });

  fs.mkdirSync(path.join(root, 'etc/yum.repos.d'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/dnf'), { recursive: true });
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/os-release'), 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n');
  fs.writeFileSync(path.join(root, 'etc/dnf/dnf.conf'), '[main]\ngpgcheck=0\n');
  fs.writeFileSync(path.join(root, 'etc/yum.repos.d/local.repo'), `[local]\nname=local test repository\nbaseurl=file://${repo}\nenabled=1\ngpgcheck=0\n`);
  // What tells hardtop this tree is a dnf4 system (detectDnf reads the tree's files).
  fs.writeFileSync(path.join(root, 'usr/bin/dnf-3'), '#!/usr/bin/python3\n');
  execFileSync('rpm', ['--root', root, '--initdb'], { stdio: 'ignore' });
  execFileSync('rpm', ['--root', root, '-i', '--nodeps', ...older], { stdio: 'ignore' });
  // Offline: file:// only; the cache is what the check reads (-C).
  execFileSync('dnf', ['-q', '--noplugins', `--installroot=${root}`, '--releasever=9', 'makecache'], { stdio: 'ignore' });
  return { dir, root, newer, obsoleter };
}

withDnf('real dnf: the security advisory of an installed package is pending (the bugfix one is not); items by package; the cache age is said', async (t) => {
  t.timeout(120_000);
  const { root, newer } = dnfTree(t);
  const host = liveView(createLocalHost({ root, network: false }));
  const f = await pendingSecurity.run(host, now());
  t.is(f.status, 'fail', f.summary);
  t.regex(f.summary, /^1 package with pending security updates \(1 advisory\): hardtop-demo \(HTDEMO-2026:0001\); dnf metadata of \d{4}-\d\d-\d\d, less than a day old$/);
  t.deepEqual(f.items?.map((i) => [i.subject, i.summary]), [['hardtop-demo', 'HTDEMO-2026:0001 Important: hardtop-demo-1.0-2.noarch']]);
  t.true(f.evidence.some((e) => e.command?.startsWith('dnf -C --noplugins --installroot=') && e.text === 'HTDEMO-2026:0001 Important/Sec. hardtop-demo-1.0-2.noarch'));
  t.true(f.evidence.some((e) => e.file?.startsWith('/var/cache/dnf/local-') && e.file.endsWith('/repodata/repomd.xml')), 'a host path, not the tree\'s real path');
  t.false(JSON.stringify(f.evidence).includes(path.join(root, 'var')), 'no real tree path in file evidence');

  // Installed the fixed version: nothing pending.
  execFileSync('rpm', ['--root', root, '-U', '--nodeps', newer['hardtop-demo']], { stdio: 'ignore' });
  const fixed = await pendingSecurity.run(host, now());
  t.is(fixed.status, 'pass', fixed.summary);
  t.regex(fixed.summary, /^no security advisory pending \(dnf -C --noplugins --installroot=\S+ updateinfo list --security; dnf metadata of /);

  // An old cache: the clean answer is only a warning.
  const old = new Date('2026-10-01T00:00:00Z');
  for (const f of await createLocalHost({ root, network: false }).glob('/var/cache/dnf/*/repodata/repomd.xml')) fs.utimesSync(path.join(root, f), old, old);
  const stale = await pendingSecurity.run(host, { ...now(), now: new Date('2026-11-28T12:00:00Z') });
  t.is(stale.status, 'warn');
  t.regex(stale.summary, /but it is stale \(dnf metadata of 2026-10-01, 58 days old\): run dnf makecache$/);
});

withDnf('real dnf: no metadata cache → "cannot tell", never a pass; under --root it is not run (dnf would write into the tree)', async (t) => {
  t.timeout(120_000);
  const { root } = dnfTree(t);
  const rooted = await pendingSecurity.run(createLocalHost({ root, network: false }), now());
  t.is(rooted.status, 'skip');
  t.regex(rooted.summary, /^dnf4 system under --root: `dnf updateinfo list --security` would write into the tree/);
  fs.rmSync(path.join(root, 'var/cache/dnf'), { recursive: true, force: true });
  const f = await pendingSecurity.run(liveView(createLocalHost({ root, network: false })), now());
  t.is(f.status, 'warn');
  t.is(f.summary, 'cannot tell: no dnf metadata cache (no /var/cache/dnf/*/repodata/repomd.xml); run dnf makecache');
});

withDnf('real dnf: updates.pending.all lists every pending upgrade (and the obsoleter) with `dnf check-update` from the cache, says its age; 0 once installed', async (t) => {
  t.timeout(120_000);
  const { root, newer, obsoleter } = dnfTree(t);
  const host = liveView(createLocalHost({ root, network: false }));
  const f = await pendingAll.run(host, now());
  t.is(f.status, 'info', f.summary);
  t.regex(f.summary, /^3 updates pending \(1 obsoleting installed packages\): hardtop-demo 1\.0-2, hardtop-other 1\.0-2, hardtop-new 1\.0-1; dnf metadata of \d{4}-\d\d-\d\d, less than a day old$/);
  t.deepEqual(
    f.items?.map((i) => [i.subject, i.status, i.summary]),
    [
      ['hardtop-demo', 'info', 'hardtop-demo.noarch 1.0-2 (local)'],
      ['hardtop-other', 'info', 'hardtop-other.noarch 1.0-2 (local)'],
      ['hardtop-new', 'info', 'hardtop-new.noarch 1.0-1 (local); obsoletes hardtop-old.noarch 1.0-1'],
    ],
  );
  t.true(f.evidence.some((e) => e.command?.startsWith('dnf -C --noplugins --installroot=') && e.command.endsWith(' check-update') && e.text === 'hardtop-demo.noarch 1.0-2 local'));
  t.true(f.evidence.some((e) => e.file?.startsWith('/var/cache/dnf/local-') && e.file.endsWith('/repodata/repomd.xml')));
  t.false(JSON.stringify(f.evidence.filter((e) => e.file)).includes(root), 'file evidence names host paths');

  // Everything installed (the obsoleter replacing what it obsoletes): dnf exits 0 and lists nothing.
  execFileSync('rpm', ['--root', root, '-U', '--nodeps', ...Object.values(newer), obsoleter], { stdio: 'ignore' });
  const none = await pendingAll.run(host, now());
  t.is(none.status, 'info');
  t.regex(none.summary, /^0 updates pending \(dnf -C --noplugins --installroot=\S+ check-update; dnf metadata of \d{4}-\d\d-\d\d, less than a day old\)$/);
  t.is(none.items, undefined);

  // An old cache is said to be stale.
  const old = new Date('2026-10-01T00:00:00Z');
  for (const file of await createLocalHost({ root, network: false }).glob('/var/cache/dnf/*/repodata/repomd.xml')) fs.utimesSync(path.join(root, file), old, old);
  const stale = await pendingAll.run(host, { ...now(), now: new Date('2026-11-28T12:00:00Z') });
  t.regex(stale.summary, /; dnf metadata of 2026-10-01, 58 days old \(stale: run dnf makecache\)\)$/);
});

withDnf('real dnf: updates.pending.all is not run under --root (skip, why) and without a metadata cache is "unknown", never a count', async (t) => {
  t.timeout(120_000);
  const { root } = dnfTree(t);
  const rooted = await pendingAll.run(createLocalHost({ root, network: false }), now());
  t.is(rooted.status, 'skip');
  t.is(rooted.summary, 'dnf4 system under --root: `dnf check-update` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only');
  fs.rmSync(path.join(root, 'var/cache/dnf'), { recursive: true, force: true });
  const f = await pendingAll.run(liveView(createLocalHost({ root, network: false })), now());
  t.is(f.status, 'info');
  t.is(f.summary, 'unknown: no dnf metadata cache (no /var/cache/dnf/*/repodata/repomd.xml); run dnf makecache');
});

withDnf('real dnf: a repository without cache: dnf stops → "cannot tell"/"unknown" naming it; with skip_if_unavailable=1 dnf answers for the others → "not known for …"', async (t) => {
  t.timeout(120_000);
  const { root, dir } = dnfTree(t);
  // A second repository, never cached.
  const empty = path.join(dir, 'empty-repo');
  fs.mkdirSync(empty);
  execFileSync('createrepo_c', ['-q', empty]);
  const extra = path.join(root, 'etc/yum.repos.d/extra.repo');
  fs.writeFileSync(extra, `[extra]\nname=never cached\nbaseurl=file://${empty}\nenabled=1\ngpgcheck=0\n`);
  const host = liveView(createLocalHost({ root, network: false }));
  // dnf's default skip_if_unavailable=False: exit 1, "Error: Cache-only enabled but no cache for 'extra'".
  const all = await pendingAll.run(host, now());
  t.is(all.status, 'info', all.summary);
  t.regex(all.summary, /^unknown: no metadata cache for extra \(run dnf makecache\); dnf metadata of /);
  const sec = await pendingSecurity.run(host, now());
  t.is(sec.status, 'warn', sec.summary);
  t.regex(sec.summary, /^cannot tell: no metadata cache for extra \(run dnf makecache\); dnf metadata of /);

  // skip_if_unavailable=1: dnf ignores the repository (silently under -q, which is why -q is not used).
  fs.appendFileSync(extra, 'skip_if_unavailable=1\n');
  const partial = await pendingAll.run(host, now());
  t.is(partial.status, 'info', partial.summary);
  t.regex(partial.summary, /^3 updates pending .*; not known for extra \(no metadata cache: run dnf makecache\)$/);
  const partialSec = await pendingSecurity.run(host, now());
  t.is(partialSec.status, 'fail', partialSec.summary);
  t.regex(partialSec.summary, /; not known for extra \(no metadata cache: run dnf makecache\)$/);
});
