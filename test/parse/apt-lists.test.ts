// The apt list parsers: Release/InRelease, Packages indexes and
// apt_preferences, on real files copied from a Debian 12 machine's
// /var/lib/apt/lists and on ugly hand-made ones.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPackagesIndex } from '../../src/parse/apt-packages';
import { expressionMatches, isPreferencesPartName, parseAptPreferences, parseReleasePin } from '../../src/parse/apt-preferences';
import { parseRelease } from '../../src/parse/apt-release';

const DIR = path.resolve(__dirname, '../fixtures/apt-lists');
const read = (name: string) => fs.readFileSync(path.join(DIR, name), 'utf8');

// ---------------------------------------------------------------------------
// Release / InRelease

test('release: the real clear-signed bookworm-security InRelease', (t) => {
  const r = parseRelease(read('deb.debian.org_debian-security_dists_bookworm-security_InRelease'));
  if (!r.ok) return t.fail(r.error.message);
  t.like(r.release, {
    origin: 'Debian',
    label: 'Debian-Security',
    suite: 'oldstable-security',
    codename: 'bookworm-security',
    version: '12',
    date: 'Thu, 26 Nov 2026 21:03:35 UTC',
    notAutomatic: false,
    butAutomaticUpgrades: false,
  });
  t.is(r.release.dateMs, Date.UTC(2026, 10, 26, 21, 3, 35));
});

test('release: a plain Release (no signature), backports flags, CRLF, +0000 dates, first value wins', (t) => {
  const r = parseRelease('Origin: Debian Backports\r\nLabel: Debian Backports\r\nSuite: oldstable-backports\r\nCodename: bookworm-backports\r\nDate: Fri, 27 Nov 2026 08:12:03 +0000\r\nNotAutomatic: yes\r\nButAutomaticUpgrades: yes\r\nLabel: second\r\nSHA256:\r\n abc 12 main/binary-amd64/Packages\r\n');
  if (!r.ok) return t.fail(r.error.message);
  t.like(r.release, { label: 'Debian Backports', codename: 'bookworm-backports', notAutomatic: true, butAutomaticUpgrades: true });
  t.is(r.release.dateMs, Date.UTC(2026, 10, 27, 8, 12, 3));
});

test('release: dash-escaped lines are unescaped; an unparsable date has no dateMs; the hash list is skipped', (t) => {
  const text = ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA512', '', '- Origin: Escaped', 'Date: someday', 'MD5Sum:', ' 0123 4 main/Contents-all', '-----BEGIN PGP SIGNATURE-----', '', 'xyz', '-----END PGP SIGNATURE-----', ''].join('\n');
  const r = parseRelease(text);
  if (!r.ok) return t.fail(r.error.message);
  t.is(r.release.origin, 'Escaped');
  t.is(r.release.date, 'someday');
  t.is(r.release.dateMs, undefined);
});

test('release: broken files are errors with the line, never a throw', (t) => {
  const cases: [string, number, RegExp][] = [
    ['-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\n', 4, /no "-----BEGIN PGP SIGNATURE-----"/],
    ['-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\nOrigin: Debian', 3, /no empty line after its armour header/],
    ['Origin: Debian\nthis is not a field\n', 2, /not a "Field: value" line/],
    [' leading continuation\n', 1, /continuation line before any field/],
    ['', 1, /no Release fields/],
    ['\n\n\n', 1, /no Release fields/],
  ];
  for (const [text, line, message] of cases) {
    const r = parseRelease(text);
    t.false(r.ok, JSON.stringify(text));
    if (!r.ok) {
      t.is(r.error.line, line, JSON.stringify(text));
      t.regex(r.error.message, message);
    }
  }
});

// ---------------------------------------------------------------------------
// Packages

test('packages: real stanzas from the security archive, only the wanted ones, with their lines', (t) => {
  const text = read('bookworm-security-excerpt_Packages');
  const all = scanPackagesIndex(text);
  t.deepEqual(all.errors, []);
  t.is(all.stanzas, 8);
  const wanted = scanPackagesIndex(text, (n) => n === 'openssl' || n === 'tzdata' || n === 'bind9-libs');
  t.deepEqual(wanted.versions, [
    { name: 'bind9-libs', version: '1:9.18.49-1~deb12u3', architecture: 'amd64', line: 1 },
    { name: 'openssl', version: '3.0.22-1~deb12u2', architecture: 'amd64', line: 122 },
    { name: 'tzdata', version: '2026f-0+deb12u1', architecture: 'all', line: 139 },
  ]);
  t.is(wanted.stanzas, 8);
});

test('packages: extra blank lines, CRLF, field names in any case, no trailing newline', (t) => {
  const text = '\n\nPackage: a\r\nversion: 1.0\r\nARCHITECTURE: all\r\n\r\n\r\nPackage: b\r\nVersion: 2:3-4\r\nArchitecture: amd64';
  const r = scanPackagesIndex(text);
  t.deepEqual(r.errors, []);
  t.deepEqual(r.versions, [
    { name: 'a', version: '1.0', architecture: 'all', line: 3 },
    { name: 'b', version: '2:3-4', architecture: 'amd64', line: 8 },
  ]);
});

