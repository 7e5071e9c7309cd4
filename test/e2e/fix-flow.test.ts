// The fix flow as an admin goes through it: the real binary (node bin/hardtop,
// the compiled dist/ that `npm test` builds) on a private copy of a fixture
// sysroot, in a pty read through @xterm/headless. Select the failing finding
// with the keys, `f` previews the diff, `y` applies (validated by the real
// apt-config), the finding turns ✔; `u` undoes it byte for byte and it turns
// ✖ again. Esc in the preview changes nothing. Then the same through the CLI.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';
import { changedPaths, copyRoot, read, real, snapshot } from '../fixtures/fix/updates/tree';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const FILE = '/etc/apt/apt.conf.d/20auto-upgrades';
const OFF = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "0";\n';
const ON = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n';
/** The panel row of updates.auto.enabled: its short label after the status symbol. */
const ROW = 'enabled';

/** The dashboard on `root`; its stderr goes to a file that must stay empty (nothing leaks onto the TUI). */
function dashboard(t: ExecutionContext, root: string): Tui & { stderr(): string } {
  const errFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-')), 'stderr');
  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', root, '--no-network'],
    cols: 120,
    rows: 32,
    env: { TERM: 'xterm-256color' },
    captureStderrTo: errFile,
  });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(path.dirname(errFile), { recursive: true, force: true });
  });
  return Object.assign(tui, { stderr: () => (fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '') });
}

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where a panel row with this label starts (its status symbol), found as a person reads it. */
function findRow(tui: Tui, label: string): { x: number; y: number } | undefined {
  const lines = tui.screenText().split('\n');
  for (let y = 0; y < lines.length; y++) {
    const m = new RegExp(`│([✖✔▲●!–…]) ${label} `).exec(lines[y]);
    if (m) return { x: m.index + 1, y };
  }
  return undefined;
}

/** The status symbol drawn in front of the finding's row (✖, ✔ …), or undefined. */
function rowSymbol(tui: Tui, label = ROW): string | undefined {
  const at = findRow(tui, label);
  return at ? tui.line(at.y).charAt(at.x) : undefined;
}

function rowIsSelected(tui: Tui): boolean {
  const at = findRow(tui, ROW);
  return at !== undefined && tui.cellStyle(at.x + 2, at.y).inverse;
}

/** Move the selection down to the finding, as a person would: j until it is highlighted. */
async function selectRow(tui: Tui): Promise<void> {
  await waitUntil(tui, () => rowSymbol(tui) === '✖', `${ROW} failing`);
  for (let i = 0; i < 6 && !rowIsSelected(tui); i++) {
    tui.press('j');
    await new Promise((r) => setTimeout(r, 150));
    await tui.settle();
  }
  await waitUntil(tui, () => rowIsSelected(tui), `${ROW} selected`);
}

test.serial('dashboard: f previews the diff, y applies and the finding turns ✔, u undoes byte for byte', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  t.is(read(root, FILE), OFF);
  const before = snapshot(root);
  const tui = dashboard(t, root);
  await tui.waitForText('▶ Updates');
  await selectRow(tui);

  tui.press('f');
  await tui.waitForText('fix updates.enable-unattended — preview');
  await tui.waitForText('-APT::Periodic::Unattended-Upgrade "0";');
  await tui.waitForText('+APT::Periodic::Unattended-Upgrade "1";');
  await tui.waitForText('y: apply    Esc: cancel (nothing changes)');
  t.is(read(root, FILE), OFF, 'the preview changes nothing');

  tui.press('y');
  await tui.waitForText(/applied updates\.enable-unattended as \d{8}T\d{6}Z-[0-9a-f]{6}/);
  await waitUntil(tui, () => rowSymbol(tui) === '✔', `${ROW} passing after the apply`);
  t.is(read(root, FILE), ON);
  t.deepEqual(changedPaths(before, snapshot(root)), [FILE]);

  tui.press('u');
  await tui.waitForText(/undid updates\.enable-unattended/);
  t.is(read(root, FILE), OFF);
  t.deepEqual(changedPaths(before, snapshot(root)), [], 'byte for byte, owner and mode');
  await waitUntil(tui, () => rowSymbol(tui) === '✖', `${ROW} failing again after undo`);

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

test.serial('dashboard: Esc in the preview changes nothing', async (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const before = snapshot(root);
  const tui = dashboard(t, root);
  await tui.waitForText('▶ Updates');
  await selectRow(tui);
  tui.press('f');
  await tui.waitForText('+APT::Periodic::Unattended-Upgrade "1";');
  tui.key('escape');
  await tui.waitForText('cancelled: nothing changed');
  await tui.waitForNoText('— preview');
  t.is(rowSymbol(tui), '✖');
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.false(fs.existsSync(real(root, '/var/lib/hardtop/journal.jsonl')), 'nothing journaled');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

test.serial('dashboard: the install fix previews its interactive apt-get, refused under --root; y changes nothing', async (t) => {
  const root = copyRoot(t, 'deb12-no-uu');
  const before = snapshot(root);
  const tui = dashboard(t, root);
  const row = 'installed';
  await waitUntil(tui, () => rowSymbol(tui, row) === '✖', `${row} failing`);
  // The first finding of the focused panel is selected at start.
  await waitUntil(tui, () => {
    const at = findRow(tui, row);
    return at !== undefined && tui.cellStyle(at.x + 2, at.y).inverse;
  }, `${row} selected`);
  tui.press('f');
  await tui.waitForText('fix updates.install-unattended — preview');
  await tui.waitForText('risk: disruptive');
  await tui.waitForText('REFUSED: installing packages into a sysroot is not supported');
  await tui.waitForText('$ apt-get install -y unattended-upgrades');
  await tui.waitForText('Esc: back');
  tui.press('y');
  await tui.waitForText(/updates\.install-unattended failed at refused: refused by guard: installing packages into a sysroot/);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI: fix --dry-run prints the diff and changes nothing; --yes applies; undo reverts; all exit 0', (t) => {
  const root = copyRoot(t, 'deb12-auto-off');
  const before = snapshot(root);

  const dry = cli('fix', 'updates.enable-unattended', '--root', root, '--dry-run');
  t.is(dry.code, 0, dry.stderr);
  t.is(dry.stderr, '');
  t.true(dry.stdout.includes('-APT::Periodic::Unattended-Upgrade "0";\n+APT::Periodic::Unattended-Upgrade "1";\n'), dry.stdout);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.false(fs.existsSync(real(root, '/var/lib/hardtop')), 'a dry run creates no state either');

  const yes = cli('fix', 'updates.enable-unattended', '--root', root, '--yes');
  t.is(yes.code, 0, yes.stderr);
  t.regex(yes.stdout, /applied updates\.enable-unattended as \S+: \/etc\/apt\/apt\.conf\.d\/20auto-upgrades/);
  t.is(read(root, FILE), ON);
  t.deepEqual(changedPaths(before, snapshot(root)), [FILE]);

  const check = cli('check', '--root', root, '--no-network', '--format', 'json', '--only', 'updates');
  const enabled = JSON.parse(check.stdout).checks.find((c: { id: string }) => c.id === 'updates.auto.enabled');
  t.is(enabled.status, 'pass');

  const undone = cli('undo', '--root', root);
  t.is(undone.code, 0, undone.stderr);
  t.regex(undone.stdout, /undid updates\.enable-unattended .*restored \/etc\/apt\/apt\.conf\.d\/20auto-upgrades/);
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});
