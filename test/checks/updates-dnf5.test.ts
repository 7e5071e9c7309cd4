// dnf5 (Fedora): updates.pending.security from `dnf5 -q -C --no-plugins
// advisory list --security`, updates.pending.all from `dnf5 … check-upgrade`.
// NO dnf5 on this machine (Debian ships dnf 4 only): the parsers and the
// verdicts are tested on fixture output rendered with the real libsmartcols
// exactly as dnf5's source builds its tables (test/fixtures/dnf/README.md
// names the source files). The live dnf5 run itself is untested here.
// Also: the dnf 4 row shapes the real dnf 4 did not produce in
// updates-dnf-pending.test.ts (a name wider than its column, the running
// kernel remark), written from dnf/cli/output.py fmtColumns and cli.py.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pendingSecurity } from '../../checks/updates/pending-security';
import { pendingAll } from '../../checks/updates/pending-all';
import { DNF5_CHECK_UPGRADE_ARGS, DNF5_SECURITY_ARGS, pendingAllVerdict, securityVerdict, type CacheAge } from '../../checks/updates/dnf-pending';
import type { RunContext } from '../../src/core/types';
import { createLocalHost } from '../../src/host/local-host';
import { parseDnfUpgradeList } from '../../src/parse/dnf-check-update';
import { parseDnf5AdvisoryList } from '../../src/parse/dnf5-advisory';
import { reposWithoutCache } from '../../src/parse/dnf-updateinfo';

const FIXTURES = path.join(__dirname, '../fixtures/dnf');
const ROOTS = path.join(__dirname, '../fixtures/roots');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const ctx: RunContext = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };
const freshAge: CacheAge = { date: new Date('2026-11-28T06:00:00Z'), days: 0.25, files: ['/var/cache/libdnf5/updates-0123456789abcdef/repodata/repomd.xml', '/var/cache/libdnf5/fedora-fedcba9876543210/repodata/repomd.xml'] };
const SECURITY = `dnf5 ${DNF5_SECURITY_ARGS.join(' ')}`;
const CHECK_UPGRADE = `dnf5 ${DNF5_CHECK_UPGRADE_ARGS.join(' ')}`;

test('dnf5 advisory list: header, id, type, severity (empty cell → null), NEVRA and its name, issued; sorted as dnf5 prints', (t) => {
  const parsed = parseDnf5AdvisoryList(fixture('dnf5-advisory-list-security.txt'));
  t.true(parsed.header);
  t.deepEqual(parsed.other, []);
  t.deepEqual(
    parsed.advisories.map((a) => [a.id, a.type, a.severity, a.nevra, a.name, a.issued, a.line]),
    [
      ['FEDORA-2024-1a2b3c4d5e', 'security', 'Moderate', 'curl-8.6.0-10.fc40.x86_64', 'curl', '2024-09-02 17:03:11', 2],
      ['FEDORA-2024-1a2b3c4d5e', 'security', 'Moderate', 'libcurl-8.6.0-10.fc40.x86_64', 'libcurl', '2024-09-02 17:03:11', 3],
      ['FEDORA-2024-5f2c9d0b7e', 'security', 'Important', 'openssl-libs-1:3.2.2-3.fc40.x86_64', 'openssl-libs', '2024-08-14 01:23:45', 4],
      ['FEDORA-2024-77aa88bb99', 'security', 'Critical', 'kernel-core-6.10.6-200.fc40.x86_64', 'kernel-core', '2024-08-23 09:15:00', 5],
      ['FEDORA-EPEL-2024-0c9e8f7a6b', 'security', null, 'python3-jinja2-3.1.4-1.el9.noarch', 'python3-jinja2', '2024-06-01 00:00:00', 6],
    ],
  );
  // An empty table: libsmartcols prints nothing at all.
  t.is(fixture('dnf5-advisory-list-empty.txt'), '');
  t.deepEqual(parseDnf5AdvisoryList(''), { advisories: [], header: false, other: [] });
});

test('dnf5 advisory list: "unrepresentable" dates, and anything that is not a row is kept as other with its line; junk never throws', (t) => {
  const p = parseDnf5AdvisoryList('Name Type Severity Package Issued\nFEDORA-1 security Low foo-1.0-1.fc40.noarch unrepresentable\nError: something went wrong\nFEDORA-2 security Low foo-1.0-1.fc40.noarch\nFEDORA-3 security Low x y foo-1.0-1.fc40.noarch 2024-01-01 00:00:00\n');
  t.deepEqual(p.advisories.map((a) => [a.id, a.issued]), [['FEDORA-1', null]]);
  t.deepEqual(p.other.map((o) => o.line), [3, 4, 5]);
  for (const junk of ['\u0000', 'a b c d e f g', '\u001b[32mfoo\u001b[0m', ' '.repeat(1000), 'Name Type Severity Package Issued\n'.repeat(3)]) t.notThrows(() => parseDnf5AdvisoryList(junk));
});

