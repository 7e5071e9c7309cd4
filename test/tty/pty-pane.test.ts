// PtyPane end to end: test/fixtures/bin/pty-demo.ts (createScreen + a box +
// a PtyPane running /bin/sh) in a real pty, read through @xterm/headless.
// So two emulators are stacked: the child's output is parsed by the pane's
// xterm, painted as blessed cells, re-encoded by blessed, parsed by ours.
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTui, tsxArgs, type Tui } from '../helpers/tui';

const demo = path.resolve(__dirname, '../fixtures/bin/pty-demo.ts');

function startDemo(t: ExecutionContext, opts: { script?: string; cols?: number; rows?: number; env?: Record<string, string> } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-pty-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const stderrFile = path.join(dir, 'stderr');
  const { cmd, args } = tsxArgs(demo, ...(opts.script ? [opts.script] : []));
  const tui = startTui({ cmd, args, cols: opts.cols ?? 80, rows: opts.rows ?? 24, env: opts.env, captureStderrTo: stderrFile });
  t.teardown(() => tui.dispose());
  return { tui, stderr: () => fs.readFileSync(stderrFile, 'utf8') };
}

function assertRestored(t: ExecutionContext, tui: Tui) {
  t.false(tui.isAltScreen(), 'alternate screen left');
  t.true(tui.isCursorVisible(), 'cursor shown again');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

test('runs a child: colours, typed input, exit status, return key, terminal restored', async (t) => {
  const { tui, stderr } = startDemo(t);
  await tui.waitForText('RED plain');
  await tui.waitForText('running… · C-] returns');
  const red = tui.find('RED')!;
  t.like(tui.cellStyle(red.x, red.y), { fg: 1 }, 'RED painted in red (SGR 31 → palette 1)');
  const plain = tui.find('plain')!;
  t.like(tui.cellStyle(plain.x, plain.y), { fg: 'default' }, 'SGR 0 resets');

  tui.press('hello');
  tui.key('enter');
  await tui.waitForText('got:hello');
  await tui.waitForText('exited 3 · q/Enter/Esc returns');
  const status = tui.find('exited 3')!;
  t.like(tui.cellStyle(status.x, status.y), { bold: true, inverse: true, fg: 1 }, 'failure shown in red');
  t.true(tui.isAltScreen());

  tui.key('enter');
  const exit = await tui.exited;
  t.is(exit.exitCode, 0);
  assertRestored(t, tui);
  t.true(tui.screenText().includes('pty-demo: child exited 3'));
  t.is(stderr(), '');
});

test('q and Escape are ignored while the child runs (they are typed into it) and return after exit', async (t) => {
  const { tui } = startDemo(t, { script: 'read x; echo got:$x; exit 0' });
  await tui.waitForText('running…');
  tui.press('q');
  tui.key('escape');
  tui.key('enter');
  await tui.waitForText('exited 0');
  t.regex(tui.screenText(), /got:q/, 'q reached the child');
  tui.key('escape');
  t.is((await tui.exited).exitCode, 0);
  assertRestored(t, tui);
});

test('C-] hands control back while the child keeps running; C-c reaches the child', async (t) => {
  const { tui } = startDemo(t, { script: 'trap "echo caught-int" INT; echo ready; while :; do sleep 0.1; done' });
  await tui.waitForText('ready');
  tui.key('C-]');
  await tui.waitForText('released');
  t.true(tui.screenText().includes('running…'), 'the child still runs');
  tui.key('C-c');
  await tui.waitForText('caught-int');
  tui.kill('SIGTERM');
  t.is((await tui.exited).exitCode, 143);
});

test('a child killed by a signal says so', async (t) => {
  const { tui } = startDemo(t, { script: 'echo dying; kill -TERM $$; sleep 5' });
  await tui.waitForText('killed by SIGTERM · q/Enter/Esc returns');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

test('SIGTERM to the app: terminal restored, the child process group killed, nothing on stderr', async (t) => {
  const { tui, stderr } = startDemo(t, { script: 'echo pid:$$; sleep 1000 & echo sleeper:$!; wait' });
  await tui.waitForText(/sleeper:\d+/);
  const pid = Number(/pid:(\d+)/.exec(tui.screenText())![1]);
  const sleeper = Number(/sleeper:(\d+)/.exec(tui.screenText())![1]);
  t.true(alive(pid) && alive(sleeper));
  tui.kill('SIGTERM');
  const exit = await tui.exited;
  t.is(exit.exitCode, 143);
  assertRestored(t, tui);
  t.is(stderr(), '');
  t.true(await waitUntil(() => !alive(pid) && !alive(sleeper)), 'the shell and its background job are gone');
});

test('resize 80x24 → 160x48: the pane, its emulator and the child all see the new size', async (t) => {
  const { tui } = startDemo(t, { script: 'stty size; while read x; do stty size; done' });
  // Box inner area 78x22, minus the status row: 78 columns, 21 rows.
  await tui.waitForText('pty-demo 78x21');
  await tui.waitForText(/^│21 78\s*│$/m);
  tui.resize(160, 48);
  await tui.waitForText('pty-demo 158x45');
  tui.key('enter');
  await tui.waitForText(/^│45 158\s*│$/m);
  t.regex(tui.line(47), /^└─+┘$/, 'the box border follows the terminal');
  t.is(tui.line(47).length, 160);
  tui.kill('SIGTERM');
  await tui.exited;
  assertRestored(t, tui);
});

test('full-screen children work: cursor addressing, 256 colours and truecolour', async (t) => {
  const script = [
    'printf "\\033[2J\\033[5;10HAT-5-10"',
    'printf "\\033[6;1H\\033[38;5;208mC208\\033[0m \\033[38;2;255;135;0mTRUE\\033[0m \\033[1;4mBU\\033[0m \\033[7mREV\\033[0m"',
    'printf "\\033[7;1H日本 wide"',
    'read x',
  ].join('; ');
  const { tui } = startDemo(t, { script });
  await tui.waitForText('AT-5-10');
  await tui.waitForText('日本 wide');
  // Pane origin is (1,1) inside the border: child (row 5, col 10) → screen (5, 10).
  t.deepEqual(tui.find('AT-5-10'), { x: 10, y: 5 });
  const c208 = tui.find('C208')!;
  t.like(tui.cellStyle(c208.x, c208.y), { fg: 208 });
  const tc = tui.find('TRUE')!;
  t.like(tui.cellStyle(tc.x, tc.y), { fg: 208 }, 'truecolour mapped to the nearest 256-colour index');
  const bu = tui.find('BU')!;
  t.like(tui.cellStyle(bu.x, bu.y), { bold: true, underline: true });
  const rev = tui.find('REV')!;
  t.like(tui.cellStyle(rev.x, rev.y), { inverse: true });
  t.regex(tui.line(7), /^│日本 wide\s+│$/, 'wide characters keep the right border in place');
  tui.kill('SIGTERM');
  await tui.exited;
});

test('NO_COLOR reaches the pane too: the child asks for red, the terminal gets none', async (t) => {
  const { tui } = startDemo(t, { env: { NO_COLOR: '1' } });
  await tui.waitForText('RED plain');
  const red = tui.find('RED')!;
  t.like(tui.cellStyle(red.x, red.y), { fg: 'default' });
  tui.kill('SIGTERM');
  await tui.exited;
});

test('the child gets only the environment it was given', async (t) => {
  const { tui } = startDemo(t, {
    script: 'echo "secret=[${HARDTOP_SECRET-unset}] term=$TERM"; read x',
    env: { HARDTOP_SECRET: 'leaked' },
  });
  await tui.waitForText('secret=[unset] term=xterm-256color');
  tui.kill('SIGTERM');
  await tui.exited;
  t.pass();
});
