// The live view's log side, on real files through a real LocalHost:
// LogFollower (incremental tail: backfill, rotation mid-tail, truncation,
// skipping ahead of a flood) and LiveEvents (what it keeps, bounded).

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveEvents, OTHER_JAILS } from '../../checks/fail2ban/live-events';
import { LogFollower, type FollowLimits } from '../../checks/fail2ban/live-log';
import { openFail2banLive } from '../../checks/fail2ban/live-model';
import { StatusPoller } from '../../checks/fail2ban/live-status';
import { livePolicy, livePolicyProblems } from '../../checks/fail2ban/live-policy';
import { formatLocalTime, localTimeMs } from '../../src/parse/fail2ban-log';
import { createLocalHost } from '../../src/host/local-host';

const LOG = '/var/log/fail2ban.log';

function tempRoot(t: ExecutionContext): { root: string; log: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-f2b-live-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  return { root, log: path.join(root, LOG.slice(1)) };
}

function line(n: number, kind = 'Found', jail = 'sshd'): string {
  return `2026-11-28 20:04:${String(n % 60).padStart(2, '0')},100 fail2ban.filter  [1]: INFO    [${jail}] ${kind} 127.0.0.${n % 250} - 2026-11-28 20:04:00\n`;
}

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += line(i);
  return s;
}

const LIMITS: FollowLimits = { readChunkBytes: 4096, chunksPerTick: 4, backfillBytes: 2048, maxLagBytes: 64 * 1024, pollMs: 60_000 };

/** A follower we drive by hand (poke + idle): no watch, no timer, deterministic. */
function follower(root: string, limits: Partial<FollowLimits> = {}) {
  const host = createLocalHost({ root });
  const got: string[] = [];
  const f = new LogFollower(host, LOG, { ...LIMITS, ...limits }, (text) => got.push(text), () => undefined);
  const step = async () => {
    f.poke();
    await f.idle();
  };
  return { f, got, step, text: () => got.join('') };
}

test('live policy data is valid, and the validator can fail', (t) => {
  t.deepEqual(livePolicyProblems(livePolicy), []);
  t.deepEqual(livePolicyProblems({ ...livePolicy, eventsShown: livePolicy.eventRing + 1 }), ['live.eventsShown cannot exceed live.eventRing']);
});

test('opening: only the last backfillBytes are read, starting at a line boundary; then only what is new', async (t) => {
  const { root, log } = tempRoot(t);
  const old = lines(0, 100); // ~11 KB, well over the 2 KB backfill
  fs.writeFileSync(log, old);
  const { f, step, text, got } = follower(root);
  await step();
  const first = text();
  t.true(first.length <= 2048 && first.length > 1500, `backfill of ${first.length} bytes`);
  t.true(old.endsWith(first), 'the newest lines, whole');
  t.true(first.startsWith('2026-'), 'the partial line we landed in is dropped');
  t.is(f.status.state, 'following');
  got.length = 0;
  fs.appendFileSync(log, lines(100, 103));
  await step();
  t.is(text(), lines(100, 103));
  got.length = 0;
  await step();
  t.is(text(), '', 'nothing new, nothing delivered');
});

test('rotation mid-tail: the rest of the old file (now .1) first, then the new file from its start; nothing lost or doubled', async (t) => {
  const { root, log } = tempRoot(t);
  fs.writeFileSync(log, lines(0, 10));
  const { f, step, text } = follower(root, { backfillBytes: 1024 * 1024 });
  await step();
  t.is(text(), lines(0, 10));
  // fail2ban writes more; then logrotate renames and a new log starts.
  fs.appendFileSync(log, lines(10, 15));
  fs.renameSync(log, `${log}.1`);
  fs.writeFileSync(log, lines(15, 40));
  await step();
  t.is(text(), lines(0, 40));
  t.is(f.status.rotations, 1);
  t.is(f.status.linesRead, 40);
});

test('rotation caught between rename and create: the rest of the old file, then the new one when it appears', async (t) => {
  const { root, log } = tempRoot(t);
  fs.writeFileSync(log, lines(0, 5));
  const { f, step, text } = follower(root, { backfillBytes: 1024 * 1024 });
  await step();
  fs.appendFileSync(log, lines(5, 8));
  fs.renameSync(log, `${log}.1`);
  await step();
  t.is(text(), lines(0, 8));
  t.is(f.status.state, 'missing');
  fs.writeFileSync(log, lines(8, 12));
  await step();
  t.is(text(), lines(0, 12));
  t.is(f.status.state, 'following');
});

