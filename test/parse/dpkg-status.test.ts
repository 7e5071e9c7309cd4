import test from 'ava';
import { packagePresence, parseDpkgStatus } from '../../src/parse/dpkg-status';

const STATUS = `Package: apt
Status: install ok installed
Priority: important
Version: 2.6.1
Description: commandline package manager
 This package provides commandline tools.
 .
 More text.

Package: unattended-upgrades
Status: deinstall ok config-files
Version: 2.9.1+nmu3
Conffiles:
 /etc/apt/apt.conf.d/50unattended-upgrades 1234 obsolete

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u9

Package: libc6
Status: install ok half-configured
Architecture: i386
Version: 2.36-9+deb12u9

Package: needrestart
Status: install ok unpacked
Version: 3.6-4+deb12u4
`;

test('stanzas, fields and continuation lines', (t) => {
  const parsed = parseDpkgStatus(STATUS);
  t.deepEqual(parsed.errors, []);
  t.deepEqual(
    parsed.packages.map((p) => [p.name, p.version, p.status?.state, p.line]),
    [
      ['apt', '2.6.1', 'installed', 1],
      ['unattended-upgrades', '2.9.1+nmu3', 'config-files', 10],
      ['libc6', '2.36-9+deb12u9', 'installed', 16],
      ['libc6', '2.36-9+deb12u9', 'half-configured', 21],
      ['needrestart', '3.6-4+deb12u4', 'unpacked', 26],
    ],
  );
});

test('presence: installed, removed with config files, incomplete, absent; multi-arch takes the installed one', (t) => {
  const parsed = parseDpkgStatus(STATUS);
  t.is(packagePresence(parsed, 'apt').kind, 'installed');
  t.is(packagePresence(parsed, 'unattended-upgrades').kind, 'config-files');
  t.is(packagePresence(parsed, 'needrestart').kind, 'incomplete');
  t.is(packagePresence(parsed, 'fail2ban').kind, 'absent');
  const libc = packagePresence(parsed, 'libc6');
  t.is(libc.kind === 'installed' ? libc.pkg.architecture : null, 'amd64');
});

test('malformed lines are errors with their line numbers, never a throw', (t) => {
  const parsed = parseDpkgStatus('Package: a\nStatus: install ok installed\nthis line has no colon\n continuation after it\n\n continuation at start\n\nVersion: 1\n\nPackage: b\nStatus: install installed\n');
  t.deepEqual(
    parsed.errors.map((e) => e.line),
    [3, 6, 8, 10],
  );
  t.regex(parsed.errors[3].message, /Status "install installed"/);
  t.deepEqual(parseDpkgStatus('').packages, []);
});
