// PtyPane's pure helpers, and its API in-process on a screen whose output is
// a stream (no terminal needed): events, sizes, key forwarding, dispose.
import test from 'ava';
import { PassThrough } from 'node:stream';
import * as blessed from 'blessed';
import { Terminal } from '@xterm/headless';
import { cellAttr, describeExit, keyToBytes, PtyPane, rgbTo256, type PtyExit } from '../../src/tty/pty-pane';
import { createScreen } from '../../src/ui/screen';

const CLEAN_ENV = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color' };

test('keyToBytes: raw sequences pass through, the duplicate CR is dropped, arrows follow DECCKM', (t) => {
  t.is(keyToBytes('a', { name: 'a', sequence: 'a', full: 'a' }, false), 'a');
  t.is(keyToBytes('\r', { name: 'return', sequence: '\r', full: 'return' }, false), '\r');
  t.is(keyToBytes('\r', { name: 'enter', sequence: '\r', full: 'enter' }, false), undefined, 'synthetic enter');
  t.is(keyToBytes('\n', { name: 'linefeed', sequence: '\n', full: 'linefeed' }, false), '\n');
  t.is(keyToBytes('\x03', { name: 'c', ctrl: true, sequence: '\x03', full: 'C-c' }, false), '\x03');
  t.is(keyToBytes(undefined, { name: 'up', sequence: '\x1bOA', full: 'up' }, false), '\x1b[A');
  t.is(keyToBytes(undefined, { name: 'up', sequence: '\x1b[A', full: 'up' }, true), '\x1bOA');
  t.is(keyToBytes(undefined, { name: 'left', ctrl: true, sequence: '\x1b[1;5D', full: 'C-left' }, true), '\x1b[1;5D');
  t.is(keyToBytes(undefined, { name: 'f5', sequence: '\x1b[15~', full: 'f5' }, false), '\x1b[15~');
  t.is(keyToBytes('\x1d', undefined, false), '\x1d', 'unnamed control characters arrive as ch only');
  t.is(keyToBytes('é', { sequence: 'é', full: 'é' }, false), 'é');
  t.is(keyToBytes(undefined, undefined, false), undefined);
});

test('describeExit', (t) => {
  t.is(describeExit(undefined), 'running…');
  t.is(describeExit({ exitCode: 0 }), 'exited 0');
  t.is(describeExit({ exitCode: 1 }), 'exited 1');
  t.is(describeExit({ exitCode: 0, signal: 'SIGTERM' }), 'killed by SIGTERM');
});

test('rgbTo256 picks the xterm cube or grey ramp', (t) => {
  t.is(rgbTo256(0xff8700), 208);
  t.is(rgbTo256(0x000000), 16);
  t.is(rgbTo256(0xffffff), 231);
  t.is(rgbTo256(0xff0000), 196);
  t.is(rgbTo256(0x808080), 244);
  t.is(rgbTo256(0x121212), 233);
  t.is(rgbTo256(0xfe8801), 208, 'near colours snap');
});

function writeSync(term: Terminal, data: string) {
  return new Promise<void>((resolve) => term.write(data, resolve));
}

test('cellAttr packs xterm cells as blessed attributes (flags<<18 | fg<<9 | bg)', async (t) => {
  const term = new Terminal({ cols: 20, rows: 2, allowProposedApi: true });
  t.teardown(() => term.dispose());
  await writeSync(term, 'a\x1b[1;4;31;42mb\x1b[0;7;38;5;208mc\x1b[0;38;2;255;0;0;48;2;0;0;0md\x1b[0m');
  const line = term.buffer.active.getLine(0)!;
  const attr = (x: number) => cellAttr(line.getCell(x)!);
  t.is(attr(0), (0x1ff << 9) | 0x1ff, 'default');
  t.is(attr(1), ((1 | 2) << 18) | (1 << 9) | 2, 'bold underline red on green');
  t.is(attr(2), (8 << 18) | (208 << 9) | 0x1ff, 'inverse, 256-colour fg');
  t.is(attr(3), (196 << 9) | 16, 'truecolour fg/bg mapped');
});

