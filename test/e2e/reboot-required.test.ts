// Live refresh of the reboot panel: the real binary (bin/hardtop → dist/, so
// `npm run build` first) in a pty on a private copy of a fixture sysroot.
// Nothing is pending at start; a package hook then writes
// /run/reboot-required(.pkgs) under the root, and the panel must say
// REBOOT REQUIRED with the packages by itself (no key pressed): the check
// watches the flag's directory. Removing the flag (the reboot happened) turns
// the row back to ✔. The waits are generous and nothing asserts a time: the
// elapsed time is only logged (the "within a second" is the watcher's
// 100–250 ms debounce plus one check run; under CI load it can be more).

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';
import { copyRoot, real } from '../fixtures/fix/updates/tree';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');

function dashboard(t: { teardown(fn: () => void): void }, root: string): Tui & { stderr(): string } {
  const errDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-reboot-'));
  const errFile = path.join(errDir, 'stderr');
  // Wide enough that the row shows the whole summary.
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--only', 'reboot', '--no-network'], cols: 220, rows: 30, captureStderrTo: errFile });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(errDir, { recursive: true, force: true });
  });
  return Object.assign(tui, { stderr: () => (fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '') });
}

/** The reboot.required row (label "required") with its status symbol. */
const ROW = (symbol: string) => new RegExp(`${symbol} required `);

test('the panel shows REBOOT REQUIRED, with the packages, once reboot-required appears under the root; ✔ again once it is gone', async (t) => {
  t.timeout(120_000);
  const root = copyRoot(t, 'deb12-auto-on');
  t.false(fs.existsSync(real(root, '/run/reboot-required')));
  const tui = dashboard(t, root);
  await tui.waitForText(ROW('✔'), 30_000);
  t.false(tui.screenText().includes('REBOOT REQUIRED'));

  // What a kernel package's postinst hook does: the .pkgs list, then the flag.
  fs.writeFileSync(real(root, '/run/reboot-required.pkgs'), 'linux-image-6.1.0-28-amd64\n');
  const written = Date.now();
  fs.writeFileSync(real(root, '/run/reboot-required'), '*** System restart required ***\n');
  await tui.waitForText(ROW('✖'), 20_000);
  await tui.waitForText(/REBOOT REQUIRED by linux-image-6\.1\.0-28-amd64, since \d{4}-\d\d-\d\d \d\d:\d\d UTC/, 20_000);
  t.log(`REBOOT REQUIRED on screen ${Date.now() - written} ms after the flag was written`);

  fs.rmSync(real(root, '/run/reboot-required'));
  fs.rmSync(real(root, '/run/reboot-required.pkgs'));
  await tui.waitForNoText('REBOOT REQUIRED', 20_000);
  await tui.waitForText(ROW('✔'), 20_000);

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});
