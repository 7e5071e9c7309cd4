// Child process of the ingestion bench (a fresh process, so memory figures
// are this work's and nothing else's): stream a fail2ban log through the
// project's parser in chunks and report bytes, time and memory as JSON.
//
//   node --expose-gc --import tsx bench/ingest-worker.ts FILE parser|tail|live
//
// parser: fs read stream (256 KiB chunks) → lines → parseLogLine, keeping
//         what a ban view needs (per jail and address: failures, bans).
// tail:   the same, but the bytes come through Host.readFrom (src/host/tail.ts,
//         the live view's tail reader) in the app's chunk size.
// live:   the dashboard's own consumer: Host.readFrom → LiveEvents.feedText
//         (checks/fail2ban/live-events.ts) with the policy's limits.
//
// Memory: VmRSS after loading and a GC is the baseline; VmHWM (peak RSS) is
// reset through /proc/self/clear_refs ("5") right after, so the peak is the
// peak of the streaming alone. Both are also sampled once per chunk.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseLogLine } from '../src/parse/fail2ban-log';

interface Tally {
  lines: number;
  events: number;
  byKind: Record<string, number>;
  perJail: Map<string, Map<string, { found: number; bans: number }>>;
}

function newTally(): Tally {
  return { lines: 0, events: 0, byKind: {}, perJail: new Map() };
}

function consume(tally: Tally, line: string): void {
  tally.lines++;
  const e = parseLogLine(line);
  if (!e) return;
  tally.events++;
  tally.byKind[e.kind] = (tally.byKind[e.kind] ?? 0) + 1;
  let jail = tally.perJail.get(e.jail);
  if (!jail) tally.perJail.set(ownCopy(e.jail), (jail = new Map()));
  let ip = jail.get(e.ip);
  if (!ip) jail.set(ownCopy(e.ip), (ip = { found: 0, bans: 0 }));
  if (e.kind === 'Found') ip.found++;
  else if (e.kind === 'Ban' || e.kind === 'Restore Ban') ip.bans++;
}

/**
 * A string that does not share memory with the chunk it came from. A regex
 * group or slice() of a V8 string is a "sliced string" that keeps its whole
 * parent alive: a Map key taken straight from a line pins the 256 KiB chunk
 * it was read in, and a log with a new address in every chunk pins them all
 * (measured: 85 → 41 MiB peak extra on 50 MB). Copied once per new key only.
 */
function ownCopy(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

function status(): { rss: number; hwm: number } {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)![1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(s)![1]) };
}

/** Feeds text chunks, calls `line` for each complete line; the last partial line waits for the next chunk. */
function lineSplitter(line: (l: string) => void): { push(chunk: string): void; end(): void } {
  let carry = '';
  return {
    push(chunk) {
      const text = carry + chunk;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        carry = text;
        return;
      }
      carry = text.slice(cut + 1);
      const complete = text.slice(0, cut);
      let from = 0;
      for (let nl = complete.indexOf('\n'); nl >= 0; nl = complete.indexOf('\n', from)) {
        line(complete.slice(from, nl));
        from = nl + 1;
      }
      line(complete.slice(from));
    },
    end() {
      if (carry) line(carry);
      carry = '';
    },
  };
}

async function viaStream(file: string, tally: Tally, sample: () => void): Promise<number> {
  const split = lineSplitter((l) => consume(tally, l));
  let bytes = 0;
  const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024, encoding: 'utf8' });
  for await (const chunk of stream as AsyncIterable<string>) {
    bytes += chunk.length; // ASCII log: characters = bytes
    split.push(chunk);
    sample();
  }
  split.end();
  return bytes;
}

/** The app's chunk size for following fail2ban's log (assets/policy/fail2ban.json live.readChunkBytes). */
function policyChunkBytes(): number {
  try {
    const policy = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../assets/policy/fail2ban.json'), 'utf8')) as { live?: { readChunkBytes?: number } };
    return policy.live?.readChunkBytes ?? 256 * 1024;
  } catch {
    return 256 * 1024;
  }
}

/**
 * Through the tail reader: Host.readFrom (src/host/tail.ts) on a local Host,
 * as the live view's follower calls it — bounded reads of whole lines, the
 * cursor (offset, inode) kept by the caller.
 */
