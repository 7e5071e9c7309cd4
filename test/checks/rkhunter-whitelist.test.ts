// What a warning is about, and whether the current configuration whitelists
// it: pure logic, with rkhunter's whitelist globbing cross-checked against
// the real /bin/sh (rkhunter expands its whitelists with the shell).

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WarningKind } from '../../checks/rkhunter/policy';
import { classifyWarning } from '../../checks/rkhunter/warning-kinds';
import { pathMatches, sshRootUnsetAllowed, testDisabledBy, whitelistedBy } from '../../checks/rkhunter/whitelist';
import { parseRkhunterConf } from '../../src/parse/rkhunter-conf';
import type { RkhLogWarning } from '../../src/parse/rkhunter-log';

const conf = (text: string) => parseRkhunterConf([{ path: '/etc/rkhunter.conf.local', text }]);

test('whitelist entries match like the shell globs them (checked against /bin/sh in a temp tree)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-rkh-glob-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const names = ['.java', '.udev', 'java', 'a.conf', 'b.conf', '.hidden.conf', 'x1', 'x2', 'xy', '[odd]'];
  for (const n of names) fs.writeFileSync(path.join(dir, n), '');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', '.deep'), '');
  const patterns = ['*', '.*', '*.conf', '.j*', 'x?', 'x[12]', 'x[!1]', '[.]java', '*/.deep', 'sub/*', 'sub/.*', '.java', 'nomatch*', '\\[odd]'];
  const everything = [...names.map((n) => `${dir}/${n}`), `${dir}/sub`, `${dir}/sub/.deep`];
  for (const p of patterns) {
    const r = spawnSync('/bin/sh', ['-c', 'for f in $1; do [ -e "$f" ] && echo "$f"; done', 'sh', `${dir}/${p}`], { encoding: 'utf8' });
    // The shell's ".*" also yields "." and "..", which are never whitelist subjects.
    const shell = r.stdout.split('\n').filter((f) => f !== '' && !/\/\.\.?$/.test(f)).sort();
    const ours = everything.filter((f) => pathMatches(`${dir}/${p}`, f)).sort();
    t.deepEqual(ours, shell, p);
  }
});

test('whitelistedBy names the entry that covers the path, with its file:line', (t) => {
  const c = conf('ALLOWHIDDENDIR=/etc/.java\nALLOWHIDDENFILE=/dev/shm/.hardtop-*\nALLOWDEVFILE="/dev/shm/PostgreSQL.*"\n');
  t.is(whitelistedBy(c, 'ALLOWHIDDENDIR', '/etc/.java')?.from.line, 1);
  t.is(whitelistedBy(c, 'ALLOWHIDDENDIR', '/etc/.javax'), null);
  t.is(whitelistedBy(c, 'ALLOWHIDDENFILE', '/dev/shm/.hardtop-probe')?.value, '/dev/shm/.hardtop-*');
  t.is(whitelistedBy(c, 'ALLOWDEVFILE', '/dev/shm/PostgreSQL.1234')?.from.line, 3);
  t.is(whitelistedBy(c, 'ALLOWDEVFILE', '/dev/shm/other'), null);
});

test('a test is off when DISABLE_TESTS names it, a group holding it, all, or (for a group) all its members', (t) => {
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=suspscan apps\n'), 'filesystem'), []);
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=suspscan filesystem\n'), 'filesystem').map((v) => v.value), ['filesystem']);
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=local_host\n'), 'system_configs_syslog').map((v) => v.value), ['local_host']);
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=ALL\n'), 'passwd_changes').map((v) => v.value), ['ALL']);
  // rkhunter logs 'os_specific' (a group): off when both of its tests are.
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=rootkits\n'), 'os_specific').map((v) => v.value), ['rootkits']);
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=loaded_modules\n'), 'os_specific'), []);
  t.deepEqual(testDisabledBy(conf('DISABLE_TESTS=loaded_modules avail_modules\n'), 'os_specific').map((v) => v.value).sort(), ['avail_modules', 'loaded_modules']);
  t.truthy(sshRootUnsetAllowed(conf('ALLOW_SSH_ROOT_USER=unset\n')));
  t.is(sshRootUnsetAllowed(conf('ALLOW_SSH_ROOT_USER=no\n')), null);
});

function warning(message: string, details: string[] = []): RkhLogWarning {
  return { line: 1, time: '00:00:00', message, details, test: null, check: null };
}

test('warnings are sorted into kinds by rkhunter 1.4.6 message text, with their subjects', (t) => {
  const cases: [RkhLogWarning, WarningKind, string[]][] = [
    [warning('Hidden directory found: /etc/.java'), 'hidden-dir', ['/etc/.java']],
    [warning('Hidden directory found: /dev/.x: sticky, directory'), 'hidden-dir', ['/dev/.x']],
    [warning('Hidden file found: /etc/.pwd.lock: ASCII text'), 'hidden-file', ['/etc/.pwd.lock']],
    [warning('Suspicious file types found in /dev:', ['/dev/shm/a: data', '/dev/shm/b c: ASCII text']), 'dev-files', ['/dev/shm/a', '/dev/shm/b c']],
    [warning("The command '/usr/bin/egrep' has been replaced by a script: /usr/bin/egrep: POSIX shell script"), 'script-replaced', ['/usr/bin/egrep']],
    [warning('The file properties have changed:', ['File: /usr/bin/ls', 'Current hash: 1', 'Stored hash : 2', 'Current inode: 3    Stored inode: 4']), 'file-properties', ['/usr/bin/ls']],
    [warning("The file '/usr/bin/x' exists on the system, but it is not present in the 'rkhunter.dat' file."), 'file-properties', ['/usr/bin/x']],
    [warning("The file '/usr/bin/x' does not exist on the system, but it is present in the 'rkhunter.dat' file."), 'file-missing', ['/usr/bin/x']],
    [warning("The SSH configuration option 'PermitRootLogin' has not been set."), 'ssh-root-unset', ['/etc/ssh/sshd_config']],
    [warning("The SSH configuration option 'Protocol' has not been set."), 'ssh-protocol-unset', ['/etc/ssh/sshd_config']],
    [warning('No running system logging daemon has been found.'), 'syslog-not-running', []],
    [warning("The modules file '/proc/modules' is missing."), 'modules-missing', ['/proc/modules']],
    [warning('Unable to check for group file differences: no copy of the group file exists.'), 'accounts-no-copy', ['/etc/group']],
    [warning("User 'htt1' has been removed from the passwd file."), 'accounts-changed', ['htt1']],
    [warning("Group 'staff2' has been added to the group file."), 'accounts-changed', ['staff2']],
    [warning("Changes found in the passwd file for user 'bob':"), 'accounts-changed', ['bob']],
    [warning("Account 'toor' is root equivalent (UID = 0)"), 'root-equivalent', ['toor']],
    [warning("Found string 'x' in file '/y'. Possible rootkit: Z"), 'rootkit', []],
    [warning('Found possible sniffer log file: /tmp/.x'), 'rootkit', []],
    [warning('Something rkhunter says that we do not know'), 'other', []],
  ];
  for (const [w, kind, subjects] of cases) {
    const c = classifyWarning(w);
    t.is(c.kind, kind, w.message);
    t.deepEqual(c.subjects, subjects, w.message);
  }
  const props = classifyWarning(cases[5][0]);
  t.deepEqual(props.changed, ['hash', 'inode']);
});
