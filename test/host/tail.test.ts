// Host.readFrom: following a growing log in bounded pieces. Whole lines
// only (a line cut by maxBytes or still being written comes whole on a
// later call), truncation and rotation restart from 0, never more than
// maxBytes per call, and a 1 GB log streams with bounded memory.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LiveEvents } from '../../checks/fail2ban/live-events';
import type { Host, TailChunk } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { put, tempDir } from './helpers';

const LOG = '/var/log/fail2ban.log';

function logLine(i: number, kind = 'Found'): string {
  return `2026-11-28 20:04:${String(i % 60).padStart(2, '0')},407 fail2ban.filter  [25247]: INFO    [sshd] ${kind} 127.0.${(i >> 8) & 255}.${i & 255} - 2026-11-28 20:04:20\n`;
}

/** Read until caught up, as a follower would; returns every text in order. */
async function drain(host: Host, offset: number, maxBytes: number, inode?: number): Promise<{ texts: string[]; last: TailChunk }> {
  const texts: string[] = [];
  let pos = offset;
  let ino = inode;
  for (;;) {
    const c = await host.readFrom(LOG, pos, maxBytes, { inode: ino });
    if (!c) throw new Error('log vanished');
    texts.push(c.text);
    pos = c.nextOffset;
    ino = c.inode;
    if (!c.more) return { texts, last: c };
  }
}

test('whole lines only: an unfinished last line waits for its newline, then comes whole', async (t) => {
  const root = tempDir(t);
  const real = put(root, LOG.slice(1), 'one\ntwo\nthr');
  const host = createLocalHost({ root });
  const a = await host.readFrom(LOG, 0, 1024);
  t.is(a?.text, 'one\ntwo\n');
  t.is(a?.nextOffset, 8);
  t.is(a?.size, 11);
  t.false(a?.rotated);
  t.false(a?.more, 'the rest is not a whole line yet');
  const again = await host.readFrom(LOG, a!.nextOffset, 1024, { inode: a!.inode });
  t.is(again?.text, '', 'still nothing whole');
  t.is(again?.nextOffset, 8);
  fs.appendFileSync(real, 'ee\nfour\n');
  const b = await host.readFrom(LOG, a!.nextOffset, 1024, { inode: a!.inode });
  t.is(b?.text, 'three\nfour\n');
  t.is(b?.nextOffset, 19);
});

test('a line split across reads by maxBytes is completed on the next call; never more than maxBytes per call', async (t) => {
  const root = tempDir(t);
  let text = '';
  for (let i = 0; i < 200; i++) text += logLine(i);
  put(root, LOG.slice(1), text);
  const host = createLocalHost({ root });
  // 1000 bytes: not a multiple of the line length (~110), so most reads cut a line.
  const { texts } = await drain(host, 0, 1000);
  for (const piece of texts) {
    t.true(Buffer.byteLength(piece) <= 1000);
    t.true(piece === '' || piece.endsWith('\n'), 'every piece ends at a line end');
  }
  t.is(texts.join(''), text, 'the pieces are the file, in order, no line lost or doubled');
  t.true(texts.length > 20);
});

test('a single line longer than maxBytes comes cut rather than stalling the reader', async (t) => {
  const root = tempDir(t);
  put(root, LOG.slice(1), `${'x'.repeat(5000)}\nshort\n`);
  const host = createLocalHost({ root });
  const { texts } = await drain(host, 0, 1024);
  t.is(texts[0], 'x'.repeat(1024));
  t.is(texts.join(''), `${'x'.repeat(5000)}\nshort\n`);
});

test('truncation (size below the offset, as copytruncate does) restarts from 0', async (t) => {
  const root = tempDir(t);
  const real = put(root, LOG.slice(1), logLine(1) + logLine(2));
  const host = createLocalHost({ root });
  const a = (await host.readFrom(LOG, 0, 4096))!;
  fs.truncateSync(real, 0);
  fs.appendFileSync(real, 'after\n');
  const b = (await host.readFrom(LOG, a.nextOffset, 4096, { inode: a.inode }))!;
  t.true(b.rotated);
  t.true(b.truncated);
  t.is(b.inode, a.inode, 'same file');
  t.is(b.text, 'after\n');
  t.is(b.nextOffset, 6);
});

test('rotation mid-tail (renamed away, a new file in its place) restarts from 0 of the new file', async (t) => {
  const root = tempDir(t);
  const real = put(root, LOG.slice(1), logLine(1) + logLine(2) + logLine(3));
  const host = createLocalHost({ root });
  const a = (await host.readFrom(LOG, 0, 150))!; // mid-tail: one line read, more waiting
  t.true(a.more);
  fs.renameSync(real, `${real}.1`);
  // Longer than what we had read, so only the inode can tell it is another file.
  fs.writeFileSync(real, logLine(10) + logLine(11) + logLine(12) + logLine(13));
  const b = (await host.readFrom(LOG, a.nextOffset, 4096, { inode: a.inode }))!;
  t.true(b.rotated);
  t.false(b.truncated);
  t.not(b.inode, a.inode);
  t.is(b.text, logLine(10) + logLine(11) + logLine(12) + logLine(13));
  // The old file is still there by its new name, with the same inode: the rest can be drained.
  const rest = (await host.readFrom(`${LOG}.1`, a.nextOffset, 4096, { inode: a.inode }))!;
  t.false(rest.rotated);
  t.is(rest.text, logLine(2) + logLine(3));
});