// --- in-process: a screen writing into a stream ------------------------------------

function headlessScreen(t: { teardown(fn: () => void): void }) {
  const output = Object.assign(new PassThrough(), { columns: 60, rows: 12, isTTY: true });
  output.resume(); // discard what blessed draws
  const input = new PassThrough();
  const screen = createScreen({ output, input, env: { TERM: 'xterm-256color' } });
  t.teardown(() => screen.destroy());
  const box = blessed.box({ parent: screen, top: 0, left: 0, width: 40, height: 10, border: 'line' });
  return { screen, box, input };
}

function until<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    const tick = () => {
      const v = fn();
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() > end) return reject(new Error('timed out'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

test('in-process: size from the box, keys forwarded when focused, onExit payload', async (t) => {
  const { screen, box, input } = headlessScreen(t);
  const pane = new PtyPane({ box, command: { file: '/bin/sh', args: ['-c', 'stty size; read x; echo "got:$x"; exit 7'], env: CLEAN_ENV } });
  t.teardown(() => pane.dispose());
  t.deepEqual(pane.size, { cols: 38, rows: 7 }, '40x10 box minus border, minus status row');
  const exited = new Promise<PtyExit>((resolve) => pane.onExit(resolve));
  pane.focus();
  screen.render();
  await until(() => pane.visibleText().some((l) => l === '7 38'));
  input.write('hi\r');
  const exit = await exited;
  t.deepEqual(exit, { exitCode: 7, signal: undefined });
  t.false(pane.running);
  t.true(pane.visibleText().includes('got:hi'));
  // After exit, Enter releases (once, despite blessed's doubled CR event).
  let releases = 0;
  pane.onRelease((reason) => {
    t.is(reason, 'done');
    releases++;
  });
  input.write('\r');
  await until(() => releases > 0);
  await new Promise((r) => setTimeout(r, 50));
  t.is(releases, 1);
});

test('in-process: focus grabs the screen keys; blur and dispose give them back', (t) => {
  const { screen, box } = headlessScreen(t);
  const other = blessed.box({ parent: screen, top: 10, height: 1, width: 10 });
  const pane = new PtyPane({ box, command: { file: '/bin/sh', args: ['-c', 'sleep 5'], env: CLEAN_ENV } });
  t.teardown(() => pane.dispose());
  t.false(screen.grabKeys);
  pane.focus();
  t.true(screen.grabKeys);
  other.focus();
  t.false(screen.grabKeys);
  pane.focus();
  pane.dispose();
  t.false(screen.grabKeys);
});

test('in-process: dispose kills the running child and its process group', async (t) => {
  const { box } = headlessScreen(t);
  const pane = new PtyPane({
    box,
    command: { file: '/bin/sh', args: ['-c', 'sleep 1000 & echo "bg:$!"; wait'], env: CLEAN_ENV },
  });
  const bg = await until(() => {
    const m = /bg:(\d+)/.exec(pane.visibleText().join('\n'));
    return m ? Number(m[1]) : undefined;
  });
  const pid = pane.pid;
  pane.dispose();
  pane.dispose(); // idempotent
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  await until(() => !alive(pid) && !alive(bg));
  t.pass();
});

test('in-process: a pane made from a parent owns its box and destroys it on dispose', async (t) => {
  const { screen } = headlessScreen(t);
  const pane = new PtyPane({
    parent: screen,
    boxOptions: { top: 0, left: 0, width: 30, height: 8 },
    statusLine: false,
    command: { file: '/bin/sh', args: ['-c', 'echo hi; read x'], env: CLEAN_ENV },
  });
  t.deepEqual(pane.size, { cols: 30, rows: 8 }, 'no border, no status row');
  t.true(screen.children.includes(pane.box));
  await until(() => pane.visibleText().includes('hi'));
  pane.dispose();
  t.false(screen.children.includes(pane.box));
});

test('PtyPane needs a box or a parent', (t) => {
  t.throws(() => new PtyPane({ command: { file: '/bin/true', args: [], env: {} } }), { message: /box or a parent/ });
});
