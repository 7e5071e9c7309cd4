// `hardtop fleet DIR` as an admin uses it: the real binary in a pty, read
// through a terminal emulator, on generated fleets (plain reports, broken
// files, 1,000 hosts).

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFleet } from '../../src/core/fleet';
import { formatJson } from '../../src/core/report';
import type { Report } from '../../src/core/types';
import { generateFleet, writeFleet } from '../helpers/fleet-reports';
import { startTui, type Tui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-fleet-e2e-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fleet(t: { teardown(fn: () => void): void }, dir: string, opts: { cols?: number; rows?: number; env?: Record<string, string> } = {}): Tui {
  const tui = startTui({ cmd: process.execPath, args: [bin, 'fleet', dir], cols: opts.cols ?? 120, rows: opts.rows ?? 30, env: opts.env });
  t.teardown(() => tui.dispose());
  return tui;
}

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Host rows on screen: [score, name] in screen order. */
function hostRows(tui: Tui): Array<[number, string]> {
  return tui
    .screenText()
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(host-\d{4})\b/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), m[2]]);
}

function smallFleet(t: { teardown(fn: () => void): void }, n = 40): { dir: string; reports: Report[] } {
  const dir = tempDir(t);
  const reports = generateFleet(n);
  writeFleet(dir, reports);
  const text = formatJson(reports[0]);
  fs.writeFileSync(path.join(dir, 'cut-short.json'), text.slice(0, Math.floor(text.length / 2)));
  fs.writeFileSync(path.join(dir, 'future.json'), JSON.stringify({ ...JSON.parse(text), schema: 'hardtop.report/9' }));
  fs.writeFileSync(path.join(dir, 'garbage.json'), 'this is not json at all\n');
  return { dir, reports };
}

test('rows sorted by score, broken files listed as such, Enter shows a host, Esc back, q quits with the terminal restored', async (t) => {
  const { dir, reports } = smallFleet(t);
  const model = buildFleet(reports.map((r) => ({ file: `${r.host.hostname}.json`, text: formatJson(r) })));
  const tui = fleet(t, dir);
  await tui.waitForText(model.hosts[0].name);
  await tui.waitForText('40 hosts · 3 unusable files');
  await tui.waitForText(/cut-short\.json\s+truncated: the JSON stops early/);
  await tui.waitForText(/future\.json\s+unknown schema: schema 'hardtop\.report\/9'/);
  await tui.waitForText(/garbage\.json\s+malformed: not valid JSON/);

  const rows = hostRows(tui);
  t.true(rows.length >= 20, `host rows on screen: ${rows.length}`);
  t.deepEqual(
    rows.map(([, name]) => name),
    model.hosts.slice(0, rows.length).map((h) => h.name),
    'the screen lists the hosts in the model order',
  );
  for (let i = 1; i < rows.length; i++) t.true(rows[i - 1][0] <= rows[i][0], `score ascending at row ${i}`);
  t.is(rows[0][0], Math.min(...reports.map((r) => r.summary.score)));

  // The three broken files come first; step past them to the lowest-scored host.
  tui.press('jjj');
  await tui.waitForText('4/43');
  tui.key('enter');
  const worst = model.hosts[0];
  await tui.waitForText(`${worst.name} — findings`);
  await tui.waitForText(`score ${worst.score}`);
  await tui.waitForText('[updates.auto.installed,');
  // A resize keeps the host open, laid out for the new width.
  tui.resize(90, 30);
  await waitUntil(tui, () => tui.line(1).length === 90 && tui.line(1).includes('— findings'), 'the findings box redrawn at 90 columns');
  tui.key('escape');
  await tui.waitForNoText('— findings');
  await tui.waitForText('Enter findings');

  tui.press('q');
  const exit = await tui.exited;
  t.is(exit.exitCode, 0);
  t.false(tui.isAltScreen(), 'alternate screen left');
  t.true(tui.isCursorVisible(), 'cursor shown again');
});

test('/ filters by host name as you type; Backspace widens; Enter keeps it; Esc clears it', async (t) => {
  const { dir } = smallFleet(t);
  const tui = fleet(t, dir);
  await tui.waitForText('40 hosts');
  tui.press('/');
  await tui.waitForText('filter: ▏');
  tui.press('host-003');
  await tui.waitForText('filter "host-003": 10 of 43');
  await waitUntil(tui, () => hostRows(tui).length === 10 && hostRows(tui).every(([, n]) => n.startsWith('host-003')), 'ten host-003* rows');
  t.notRegex(tui.screenText(), /cut-short\.json/, 'broken files are filtered by name too');
  tui.key('backspace');
  await tui.waitForText('filter "host-00": 40 of 43');
  tui.press('3');
  await tui.waitForText('filter "host-003": 10 of 43');
  tui.key('enter');
  await tui.waitForText('Enter findings');
  // Now the list keys work on the narrowed list: Enter opens a host from it.
  tui.key('enter');
  await tui.waitForText(/host-003\d — findings/);
  tui.key('escape');
  await tui.waitForNoText('— findings');
  await tui.waitForText('Enter findings');
  tui.key('escape');
  await tui.waitForText('40 hosts · 3 unusable files');
  await tui.waitForNoText('filter "');
  t.true(hostRows(tui).length > 10);
});

