// /etc/passwd parser: the real file of this machine, an ugly one, and fuzz.
import test from 'ava';
import * as fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { groupsOf, parseGroup, parsePasswd } from '../../src/parse/passwd';

test("this machine's /etc/passwd parses with no problem and agrees with getent", (t) => {
  const text = fs.readFileSync('/etc/passwd', 'utf8');
  const parsed = parsePasswd(text);
  t.deepEqual(parsed.problems, []);
  const root = parsed.accounts.find((a) => a.name === 'root');
  t.like(root, { uid: 0, gid: 0, home: '/root', loginShell: true });
  const nobody = parsed.accounts.find((a) => a.name === 'nobody');
  if (nobody) t.false(nobody.loginShell, 'nobody has /usr/sbin/nologin');
  const getent = execFileSync('getent', ['passwd'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(':'));
  for (const [name, , uid, , , home] of getent) {
    const a = parsed.accounts.find((x) => x.name === name);
    if (a) t.deepEqual([a.uid, a.home], [Number(uid), home], name);
  }
  t.true(getent.filter(([name]) => parsed.accounts.some((a) => a.name === name)).length === parsed.accounts.length, 'every parsed account is one getent knows');
});

test('an ugly passwd: CRLF, comments, NIS compat lines, bad lines with file:line, duplicates, empty shell', (t) => {
  const text = [
    'root:x:0:0:root:/root:/bin/bash\r',
    '# a comment some tools leave',
    '',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'short:x:5',
    'baduid:x:abc:1::/home/baduid:/bin/sh',
    ':x:7:7::/:/bin/sh',
    'alice:x:1000:1000:Alice,,,:/home/alice:',
    'alice:x:2000:2000::/elsewhere:/bin/bash',
    'ftp:x:105:65534::/srv/ftp:/bin/false',
    'huge:x:99999999999:1::/:/bin/sh',
    '+@netgroup::::::',
    '-baduser',
    '+',
  ].join('\n');
  const p = parsePasswd(text, '/etc/passwd');
  t.deepEqual(p.accounts.map((a) => [a.name, a.uid, a.home, a.shell, a.loginShell, a.line]), [
    ['root', 0, '/root', '/bin/bash', true, 1],
    ['daemon', 1, '/usr/sbin', '/usr/sbin/nologin', false, 4],
    ['alice', 1000, '/home/alice', '/bin/sh', true, 8],
    ['ftp', 105, '/srv/ftp', '/bin/false', false, 10],
  ]);
  t.deepEqual(
    p.problems.map((x) => `${x.file}:${x.line}: ${x.message}`),
    [
      '/etc/passwd:5: 3 fields, 7 expected',
      '/etc/passwd:6: baduid: UID or GID is not a number',
      '/etc/passwd:7: empty user name',
      '/etc/passwd:9: alice is listed again (the first entry wins)',
      '/etc/passwd:11: huge: UID or GID is not a number',
    ],
  );
  t.is(p.compatLines, 3);
});

test('fuzz: no input makes it throw, and a million-character line is quick', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.constantFrom(':', 'x', '0', '\n', '/bin/sh', '+', '#', '\r'), { maxLength: 200 }).map((a) => a.join(''))), (text) => {
      parsePasswd(text);
    }),
    { numRuns: 2000 },
  );
  const t0 = Date.now();
  parsePasswd(':'.repeat(1_000_000) + '\n' + 'a:x:1:1::/h:/bin/sh\n'.repeat(200_000));
  t.true(Date.now() - t0 < 8000);
});

test("/etc/group: this machine's file agrees with getent; an ugly one gives problems with file:line; primary and supplementary membership", (t) => {
  const mine = parseGroup(fs.readFileSync('/etc/group', 'utf8'));
  t.deepEqual(mine.problems, []);
  const getent = execFileSync('getent', ['group'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(':'));
  for (const [name, , gid, members] of getent) {
    const g = mine.groups.find((x) => x.name === name);
    if (g) t.deepEqual([g.gid, g.members], [Number(gid), members ? members.split(',') : []], name);
  }

  const ugly = parseGroup(['root:x:0:\r', '# comment', 'sudo:x:27:alice, bob ,', 'short:x', 'bad:x:abc:', ':x:9:', '+@nis', 'odd:x:30:carol:dave', ''].join('\n'), '/etc/group');
  t.deepEqual(ugly.groups.map((g) => [g.name, g.gid, g.members, g.line]), [
    ['root', 0, [], 1],
    ['sudo', 27, ['alice', 'bob'], 3],
    ['odd', 30, ['carol:dave'], 8],
  ]);
  t.deepEqual(ugly.problems.map((p) => `${p.file}:${p.line}: ${p.message}`), ['/etc/group:4: 2 fields, 4 expected', '/etc/group:5: bad: GID is not a number', '/etc/group:6: empty group name']);
  t.deepEqual(groupsOf({ name: 'alice', gid: 0 }, ugly.groups), ['root', 'sudo']);
  t.deepEqual(groupsOf({ name: 'zed', gid: 999 }, ugly.groups), []);
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
    parseGroup(text);
  }));
});