test('dnf5 check-upgrade: upgrades in order, the "Obsoleting packages" section pairs the obsoleter with the indented obsoleted package', (t) => {
  const p = parseDnfUpgradeList(fixture('dnf5-check-upgrade.txt'));
  t.deepEqual(p.other, []);
  t.deepEqual(
    p.upgrades.map((u) => [u.name, u.arch, u.evr, u.repo, u.line]),
    [
      ['curl', 'x86_64', '8.6.0-10.fc40', 'updates', 1],
      ['dnf5-plugin-new', 'x86_64', '5.2.5.0-1.fc40', 'updates', 2],
      ['kernel-core', 'x86_64', '6.10.6-200.fc40', 'updates', 3],
      ['libcurl', 'x86_64', '8.6.0-10.fc40', 'updates', 4],
      ['openssl-libs', 'x86_64', '1:3.2.2-3.fc40', 'updates', 5],
      ['python3-a-very-long-package-name-for-column-widths', 'noarch', '2.0.1-1.fc40', 'updates-testing', 6],
      ['python3-jinja2', 'noarch', '3.1.4-1.fc40', 'updates', 7],
    ],
  );
  t.deepEqual(
    p.obsoleting.map((o) => [o.by.name, o.by.line, o.obsoletes.map((x) => [x.name, x.arch, x.evr, x.repo, x.line])]),
    [['dnf5-plugin-new', 10, [['dnf-plugins-old', 'noarch', '4.9.0-1.fc40', 'fedora', 11]]]],
  );
  t.is(parseDnfUpgradeList(fixture('dnf5-check-upgrade-plain.txt')).upgrades.length, 2);
});

test('dnf 4 shapes: a name wider than its column wraps onto the next line; "Security:" remarks are notes; junk is other, never thrown', (t) => {
  // output.py fmtColumns: an overflowing column ends the line and the next one is indented past it.
  const text = [
    '',
    'python3-a-package-with-a-name-far-too-long-for-the-column.noarch',
    '                                          2.0-1.el9              appstream',
    'kernel-core.x86_64                        5.14.0-427.13.1.el9_4  baseos   ',
    'Obsoleting Packages',
    'grub2-tools-efi.x86_64                    1:2.06-77.el9          baseos',
    '    grub2-tools.x86_64                    1:2.06-70.el9          @baseos',
    'Security: kernel-core-5.14.0-427.13.1.el9_4.x86_64 is an installed security update',
    'Security: kernel-core-5.14.0-362.8.1.el9_3.x86_64 is the currently running version',
  ].join('\n');
  const p = parseDnfUpgradeList(text);
  t.deepEqual(p.upgrades.map((u) => [u.name, u.evr, u.repo, u.line]), [
    ['python3-a-package-with-a-name-far-too-long-for-the-column', '2.0-1.el9', 'appstream', 2],
    ['kernel-core', '5.14.0-427.13.1.el9_4', 'baseos', 4],
  ]);
  t.deepEqual(p.obsoleting.map((o) => [o.by.name, o.obsoletes.map((x) => `${x.name} ${x.evr} ${x.repo}`)]), [['grub2-tools-efi', ['grub2-tools 1:2.06-70.el9 @baseos']]]);
  t.deepEqual(p.notes.map((n) => n.line), [8, 9]);
  t.deepEqual(p.other, []);
  t.deepEqual(parseDnfUpgradeList('Error: Failed to download metadata for repo\nfoo.x86_64 notaversion repo\n').other.map((o) => o.line), [1, 2]);
  for (const junk of ['\u0000', 'x\n  y z', '    orphan.noarch 1-1 @System', 'a.b c-d e f']) t.notThrows(() => parseDnfUpgradeList(junk));
});

test('dnf5 stderr naming a repository without cache is understood (both dnf quoting styles)', (t) => {
  t.deepEqual(reposWithoutCache('Cache-only enabled but no cache for repository "fedora"\nCache-only enabled but no cache for repository "updates"\n'), ['fedora', 'updates']);
  t.deepEqual(reposWithoutCache("Error: Cache-only enabled but no cache for 'baseos'\n"), ['baseos']);
});

