// Whitelisting ONE warning from the dashboard (bin/hardtop, built, in a pty)
// on a copy of a fixture sysroot: in the detail view the cursor walks onto a
// warning, f previews that warning's own fix (rkhunter.whitelist with its
// KIND:SUBJECT argument) showing the exact line appended to
// rkhunter.conf.local, y applies it (validated by the real rkhunter -C on a
// staged copy, the paths rebased into the sysroot), the re-check marks the
// warning whitelisted, and u restores the file byte for byte.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';
import { retimeLog } from '../checks/rkhunter-helpers';
import { copyRoot } from '../checks/updates-reboot-helpers';

const bin = path.resolve(__dirname, '../../bin/hardtop');
const asRoot = process.geteuid?.() === 0 && fs.existsSync('/usr/bin/rkhunter') ? test : test.skip;

/** The screen line holding `text` is the one drawn inverse (the detail cursor). */
function cursorOn(tui: Tui, text: string): boolean {
  const lines = tui.screenText().split('\n');
  const y = lines.findIndex((l) => l.includes(text));
  return y >= 0 && tui.cellStyle(lines[y].indexOf(text), y).inverse;
}

async function pause(tui: Tui, ms = 150): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await tui.settle();
}

asRoot('whitelist one warning from the detail view: f previews its own line, y applies it (rkhunter -C), the re-check marks it whitelisted, u restores the bytes', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'rkh-warnings');
  const log = path.join(root, 'var/log/rkhunter.log');
  fs.writeFileSync(log, retimeLog(fs.readFileSync(log, 'utf8'), new Date(Date.now() - 3_600_000), 1));
  const localConf = path.join(root, 'etc/rkhunter.conf.local');
  const before = fs.readFileSync(localConf);

  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'rkhunter', '--no-network'], cols: 160, rows: 50, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  await tui.waitForText(/│✖ warnings +5 warnings/, 60_000);
  // rkhunter.config (real rkhunter -C) must have answered too: the apply's verification re-runs it.
  await tui.waitForText(/│✔ config /, 60_000);
  tui.key('enter');
  await tui.waitForText('rkhunter — detail');

  // Walk the cursor down to the /etc/.java warning (a known false positive with its own fix).
  const target = '/etc/.java: filesystem: Hidden directory found';
  for (let i = 0; i < 20 && !cursorOn(tui, target); i++) {
    tui.key('down');
    await pause(tui);
  }
  t.true(cursorOn(tui, target), tui.screenText());
  t.regex(tui.screenText(), /\/etc\/\.java: filesystem: Hidden directory found: \/etc\/\.java — known false positive.*\[f: rkhunter\.whitelist\]/);

  tui.press('f');
  await tui.waitForText('fix rkhunter.whitelist — preview', 60_000);
  // The one warning picked, by its own argument: the title names it and the exact line.
  await tui.waitForText('Whitelist /etc/.java (known false positive) in /etc/rkhunter.conf.local: ALLOWHIDDENDIR=/etc/.java');
  await tui.waitForText(/^│?\+ALLOWHIDDENDIR=\/etc\/\.java *│?$/m);
  const preview = tui.screenText();
  // Nothing else is whitelisted: not the tampering-class /dev file, not the ssh warning.
  t.false(/^│?\+ALLOWDEVFILE/m.test(preview), preview);
  t.false(/^│?\+ALLOW_SSH_ROOT_USER/m.test(preview), preview);
  t.deepEqual(fs.readFileSync(localConf), before, 'the preview changes nothing');

  tui.press('y');
  await tui.waitForText(/applied rkhunter\.whitelist as \d{8}T\d{6}Z-[0-9a-f]{6}/, 120_000);
  const after = fs.readFileSync(localConf, 'utf8');
  t.true(after.startsWith(before.toString('utf8')), 'the old text is kept byte for byte');
  t.regex(after.slice(before.length), /\nALLOWHIDDENDIR=\/etc\/\.java\n$/);
  // The re-check: the warning is now shown as whitelisted (✔), the count drops to 4.
  await tui.waitForText(/✔ \/etc\/\.java: filesystem: Hidden directory found: \/etc\/\.java — whitelisted since this scan: ALLOWHIDDENDIR=\/etc\/\.java \(\/etc\/rkhunter\.conf\.local:\d+\)/, 60_000);
  await tui.waitForText(/4 warnings in the last scan \(.*\), 2 more whitelisted since/, 60_000);

  // u (on the dashboard) undoes it: the file is the fixture's again, byte for byte.
  tui.key('escape');
  await tui.waitForNoText('rkhunter — detail');
  tui.press('u');
  await tui.waitForText(/undid rkhunter\.whitelist/, 60_000);
  t.deepEqual(fs.readFileSync(localConf), before);
  await tui.waitForText(/│✖ warnings +5 warnings/, 60_000);

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
