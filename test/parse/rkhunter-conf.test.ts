// rkhunter.conf parsing on Debian's shipped file, the rules for repeated
// options, and the same rules cross-checked with the REAL rkhunter -C
// (which rejects non-existent whitelisted paths and unknown test names, so
// what it complains about shows which values it believes).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRkhunterConf, rebaseRkhunterConf, rkhList, rkhSingle, type RkhConfFile } from '../../src/parse/rkhunter-conf';
import { configCheck, DEBIAN_CONF, rkhunterUnavailable, sandbox } from '../checks/rkhunter-helpers';

const debian: RkhConfFile = { path: '/etc/rkhunter.conf', text: fs.readFileSync(DEBIAN_CONF, 'utf8') };
const values = (vs: { value: string }[]) => vs.map((v) => v.value);

test("Debian 12's shipped rkhunter.conf as rkhunter reads it", (t) => {
  const conf = parseRkhunterConf([debian]);
  t.deepEqual(conf.problems, []);
  t.deepEqual(values(rkhList(conf, 'SCRIPTWHITELIST')), [
    '/usr/bin/egrep',
    '/usr/bin/fgrep',
    '/usr/bin/which',
    '/usr/bin/ldd',
    '/usr/bin/which.debianutils',
    '/usr/sbin/adduser',
  ]);
  t.deepEqual(values(rkhList(conf, 'DISABLE_TESTS')), ['suspscan', 'hidden_ports', 'hidden_procs', 'deleted_files', 'packet_cap_apps', 'apps']);
  t.is(rkhSingle(conf, 'DBDIR')?.value, '/var/lib/rkhunter/db');
  t.is(rkhSingle(conf, 'LOGFILE')?.value, '/var/log/rkhunter.log');
  t.is(rkhSingle(conf, 'LOGFILE')?.from.line, 234);
  // *_CMD keeps its quotes: the root of Debian's rkhunter -C failure.
  const web = rkhSingle(conf, 'WEB_CMD');
  t.is(web?.value, '"/bin/false"');
  t.is(web?.from.line, 1190);
  // Other values lose quotes and blanks.
  t.is(rkhSingle(conf, 'UPDATE_LANG')?.value, 'en');
  t.is(rkhSingle(conf, 'ALLOWHIDDENDIR'), null);
  t.deepEqual(rkhList(conf, 'ALLOWHIDDENDIR'), []);
});

test('later files win for single options; list options add up across files', (t) => {
  const conf = parseRkhunterConf([
    debian,
    { path: '/etc/rkhunter.conf.local', text: 'WEB_CMD=/bin/false\nALLOWHIDDENDIR=/etc/.java\nSCRIPTWHITELIST="/usr/bin/lwp-request"\n' },
    { path: '/etc/rkhunter.d/10-a.conf', text: 'ALLOWHIDDENDIR=/dev/.udev\nDBDIR=" /srv/rkh db "\n' },
  ]);
  t.is(rkhSingle(conf, 'WEB_CMD')?.value, '/bin/false');
  t.is(rkhSingle(conf, 'WEB_CMD')?.from.file, '/etc/rkhunter.conf.local');
  t.deepEqual(
    rkhList(conf, 'ALLOWHIDDENDIR').map((v) => [v.value, v.from.file, v.from.line]),
    [
      ['/etc/.java', '/etc/rkhunter.conf.local', 2],
      ['/dev/.udev', '/etc/rkhunter.d/10-a.conf', 1],
    ],
  );
  t.is(values(rkhList(conf, 'SCRIPTWHITELIST')).pop(), '/usr/bin/lwp-request', 'a wholly quoted path loses its quotes');
  t.is(rkhSingle(conf, 'DBDIR')?.value, '/srv/rkhdb', 'quotes and blanks are deleted, not trimmed');
});

