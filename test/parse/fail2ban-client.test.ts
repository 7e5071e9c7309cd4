import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isPong, parseBanListWithTime, parseJailStatus, parseServerStatus } from '../../src/parse/fail2ban-client';

// Outputs captured from fail2ban-client 1.0.2 talking to a real server
// (test/helpers/fail2ban-server.ts; temp paths replaced by host paths).
const CLIENT = path.resolve(__dirname, '../fixtures/fail2ban/client');
const out = (name: string) => fs.readFileSync(path.join(CLIENT, name), 'utf8');

test('status: the jail list', (t) => {
  t.deepEqual(parseServerStatus(out('status.txt')), { jails: ['recidive', 'sshd'] });
  t.deepEqual(parseServerStatus('Status\n|- Number of jail:\t0\n`- Jail list:\t\n'), { jails: [] });
  t.is(parseServerStatus('Status\n|- Number of jail:\t2\n`- Jail list:\tsshd\n'), null, 'a count that disagrees with the list');
  t.is(parseServerStatus(out('status-sshd.txt')), null, 'a jail status is not the server status');
  t.is(parseServerStatus(''), null);
});

test('status <jail>: counters, files, banned addresses (IPv4 and IPv6)', (t) => {
  t.deepEqual(parseJailStatus(out('status-sshd.txt')), {
    jail: 'sshd',
    currentlyFailed: 2,
    totalFailed: 7,
    files: ['/var/log/auth.log'],
    journalMatches: null,
    currentlyBanned: 3,
    totalBanned: 3,
    bannedIps: ['127.0.0.2', '2001:db8::7', '198.51.100.23'],
  });
  const empty = parseJailStatus(out('status-sshd-empty.txt'));
  t.deepEqual(empty && [empty.currentlyBanned, empty.bannedIps], [0, []]);
  const journal = parseJailStatus(out('status-journal.txt'));
  t.deepEqual(journal && [journal.jail, journal.files, journal.journalMatches], ['sshd-journal', [], '_SYSTEMD_UNIT=sshd.service + _COMM=sshd']);
  t.is(parseJailStatus(out('status.txt')), null);
  t.is(parseJailStatus('Status for the jail: x\n|- Filter\n'), null, 'counters missing');
});

test('get <jail> banip --with-time: address, start, length, end; permanent bans too', (t) => {
  t.deepEqual(parseBanListWithTime(out('banip-with-time-1h.txt')), { bans: [{ ip: '127.0.0.2', start: '2026-11-28 20:04:20', banSeconds: 3600, end: '2026-11-28 21:04:20' }], unreadable: 0 });
  const perm = parseBanListWithTime(out('banip-with-time.txt'));
  t.deepEqual(
    perm.bans.map((b) => [b.ip, b.banSeconds, b.end]),
    [
      ['127.0.0.2', -1, '9999-12-31 23:59:59'],
      ['2001:db8::7', -1, '9999-12-31 23:59:59'],
      ['198.51.100.23', -1, '9999-12-31 23:59:59'],
    ],
  );
  t.deepEqual(parseBanListWithTime('garbage\n\n127.0.0.2 \t2026-11-28 20:04:20 + 3600 = 2026-11-28 21:04:20\r\n'), {
    bans: [{ ip: '127.0.0.2', start: '2026-11-28 20:04:20', banSeconds: 3600, end: '2026-11-28 21:04:20' }],
    unreadable: 1,
  });
});

test('ping', (t) => {
  t.true(isPong('Server replied: pong\n'));
  t.false(isPong('Sorry but the jail does not exist\n'));
});
