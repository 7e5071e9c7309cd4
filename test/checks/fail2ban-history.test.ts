// Fail2banLive.history against a REAL fail2ban-server (test/helpers/fail2ban-server.ts:
// temp config, socket, database and logs; banaction dummy, no firewall;
// 127.x addresses only): an address banned, released (bantime 2 s) and
// banned again has both bans in fail2ban's sqlite database, each with the
// users it tried; the read is read-only (the database bytes do not change,
// no journal is left) and never puts an odd address into SQL.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addressHistoryQuery, parseAddressHistory } from '../../checks/fail2ban/db';
import { openFail2banLive } from '../../checks/fail2ban/live-model';
import { livePolicy } from '../../checks/fail2ban/live-policy';
import { createLocalHost } from '../../src/host/local-host';
import { startFail2banServer } from '../helpers/fail2ban-server';

test('addressHistoryQuery: only address characters reach SQL; parseAddressHistory refuses what the query does not give', (t) => {
  t.regex(addressHistoryQuery('2001:db8::/64', 20) ?? '', /WHERE ip = '2001:db8::\/64' ORDER BY timeofban DESC LIMIT 20;$/);
  for (const bad of ["127.0.0.1' OR '1'='1", '127.0.0.1;DROP TABLE bans', '', 'a b', '1.2.3.4\n.shell id', 'x'.repeat(129)]) t.is(addressHistoryQuery(bad, 20), null, bad);
  t.deepEqual(parseAddressHistory(''), { bans: [], total: 0 });
  t.is(parseAddressHistory('not json'), null);
  t.is(parseAddressHistory('[{"jail":"sshd"}]'), null);
  t.is(parseAddressHistory('[{"jail":"sshd","timeofban":1e15,"bantime":600,"bancount":1,"data":null,"total":1}]'), null, 'a ban time no Date can hold is refused');
  t.is(parseAddressHistory('[{"jail":"sshd","timeofban":5,"bantime":1e999,"bancount":1,"data":null,"total":1}]'), null, 'not finite');
  const one = parseAddressHistory(JSON.stringify([{ jail: 'sshd', timeofban: 5, bantime: 60, bancount: 1, data: '{"failures":3,"users":["root"],"matches":["\\u001b[2Jx"]}', total: 7 }]));
  t.deepEqual(one, { bans: [{ jail: 'sshd', timeofban: 5, bantime: 60, bancount: 1, failures: 3, users: ['root'], matches: ['x'] }], total: 7 });
});