test('truncation (copytruncate): read again from the start', async (t) => {
  const { root, log } = tempRoot(t);
  fs.writeFileSync(log, lines(0, 10));
  const { f, step, text, got } = follower(root, { backfillBytes: 1024 * 1024 });
  await step();
  got.length = 0;
  fs.truncateSync(log, 0);
  fs.appendFileSync(log, lines(50, 52));
  await step();
  t.is(text(), lines(50, 52));
  t.is(f.status.rotations, 1);
});

test('a line being written is held back until its newline arrives', async (t) => {
  const { root, log } = tempRoot(t);
  fs.writeFileSync(log, '');
  const { step, text } = follower(root);
  await step();
  const l = line(7);
  fs.appendFileSync(log, l.slice(0, 30));
  await step();
  t.is(text(), '');
  fs.appendFileSync(log, l.slice(30));
  await step();
  t.is(text(), l);
});

test('a flood faster than we read: more than maxLagBytes behind, it skips ahead and says how much', async (t) => {
  const { root, log } = tempRoot(t);
  fs.writeFileSync(log, '');
  const { f, step, text } = follower(root, { maxLagBytes: 16 * 1024, backfillBytes: 2048 });
  await step();
  const flood = lines(0, 2000); // ~220 KB in one go
  fs.appendFileSync(log, flood);
  await step();
  t.true(f.status.skippedBytes > 100 * 1024, `skipped ${f.status.skippedBytes}`);
  t.true(flood.endsWith(lines(1990, 2000)));
  t.true(text().endsWith(lines(1990, 2000)), 'caught up to the newest lines');
  t.true(text().length < 40 * 1024, 'did not read the whole flood');
});

test('a missing log is reported, then read from its start when it appears; a FIFO in its place is an error, not a hang', async (t) => {
  const { root, log } = tempRoot(t);
  const { f, step, text } = follower(root);
  await step();
  t.is(f.status.state, 'missing');
  t.regex(f.status.message, /^\/var\/log\/fail2ban\.log does not exist/);
  fs.writeFileSync(log, lines(0, 3));
  await step();
  t.is(text(), lines(0, 3));
  fs.rmSync(log);
  execFileSync('mkfifo', [log]);
  await step();
  t.is(f.status.state, 'error');
  t.regex(f.status.message, /FIFO/);
});

test('LiveEvents: events newest first, bans per minute per jail, top offenders; junk and hostile lines are ignored', (t) => {
  const ev = new LiveEvents({ eventRing: 5, trackedAddresses: 10, maxJails: 2, sparklineMinutes: 60 });
  const now = new Date(2026, 10, 28, 20, 10, 30).getTime();
  const text =
    '2026-11-28 20:04:20,407 fail2ban.filter  [25247]: INFO    [sshd] Found 192.0.2.7 - 2026-11-28 20:04:20\n' +
    'garbage line\n' +
    '\u0000\u0000\u0000\n' +
    '2026-11-28 20:04:21,407 fail2ban.filter  [25247]: INFO    [sshd] Found 192.0.2.7 - 2026-11-28 20:04:21\n' +
    '2026-11-28 20:04:22,416 fail2ban.actions [25247]: NOTICE  [sshd] Ban 192.0.2.7\n' +
    '2026-11-28 20:10:02,002 fail2ban.actions [25247]: NOTICE  [sshd] Unban 192.0.2.7\n' +
    '2026-11-28 20:10:05,100 fail2ban.actions [25247]: NOTICE  [recidive] Restore Ban 198.51.100.4\n';
  t.is(ev.feedText(text, now), 5);
  t.is(ev.linesSeen, 7);
  t.deepEqual(
    ev.events(3).map((e) => [e.kind, e.jail, e.ip]),
    [
      ['Restore Ban', 'recidive', '198.51.100.4'],
      ['Unban', 'sshd', '192.0.2.7'],
      ['Ban', 'sshd', '192.0.2.7'],
    ],
  );
  const bans = ev.bansPerMinute('sshd', now);
  t.is(bans.length, 60);
  t.is(bans[59 - 6], 1, 'the ban at 20:04 is six minutes back');
  t.is(ev.failuresPerMinute('sshd', now)[59 - 6], 2);
  t.deepEqual(ev.top(5), [{ ip: '192.0.2.7', failures: 2, bans: 1 }]);
  // A hostile log naming many jails: counted under one "(other)" bucket past maxJails.
  for (let i = 0; i < 50; i++) ev.feedLine(`2026-11-28 20:10:0${i % 10},1 fail2ban.actions [1]: NOTICE  [j${i}] Ban 192.0.2.${i}`, now);
  t.deepEqual(ev.jails(), ['sshd', 'j0', OTHER_JAILS]);
  t.is(ev.held.events, 5);
});

