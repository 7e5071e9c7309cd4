// The dashboard as a person uses it: the real binary in a pty, the screen
// read through a terminal emulator, keys pressed, what is visible asserted.
import test from 'ava';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const fixtureRoot = path.join(repo, 'test/fixtures/roots/deb12-auto-off');
const PANEL_TITLES = ['Updates', 'Reboot', 'SSH', 'fail2ban', 'rkhunter', 'TLS', 'Web headers'];

function dashboard(t: { teardown(fn: () => void): void }, cols = 100, rows = 30, env: Record<string, string> = {}) {
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', fixtureRoot, '--no-network'], cols, rows, env: { TERM: 'xterm-256color', ...env } });
  t.teardown(() => tui.dispose());
  return tui;
}

test('shows all seven panels, the header with the score, and the key bar', async (t) => {
  const tui = dashboard(t);
  for (const title of PANEL_TITLES) await tui.waitForText(title);
  await tui.waitForText(/score \d+/);
  await tui.waitForText('? help');
  // Panels fill in as checks finish: real findings from the fixture root appear.
  await tui.waitForText(/│✖ enabled +automatic updates are off/);
  tui.press('q');
  const exit = await tui.exited;
  t.is(exit.exitCode, 0);
  t.false(tui.isAltScreen(), 'alternate screen left');
  t.true(tui.isCursorVisible(), 'cursor shown again');
});

test('? opens help and Esc closes it', async (t) => {
  const tui = dashboard(t);
  await tui.waitForText('Updates');
  tui.press('?');
  await tui.waitForText(/┌─ help /);
  await tui.waitForText('undo the latest applied change');
  // Longer than the screen: it scrolls.
  tui.press('jjjjjjjjjjjjjjjjjjjjjjjjjjjjjj');
  await tui.waitForText('Embedded terminal');
  tui.key('escape');
  await tui.waitForNoText(/┌─ help /);
  await tui.waitForText('Web headers');
  t.pass();
});

test('Enter opens the detail of the focused area with evidence; Esc goes back', async (t) => {
  const tui = dashboard(t);
  await tui.waitForText(/✖|▲|✔/);
  tui.key('enter');
  await tui.waitForText('Updates — detail');
  // Evidence names files as the host sees them (never the --root prefix).
  await tui.waitForText(/\/etc\/apt\/apt\.conf\.d\/|\/var\/lib\/dpkg\/status/);
  t.false(tui.screenText().includes(fixtureRoot));
  tui.key('escape');
  await tui.waitForNoText('— detail');
  t.pass();
});

test('Tab and arrows move the focus between panels', async (t) => {
  const tui = dashboard(t);
  await tui.waitForText('▶ Updates');
  tui.key('tab');
  await tui.waitForText('▶ Reboot');
  tui.press('l');
  await tui.waitForText('▶ rkhunter');
  tui.key('left');
  await tui.waitForText('▶ Reboot');
  t.pass();
});

test('80x24 works and a resize to 160x48 redraws to the new size', async (t) => {
  const tui = dashboard(t, 80, 24);
  for (const title of PANEL_TITLES) await tui.waitForText(title);
  tui.resize(160, 48);
  // The key bar moves to the new last line; panel borders reach the new width.
  await waitUntil(tui, () => /q quit/.test(tui.line(47)), 'key bar on line 48');
  await waitUntil(tui, () => tui.line(1).length >= 150, 'panels span the new width');
  t.pass();
});

test('SIGTERM leaves a sane terminal', async (t) => {
  const tui = dashboard(t);
  await tui.waitForText('Updates');
  t.true(tui.isAltScreen());
  tui.kill('SIGTERM');
  const exit = await tui.exited;
  t.not(exit.exitCode, 0);
  t.false(tui.isAltScreen());
  t.true(tui.isCursorVisible());
});

function colouredCells(tui: Tui): number {
  const lines = tui.screenText().split('\n');
  let coloured = 0;
  for (let y = 0; y < lines.length; y++) {
    for (let x = 0; x < lines[y].length; x++) {
      const s = tui.cellStyle(x, y);
      if (s.fg !== 'default' || s.bg !== 'default') coloured++;
    }
  }
  return coloured;
}

test('NO_COLOR: no colours on screen, symbols still tell the status', async (t) => {
  const tui = dashboard(t, 100, 30, { NO_COLOR: '1' });
  await tui.waitForText(/✖|▲|✔/);
  t.is(colouredCells(tui), 0);
});

test('colours by default: a failing finding is drawn in red', async (t) => {
  const tui = dashboard(t);
  await tui.waitForText('│✖');
  await tui.settle();
  const at = tui.find('│✖')!; // a finding row, not the panel title's count
  t.is(tui.cellStyle(at.x + 1, at.y).fg, 1);
  t.true(colouredCells(tui) > 0);
});

test('TERM=screen-256color and tmux-256color: no terminfo errors on the screen', async (t) => {
  for (const term of ['screen-256color', 'tmux-256color']) {
    const tui = startTui({ cmd: process.execPath, args: [bin, '--root', fixtureRoot, '--no-network'], cols: 100, rows: 30, env: { TERM: term } });
    t.teardown(() => tui.dispose());
    await tui.waitForText('Web headers');
    t.false(/Error on|plab_norm|Setulc/.test(tui.rawOutput()), term);
    tui.press('q');
    await tui.exited;
  }
});

test('--only: the panels of areas left out say so', async (t) => {
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', fixtureRoot, '--no-network', '--only', 'reboot'], cols: 100, rows: 30, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  await tui.waitForText('not selected (--only)');
  await tui.waitForText(/Reboot ✖/);
  t.notRegex(tui.screenText(), /Automatic updates/);
});
