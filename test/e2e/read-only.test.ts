// Read-only mode (issue 11), tested as it happens: the real binary run by a
// throwaway unprivileged user (created here, deleted afterwards) on a private
// copy of a fixture sysroot that user can read. `check` reports; forcing a fix
// or an undo prints one line and exits 2; the dashboard says READ-ONLY, offers
// no fix or undo key, and `f`/`u` change nothing.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTui, type Tui } from '../helpers/tui';
import { changedPaths, copyRoot, snapshot } from '../fixtures/fix/updates/tree';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const RUNUSER = '/usr/sbin/runuser';
const USER = `hardtop-test-${randomBytes(3).toString('hex')}`;
const READ_ONLY_LINE = 'hardtop: read-only: run as root to apply fixes\n';
/** The panel row of updates.auto.enabled: its short label after the status symbol. */
const ROW = /│✖ enabled /;

const canRun = process.getuid?.() === 0 && fs.existsSync(RUNUSER);
const maybe = canRun ? test.serial : test.skip;

test.before(() => {
  if (!canRun) return;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'pipe' });
});

test.after.always(() => {
  if (!canRun) return;
  spawnSync('userdel', [USER], { stdio: 'ignore' });
});

/** A copy of the fixture root that the unprivileged user can read (the temp dir itself is 0700). */
function readableRoot(t: ExecutionContext): string {
  const root = copyRoot(t, 'deb12-auto-off');
  fs.chmodSync(root, 0o755);
  return root;
}

function asUser(...args: string[]) {
  const r = spawnSync(RUNUSER, ['-u', USER, '--', process.execPath, bin, ...args], {
    encoding: 'utf8',
    cwd: os.tmpdir(),
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

maybe('the binary really runs as the unprivileged user', (t) => {
  const r = spawnSync(RUNUSER, ['-u', USER, '--', process.execPath, '-e', 'process.stdout.write(String(process.geteuid()))'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.not(r.stdout, '0');
  t.regex(r.stdout, /^\d+$/);
});

maybe('check works and reports as a non-root user', (t) => {
  const root = readableRoot(t);
  const r = asUser('check', '--root', root, '--no-network', '--format', 'json');
  t.is(r.code, 1, r.stderr); // the fixture has failing checks
  t.is(r.stderr, '');
  const report = JSON.parse(r.stdout);
  const enabled = report.checks.find((c: { id: string }) => c.id === 'updates.auto.enabled');
  t.is(enabled.status, 'fail');
  t.deepEqual(enabled.fixes, ['updates.enable-unattended'], 'the report still names the fix an admin can run as root');
});

maybe('fix --yes and undo print exactly one line on stderr, exit 2 and change nothing', (t) => {
  const root = readableRoot(t);
  const before = snapshot(root);
  for (const args of [
    ['fix', 'updates.enable-unattended', '--root', root, '--yes'],
    ['fix', 'updates.enable-unattended', '--root', root],
    ['undo', '--root', root],
  ]) {
    const r = asUser(...args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr, READ_ONLY_LINE, args.join(' '));
    t.is(r.stdout, '', args.join(' '));
  }
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')), 'no state dir, no journal');
});

maybe('fix --dry-run still shows the preview to a non-root user', (t) => {
  const root = readableRoot(t);
  const before = snapshot(root);
  const r = asUser('fix', 'updates.enable-unattended', '--root', root, '--dry-run');
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes('+APT::Periodic::Unattended-Upgrade "1";'));
  t.deepEqual(changedPaths(before, snapshot(root)), []);
});

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

maybe('dashboard: READ-ONLY in the header, no fix/undo keys, f and u say read-only and change nothing', async (t) => {
  const root = readableRoot(t);
  const before = snapshot(root);
  const tui = startTui({
    cmd: RUNUSER,
    args: ['-u', USER, '--', process.execPath, bin, '--root', root, '--no-network'],
    cols: 120,
    rows: 32,
    cwd: os.tmpdir(),
    env: { TERM: 'xterm-256color' },
  });
  t.teardown(() => tui.dispose());
  await tui.waitForText('▶ Updates');
  await waitUntil(tui, () => tui.line(0).includes('READ-ONLY'), 'READ-ONLY in the header');
  const keyBar = () => tui.line(31);
  await waitUntil(tui, () => keyBar().includes('q quit'), 'the key bar');
  t.false(/\bf fix\b/.test(keyBar()), keyBar());
  t.false(/\bu undo\b/.test(keyBar()), keyBar());

  // Select the failing finding that has a fix, as an admin would, and try.
  await tui.waitForText(ROW);
  const selected = () => {
    const lines = tui.screenText().split('\n');
    const y = lines.findIndex((l) => ROW.test(l));
    if (y < 0) return false;
    const x = ROW.exec(lines[y])!.index + 3; // the label, past "│✖ "
    return tui.cellStyle(x, y).inverse;
  };
  for (let i = 0; i < 6 && !selected(); i++) {
    tui.press('j');
    await new Promise((r) => setTimeout(r, 150));
    await tui.settle();
  }
  t.true(selected());
  tui.press('f');
  await tui.waitForText('read-only: run hardtop as root to change the system');
  t.falsy(tui.find('— preview'), 'no preview opens');
  await tui.waitForNoText('read-only: run hardtop as root', 10_000);
  tui.press('u');
  await tui.waitForText('read-only: run hardtop as root to change the system');
  t.deepEqual(changedPaths(before, snapshot(root)), []);
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
