// createScreen, restoreTerminal and installExitHandlers, proven on the real
// thing: a tiny blessed app (test/fixtures/bin/screen-demo.ts) in a pty, read
// through @xterm/headless, with its stderr captured to a file.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createScreen, hasColour, noColorRequested, pickTerminal, restoreTerminal, type BundledTerminal } from '../../src/ui/screen';
import { startTui, tsxArgs, type Tui } from '../helpers/tui';

const demo = path.resolve(__dirname, '../fixtures/bin/screen-demo.ts');
const rawDemo = path.resolve(__dirname, '../fixtures/bin/raw-blessed-demo.ts');

function tmpFile(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-screen-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

async function startDemo(t: ExecutionContext, env: Record<string, string | undefined>) {
  const stderrFile = tmpFile(t, 'stderr');
  const { cmd, args } = tsxArgs(demo);
  const tui = startTui({ cmd, args, cols: 80, rows: 12, env, captureStderrTo: stderrFile });
  t.teardown(() => tui.dispose());
  await tui.waitForText('ready');
  return { tui, stderr: () => fs.readFileSync(stderrFile, 'utf8') };
}

function assertRestored(t: ExecutionContext, tui: Tui) {
  t.false(tui.isAltScreen(), 'alternate screen left');
  t.true(tui.isCursorVisible(), 'cursor shown again');
}

// --- the pure choice ---------------------------------------------------------------

test('pickTerminal maps TERM/COLORTERM onto the three bundled terminfo entries', (t) => {
  const cases: Array<[NodeJS.ProcessEnv, BundledTerminal]> = [
    [{ TERM: 'xterm-256color' }, 'xterm-256color'],
    [{ TERM: 'screen-256color' }, 'xterm-256color'],
    [{ TERM: 'tmux-256color' }, 'xterm-256color'],
    [{ TERM: 'xterm-kitty' }, 'xterm-256color'],
    [{ TERM: 'alacritty' }, 'xterm-256color'],
    [{ TERM: 'xterm-direct' }, 'xterm-256color'],
    [{ TERM: 'screen' }, 'xterm'],
    [{ TERM: 'screen', COLORTERM: 'truecolor' }, 'xterm-256color'],
    [{ TERM: 'vt100' }, 'xterm'],
    [{}, 'xterm'],
    [{ TERM: 'linux' }, 'linux'],
    [{ TERM: 'linux', COLORTERM: 'truecolor' }, 'linux'],
  ];
  for (const [env, want] of cases) t.is(pickTerminal(env), want, JSON.stringify(env));
});

test('NO_COLOR counts only when non-empty (no-color.org)', (t) => {
  t.true(noColorRequested({ NO_COLOR: '1' }));
  t.true(noColorRequested({ NO_COLOR: 'anything' }));
  t.false(noColorRequested({ NO_COLOR: '' }));
  t.false(noColorRequested({}));
});

// --- in-process, on streams ------------------------------------------------------------

function streams() {
  let written = '';
  // A Writable whose _write completes synchronously records every write at once.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      written += chunk.toString();
      cb();
    },
  });
  const out = Object.assign(sink, { columns: 40, rows: 10, isTTY: true });
  return { output: out, input: new PassThrough(), written: () => written };
}

test.serial('console is routed while any screen is up and restored once the last one goes, in any order', (t) => {
  const original = console.error;
  const seen: string[] = [];
  const a = createScreen({ ...streams(), env: { TERM: 'xterm' }, onLog: (l) => seen.push(`a ${l}`) });
  const b = createScreen({ ...streams(), env: { TERM: 'xterm' }, onLog: (l) => seen.push(`b ${l}`) });
  t.not(console.error, original);
  console.error('one');
  restoreTerminal(a); // the first one goes first
  t.not(console.error, original, 'b is still up');
  console.error('two');
  restoreTerminal(b);
  t.is(console.error, original);
  t.deepEqual(seen, ['a error: one', 'b error: one', 'b error: two']);
});