test('the live model: opens on a 1 GiB log reading only its end, notifies on new lines, and says the server is down', async (t) => {
  const { root, log } = tempRoot(t);
  fs.mkdirSync(path.join(root, 'etc/fail2ban'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/fail2ban/fail2ban.conf'), '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\n');
  // A 1 GiB (sparse) history, then real lines at its end.
  const fd = fs.openSync(log, 'w');
  fs.ftruncateSync(fd, 1024 * 1024 * 1024);
  fs.closeSync(fd);
  fs.appendFileSync(log, `\n${lines(0, 20)}`);
  const model = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10, pollMs: 60_000 } });
  t.teardown(() => model.dispose());
  let notified = 0;
  model.onChange(() => notified++);
  await model.ready;
  await model.follower!.idle();
  await model.poller!.idle();
  const first = model.snapshot();
  t.is(first.log.state, 'following');
  t.true(first.log.bytesRead <= livePolicy.backfillBytes, `read ${first.log.bytesRead} bytes of 1 GiB at open`);
  t.is(first.events.length, 20);
  t.is(first.server.state, 'down');
  t.regex(first.server.text, /^fail2ban not running: no socket at \/run\/fail2ban\/fail2ban\.sock/);
  const before = notified;
  fs.appendFileSync(log, line(99, 'Ban'));
  model.follower!.poke();
  await model.follower!.idle();
  await new Promise((r) => setTimeout(r, 50));
  t.true(notified > before, 'a new line asks for a repaint');
  const after = model.snapshot();
  t.deepEqual([after.events[0].kind, after.events[0].ip], ['Ban', '127.0.0.99']);
  t.deepEqual(after.jails.map((j) => [j.jail, j.running]), [['sshd', false]], 'the server is down: jails from the log');
});

test('status rounds: log activity asks for one soon (many nudges, one round), a quiet log waits for the idle interval', async (t) => {
  const { root } = tempRoot(t);
  // No server: each round is cheap (no socket, no client run) and says "down".
  const settings = { kind: 'ok' as const, settings: { socket: { value: '/run/fail2ban/fail2ban.sock' }, logtarget: { value: LOG }, dbfile: { value: '/var/lib/fail2ban/fail2ban.sqlite3' } } };
  let updates = 0;
  const poller = new StatusPoller(createLocalHost({ root }), settings, { idleMs: 60_000, minGapMs: 100 }, () => updates++);
  t.teardown(() => poller.dispose());
  poller.start();
  await poller.idle();
  t.is(poller.rounds, 1);
  t.is(poller.view.state, 'down');
  for (let i = 0; i < 50; i++) poller.nudge();
  await new Promise((r) => setTimeout(r, 600));
  await poller.idle();
  t.is(poller.rounds, 2, 'fifty nudges, one round');
  await new Promise((r) => setTimeout(r, 400));
  t.is(poller.rounds, 2, 'quiet: no round before the idle interval');
  poller.refresh();
  await poller.idle();
  t.is(poller.rounds, 3, 'refresh: a round at once');
  t.is(updates, 3);
});

/** "YYYY-MM-DD HH:MM:SS" in this process's local time, as fail2ban writes it. */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