test('resets: an empty last value unsets a list; a space list restarts after an empty line', (t) => {
  const parse = (text: string) => parseRkhunterConf([{ path: '/c', text }]);
  t.deepEqual(values(rkhList(parse('SCRIPTWHITELIST=/a\nSCRIPTWHITELIST=\n'), 'SCRIPTWHITELIST')), []);
  t.deepEqual(values(rkhList(parse('SCRIPTWHITELIST=/a\nSCRIPTWHITELIST=\nSCRIPTWHITELIST=/b\n'), 'SCRIPTWHITELIST')), ['/a', '/b']);
  t.deepEqual(values(rkhList(parse('DISABLE_TESTS=x y\nDISABLE_TESTS=""\nDISABLE_TESTS=suspscan  apps\n'), 'DISABLE_TESTS')), ['suspscan', 'apps']);
  t.deepEqual(values(rkhList(parse('DISABLE_TESTS=x\nDISABLE_TESTS=\'\'\n'), 'DISABLE_TESTS')), []);
  t.is(rkhSingle(parse('DBDIR=/a\nDBDIR=""\n'), 'DBDIR'), null);
  t.is(rkhSingle(parse('dbdir=/a\n'), 'DBDIR'), null, 'names are case-sensitive');
});

test('lines rkhunter ignores are problems with file:line', (t) => {
  const conf = parseRkhunterConf([{ path: '/etc/rkhunter.conf.local', text: '# comment\n\n  ALLOWHIDDENDIR=/etc/.java\nDBDIR =/x\nwhat is this\n\tWEB_CMD=x\r\n' }]);
  t.deepEqual(
    conf.problems.map((p) => [p.line, p.text, p.message]),
    [
      [3, '  ALLOWHIDDENDIR=/etc/.java', '"ALLOWHIDDENDIR=/etc/.java" is indented: rkhunter ignores it (options must start at the beginning of the line)'],
      [4, 'DBDIR =/x', '"DBDIR =/x" has a blank before \'=\': rkhunter ignores it'],
      [5, 'what is this', '"what is this" is not a NAME=value line: rkhunter ignores it'],
      [6, '\tWEB_CMD=x', '"WEB_CMD=x" is indented: rkhunter ignores it (options must start at the beginning of the line)'],
    ],
  );
  t.deepEqual(rkhList(conf, 'ALLOWHIDDENDIR'), []);
});

test('rebasing paths under a sysroot leaves commands alone', (t) => {
  const text = 'DBDIR=/var/lib/rkhunter/db\nSCRIPTWHITELIST="/usr/bin/egrep"\nSTARTUP_PATHS=/etc/init.d /etc/rc.local\nWEB_CMD="/bin/false"\nBINDIR=/bin /usr/bin\nHASH_CMD=/usr/bin/sha256sum\n# DBDIR=/x\nUPDATE_MIRRORS=0\n';
  t.is(
    rebaseRkhunterConf(text, '/srv/root$1/'),
    'DBDIR=/srv/root$1/var/lib/rkhunter/db\nSCRIPTWHITELIST="/srv/root$1/usr/bin/egrep"\nSTARTUP_PATHS=/srv/root$1/etc/init.d /srv/root$1/etc/rc.local\nWEB_CMD="/bin/false"\nBINDIR=/bin /usr/bin\nHASH_CMD=/usr/bin/sha256sum\n# DBDIR=/x\nUPDATE_MIRRORS=0\n',
  );
  t.is(rebaseRkhunterConf(text, '/'), text);
});

// --- the same rules, asked of the real rkhunter ------------------------------

const unavailable = rkhunterUnavailable();
const real = unavailable ? test.skip : test;
if (unavailable) test('real rkhunter cross-checks skipped', (t) => t.log(unavailable));

