// execStream(): exec's trusted lookup, clean environment and process-group
// kill, but stdout handed over in pieces as it arrives (never collected), with
// real programs: seq, cat of generated files, printf split mid-character.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLocalHost } from '../../src/host/local-host';
import { cleanEnvironment, DEFAULT_MAX_OUTPUT_BYTES } from '../../src/host/run-program';
import { findTrustedProgram } from '../../src/host/trusted-program';
import { processGone, put, tempDir, trustedBase, waitFor, within } from './helpers';

/** Runs execStream and keeps every piece. */
async function stream(program: string, args: string[], opts: Parameters<ReturnType<typeof createLocalHost>['execStream']>[3] = {}) {
  const pieces: string[] = [];
  const result = await createLocalHost().execStream(program, args, (text) => pieces.push(text), opts);
  return { result, pieces, text: pieces.join('') };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test.serial('a program planted first in $PATH is never run: the trusted /usr/bin one is (same lookup as exec)', async (t) => {
  const dir = path.join(trustedBase(t), 'bin');
  fs.mkdirSync(dir, { mode: 0o755 });
  const marker = path.join(dir, 'fake-ran');
  fs.writeFileSync(path.join(dir, 'id'), `#!/bin/sh\ntouch ${marker}\necho FAKE\n`, { mode: 0o755 });
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.teardown(() => {
    process.env.PATH = oldPath;
  });
  t.true((await findTrustedProgram('id', [dir])).ok, 'precondition: the planted id would pass the ownership checks');
  const { result, text } = await stream('id', ['-u']);
  t.is(result.program, fs.realpathSync('/usr/bin/id'));
  t.deepEqual(result.argv, ['id', '-u']);
  t.is(text, `${process.geteuid!()}\n`);
  t.false(fs.existsSync(marker), 'the planted program ran');
});

test.serial('the child gets the clean environment, never ours', async (t) => {
  const saved = process.env.LD_PRELOAD;
  process.env.LD_PRELOAD = '/nonexistent/evil.so';
  t.teardown(() => {
    if (saved === undefined) delete process.env.LD_PRELOAD;
    else process.env.LD_PRELOAD = saved;
  });
  const { result, text } = await stream('env', [], { env: { EXTRA: 'yes' } });
  t.is(result.stderr, '');
  const vars = Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  t.deepEqual(vars, { PATH: cleanEnvironment().PATH, LC_ALL: 'C', LANG: 'C', EXTRA: 'yes' });
});

test('a path, a missing program or bad options are refused exactly like exec, and onText never runs', async (t) => {
  const host = createLocalHost();
  let calls = 0;
  const onText = () => {
    calls++;
  };
  for (const [program, args] of [
    ['/bin/sh', ['-c', 'id']],
    ['../bin/sh', []],
    ['hardtop-no-such-program', ['x']],
    ['', []],
  ] as const) {
    const streamed = await host.execStream(program, [...args], onText);
    t.deepEqual(streamed, await host.exec(program, [...args]), program);
    t.truthy(streamed.spawnError);
  }
  t.regex((await host.execStream('/bin/sh', [], onText)).spawnError ?? '', /bare program name/);
  t.regex((await host.execStream('seq', ['3'], onText, { chunkBytes: 0 })).spawnError ?? '', /chunkBytes/);
  t.truthy((await host.execStream('true', [], onText, { cwd: '/nonexistent/dir' })).spawnError);
  t.is(calls, 0);
});

test('seq: every line arrives, in order, in pieces of at most chunkBytes ending with "\\n"; stdout is ""', async (t) => {
  const { result, pieces, text } = await stream('seq', ['1', '200000'], { chunkBytes: 1000 });
  t.is(result.exitCode, 0);
  t.is(result.stdout, '');
  t.false(result.truncated);
  t.is(text, `${Array.from({ length: 200000 }, (_, i) => i + 1).join('\n')}\n`);
  t.true(pieces.length >= text.length / 1000, `${pieces.length} pieces`);
  t.true(pieces.every((p) => p.endsWith('\n') && Buffer.byteLength(p) <= 1000));
});

test('cat of a generated 3 MB multi-byte file: the same text, whole lines, nothing mangled', async (t) => {
  const dir = tempDir(t);
  const lines: string[] = [];
  for (let i = 0, length = 0; length < 3_000_000; i++) {
    lines.push(`${i} Jörg Üñïcödé € 𝄞 ${'ø'.repeat(i % 300)}`);
    length += lines[i].length + 1;
  }
  const content = `${lines.join('\n')}\n`;
  const file = put(dir, 'big.txt', content);
  const { result, pieces, text } = await stream('cat', ['--', file], { maxOutputBytes: 64 * 1024 * 1024 });
  t.is(result.exitCode, 0);
  t.is(text, content);
  t.false(text.includes('\uFFFD'));
  t.true(pieces.every((p) => p.endsWith('\n') && Buffer.byteLength(p) <= 64 * 1024), 'default chunkBytes is 64 KiB');
});

test('a long line without a newline is cut at chunkBytes, on character boundaries, and its end is delivered', async (t) => {
  const dir = tempDir(t);
  const line = `${'é'.repeat(100_000)}€𝄞end`; // 200 007 bytes, no "\n"
  const file = put(dir, 'line.txt', line);
  const { result, pieces, text } = await stream('cat', [file], { chunkBytes: 1001 });
  t.is(result.exitCode, 0);
  t.is(text, line);
  t.true(pieces.length >= 200);
  t.true(pieces.every((p) => Buffer.byteLength(p) <= 1001 && !p.includes('\uFFFD')));
});

test('a character split across two writes (and two pipe reads) at every offset arrives whole', async (t) => {
  // printf writes the bytes before the split, sleeps, then the rest: two separate reads on our side.
  const sample = Buffer.from('a€𝄞é\nz', 'utf8');
  const octal = (b: Buffer) => [...b].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join('');
  for (let cut = 1; cut < sample.length; cut++) {
    for (const chunkBytes of [1, 3, 64 * 1024]) {
      const script = `printf '${octal(sample.subarray(0, cut))}'; sleep 0.05; printf '${octal(sample.subarray(cut))}'`;
      const { result, text, pieces } = await stream('sh', ['-c', script], { chunkBytes });
      const label = `cut at ${cut}, chunkBytes ${chunkBytes}: ${JSON.stringify(pieces)} ${JSON.stringify(result)}`;
      t.is(result.exitCode, 0, label);
      t.is(text, sample.toString('utf8'), label);
    }
  }
});

test('the child waits while onText runs: a slow consumer holds the producer back (nothing piles up in memory)', async (t) => {
  const dir = tempDir(t);
  const size = 4_000_000;
  const file = put(dir, 'data.txt', `${'x'.repeat(99)}\n`.repeat(size / 100));
  /** How far cat has read the file: its descriptor's offset (the whole file once cat is gone). */
  const catPosition = (): number => {
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
          if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue;
          return Number(/^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1]);
        }
      } catch {
        // a process that went away meanwhile
      }
    }
    return size;
  };
  let delivered = 0;
  let maxLead = 0;
  let calls = 0;
  const r = await createLocalHost().execStream('cat', [file], (text) => {
    calls++;
    if (calls % 8 === 1) {
      sleepSync(30); // a slow consumer; cat keeps running in parallel meanwhile
      maxLead = Math.max(maxLead, catPosition() - delivered);
    }
    delivered += text.length;
  }, { maxOutputBytes: size * 2, timeoutMs: 60_000 });
  t.is(r.exitCode, 0);
  t.is(delivered, size);
  // cat can be ahead of us by its own buffer, the pipe (64 KiB) and one read: never by the whole file.
  t.true(maxLead < 1024 * 1024, `cat ran ${maxLead} bytes ahead of the consumer`);
});