test('the live model seeds bans per minute of the last hour from the sqlite database, read-only, and does not count a logged ban twice', async (t) => {
  const { root, log } = tempRoot(t);
  fs.mkdirSync(path.join(root, 'etc/fail2ban'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib/fail2ban'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/fail2ban/fail2ban.conf'), '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\ndbfile = /var/lib/fail2ban/fail2ban.sqlite3\n');
  const db = path.join(root, 'var/lib/fail2ban/fail2ban.sqlite3');
  const now = Date.now();
  const sec = (ms: number) => Math.floor(ms / 1000);
  const thirtyAgo = now - 30 * 60_000;
  // fail2ban 1.0.2's bans table (build-f2b.sh has the whole schema).
  execFileSync('sqlite3', [
    db,
    'CREATE TABLE bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON);' +
      `INSERT INTO bans VALUES('sshd','127.0.0.1',${sec(thirtyAgo)},3600,1,'{}'),('sshd','127.0.0.2',${sec(thirtyAgo)},3600,1,'{}'),('sshd','127.0.0.3',${sec(thirtyAgo) + 1},3600,1,'{}');` +
      `INSERT INTO bans VALUES('sshd','127.0.0.4',${sec(now - 90 * 60_000)},3600,1,'{}');` +
      `INSERT INTO bans VALUES('recidive','127.0.0.1',${sec(now - 5 * 60_000)},604800,1,'{}');`,
  ]);
  const dbBefore = fs.readFileSync(db);
  // The log still holds one of the database's bans (counted once), and a new one comes later.
  fs.writeFileSync(log, `${localStamp(thirtyAgo)},100 fail2ban.actions [1]: NOTICE  [sshd] Ban 127.0.0.1\n`);
  const model = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10, pollMs: 60_000 } });
  t.teardown(() => model.dispose());
  await model.ready;
  await model.follower!.idle();
  const sum = (jail: string) => model.snapshot().jails.find((j) => j.jail === jail)?.bansPerMinute.reduce((a, b) => a + b, 0);
  t.is(sum('sshd'), 3, 'three bans in the last hour from the database; the logged one is not counted again; the one 90 minutes ago is out');
  t.is(sum('recidive'), 1);
  const series = model.snapshot().jails.find((j) => j.jail === 'sshd')!.bansPerMinute;
  t.is(series.length, livePolicy.sparklineMinutes);
  t.true(series[series.length - 31] + series[series.length - 30] + series[series.length - 29] === 3, `the bans sit 30 minutes back: ${series.join(',')}`);

  fs.appendFileSync(log, `${localStamp(now + 5000)},100 fail2ban.actions [1]: NOTICE  [sshd] Ban 127.0.0.9\n`);
  model.follower!.poke();
  await model.follower!.idle();
  t.is(sum('sshd'), 4, 'a ban after the database read counts');
  t.deepEqual(fs.readFileSync(db), dbBefore, 'the database was only read');
  t.false(fs.existsSync(`${db}-journal`) || fs.existsSync(`${db}-wal`));
});

test('localTimeMs with its per-minute cache gives what a local-time Date gives, across minutes, hours, days and odd input', (t) => {
  const slow = (text: string) => {
    const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(text);
    return m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]).getTime() : null;
  };
  // Every 7 s for two days (a DST change, if this zone has one then, included), in log order, then back in time.
  const start = new Date(2026, 2, 27, 22, 0, 0).getTime();
  const texts: string[] = [];
  for (let ms = start; ms < start + 2 * 86_400_000; ms += 7_000) texts.push(formatLocalTime(ms));
  texts.push('2026-03-27 22:00:59', '2026-03-27 22:00:01', '2026-11-28 20:13:60', '2026-11-28 20:13:4x', '2026-11-28T20:13:44', '2026-02-30 10:00:00', 'garbage');
  for (const text of texts) t.is(localTimeMs(text), slow(text), text);
  t.is(formatLocalTime(localTimeMs('2026-11-28 20:13:44')!), '2026-11-28 20:13:44');
});

test('LiveEvents shows the logged time of each event (formatted again from its epoch), and reuses one copy per address', (t) => {
  const ev = new LiveEvents({ eventRing: 10, trackedAddresses: 10, maxJails: 4, sparklineMinutes: 60 });
  const chunk = `2026-11-28 20:04:05,100 fail2ban.filter  [1]: INFO    [sshd] Found 2001:db8:1234::77 - 2026-11-28 20:04:05\n2026-11-28 20:04:06,100 fail2ban.actions [1]: NOTICE  [sshd] Ban 2001:db8:1234::77\n`;
  t.is(ev.feedText(chunk, Date.now()), 2);
  const [ban, found] = ev.events(2);
  t.deepEqual([ban.time, ban.kind, ban.ip, found.time], ['2026-11-28 20:04:06', 'Ban', '2001:db8:1234::77', '2026-11-28 20:04:05']);
  t.deepEqual(ev.top(1), [{ ip: '2001:db8:1234::77', failures: 1, bans: 1 }]);
});

test('the live model asks the server again after a new Ban or Unban line, not after Found lines or history (a status round lists every banned address)', async (t) => {
  const { root, log } = tempRoot(t);
  fs.mkdirSync(path.join(root, 'etc/fail2ban'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/fail2ban/fail2ban.conf'), '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\ndbfile = None\n');
  fs.writeFileSync(log, '');
  const model = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10, pollMs: 60_000, statusMinGapMs: 50, statusIdleMs: 60_000 } });
  t.teardown(() => model.dispose());
  await model.ready;
  await model.follower!.idle();
  await model.poller!.idle();
  const settle = async () => {
    model.follower!.poke();
    await model.follower!.idle();
    await new Promise((r) => setTimeout(r, 300));
    await model.poller!.idle();
  };
  const rounds = model.poller!.rounds;
  fs.appendFileSync(log, lines(0, 200));
  await settle();
  t.is(model.poller!.rounds, rounds, '200 Found lines: no status round');
  fs.appendFileSync(log, line(6, 'Ban'));
  await settle();
  t.is(model.poller!.rounds, rounds, 'a Ban line older than the last round (history): that round saw it');
  const now = (kind: string, n: number) => `${localStamp(Date.now())},100 fail2ban.actions [1]: NOTICE  [sshd] ${kind} 127.0.0.${n}\n`;
  fs.appendFileSync(log, now('Ban', 7));
  await settle();
  t.is(model.poller!.rounds, rounds + 1, 'a new Ban line: one round');
  fs.appendFileSync(log, now('Unban', 8) + now('Restore Ban', 9));
  await settle();
  t.is(model.poller!.rounds, rounds + 2, 'Unban and Restore Ban: one more');
});