test.serial('restoreTerminal is safe to call twice and leaves the alternate screen once', async (t) => {
  const s = streams();
  const screen = createScreen({ ...s, env: { TERM: 'xterm-256color' } });
  screen.render();
  await new Promise((r) => setImmediate(r)); // blessed flushes its output buffer on the next tick
  t.true(s.written().includes('\x1b[?1049h'));
  restoreTerminal(screen);
  const after = s.written();
  restoreTerminal(screen);
  t.is(s.written(), after, 'second call writes nothing');
  t.is(after.split('\x1b[?1049l').length - 1, 1, 'left the alternate screen exactly once');
  t.true(after.endsWith('\x1b[0m\x1b[?25h'), 'ends with attributes reset and the cursor shown');
});

test.serial('hasColour follows NO_COLOR', (t) => {
  const a = createScreen({ ...streams(), env: { TERM: 'xterm-256color', NO_COLOR: '1' } });
  const b = createScreen({ ...streams(), env: { TERM: 'xterm-256color' } });
  t.false(hasColour(a));
  t.true(hasColour(b));
  restoreTerminal(a);
  restoreTerminal(b);
});

// --- the terminfo trap, for the TERMs admins really have -----------------------------

const TERMS: Array<{ term: string; colorterm?: string; terminfo: string; colors: number }> = [
  { term: 'screen-256color', terminfo: 'xterm-256color', colors: 256 },
  { term: 'tmux-256color', terminfo: 'xterm-256color', colors: 256 },
  { term: 'xterm-256color', terminfo: 'xterm-256color', colors: 256 },
  { term: 'xterm-kitty', terminfo: 'xterm-256color', colors: 256 },
  { term: 'screen', terminfo: 'xterm', colors: 8 },
  { term: 'screen', colorterm: 'truecolor', terminfo: 'xterm-256color', colors: 256 },
  { term: 'linux', terminfo: 'linux', colors: 8 },
  { term: 'vt220', terminfo: 'xterm', colors: 8 },
];

test('control: plain blessed falls into the trap with TERM=screen-256color (so the tests below can fail)', async (t) => {
  const stderrFile = tmpFile(t, 'stderr');
  const { cmd, args } = tsxArgs(rawDemo);
  const tui = startTui({ cmd, args, cols: 80, rows: 12, env: { TERM: 'screen-256color' }, captureStderrTo: stderrFile });
  t.teardown(() => tui.dispose());
  await tui.exited;
  const colors = Number(/raw colors=(\d+)/.exec(tui.screenText())?.[1]);
  const stderr = fs.readFileSync(stderrFile, 'utf8');
  t.log(`plain blessed: colors=${colors}, stderr ${stderr.length} bytes: ${JSON.stringify(stderr.slice(0, 60))}`);
  t.true(stderr !== '' || colors < 256);
});

for (const { term, colorterm, terminfo, colors } of TERMS) {
  const title = `TERM=${term}${colorterm ? ` COLORTERM=${colorterm}` : ''}: nothing on stderr, ${colors} colours, terminal restored`;
  test(title, async (t) => {
    const { tui, stderr } = await startDemo(t, { TERM: term, COLORTERM: colorterm });
    t.true(tui.screenText().includes(`terminfo=${terminfo} colors=${colors}`), tui.screenText());
    t.true(tui.screenText().includes('┌─ screen-demo'), 'box drawn with line characters');

    const orange = tui.find('ORANGE');
    t.truthy(orange);
    const fg = tui.cellStyle(orange!.x, orange!.y).fg;
    if (colors === 256) t.is(fg, 208, '#ff8700 is xterm colour 208');
    else t.true(typeof fg === 'number' && fg < 16, `reduced to the 16-colour range, got ${fg}`);
    const red = tui.find('BOLDRED')!;
    t.like(tui.cellStyle(red.x, red.y), { bold: true, fg: 1 });
    if (terminfo !== 'linux') t.true(tui.isAltScreen(), 'runs in the alternate screen');

    tui.press('q');
    const exit = await tui.exited;
    t.is(exit.exitCode, 0);
    assertRestored(t, tui);
    t.true(tui.screenText().includes('screen-demo: bye'));
    t.is(stderr(), '', 'stderr stays empty');
  });
}