test('missing: null; a FIFO or a directory: HostError at once (no hang); bad arguments refused', async (t) => {
  const root = tempDir(t);
  const host = createLocalHost({ root });
  t.is(await host.readFrom(LOG, 0, 100), null);
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  execFileSync('mkfifo', [path.join(root, 'var/log/fifo.log')]);
  const fifo = await t.throwsAsync(host.readFrom('/var/log/fifo.log', 0, 100), { name: 'HostError' });
  t.regex(fifo.message, /^\/var\/log\/fifo\.log: is a FIFO/);
  fs.mkdirSync(path.join(root, 'var/log/dir.log'));
  await t.throwsAsync(host.readFrom('/var/log/dir.log', 0, 100), { name: 'HostError', message: /is a directory/ });
  put(root, LOG.slice(1), 'x\n');
  await t.throwsAsync(host.readFrom(LOG, -1, 100), { name: 'HostError' });
  await t.throwsAsync(host.readFrom(LOG, 0, 0), { name: 'HostError' });
});

test('under --root a symlinked log is followed under the root, never to the real system', async (t) => {
  const root = tempDir(t);
  put(root, 'srv/logs/f2b.log', 'inside the root\n');
  fs.mkdirSync(path.join(root, 'var/log'), { recursive: true });
  fs.symlinkSync('/srv/logs/f2b.log', path.join(root, LOG.slice(1)));
  const host = createLocalHost({ root });
  t.is((await host.readFrom(LOG, 0, 100))?.text, 'inside the root\n');
});

/** Heap and buffers in use now (what a read-everything implementation would blow up). */
function inUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

test('a 1 GB sparse-ish log streams through readFrom into the live counters with bounded memory', async (t) => {
  t.timeout(120_000);
  const root = tempDir(t);
  const real = path.join(root, LOG.slice(1));
  fs.mkdirSync(path.dirname(real), { recursive: true });
  // 1 GiB made quickly: a sparse file (holes read as NUL bytes) with a block
  // of real log lines every 8 MiB. Each block starts with "\n" so the hole
  // before it ends there (a run of NULs is one long, meaningless "line").
  const SIZE = 1024 * 1024 * 1024;
  const STEP = 8 * 1024 * 1024;
  const PER_BLOCK = 50;
  const fd = fs.openSync(real, 'w');
  let lines = 0;
  let lastLineEnd = 0;
  try {
    fs.ftruncateSync(fd, SIZE);
    for (let at = STEP, b = 0; at + 64 * 1024 < SIZE; at += STEP, b++) {
      let block = '\n';
      for (let i = 0; i < PER_BLOCK; i++) block += logLine(b * PER_BLOCK + i, i === PER_BLOCK - 1 ? 'Ban' : 'Found');
      fs.writeSync(fd, block, at);
      lines += PER_BLOCK;
      lastLineEnd = at + Buffer.byteLength(block);
    }
  } finally {
    fs.closeSync(fd);
  }
  t.is(fs.statSync(real).size, SIZE);

  const host = createLocalHost({ root });
  const events = new LiveEvents({ eventRing: 1000, trackedAddresses: 500, maxJails: 8, sparklineMinutes: 60 });
  const now = new Date(2026, 10, 28, 20, 30).getTime();
  const before = inUse();
  let peak = before;
  let offset = 0;
  let inode: number | undefined;
  let bytes = 0;
  let calls = 0;
  let found = 0;
  let last: TailChunk | null = null;
  const chunk = 1024 * 1024;
  for (;;) {
    const c = (await host.readFrom(LOG, offset, chunk, { inode }))!;
    t.false(c.rotated);
    bytes += c.nextOffset - offset;
    calls++;
    found += events.feedText(c.text, now);
    offset = c.nextOffset;
    inode = c.inode;
    last = c;
    if (calls % 16 === 0) peak = Math.max(peak, inUse());
    if (!c.more) break;
  }
  peak = Math.max(peak, inUse());
  const growthMiB = (peak - before) / 1024 / 1024;
  t.log(`1 GiB in ${calls} reads of ≤ 1 MiB; ${found} events; peak growth of heap+buffers ${growthMiB.toFixed(1)} MiB`);
  // Past the last newline only NULs: whole 1 MiB runs come cut (an overlong
  // "line"), the rest is an unfinished line and waits.
  t.true(bytes >= lastLineEnd && SIZE - bytes < chunk, `read up to ${bytes} of ${SIZE}`);
  t.is(last?.size, SIZE);
  t.is(last?.text, '', 'the NULs after the last newline are an unfinished line: withheld');
  t.is(found, lines, 'every real line became an event');
  t.is(events.held.events, 1000, 'the ring holds its capacity, not the whole log');
  t.true(events.held.addresses <= 1000, 'the offender map stays within 2 × its capacity');
  // Reading the file whole would need over 1 GiB (2 GiB as a JS string).
  t.true(growthMiB < 256, `memory grew by ${growthMiB.toFixed(1)} MiB`);
});