async function viaTail(file: string, tally: Tally, sample: () => void): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLocalHost } = require('../src/host/local-host') as typeof import('../src/host/local-host');
  const host = createLocalHost({ root: '/', network: false }) as unknown as {
    readFrom?: (p: string, offset: number, maxBytes: number, opts?: { inode?: number }) => Promise<{ text: string; nextOffset: number; inode: number; rotated: boolean } | null>;
  };
  if (typeof host.readFrom !== 'function') throw new Error('the Host has no readFrom (src/host/tail.ts not wired into local-host yet)');
  const maxBytes = policyChunkBytes();
  const split = lineSplitter((l) => consume(tally, l));
  const size = fs.statSync(file).size;
  let offset = 0;
  let inode: number | undefined;
  while (offset < size) {
    const chunk = await host.readFrom(file, offset, maxBytes, { inode });
    if (!chunk) throw new Error(`readFrom: ${file} vanished`);
    if (chunk.rotated && offset > 0) throw new Error('readFrom reported a rotation of a file nobody rotated');
    if (chunk.nextOffset <= offset) throw new Error(`readFrom made no progress at offset ${offset}`);
    inode = chunk.inode;
    split.push(chunk.text);
    offset = chunk.nextOffset;
    sample();
  }
  split.end();
  return offset;
}

/**
 * The dashboard's own pipeline: Host.readFrom → LiveEvents.feedText
 * (checks/fail2ban/live-events.ts) with the limits of
 * assets/policy/fail2ban.json — what the live fail2ban view keeps.
 */
async function viaLiveView(file: string, tally: Tally, sample: () => void): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createLocalHost } = require('../src/host/local-host') as typeof import('../src/host/local-host');
  const events = require('../checks/fail2ban/live-events') as { LiveEvents?: new (limits: object) => { feedText(text: string, nowMs: number): number; linesSeen: number } };
  const policy = require('../checks/fail2ban/live-policy') as { livePolicy?: Record<string, number> };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (!events.LiveEvents || !policy.livePolicy) throw new Error('checks/fail2ban/live-events.ts or live-policy.ts lacks LiveEvents / livePolicy');
  const host = createLocalHost({ root: '/', network: false }) as unknown as {
    readFrom?: (p: string, offset: number, maxBytes: number, opts?: { inode?: number }) => Promise<{ text: string; nextOffset: number; inode: number } | null>;
  };
  if (typeof host.readFrom !== 'function') throw new Error('the Host has no readFrom');
  const live = new events.LiveEvents(policy.livePolicy);
  const maxBytes = policy.livePolicy.readChunkBytes ?? policyChunkBytes();
  const size = fs.statSync(file).size;
  let offset = 0;
  let inode: number | undefined;
  const now = Date.now();
  while (offset < size) {
    const chunk = await host.readFrom(file, offset, maxBytes, { inode });
    if (!chunk || chunk.nextOffset <= offset) throw new Error(`readFrom made no progress at offset ${offset}`);
    inode = chunk.inode;
    tally.events += live.feedText(chunk.text, now);
    offset = chunk.nextOffset;
    sample();
  }
  tally.lines = live.linesSeen;
  return offset;
}

async function main(): Promise<void> {
  const [file, mode] = process.argv.slice(2);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = status();
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5'); // reset VmHWM to the current RSS
  } catch {
    // older kernels: VmHWM then includes start-up, which only overstates the peak
  }
  let sampledPeak = base.rss;
  let heapPeak = process.memoryUsage().heapUsed;
  let n = 0;
  const sample = () => {
    if (++n % 4) return; // every 1 MiB
    const m = process.memoryUsage();
    sampledPeak = Math.max(sampledPeak, Math.round(m.rss / 1024));
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const tally = newTally();
  const t0 = process.hrtime.bigint();
  const bytes = mode === 'live' ? await viaLiveView(file, tally, sample) : mode === 'tail' ? await viaTail(file, tally, sample) : await viaStream(file, tally, sample);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const end = status();
  const addresses = [...tally.perJail.values()].reduce((s, m) => s + m.size, 0);
  process.stdout.write(
    `${JSON.stringify({
      bytes,
      seconds,
      lines: tally.lines,
      events: tally.events,
      byKind: tally.byKind,
      jails: tally.perJail.size,
      addresses,
      baselineRssKiB: base.rss,
      peakRssKiB: Math.max(end.hwm, sampledPeak),
      heapPeakBytes: heapPeak,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