test('NO_COLOR: no colour reaches the terminal, bold and inverse stay', async (t) => {
  const { tui } = await startDemo(t, { NO_COLOR: '1' });
  const orange = tui.find('ORANGE')!;
  t.like(tui.cellStyle(orange.x, orange.y), { fg: 'default', bg: 'default' });
  const red = tui.find('BOLDRED')!;
  t.like(tui.cellStyle(red.x, red.y), { fg: 'default', bold: true });
  const inv = tui.find('INV')!;
  t.like(tui.cellStyle(inv.x, inv.y), { inverse: true });
  t.notRegex(tui.rawOutput(), /\x1b\[[\d;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7]|38;5;\d+|48;5;\d+)[;m]/, 'no SGR colour codes at all');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

test('console.* and process warnings go to the log file, never onto the screen', async (t) => {
  const logFile = tmpFile(t, 'demo.log');
  const { tui, stderr } = await startDemo(t, { DEMO_LOG_FILE: logFile });
  tui.press('w');
  await tui.waitForText('warned');
  t.false(tui.screenText().includes('must not reach'), tui.screenText());
  t.false(tui.rawOutput().includes('must not reach'));
  t.false(tui.rawOutput().includes('nor this'));
  t.false(tui.rawOutput().includes('a process warning'));
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(stderr(), '');
  const log = fs.readFileSync(logFile, 'utf8');
  t.regex(log, /error: this must not reach the terminal/);
  t.regex(log, /log: nor this/);
  t.regex(log, /Warning: a process warning/);
});

for (const [key, what, message] of [
  ['t', 'uncaughtException', 'hardtop: fatal error: boom from a key handler second line'],
  ['r', 'unhandledRejection', 'hardtop: fatal error: rejected on purpose'],
] as const) {
  test(`${what}: terminal restored first, then one line on stderr, exit 1`, async (t) => {
    const { tui, stderr } = await startDemo(t, {});
    tui.press(key);
    const exit = await tui.exited;
    t.is(exit.exitCode, 1);
    assertRestored(t, tui);
    t.is(stderr(), message + '\n');
    // Restored first: the reset sequences come before nothing else is drawn.
    t.false(tui.screenText().includes('screen-demo'), 'the TUI is gone from the visible screen');
  });
}

test('a fatal error is printed after the terminal is restored (same pty, no capture)', async (t) => {
  const { cmd, args } = tsxArgs(demo);
  const tui = startTui({ cmd, args, cols: 80, rows: 12 });
  t.teardown(() => tui.dispose());
  await tui.waitForText('ready');
  tui.press('t');
  t.is((await tui.exited).exitCode, 1);
  const raw = tui.rawOutput();
  const leftAlt = raw.lastIndexOf('\x1b[?1049l');
  const message = raw.indexOf('hardtop: fatal error: boom');
  t.true(leftAlt >= 0 && message > leftAlt, 'left the alternate screen before printing');
  t.regex(tui.screenText(), /^hardtop: fatal error: boom from a key handler second line$/m);
  assertRestored(t, tui);
});

test('a bare process.exit() still restores the terminal', async (t) => {
  const { tui, stderr } = await startDemo(t, {});
  tui.press('x');
  t.is((await tui.exited).exitCode, 5);
  assertRestored(t, tui);
  t.is(stderr(), '');
});

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
  ['SIGHUP', 129],
] as const) {
  test(`${signal}: terminal restored, exit ${code}, nothing on stderr`, async (t) => {
    const { tui, stderr } = await startDemo(t, {});
    tui.kill(signal);
    const exit = await tui.exited;
    t.is(exit.exitCode, code);
    assertRestored(t, tui);
    t.is(stderr(), '');
  });
}
