import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { failuresInWindow, localTimeMs, parseLogLine } from '../../src/parse/fail2ban-log';
import { parseIpNet } from '../../src/parse/fail2ban-ipaddr';

const LOG = fs.readFileSync(path.resolve(__dirname, '../fixtures/fail2ban/log/fail2ban.log'), 'utf8').split('\n');

test('log lines: Found (with the failure time), Ban, Unban, Restore Ban, Ignore; other lines are not events', (t) => {
  const events = LOG.map(parseLogLine).filter((e) => e !== null);
  t.deepEqual(events[0], { time: '2026-11-28 20:13:43', jail: 'sshd', kind: 'Restore Ban', ip: '203.0.113.77' });
  t.deepEqual(events[1], { time: '2026-11-28 20:13:44', jail: 'sshd', kind: 'Found', ip: '127.0.0.2', failureTime: '2026-11-28 20:13:44' });
  t.deepEqual(
    events.map((e) => e!.kind),
    ['Restore Ban', 'Found', 'Found', 'Found', 'Ban', 'Ban', 'Found', 'Found', 'Found', 'Found', 'Unban', 'Found', 'Ignore'],
  );
  t.is(parseLogLine("2026-11-28 20:13:45,247 fail2ban.transmitter    [23405]: ERROR   Command ['status', 'nosuchjail'] has failed."), null);
  t.is(parseLogLine(''), null);
});

test('failures in the window: only the jail, the address (any spelling), after the last ban, within findtime', (t) => {
  const at = (s: string) => localTimeMs(s)!;
  const same = (want: string) => {
    const w = parseIpNet(want)!;
    return (ip: string) => {
      const n = parseIpNet(ip);
      return n !== null && n.addr === w.addr && n.family === w.family;
    };
  };
  // 127.0.0.3: failures at 20:03:30 and 20:13:44.
  t.is(failuresInWindow(LOG, 'sshd', same('127.0.0.3'), at('2026-11-28 20:03:00')), 2);
  t.is(failuresInWindow(LOG, 'sshd', same('127.0.0.3'), at('2026-11-28 20:05:00')), 1, 'older than findtime');
  t.is(failuresInWindow(LOG, 'recidive', same('127.0.0.3'), at('2026-11-28 20:00:00')), 0, 'other jail');
  // 127.0.0.2: 3 failures, a ban (which clears them), an unban, then 1 failure.
  t.is(failuresInWindow(LOG, 'sshd', same('127.0.0.2'), at('2026-11-28 20:00:00')), 1);
  t.is(failuresInWindow(LOG, 'sshd', same('2001:db8::7'), at('2026-11-28 20:00:00')), 1, '2001:db8:0:0::7 is the same address');
});

test('local times', (t) => {
  t.is(localTimeMs('2026-11-28 20:13:44'), new Date(2026, 10, 28, 20, 13, 44).getTime());
  t.is(localTimeMs('2026-11-28T20:13:44'), null);
  t.is(localTimeMs('garbage'), null);
});