real('real rkhunter -C agrees on which list values and which single value count', (t) => {
  const cases: { extra: string; local?: string; option: string; expect: string[] }[] = [
    // A newline list whose last line is empty is unset: rkhunter checks no path.
    { extra: 'SCRIPTWHITELIST=/nonexistent-a\nSCRIPTWHITELIST=\n', option: 'SCRIPTWHITELIST', expect: [] },
    // An empty line in the middle does not reset it; quotes are stripped.
    { extra: 'SCRIPTWHITELIST=/nonexistent-a\nSCRIPTWHITELIST=\nSCRIPTWHITELIST="/nonexistent-b"\n', option: 'SCRIPTWHITELIST', expect: ['/nonexistent-a', '/nonexistent-b'] },
    // rkhunter.conf.local adds to the list.
    { extra: 'RTKT_FILE_WHITELIST=/nonexistent-c\n', local: 'RTKT_FILE_WHITELIST=/nonexistent-d\n', option: 'RTKT_FILE_WHITELIST', expect: ['/nonexistent-c', '/nonexistent-d'] },
  ];
  for (const c of cases) {
    const box = sandbox(t, c.extra);
    if (c.local) fs.writeFileSync(path.join(path.dirname(box.conf), 'rkhunter.conf.local'), c.local);
    const files: RkhConfFile[] = [{ path: box.conf, text: fs.readFileSync(box.conf, 'utf8') }];
    if (c.local) files.push({ path: 'local', text: c.local });
    const ours = values(rkhList(parseRkhunterConf(files), c.option)).filter((v) => v.startsWith('/nonexistent'));
    t.deepEqual(ours, c.expect, `ours: ${c.extra}`);
    const theirs = configCheck(box.conf)
      .lines.map((l) => new RegExp(`^Invalid ${c.option} configuration option: Non-existent pathname: (.*)$`).exec(l)?.[1])
      .filter((v): v is string => v !== undefined);
    t.deepEqual(theirs, c.expect, `rkhunter: ${c.extra}`);
  }
});

real('real rkhunter -C agrees: a space list restarts after an empty value; the last single value wins', (t) => {
  const reset = sandbox(t, 'DISABLE_TESTS=bogus_test\nDISABLE_TESTS=\nDISABLE_TESTS=suspscan\n');
  t.deepEqual(values(rkhList(parseRkhunterConf([{ path: 'c', text: fs.readFileSync(reset.conf, 'utf8') }]), 'DISABLE_TESTS')), ['suspscan']);
  t.deepEqual(configCheck(reset.conf), { code: 0, lines: [] });

  const bogus = sandbox(t, 'DISABLE_TESTS=bogus_test\n');
  t.deepEqual(configCheck(bogus.conf).lines, ['Unknown disabled test name in the configuration file: bogus_test']);

  // DBDIR set twice: the last (valid, quoted) value wins, so -C is content.
  const box = sandbox(t);
  fs.appendFileSync(box.conf, `DBDIR=/nonexistent-db\nDBDIR="${box.db}"\n`);
  t.is(rkhSingle(parseRkhunterConf([{ path: 'c', text: fs.readFileSync(box.conf, 'utf8') }]), 'DBDIR')?.value, box.db);
  t.is(configCheck(box.conf).code, 0);
});

test('a CRLF line keeps its CR in the value, as rkhunter reads it, and is a problem with file:line', (t) => {
  const conf = parseRkhunterConf([{ path: '/etc/rkhunter.conf.local', text: 'ALLOW_SSH_ROOT_USER=unset\r\nALLOWHIDDENDIR=/etc/.java\r\nWEB_CMD=/bin/false\n' }]);
  // get_option deletes quotes, blanks and tabs, never a CR: "unset\r" is not "unset".
  t.is(rkhSingle(conf, 'ALLOW_SSH_ROOT_USER')?.value, 'unset\r');
  t.deepEqual(rkhList(conf, 'ALLOWHIDDENDIR').map((v) => v.value), ['/etc/.java\r']);
  t.is(rkhSingle(conf, 'WEB_CMD')?.value, '/bin/false');
  t.deepEqual(
    conf.problems.map((p) => [p.line, p.message]),
    [
      [1, '"ALLOW_SSH_ROOT_USER=unset" ends with a carriage return (a CRLF line end): rkhunter reads it as part of the value'],
      [2, '"ALLOWHIDDENDIR=/etc/.java" ends with a carriage return (a CRLF line end): rkhunter reads it as part of the value'],
    ],
  );
});