test('packages: a stanza without Package, or a wanted one without Version/Architecture, is an error with its line', (t) => {
  const text = 'Package: ok\nVersion: 1\nArchitecture: all\n\nVersion: 2\nArchitecture: all\n\nPackage: nover\nArchitecture: all\n\nPackage: noarch\nVersion: 1\n\nPackage: unwanted\n';
  const r = scanPackagesIndex(text, (n) => n !== 'unwanted');
  t.deepEqual(r.errors, [
    { line: 5, message: 'stanza has no Package field' },
    { line: 8, message: 'package nover: no Version field' },
    { line: 11, message: 'package noarch: no Architecture field' },
  ]);
  t.deepEqual(
    r.versions.map((v) => v.name),
    ['ok'],
  );
});

test('packages: a 60 000-stanza index scans in linear time', (t) => {
  const stanza = (i: number) => `Package: pkg${i}\nVersion: 1.${i}-1\nInstalled-Size: 10\nMaintainer: X <x@example.org>\nArchitecture: amd64\nDescription: package ${i}\nSHA256: ${'ab'.repeat(32)}\n`;
  const text = Array.from({ length: 60_000 }, (_, i) => stanza(i)).join('\n');
  const started = Date.now();
  const r = scanPackagesIndex(text, (n) => n === 'pkg59999');
  const ms = Date.now() - started;
  t.is(r.stanzas, 60_000);
  t.deepEqual(r.versions, [{ name: 'pkg59999', version: '1.59999-1', architecture: 'amd64', line: 59_999 * 8 + 1 }]);
  t.true(ms < 3000, `${ms} ms`);
});

// ---------------------------------------------------------------------------
// apt_preferences

test('preferences: general and specific pins, release/origin/version, comments and Explanation', (t) => {
  const text = [
    '# pin the kernel',
    'Explanation: the driver breaks on newer kernels',
    'Package: linux-image-amd64 linux-headers-amd64',
    'Pin: version 6.1.115*',
    'Pin-Priority: 1001',
    '',
    'Package: *',
    'Pin: release a=oldstable-backports, n=bookworm-backports',
    'Pin-Priority: 90',
    '',
    'Package: /^nginx/',
    'Pin: origin "nginx.org"',
    'Pin-Priority: 900',
    '',
    'Package: *',
    'Pin: release bookworm',
    'Pin-Priority: -1',
    '',
  ].join('\n');
  const r = parseAptPreferences(text, '/etc/apt/preferences.d/x');
  t.deepEqual(r.errors, []);
  t.deepEqual(
    r.pins.map((p) => [p.packages, p.target, p.priority, p.line]),
    [
      [['linux-image-amd64', 'linux-headers-amd64'], { kind: 'version', pattern: '6.1.115*' }, 1001, 2],
      [[], { kind: 'release', conditions: [{ key: 'a', value: 'oldstable-backports' }, { key: 'n', value: 'bookworm-backports' }] }, 90, 7],
      [['/^nginx/'], { kind: 'origin', host: 'nginx.org' }, 900, 11],
      [[], { kind: 'release', conditions: [{ key: 'an', value: 'bookworm' }] }, -1, 15],
    ],
  );
});

test('preferences: what apt refuses is an error with file:line', (t) => {
  const text = 'Pin: release a=stable\nPin-Priority: 500\n\nPackage: foo\nPin: release a=stable\n\nPackage: foo\nPin: release a=stable\nPin-Priority: 0\n\nPackage: foo\nPin: bogus x\nPin-Priority: 10\n\nPackage: foo\nPin: release zz=1\nPin-Priority: 10\n\nnot a field\n';
  const r = parseAptPreferences(text, '/etc/apt/preferences');
  t.deepEqual(r.pins, []);
  t.deepEqual(
    r.errors.map((e) => [e.line, e.message]),
    [
      [1, 'Invalid record in the preferences file /etc/apt/preferences, no Package header'],
      [4, 'No priority (or zero) specified for pin'],
      [7, 'No priority (or zero) specified for pin'],
      [11, 'Did not understand pin type bogus'],
      [15, 'Did not understand pin type release'],
      [19, 'not a "Field: value" line'],
    ],
  );
});

test('preferences: release pin forms, globs and regular expressions as apt matches them', (t) => {
  t.deepEqual(parseReleasePin('12.5'), [{ key: 'v', value: '12.5' }]);
  t.deepEqual(parseReleasePin('o=Debian,l=Debian-Security'), [
    { key: 'o', value: 'Debian' },
    { key: 'l', value: 'Debian-Security' },
  ]);
  t.deepEqual(parseReleasePin('archive=stable, codename="bookworm"'), [
    { key: 'a', value: 'stable' },
    { key: 'n', value: 'bookworm' },
  ]);
  t.is(parseReleasePin('x=1'), null);
  t.true(expressionMatches('6.1.115*', '6.1.115-1'));
  t.false(expressionMatches('6.1.115*', '6.1.119-1'));
  t.true(expressionMatches('lib[a-c]?', 'libb1'));
  t.true(expressionMatches('/^nginx(-.*)?$/', 'nginx-common'));
  t.false(expressionMatches('/[/', 'x'), 'a broken regular expression matches nothing');
  t.true(expressionMatches('a.b', 'a.b'));
  t.false(expressionMatches('a.b', 'aXb'), 'a dot is literal in a glob');
  for (const ok of ['kernel-hold', 'nginx.pref', 'a_b-c']) t.true(isPreferencesPartName(ok), ok);
  for (const bad of ['disabled.bak', 'x.dpkg-old', '.hidden', 'with space']) t.false(isPreferencesPartName(bad), bad);
});