test('an address banned twice: history() shows both bans, newest first, with the users tried and the matched lines; read-only', async (t) => {
  t.timeout(90_000);
  const server = await startFail2banServer(t, { maxretry: 3, findtime: '10m', bantime: '2' });
  const ip = '127.0.0.6';
  const dummy = path.join(server.root, 'run/fail2ban/fail2ban.dummy');
  const isBanned = async () => (await server.client(['get', 'sshd', 'banip'])).stdout.split(/\s+/).includes(ip);

  server.failLogins(ip, 3, 'root');
  await server.waitForBan('sshd', ip);
  await server.waitFor(`${ip} released after bantime`, async () => !(await isBanned()));
  server.failLogins(ip, 3, 'oracle');
  await server.waitForBan('sshd', ip);
  // fail2ban writes the ban to its database right after the action: wait for the second row.
  const db = path.join(server.root, 'var/lib/fail2ban/fail2ban.sqlite3');
  t.true(fs.existsSync(dummy));

  const model = openFail2banLive(createLocalHost({ root: server.root }), { policy: { ...livePolicy, notifyMs: 10 } });
  t.teardown(() => model.dispose());
  let history = await model.history(ip);
  await server.waitFor('both bans in the database', async () => {
    history = await model.history(ip);
    return history.kind === 'ok' && history.total === 2;
  });
  if (history.kind !== 'ok') return t.fail(JSON.stringify(history));
  t.is(history.address, ip);
  t.is(history.total, 2);
  t.deepEqual(
    history.bans.map((b) => [b.jail, b.bantime, b.failures]),
    [
      ['sshd', 2, 3],
      ['sshd', 2, 3],
    ],
  );
  t.true(history.bans[0].timeofban >= history.bans[1].timeofban, 'newest first');
  // The users tried, per ban (fail2ban 1.0 recorded both users with the second one).
  t.true(history.bans[0].users.includes('oracle'), history.bans[0].users.join());
  t.deepEqual(history.bans[1].users, ['root']);
  t.log('users per ban, newest first:', history.bans.map((b) => b.users.join(', ')));
  const matched = history.bans.map((b) => b.matches);
  t.log('matched lines per ban:', matched);
  for (const m of matched.flat()) t.regex(m, /Failed password for (oracle|root) from 127\.0\.0\.6 port \d+ ssh2$/);
  t.true(matched[0].length === 3 && matched[0].every((m) => / for oracle /.test(m)), 'the second ban kept the lines that caused it');
  t.true(matched[1].length === 3 && matched[1].every((m) => / for root /.test(m)));

  // Read-only: the same bytes before and after a read, and no journal or WAL file left behind.
  const before = fs.readFileSync(db);
  const again = await model.history(ip);
  t.is(again.kind, 'ok');
  t.true(before.equals(fs.readFileSync(db)), 'the database is not written');
  t.deepEqual(fs.readdirSync(path.dirname(db)).filter((f) => /-(journal|wal|shm)$/.test(f)), []);

  // Reads while the server bans and writes its database: it is not held up (a read holds its lock for a moment only).
  const other = '127.0.0.7';
  let reads = 0;
  let stop = false;
  const reader = (async () => {
    while (!stop) {
      const h = await model.history(ip);
      if (h.kind === 'ok') reads++;
    }
  })();
  server.failLogins(other, 3, 'admin');
  await server.waitForBan('sshd', other);
  await server.waitFor(`${other} in the database`, async () => {
    const h = await model.history(other);
    return h.kind === 'ok' && h.total === 1;
  });
  stop = true;
  await reader;
  t.true(reads > 0, 'reads ran alongside');

  // An address never banned, and one that is not an address.
  t.like(await model.history('127.0.0.99'), { kind: 'ok', total: 0, bans: [] });
  t.like(await model.history("127.0.0.6' OR '1'='1"), { kind: 'error', why: 'not an address hardtop looks up in the database' });
});

test('no database on disk (dbfile = :memory:): history says so; an unreadable file is an error, not a throw', async (t) => {
  t.timeout(60_000);
  const server = await startFail2banServer(t, { maxretry: 3 });
  const root = server.root;
  const local = path.join(root, 'etc/fail2ban/fail2ban.local');
  fs.writeFileSync(local, '[Definition]\ndbfile = :memory:\n');
  const memory = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10 } });
  t.teardown(() => memory.dispose());
  t.deepEqual(await memory.history('127.0.0.6'), { kind: 'none', why: 'dbfile = :memory:: no ban database on disk' });

  // A "database" that is not one: sqlite3's own complaint, as an error.
  const fake = path.join(root, 'var/lib/fail2ban/fake.sqlite3');
  fs.writeFileSync(fake, 'this is not a database, it is attacker-written text\n'.repeat(100));
  fs.writeFileSync(local, '[Definition]\ndbfile = /var/lib/fail2ban/fake.sqlite3\n');
  const broken = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10 } });
  t.teardown(() => broken.dispose());
  const h = await broken.history('127.0.0.6');
  t.is(h.kind, 'error');
  t.regex(h.kind === 'error' ? h.why : '', /^sqlite3 could not read \/var\/lib\/fail2ban\/fake\.sqlite3: /);

  // Closed: a read asked for after dispose is not run.
  broken.dispose();
  t.deepEqual(await broken.history('127.0.0.6'), { kind: 'error', why: 'the view was closed' });
});
