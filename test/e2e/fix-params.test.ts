// A fix that needs a value the finding cannot supply (reboot.schedule: the
// time) asks for it in the dashboard before its preview: typed, checked
// against the fix's own pattern, Esc cancels with nothing changed.
import test from 'ava';
import * as path from 'node:path';
import { startTui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
// /run/reboot-required exists there: reboot.required fails and offers reboot.schedule.
const root = path.join(repo, 'test/fixtures/roots/deb12-auto-off');

function start(t: { teardown(fn: () => void): void }) {
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'reboot', '--no-network'], cols: 120, rows: 30, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  return tui;
}

// Worst first: the failing reboot.required row is the panel's first, selected.
async function selectRequired(tui: ReturnType<typeof start>): Promise<void> {
  await tui.waitForText(/✖ required/, 30_000);
}

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('f on a fix that needs a value: the prompt names it, a bad value is refused, a good one reaches the fix', async (t) => {
  t.timeout(90_000);
  const tui = start(t);
  await selectRequired(tui);
  tui.press('f');
  await tui.waitForText('reboot.schedule needs at: the time to reboot', 20_000);
  tui.press('25:99');
  tui.key('enter');
  await tui.waitForText("'25:99' is not the time to reboot", 20_000);
  for (let i = 0; i < 5; i++) tui.key('backspace');
  tui.press('03:30');
  await tui.waitForText('at: 03:30_', 20_000);
  tui.key('enter');
  // The value reached the fix's plan: under --root it refuses, naming why.
  await tui.waitForText('fix reboot.schedule — preview');
  await tui.waitForText(/REFUSED: not under --root/);
  t.false(tui.screenText().includes('a value is needed'), 'the prompt closed');
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

asRoot('Esc in the value prompt cancels: nothing previewed, nothing changed', async (t) => {
  t.timeout(90_000);
  const tui = start(t);
  await selectRequired(tui);
  tui.press('f');
  await tui.waitForText('a value is needed');
  tui.press('now');
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');
  t.false(tui.screenText().includes('a value is needed'));
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

asRoot('e in a preview edits the values the fix takes, optional ones too; an empty optional value keeps the default', async (t) => {
  t.timeout(90_000);
  const tui = start(t);
  await tui.waitForText(/✖ policy/, 30_000);
  // The failing rows come first: required (✖), then policy; walk to policy.
  const rowOf = (text: string) => tui.screenText().split('\n').findIndex((l) => l.includes(text));
  tui.key('down');
  await tui.settle();
  t.true(rowOf('policy') > rowOf('required'));
  tui.press('f');
  await tui.waitForText('fix reboot.set-policy — preview');
  const defaultTime = /Automatic-Reboot-Time "(\d\d:\d\d)"/.exec(tui.screenText())?.[1];
  t.truthy(defaultTime, 'the default hour is previewed');
  tui.press('e');
  await tui.waitForText('reboot.set-policy takes time (may be left empty');
  tui.press('4:7');
  tui.key('enter');
  await tui.waitForText("'4:7' is not the hour to reboot at");
  for (let i = 0; i < 3; i++) tui.key('backspace');
  tui.press('04:15');
  tui.key('enter');
  await tui.waitForText('reboot.set-policy takes mail');
  tui.key('enter'); // empty: no mail
  await tui.waitForText('fix reboot.set-policy — preview');
  await tui.waitForText('Automatic-Reboot-Time "04:15"');
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
