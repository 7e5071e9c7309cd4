// A fix whose commands are interactive runs them in the embedded terminal of
// the dashboard: the admin sees ssh-keygen's own output and its exit status,
// a key returns, and the change is applied, journaled and undoable.
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyRoot } from '../checks/ssh-server-helpers';
import { startTui, type Tui } from '../helpers/tui';

const bin = path.resolve(__dirname, '../../bin/hardtop');
const asRoot = process.geteuid?.() === 0 && fs.existsSync('/usr/sbin/sshd') ? test : test.skip;

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The row of a panel label is selected (drawn inverse), found as a person reads the screen. */
function selected(tui: Tui, label: string): boolean {
  const lines = tui.screenText().split('\n');
  const y = lines.findIndex((l) => new RegExp(`│. ${label} `).test(l));
  if (y < 0) return false;
  return tui.cellStyle(lines[y].indexOf(label), y).inverse;
}

asRoot('rotate-host-keys from the dashboard: ssh-keygen runs in the embedded terminal, then u undoes it', async (t) => {
  const root = copyRoot(t, 'ssh-weak');
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'ssh', '--no-network'], cols: 110, rows: 34, env: { TERM: 'xterm-256color' } });
  t.teardown(() => tui.dispose());
  // --only ssh: the SSH panel has the focus from the start.
  await tui.waitForText('▶ SSH');
  await tui.waitForText(/│✖ host-keys /);
  for (let i = 0; i < 20 && !selected(tui, 'host-keys'); i++) {
    tui.press('j');
    await new Promise((r) => setTimeout(r, 100));
    await tui.settle();
  }
  t.true(selected(tui, 'host-keys'));
  tui.press('f');
  await tui.waitForText('fix ssh.rotate-host-keys — preview');
  await tui.waitForText('+HostKey /etc/ssh/ssh_host_ed25519_key-');
  tui.press('y');
  // The first command, in the embedded terminal: ssh-keygen's own words and its exit status.
  await tui.waitForText('Your identification has been saved in');
  await tui.waitForText('exited 0 · q/Enter/Esc returns');
  // Each command waits for the admin; Enter moves on until the apply finishes.
  // (An RSA 4096 key takes a few seconds to generate: wait generously.)
  const deadline = Date.now() + 60_000;
  while (!/applied ssh\.rotate-host-keys/.test(tui.screenText()) && Date.now() < deadline) {
    if (/exited 0 · q\/Enter\/Esc returns/.test(tui.screenText())) {
      tui.key('enter');
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 100));
    await tui.settle();
  }
  await tui.waitForText(/applied ssh\.rotate-host-keys as \d{8}T\d{6}Z-[0-9a-f]{6}/);
  // The fix's afterApply lines (new fingerprints …) open a result screen; Esc closes it.
  await tui.waitForText('ssh.rotate-host-keys — result');
  tui.key('escape');
  await tui.waitForNoText('— result');
  const created = fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => /_key-\d{8}$/.test(n));
  t.true(created.length >= 1, `new keys: ${created.join(', ')}`);
  tui.press('u');
  await tui.waitForText(/undid ssh\.rotate-host-keys/);
  await waitUntil(tui, () => fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => /_key-\d{8}/.test(n)).length === 0, 'the generated keys to be removed by undo');
  t.false(fs.readFileSync(path.join(root, 'etc/ssh/sshd_config'), 'utf8').includes('hardtop ssh.rotate-host-keys'));
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
