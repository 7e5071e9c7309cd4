// sshd's "Accepted publickey" lines (which key a login used), on a fixture
// log with the formats seen in the wild (Debian's rsyslog, ISO timestamps,
// sshd-session, the journal's -o cat, CRLF) and hostile lines: a user name
// that smuggles a fake "Accepted publickey …" into an "Invalid user" line,
// escape sequences, an impossible port.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loginOfConnection, parseAcceptedAny, parseAcceptedLogins, parseExposedAuthInfo, parseSshConnection, stampTime } from '../../src/parse/sshd-accepted';

const log = fs.readFileSync(path.join(__dirname, '../fixtures/sshd-logs/auth.log'), 'utf8');

test('every real format is read; hostile and non-key lines are not', (t) => {
  const logins = parseAcceptedLogins(log);
  t.deepEqual(
    logins.map((l) => [l.user, l.addr, l.port, l.keyType, l.fingerprint.slice(0, 12), l.line]),
    [
      ['alice', '198.51.100.7', 50022, 'ED25519', 'SHA256:jWFRy', 2],
      ['bob', '2001:db8::5', 61000, 'RSA', 'SHA256:8Kq4g', 4],
      ['carol', '203.0.113.9', 40000, 'ED25519-CERT', 'SHA256:Zm9vY', 5],
      ['erin', '192.0.2.44', 50200, 'ECDSA', 'SHA256:ZWNkc', 7],
      ['alice', '198.51.100.7', 50022, 'RSA', 'SHA256:bmV3Z', 10],
      ['frank', '127.0.0.1', 45678, 'ED25519', 'SHA256:ZnJhb', 11],
    ],
  );
  t.false(logins.some((l) => l.fingerprint.startsWith('SHA256:ZmFrZ')), 'an "Accepted" smuggled into an Invalid-user line is not a login');
  t.false(logins.some((l) => l.user.includes('\x1b')), 'no escape sequence in a user name');
  t.false(logins.some((l) => l.user === 'gina'), 'port 99999 does not exist');
});

test("this connection's login: the newest line for its address and port (a client port is reused over time)", (t) => {
  const logins = parseAcceptedLogins(log);
  t.is(loginOfConnection(logins, { addr: '198.51.100.7', port: 50022 })?.line, 10);
  t.is(loginOfConnection(logins, { addr: '::ffff:192.0.2.44', port: 50200 })?.user, 'erin', 'an IPv4-mapped SSH_CONNECTION address matches');
  t.is(loginOfConnection(logins, { addr: '2001:DB8::5', port: 61000 })?.user, 'bob');
  t.is(loginOfConnection(logins, { addr: '198.51.100.7', port: 50100 }), null, 'a password login names no key');
});

test('SSH_CONNECTION and ExposeAuthInfo are read strictly', (t) => {
  t.deepEqual(parseSshConnection('198.51.100.7 50022 192.0.2.1 22'), { addr: '198.51.100.7', port: 50022 });
  t.is(parseSshConnection('198.51.100.7 x 192.0.2.1 22'), null);
  t.is(parseSshConnection(''), null);
  t.is(parseSshConnection(undefined), null);
  t.deepEqual(parseExposedAuthInfo('publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss\nkeyboard-interactive\npublickey bad key$\n'), [
    { type: 'ssh-ed25519', base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIKMXTLS2y6R1Hk6h2b2ZbRDqJ5gkYk7U9u7dYJ0bZ7Ss' },
  ]);
});

test('a huge log of other lines is read in linear time', (t) => {
  const noise = 'Nov 28 19:01:02 web1 sshd[1]: Accepted publickey for '.padEnd(2000, 'x') + '\n';
  const text = noise.repeat(5000);
  const start = process.hrtime.bigint();
  t.deepEqual(parseAcceptedLogins(text), []);
  t.deepEqual(parseAcceptedAny(text), []);
  t.true(Number(process.hrtime.bigint() - start) / 1e6 < 5000, 'not catastrophic (bound separates gave-up from hung)');
});

test('any login method, with its timestamp; syslog dates get the latest year not in the future; hostile lines are still not logins', (t) => {
  const all = parseAcceptedAny(log);
  t.deepEqual(
    all.map((l) => [l.user, l.addr, l.method, l.stamp, l.line]),
    [
      ['alice', '198.51.100.7', 'publickey', 'Nov 28 19:01:03', 2],
      ['bob', '2001:db8::5', 'publickey', '2026-11-28T19:05:00.123456+00:00', 4],
      ['carol', '203.0.113.9', 'publickey', 'Nov 28 19:06:00', 5],
      ['dave', '198.51.100.7', 'password', 'Nov 28 19:07:00', 6],
      ['erin', '192.0.2.44', 'publickey', 'Nov 28 19:08:00', 7],
      ['alice', '198.51.100.7', 'publickey', 'Nov 29 08:00:00', 10],
      ['frank', '127.0.0.1', 'publickey', null, 11],
    ],
  );
  const now = new Date(2026, 11, 5, 12, 0, 0); // 5 Dec 2026, local time as syslog writes it
  t.is(stampTime('Nov 28 19:01:03', now), new Date(2026, 10, 28, 19, 1, 3).getTime());
  t.is(stampTime('Dec 24 10:00:00', now), new Date(2025, 11, 24, 10, 0, 0).getTime(), 'three weeks ahead: last year\'s');
  t.is(stampTime('Dec  6 10:00:00', now), new Date(2026, 11, 6, 10, 0, 0).getTime(), 'within a day of now: clocks drift');
  t.is(stampTime('Feb 30 10:00:00', now), null);
  t.is(stampTime('2026-11-28T19:05:00+0000', now), Date.UTC(2026, 10, 28, 19, 5, 0), "journalctl -o short-iso");
  t.is(stampTime('Foo 12 10:00:00', now), null);
});