test('maxOutputBytes bounds the total handed over; the program is killed, truncated set', async (t) => {
  const started = Date.now();
  const { result, text } = await stream('yes', [], { maxOutputBytes: 1000 });
  t.true(result.truncated);
  t.false(result.timedOut);
  t.is(text.length, 1000);
  t.true(text.startsWith('y\ny\n'));
  t.true(Date.now() - started < 5000);
});

test('a timeout kills the child and its grandchildren; what came before still arrived', async (t) => {
  const started = Date.now();
  const { result, text } = await stream('sh', ['-c', 'seq 1 3; sleep 100 & echo $!; sleep 100'], { timeoutMs: 300 });
  t.true(result.timedOut);
  t.is(result.signal, 'SIGTERM');
  t.true(Date.now() - started < 30_000);
  const [one, two, three, pid] = text.trim().split('\n');
  t.deepEqual([one, two, three], ['1', '2', '3']);
  const grandchild = Number(pid);
  t.true(grandchild > 1, `no pid in ${JSON.stringify(text)}`);
  t.true(await waitFor(() => processGone(grandchild), 15_000), `grandchild ${grandchild} survived the timeout`);
});

test('an AbortSignal (here fired from onText) stops the whole group', async (t) => {
  const controller = new AbortController();
  let pid = 0;
  const r = await within(
    createLocalHost().execStream('sh', ['-c', 'sleep 100 & echo $!; while :; do echo tick; sleep 0.01; done'], (text) => {
      pid ||= Number(text.split('\n')[0]);
      if (text.includes('tick')) controller.abort();
    }, { signal: controller.signal }),
    30_000,
    'execStream after abort',
  );
  t.true(r.timedOut);
  t.true(pid > 1);
  t.true(await waitFor(() => processGone(pid), 15_000), `grandchild ${pid} survived the abort`);
  const pre = await createLocalHost().execStream('sleep', ['100'], () => undefined, { signal: AbortSignal.abort() });
  t.truthy(pre.spawnError);
});

test('stderr is still collected (exit code too), and bounded', async (t) => {
  const plain = await stream('sh', ['-c', 'echo out; echo oops >&2; exit 3']);
  t.is(plain.text, 'out\n');
  t.is(plain.result.stderr, 'oops\n');
  t.is(plain.result.exitCode, 3);
  const capped = await stream('sh', ['-c', 'echo out; yes err >&2'], { maxOutputBytes: 1000 });
  t.is(capped.result.stderr.length, 1000);
  t.true(capped.result.truncated);
  // A huge stdout allowance does not let stderr grow past exec's default.
  const big = await stream('sh', ['-c', 'yes err >&2'], { maxOutputBytes: 256 * 1024 * 1024 });
  t.is(big.result.stderr.length, DEFAULT_MAX_OUTPUT_BYTES);
  t.true(big.result.truncated);
});

test('stdin gets opts.input, as with exec', async (t) => {
  const { result, text } = await stream('cat', [], { input: 'hello\nworld' });
  t.is(result.exitCode, 0);
  t.is(text, 'hello\nworld');
});

test('onText throwing stops the program and execStream rejects with that error', async (t) => {
  const boom = new Error('consumer failed');
  const started = Date.now();
  const err = await t.throwsAsync(within(createLocalHost().execStream('yes', [], () => {
    throw boom;
  }), 30_000, 'execStream with a throwing consumer'));
  t.is(err, boom);
  t.true(Date.now() - started < 10_000);
});