test('a 1 GiB log, then ~120 MiB more streamed through the live model in bursts: every line read, memory bounded whatever the volume', async (t) => {
  t.timeout(120_000);
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const heapMiB = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };

  const { root, log } = tempRoot(t);
  fs.mkdirSync(path.join(root, 'etc/fail2ban'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/fail2ban/fail2ban.conf'), '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\n');
  const fd = fs.openSync(log, 'w');
  fs.ftruncateSync(fd, 1024 * 1024 * 1024); // 1 GiB of history (sparse)
  fs.closeSync(fd);
  fs.appendFileSync(log, '\n');
  // The real policy (256 KiB reads, 64 MiB lag bound); no timers: the test drives the follower.
  const model = openFail2banLive(createLocalHost({ root }), { policy: { ...livePolicy, notifyMs: 10, pollMs: 600_000 } });
  t.teardown(() => model.dispose());
  await model.ready;
  const f = model.follower!;
  await f.idle();

  // Each burst stays under maxLagBytes, so every byte is read (none skipped);
  // every line a new address (more than the offenders map may hold).
  const BURST_MIB = 40;
  const BURSTS = 3;
  let n = 0;
  let appended = 0;
  const burst = () => {
    const target = BURST_MIB * 1024 * 1024;
    for (let written = 0; written < target; ) {
      let chunk = '';
      for (let i = 0; i < 20_000; i++, n++) {
        const kind = n % 50 === 49 ? 'Ban' : 'Found';
        chunk += `2026-11-28 20:04:${String(n % 60).padStart(2, '0')},100 fail2ban.filter  [1]: INFO    [sshd] ${kind} 127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255} - 2026-11-28 20:04:00\n`;
      }
      fs.appendFileSync(log, chunk);
      written += chunk.length;
      appended += chunk.length;
    }
  };
  const catchUp = async () => {
    const want = fs.statSync(log).size;
    let guard = 0;
    while (f.status.bytesRead + f.status.skippedBytes < want - 1024 * 1024 * 1024 - 1 && guard++ < 100_000) {
      f.poke();
      await f.idle();
    }
  };
  const read0 = f.status.bytesRead;
  const lines0 = f.status.linesRead;
  const base = heapMiB();
  const heaps: number[] = [];
  const t0 = Date.now();
  for (let b = 0; b < BURSTS; b++) {
    burst();
    await catchUp();
    heaps.push(heapMiB());
  }
  const seconds = (Date.now() - t0) / 1000;
  const streamedMiB = appended / 1024 / 1024;
  t.log(`bench fail2ban-log-stream ${JSON.stringify({ streamedMiB: Math.round(streamedMiB), lines: n, seconds, MiBPerSecond: Math.round(streamedMiB / seconds), heapBaseMiB: Math.round(base), heapAfterBurstsMiB: heaps.map(Math.round) })}`);
  t.is(f.status.skippedBytes, 0, 'bursts under maxLagBytes are read whole');
  t.is(f.status.bytesRead - read0, appended, 'every byte appended was read');
  t.is(f.status.linesRead - lines0, n, 'every line');
  t.true(streamedMiB > 100);
  // Bounded: the model's heap after ~120 MiB of new lines and ~1.2 M addresses
  // grows by the bounded structures only (events ring, per-minute counts,
  // offenders map), not with the volume streamed.
  const growth = Math.max(...heaps) - base;
  t.true(growth < 40, `heap grew ${growth.toFixed(1)} MiB while ${streamedMiB.toFixed(0)} MiB streamed`);
  t.true(heaps[BURSTS - 1] - heaps[0] < 16, `no growth from burst to burst: ${heaps.map((h) => h.toFixed(1)).join(', ')} MiB`);
  const s = model.snapshot();
  t.true(s.events.length <= livePolicy.eventRing);
  t.regex(s.events[0].ip, /^127\./);
});