test('1,000 hosts: the list opens, End reaches the last host, Home the first, j steps one at a time', async (t) => {
  const dir = tempDir(t);
  const reports = generateFleet(1000);
  writeFleet(dir, reports);
  const model = buildFleet(reports.map((r) => ({ file: `${r.host.hostname}.json`, text: formatJson(r) })));
  const tui = fleet(t, dir, { cols: 100, rows: 30 });
  await tui.waitForText('1000 hosts');
  await tui.waitForText('1/1000');
  t.is(hostRows(tui)[0][1], model.hosts[0].name);
  tui.key('end');
  await tui.waitForText('1000/1000');
  await waitUntil(tui, () => hostRows(tui).at(-1)?.[1] === model.hosts[999].name, 'the last host at the bottom');
  tui.press('g');
  await tui.waitForText('1/1000');
  for (let i = 0; i < 60; i++) tui.press('j');
  await tui.waitForText('61/1000');
  // The selected host is on screen (inverse), the window followed it.
  const shown = hostRows(tui).map(([, n]) => n);
  t.true(shown.includes(model.hosts[60].name));
  tui.key('pagedown');
  await waitUntil(tui, () => /\b(8\d)\/1000/.test(tui.screenText()), 'a page further');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

test('colours like the dashboard: a failing cell is red; NO_COLOR shows none', async (t) => {
  const { dir } = smallFleet(t, 10);
  const tui = fleet(t, dir);
  await tui.waitForText('10 hosts');
  await tui.settle();
  const lines = tui.screenText().split('\n');
  const y = lines.findIndex((l) => /host-\d{4}.*✖/.test(l));
  t.true(y >= 0);
  const x = lines[y].indexOf('✖');
  t.is(tui.cellStyle(x, y).fg, 1, 'fail is red');
  tui.press('q');
  await tui.exited;

  const plain = fleet(t, dir, { env: { NO_COLOR: '1' } });
  await plain.waitForText('10 hosts');
  await plain.settle();
  const text = plain.screenText().split('\n');
  let coloured = 0;
  for (let row = 0; row < text.length; row++) {
    for (let col = 0; col < text[row].length; col++) {
      const s = plain.cellStyle(col, row);
      if (s.fg !== 'default' || s.bg !== 'default') coloured++;
    }
  }
  t.is(coloured, 0);
});

test('hostile reports: escape sequences and blessed tags never reach the terminal', async (t) => {
  const dir = tempDir(t);
  const [r] = generateFleet(1);
  const evil = JSON.parse(formatJson(r));
  evil.host.hostname = 'evil\x1b]52;c;cm0gLXJmIC8=\x07\x1b[2J{red-bg}X{/red-bg}';
  evil.checks[0].summary = 'fine\x1b]0;owned\x07\x1bc';
  fs.writeFileSync(path.join(dir, 'evil.json'), JSON.stringify(evil));
  const tui = fleet(t, dir);
  await tui.waitForText('evil{red-bg}X{/red-bg}');
  tui.key('enter');
  await tui.waitForText('— findings');
  await tui.waitForText('fine');
  const raw = tui.rawOutput();
  t.false(raw.includes('\x1b]52'), 'no clipboard write');
  t.false(raw.includes('\x1b]0;owned'), 'no title change');
  t.false(raw.includes('\x1bc'), 'no terminal reset');
  tui.press('q');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

test('usage errors: no directory given, or one that does not exist', async (t) => {
  for (const args of [['fleet'], ['fleet', '/nonexistent/hardtop-fleet']]) {
    const tui = startTui({ cmd: process.execPath, args: [bin, ...args], cols: 100, rows: 10 });
    t.teardown(() => tui.dispose());
    const exit = await tui.exited;
    t.is(exit.exitCode, 2, args.join(' '));
    t.regex(tui.screenText(), /^hardtop: .*(needs a directory|no such directory)/m);
  }
});

test('? shows the fleet keys; Esc closes the help', async (t) => {
  const { dir } = smallFleet(t, 5);
  const tui = fleet(t, dir);
  await tui.waitForText('5 hosts');
  tui.press('?');
  await tui.waitForText(/┌─ help /);
  await tui.waitForText('Fleet view, typing a filter');
  t.notRegex(tui.screenText(), /Embedded terminal/);
  tui.key('escape');
  await tui.waitForNoText(/┌─ help /);
  await tui.waitForText('Enter findings');
  tui.key('C-c');
  t.is((await tui.exited).exitCode, 0);
});
