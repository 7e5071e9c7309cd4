// watch(): debounced change events on host paths, robust to atomic renames
// and to files that do not exist yet; dispose stops everything.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { put, tempDir } from './helpers';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Generous: under a loaded machine inotify delivery can lag; tests never assert timings. */
async function until(cond: () => boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !cond()) await settle(20);
  return cond();
}

test('a burst of writes to a watched file is debounced (not one event per write), with the host path', async (t) => {
  const root = tempDir(t);
  const real = put(root, 'etc/ssh/sshd_config', 'a');
  const host = createLocalHost({ root });
  const events: string[] = [];
  const w = host.watch(['/etc/ssh/sshd_config'], (p) => events.push(p));
  t.teardown(() => w.dispose());
  await w.ready; // watchers are set up asynchronously (links are resolved first)
  for (let i = 0; i < 5; i++) fs.appendFileSync(real, 'x');
  t.true(await until(() => events.length > 0));
  await settle(300);
  // Usually one; a loaded machine may deliver the burst across the max wait.
  t.true(events.length >= 1 && events.length < 5, `${events.length} events for 5 writes`);
  t.true(events.every((e) => e === '/etc/ssh/sshd_config'));
});

test('a file replaced by rename (atomic write) is still watched afterwards', async (t) => {
  const root = tempDir(t);
  put(root, 'etc/x.conf', 'a');
  const host = createLocalHost({ root });
  const events: string[] = [];
  const w = host.watch(['/etc/x.conf'], (p) => events.push(p));
  t.teardown(() => w.dispose());
  await w.ready;
  await host.writeAtomic('/etc/x.conf', 'b');
  t.true(await until(() => events.length >= 1));
  await settle(400);
  const seen = events.length;
  await host.writeAtomic('/etc/x.conf', 'c');
  t.true(await until(() => events.length > seen), `no event after the second replace (${events.length})`);
});

test('a file that does not exist yet is noticed when it appears; other names in the dir are ignored', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'etc/fail2ban'), { recursive: true });
  const host = createLocalHost({ root });
  const events: string[] = [];
  const w = host.watch(['/etc/fail2ban/jail.local'], (p) => events.push(p));
  t.teardown(() => w.dispose());
  await w.ready;
  put(root, 'etc/fail2ban/other.conf', 'x');
  await settle(300);
  t.deepEqual(events, [], 'a neighbour triggered the watch');
  put(root, 'etc/fail2ban/jail.local', '[sshd]\n');
  t.true(await until(() => events.length >= 1));
  t.true(events.every((e) => e === '/etc/fail2ban/jail.local'));
});

test('a watched directory reports files added inside it', async (t) => {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
  const host = createLocalHost({ root });
  const events: string[] = [];
  const w = host.watch(['/etc/ssh/sshd_config.d'], (p) => events.push(p));
  t.teardown(() => w.dispose());
  await w.ready;
  put(root, 'etc/ssh/sshd_config.d/50-new.conf', 'x');
  t.true(await until(() => events.length >= 1));
  t.true(events.every((e) => e === '/etc/ssh/sshd_config.d'));
});

test('missing paths never throw (a throw fails this test), and after dispose nothing fires', async (t) => {
  const root = tempDir(t);
  const real = put(root, 'etc/a', '1');
  const host = createLocalHost({ root });
  const events: string[] = [];
  const w = host.watch(['/no/such/dir/file', '/etc/a', '/'], (p) => events.push(p));
  t.is(typeof w.dispose, 'function');
  await w.ready;
  fs.appendFileSync(real, '2');
  t.true(await until(() => events.length >= 1), 'the live watch did not fire');
  w.dispose();
  fs.appendFileSync(real, '3');
  await settle(400);
  t.deepEqual(events, ['/etc/a']);
});

test('a file changing every 10 ms still fires DURING the flood (max wait), and not once per change', async (t) => {
  // A brute-force flood writes auth.log thousands of times a second: a debounce
  // that restarts on every event would never fire until the flood stops.
  const root = tempDir(t);
  const real = put(root, 'var/log/auth.log', '');
  const host = createLocalHost({ root });
  const times: number[] = [];
  const w = host.watch(['/var/log/auth.log'], () => times.push(Date.now()));
  t.teardown(() => w.dispose());
  await w.ready;
  const floodEnd = Date.now() + 3000;
  let writes = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (Date.now() >= floodEnd) {
        clearInterval(timer);
        resolve();
        return;
      }
      fs.appendFileSync(real, 'Failed password for root from 192.0.2.1 port 22 ssh2\n');
      writes++;
    }, 10);
  });
  await settle(500);
  const during = times.filter((at) => at < floodEnd).length;
  t.log(`${writes} writes, ${times.length} callbacks, ${during} during the flood`);
  t.true(writes > 100, 'the flood was too thin to prove anything');
  t.true(during >= 2, `only ${during} callbacks during a 3 s flood`);
  t.true(times.length <= 50, `${times.length} callbacks: not debounced`);
  t.true(times[times.length - 1] >= floodEnd, 'no trailing callback after the flood');
});
