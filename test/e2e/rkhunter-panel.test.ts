// The rkhunter panel in the real dashboard (bin/hardtop, built), in a pty, on
// a copy of a fixture sysroot: the panel shows the last scan's age and its
// warning count; Enter shows each warning on one line (test, file) with its
// full text, continuation lines included; a scan appended to the log updates
// the panel with no key pressed (the scheduler watches the log).
//
// The fixture log's dates are rewritten relative to the real clock, so the
// age on screen is predictable whatever day the test runs.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTui } from '../helpers/tui';
import { RKH_FIXTURES, retimeLog } from '../checks/rkhunter-helpers';
import { copyRoot } from '../checks/updates-reboot-helpers';

const bin = path.resolve(__dirname, '../../bin/hardtop');
// rkhunter.config runs the real rkhunter -C (root only); the other checks need neither.
const asRoot = process.geteuid?.() === 0 && fs.existsSync('/usr/bin/rkhunter') ? test : test.skip;

const HOUR = 3_600_000;

asRoot('rkhunter panel: last scan age and warning count; Enter shows each warning with its continuation lines; an appended scan refreshes it live', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'rkh-warnings');
  const log = path.join(root, 'var/log/rkhunter.log');
  // The fixture's last scan (6 warnings, one whitelisted since), started 3 h ago.
  fs.writeFileSync(log, retimeLog(fs.readFileSync(log, 'utf8'), new Date(Date.now() - 3 * HOUR), 1));

  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'rkhunter', '--no-network'], cols: 160, rows: 50, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());

  // The panel: the age and the count, on the rows themselves (not only in the detail).
  await tui.waitForText(/│✔ last-scan +last scan 3 h ago, 6 warnings/, 60_000);
  await tui.waitForText(/│✖ warnings +5 warnings in the last scan \(\d{4}-\d\d-\d\d \d\d:\d\dZ, \/var\/log\/rkh/, 60_000);

  // Enter: every warning on its own line (subject: test: message), then its full text.
  tui.key('enter');
  await tui.waitForText('rkhunter — detail');
  await tui.waitForText(/✖ \/dev\/shm\/hardtop-probe\.bin: filesystem: Suspicious file types found in \/dev:/);
  await tui.waitForText(/▲ \/etc\/\.java: filesystem: Hidden directory found: \/etc\/\.java — known false positive/);
  await tui.waitForText(/▲ \/etc\/ssh\/sshd_config: system_configs_ssh: The SSH configuration option 'PermitRootLogin' has not been set\./);
  // The warning's own line and its continuation, each with its log line number.
  await tui.waitForText(/\/var\/log\/rkhunter\.log:314 +Warning: The SSH configuration option 'PermitRootLogin' has not been set\. *│\n│ *\/var\/log\/rkhunter\.log:315 +The default value may be 'yes', to allow root access\./);
  await tui.waitForText(/\/var\/log\/rkhunter\.log:325 +Warning: Suspicious file types found in \/dev: *│\n│ *\/var\/log\/rkhunter\.log:326 +\/dev\/shm\/hardtop-probe\.bin: data/);
  tui.key('escape');
  await tui.waitForNoText('rkhunter — detail');
  await tui.waitForText(/│✖ warnings +5 warnings/);

  // A new, clean scan lands in the log (as rkhunter's cron job appends it): no key pressed.
  const clean = retimeLog(fs.readFileSync(path.join(RKH_FIXTURES, 'debian12-clean.log'), 'utf8'), new Date(Date.now() - 10 * 60_000), 3);
  fs.appendFileSync(log, clean);
  await tui.waitForText(/│✔ last-scan +last scan 10 min ago, no warnings/, 90_000);
  await tui.waitForText(/│✔ warnings +no warnings in the last scan \(/, 90_000);
  t.false(/│✖ warnings/.test(tui.screenText()));

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

/** The colour of the first cell of `text` on screen. */
function colourOf(tui: ReturnType<typeof startTui>, text: string) {
  const at = tui.find(text);
  if (!at) throw new Error(`${text} not on screen:\n${tui.screenText()}`);
  return tui.cellStyle(at.x, at.y).fg;
}
// blessed's 'red' (and 'yellow') as xterm stores them: palette 1 or its bright twin 9 (3 or 11).
const RED = [1, 9];
const YELLOW = [3, 11];

asRoot('changed files triaged with dpkg: possible tampering is red on the panel row and in the detail; the file dpkg vouches for carries rkhunter --propupd of itself alone', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'rkh-warnings');
  // The file-properties scan: /usr/bin/ls and /usr/bin/cat both with a changed hash …
  const props = fs
    .readFileSync(path.join(RKH_FIXTURES, 'debian12-properties-changed.log'), 'utf8')
    .replace(
      '[20:21:10]          Current permissions: 0755    Stored permissions: 0775',
      '[20:21:10]          Current hash: 1111111111111111111111111111111111111111111111111111111111111111\n[20:21:10]          Stored hash : 0000000000000000000000000000000000000000000000000000000000000000',
    );
  fs.writeFileSync(path.join(root, 'var/log/rkhunter.log'), retimeLog(props, new Date(Date.now() - 2 * HOUR), 2));
  // … and ls no longer what coreutils shipped (dpkg --verify on the tree's database says so); cat still is.
  fs.rmSync(path.join(root, 'usr/bin/ls'));
  fs.writeFileSync(path.join(root, 'usr/bin/ls'), 'a trojaned ls\n', { mode: 0o755 });

  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'rkhunter', '--no-network'], cols: 160, rows: 50, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  await tui.waitForText(/│✖ warnings +2 warnings, 1 possible tampering, in the last scan/, 60_000);
  t.true(RED.includes(colourOf(tui, '✖ warnings') as number), 'the row is red');

  tui.key('enter');
  await tui.waitForText('rkhunter — detail');
  await tui.waitForText(/✖ \/usr\/bin\/ls: properties: The file properties have changed:/);
  await tui.waitForText(/\$ dpkg --verify coreutils \(on the --root database\) +\?\?5\?\?\?\?\?\? \/bin\/ls/);
  t.true(RED.includes(colourOf(tui, '✖ /usr/bin/ls: properties') as number), 'possible tampering is red');
  await tui.waitForText(/▲ \/usr\/bin\/cat: properties: The file properties have changed:.*\[f: rkhunter\.propupd\]/);
  t.true(YELLOW.includes(colourOf(tui, '▲ /usr/bin/cat: properties') as number), 'upgrade noise is a warning, not red');
  t.false(/\/usr\/bin\/ls: properties.*\[f: /.test(tui.screenText()), 'the tampered file carries no fix');

  // f on the cat item: rkhunter --propupd of cat alone (refused under --root: it would record this machine).
  for (let i = 0; i < 20; i++) {
    const lines = tui.screenText().split('\n');
    const y = lines.findIndex((l) => l.includes('/usr/bin/cat: properties'));
    if (y >= 0 && tui.cellStyle(lines[y].indexOf('/usr/bin/cat: properties'), y).inverse) break;
    tui.key('down');
    await new Promise((r) => setTimeout(r, 150));
    await tui.settle();
  }
  tui.press('f');
  await tui.waitForText('fix rkhunter.propupd — preview', 60_000);
  await tui.waitForText('rkhunter --propupd /usr/bin/cat --nolog');
  await tui.waitForText('not recorded, possible tampering, rkhunter keeps flagging them: /usr/bin/ls');
  await tui.waitForText(/REFUSED: rkhunter has no --root/);
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');
  // Wait for the detail view to close before q: an Esc and a q arriving in one
  // read are parsed as Alt-q (the terminal's own ambiguity), and q is lost.
  tui.key('escape');
  await tui.waitForNoText('rkhunter — detail');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