test('dnf5 verdict, updates.pending.security: the fixture answer fails with packages, advisories, severities and the cache age; an empty answer passes; a stale cache warns', (t) => {
  const f = securityVerdict(pendingSecurity, 'dnf5', { exitCode: 0, stdout: fixture('dnf5-advisory-list-security.txt'), stderr: '', command: SECURITY }, freshAge);
  t.is(f.status, 'fail');
  t.is(
    f.summary,
    '5 packages with pending security updates (4 advisories): curl (FEDORA-2024-1a2b3c4d5e), kernel-core (FEDORA-2024-77aa88bb99), libcurl (FEDORA-2024-1a2b3c4d5e), openssl-libs (FEDORA-2024-5f2c9d0b7e), python3-jinja2 (FEDORA-EPEL-2024-0c9e8f7a6b); dnf metadata of 2026-11-28, less than a day old',
  );
  t.deepEqual(f.items?.find((i) => i.subject === 'python3-jinja2')?.summary, 'FEDORA-EPEL-2024-0c9e8f7a6b: python3-jinja2-3.1.4-1.el9.noarch');
  t.true(f.evidence.some((e) => e.command === 'dnf5 -q -C --no-plugins advisory list --security' && e.line === 4 && e.text === 'FEDORA-2024-5f2c9d0b7e Important/security openssl-libs-1:3.2.2-3.fc40.x86_64'));
  t.deepEqual(f.evidence[0], { file: '/var/cache/libdnf5/updates-0123456789abcdef/repodata/repomd.xml', text: 'dnf metadata of 2026-11-28, less than a day old (2 repositories)' });

  const clean = securityVerdict(pendingSecurity, 'dnf5', { exitCode: 0, stdout: fixture('dnf5-advisory-list-empty.txt'), stderr: '', command: SECURITY }, freshAge);
  t.is(clean.status, 'pass');
  t.is(clean.summary, 'no security advisory pending (dnf5 -q -C --no-plugins advisory list --security; dnf metadata of 2026-11-28, less than a day old)');
  const stale = securityVerdict(pendingSecurity, 'dnf5', { exitCode: 0, stdout: '', stderr: '', command: SECURITY }, { ...freshAge, date: new Date('2026-10-01T00:00:00Z'), days: 58.5 });
  t.is(stale.status, 'warn');
  t.regex(stale.summary, /stale \(dnf metadata of 2026-10-01, 58 days old\): run dnf5 makecache$/);
  const odd = securityVerdict(pendingSecurity, 'dnf5', { exitCode: 0, stdout: 'Updating and loading repositories:\n', stderr: '', command: SECURITY }, freshAge);
  t.is(odd.status, 'error');
  t.is(odd.summary, 'unexpected output of dnf5 -q -C --no-plugins advisory list --security at line 1: Updating and loading repositories:');
});

test('dnf5 verdict, updates.pending.all: every upgrade an item (the obsoleter once, with what it obsoletes); exit 0 with nothing is "0 pending"; an exit code that contradicts the list is an error', (t) => {
  const f = pendingAllVerdict(pendingAll, 'dnf5', { exitCode: 100, stdout: fixture('dnf5-check-upgrade.txt'), stderr: '', command: CHECK_UPGRADE }, freshAge);
  t.is(f.status, 'info');
  t.regex(f.summary, /^7 updates pending \(1 obsoleting installed packages\): curl 8\.6\.0-10\.fc40, dnf5-plugin-new 5\.2\.5\.0-1\.fc40, kernel-core 6\.10\.6-200\.fc40, /);
  t.regex(f.summary, /; dnf metadata of 2026-11-28, less than a day old$/);
  t.is(f.items?.length, 7);
  t.is(f.items?.find((i) => i.subject === 'dnf5-plugin-new')?.summary, 'dnf5-plugin-new.x86_64 5.2.5.0-1.fc40 (updates); obsoletes dnf-plugins-old.noarch 4.9.0-1.fc40');
  t.true(f.evidence.some((e) => e.command === 'dnf5 -q -C --no-plugins check-upgrade' && e.line === 5 && e.text === 'openssl-libs.x86_64 1:3.2.2-3.fc40 updates'));

  const none = pendingAllVerdict(pendingAll, 'dnf5', { exitCode: 0, stdout: '', stderr: '', command: CHECK_UPGRADE }, freshAge);
  t.is(none.summary, '0 updates pending (dnf5 -q -C --no-plugins check-upgrade; dnf metadata of 2026-11-28, less than a day old)');
  const contradiction = pendingAllVerdict(pendingAll, 'dnf5', { exitCode: 0, stdout: fixture('dnf5-check-upgrade-plain.txt'), stderr: '', command: CHECK_UPGRADE }, freshAge);
  t.is(contradiction.status, 'error');
  t.regex(contradiction.summary, /exited 0 but listed 2 packages: output not understood$/);
  // Multilib: the same name twice → the items carry the arch.
  const multilib = pendingAllVerdict(pendingAll, 'dnf5', { exitCode: 100, stdout: 'glibc.i686   2.39-22.fc40 updates\nglibc.x86_64 2.39-22.fc40 updates\n\n', stderr: '', command: CHECK_UPGRADE }, freshAge);
  t.deepEqual(multilib.items?.map((i) => i.subject), ['glibc.i686', 'glibc.x86_64']);
});

test('dnf5 system under --root: both checks skip and say why (dnf5 runs on the live system only)', async (t) => {
  const host = createLocalHost({ root: path.join(ROOTS, 'fedora-dnf5'), network: false });
  const sec = await pendingSecurity.run(host, ctx);
  t.is(sec.status, 'skip');
  t.is(sec.summary, 'dnf5 system under --root: `dnf5 advisory list --security` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only');
  const all = await pendingAll.run(host, ctx);
  t.is(all.status, 'skip');
  t.is(all.summary, 'dnf5 system under --root: `dnf5 check-upgrade` would write into the tree (its cache and rpmdb), so hardtop runs it on the live system only');
});
