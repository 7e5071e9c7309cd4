// Issue 6, "Ban history from fail2ban's sqlite database", as an admin sees
// it: the real binary in a pty against a REAL fail2ban-server
// (test/helpers/fail2ban-server.ts: temp config, socket, database and log;
// banaction dummy, no firewall; 127.x addresses only). An address is banned
// (users tried: root), released after a 2 s bantime, and banned again for
// an hour (users tried: oracle); in the ban list, with that address
// selected, the history pane under the list shows both bans, newest first,
// with their ban times and the users tried — read from the database.

import test from 'ava';
import * as path from 'node:path';
import { startFail2banServer } from '../helpers/fail2ban-server';
import { startTui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const IP = '127.0.0.5';

test('the ban list shows the selected address\'s two bans from fail2ban\'s database, with the users tried', async (t) => {
  t.timeout(180_000);
  const server = await startFail2banServer(t, { maxretry: 3, bantime: '2' });
  const isBanned = async () => (await server.client(['get', 'sshd', 'banip'])).stdout.split(/\s+/).includes(IP);
  server.failLogins(IP, 3, 'root');
  await server.waitForBan('sshd', IP);
  await server.waitFor(`${IP} released after 2 s`, async () => !(await isBanned()));
  // The second ban lasts: the ban list shows banned addresses only.
  const r = await server.client(['set', 'sshd', 'bantime', '3600']);
  t.is(r.code, 0, r.stderr);
  server.failLogins(IP, 3, 'oracle');
  await server.waitForBan('sshd', IP);

  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', server.root, '--no-network'],
    cols: 140,
    rows: 40,
    env: { TERM: 'xterm-256color', SSH_CONNECTION: '198.51.100.8 50022 127.0.0.1 22', SSH_CLIENT: undefined },
  });
  t.teardown(() => tui.dispose());
  await tui.waitForText('▶ Updates');
  tui.key('right');
  await tui.waitForText('▶ fail2ban');
  tui.key('enter');
  await tui.waitForText('fail2ban — live');
  await tui.waitForText('fail2ban answers on /run/fail2ban/fail2ban.sock', 30_000);
  tui.key('enter');
  await tui.waitForText('fail2ban — banned addresses');
  await tui.waitForText(/sshd +127\.0\.0\.5/, 30_000);

  await tui.waitForText(/history of 127\.0\.0\.5 · 2 bans in fail2ban's database/, 30_000);
  await tui.waitForText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \[sshd\] for 1h, ban #\d+, 3 failures/);
  await tui.waitForText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \[sshd\] for 2s, ban #\d+, 3 failures/);
  await tui.waitForText(/users tried: oracle/);
  await tui.waitForText(/matched: .*Failed password for oracle from 127\.0\.0\.5/);
  const screen = tui.screenText();
  const newest = screen.indexOf('for 1h, ban #');
  const older = screen.indexOf('for 2s, ban #');
  t.true(newest >= 0 && older > newest, 'newest first');
  const olderBlock = screen.slice(older).split('\n');
  t.regex(olderBlock[1] ?? '', /users tried: root\s*│?\s*$/, 'the first ban: the user it tried');
  t.log(screen.split('\n').filter((l) => /history of|ban #|users tried|matched:/.test(l)).join('\n'));

  tui.press('q');
  await tui.waitForText('fail2ban — live');
  tui.press('q');
  await tui.waitForText('▶ fail2ban');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
