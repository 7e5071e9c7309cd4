// The "Done when", as near as this machine allows (no real Debian box
// with unattended-upgrades to switch on; the tests never touch this
// machine's /etc): the real binary (bin/hardtop → dist/, `npm run build`
// first) in a pty on a private copy of a fixture sysroot where
// unattended-upgrades is installed but not enabled. The panel says so (with
// the file:line that switches it off), `f` previews the diff, `y` applies,
// and then BOTH our own parser and the real `apt-config dump` (temp
// APT_CONFIG pointing Dir::Etc into the copy) say APT::Periodic is on; `u`
// takes it back and apt-config says off again.
//
// deb12-auto-overridden is the harder case of the issue: 20auto-upgrades
// already says "1" but a later file says "0"; the fix names and fixes that
// file. Then `hardtop check --format json` on the copy has every id of the
// updates and reboot areas with a real status.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAptConf } from '../../checks/updates/apt-config';
import { createLocalHost } from '../../src/host/local-host';
import { aptConfigAvailable, aptConfigDump, changedPaths, copyRoot, read, snapshot } from '../fixtures/fix/updates/tree';
import { startTui, type Tui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
const LATER = '/etc/apt/apt.conf.d/99local-no-auto';
const UU = 'APT::Periodic::Unattended-Upgrade';
const LISTS = 'APT::Periodic::Update-Package-Lists';
const withApt = aptConfigAvailable() ? test.serial : test.skip;

function dashboard(t: { teardown(fn: () => void): void }, root: string, rows = 40): Tui & { stderr(): string } {
  const errDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-e2e-enable-'));
  const errFile = path.join(errDir, 'stderr');
  const tui = startTui({ cmd: process.execPath, args: [bin, '--root', root, '--no-network', '--only', 'updates'], cols: 200, rows, captureStderrTo: errFile });
  t.teardown(() => {
    tui.dispose();
    fs.rmSync(errDir, { recursive: true, force: true });
  });
  return Object.assign(tui, { stderr: () => (fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '') });
}

async function waitUntil(tui: Tui, predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${tui.screenText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function findRow(tui: Tui, label: string): { x: number; y: number } | undefined {
  const lines = tui.screenText().split('\n');
  for (let y = 0; y < lines.length; y++) {
    const m = new RegExp(`│([✖✔▲●!–…]) ${label} `).exec(lines[y]);
    if (m) return { x: m.index + 1, y };
  }
  return undefined;
}

const symbolOf = (tui: Tui, label: string) => {
  const at = findRow(tui, label);
  return at ? tui.line(at.y).charAt(at.x) : undefined;
};
const isSelected = (tui: Tui, label: string) => {
  const at = findRow(tui, label);
  return at !== undefined && tui.cellStyle(at.x + 2, at.y).inverse;
};

/** What our own parser believes about the copy (the same loader the check uses). */
async function ours(root: string): Promise<{ uu?: string; lists?: string }> {
  const { conf, problems } = await loadAptConf(createLocalHost({ root, network: false }));
  if (problems.length > 0) throw new Error(problems[0].summary);
  return { uu: conf.get(UU)?.value, lists: conf.get(LISTS)?.value };
}

withApt('installed but not enabled (a later file says "0"): the panel says so, f then y enables it, our parser and apt-config dump agree; u undoes it', async (t) => {
  t.timeout(150_000);
  const root = copyRoot(t, 'deb12-auto-overridden');
  const before = snapshot(root);
  const original = read(root, LATER);
  t.is(aptConfigDump(root).get(UU.toLowerCase()), '0', 'apt itself says off before');

  const tui = dashboard(t, root);
  await waitUntil(tui, () => symbolOf(tui, 'enabled') === '✖', 'enabled failing');
  // The panel is half the screen wide: the row is cut after the file name's start.
  await tui.waitForText('automatic updates are off: Unattended-Upgrade "0" (/etc/apt/apt.conf.d/99local-no-aut');
  t.is(symbolOf(tui, 'installed'), '✔', 'installed, not enabled');
  for (let i = 0; i < 6 && !isSelected(tui, 'enabled'); i++) {
    tui.press('j');
    await new Promise((r) => setTimeout(r, 150));
    await tui.settle();
  }
  await waitUntil(tui, () => isSelected(tui, 'enabled'), 'enabled selected');

  tui.press('f');
  await tui.waitForText('fix updates.enable-unattended — preview');
  await tui.waitForText('--- a/etc/apt/apt.conf.d/99local-no-auto');
  await tui.waitForText('-APT::Periodic::Unattended-Upgrade "0";');
  await tui.waitForText('+APT::Periodic::Unattended-Upgrade "1";');
  await tui.waitForText(/99local-no-auto:2 sets APT::Periodic::Unattended-Upgrade "0" and apt reads it after/);
  t.is(read(root, LATER), original, 'the preview changes nothing');

  tui.press('y');
  await tui.waitForText(/applied updates\.enable-unattended as \d{8}T\d{6}Z-[0-9a-f]{6}/);
  await waitUntil(tui, () => symbolOf(tui, 'enabled') === '✔', 'enabled passing after the apply');
  t.deepEqual(changedPaths(before, snapshot(root)), [LATER]);
  t.deepEqual(await ours(root), { uu: '1', lists: '1' });
  const apt = aptConfigDump(root);
  t.is(apt.get(UU.toLowerCase()), '1', 'apt-config dump agrees: on');
  t.is(apt.get(LISTS.toLowerCase()), '1');

  tui.press('u');
  await tui.waitForText(/undid updates\.enable-unattended/);
  await waitUntil(tui, () => symbolOf(tui, 'enabled') === '✖', 'enabled failing again after undo');
  t.deepEqual(changedPaths(before, snapshot(root)), [], 'byte for byte');
  t.is(aptConfigDump(root).get(UU.toLowerCase()), '0', 'apt-config dump: off again');

  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});

test('every id of the updates and reboot areas is in the JSON report with a real status, on every kind of system', (t) => {
  const ids = ['updates.auto.installed', 'updates.auto.enabled', 'updates.auto.timers', 'updates.auto.last-run', 'updates.pending.security', 'updates.pending.all', 'reboot.required', 'reboot.policy', 'reboot.livepatch', 'reboot.stale-services'];
  for (const name of ['deb12-auto-off', 'ubuntu-reboot', 'rhel9-dnf-on', 'fedora-dnf5', 'nopm-alpine', 'deb12-malformed']) {
    const r = spawnSync(process.execPath, [bin, 'check', '--root', path.join(repo, 'test/fixtures/roots', name), '--no-network', '--format', 'json', '--only', 'updates,reboot'], { encoding: 'utf8' });
    t.true(r.status === 0 || r.status === 1, `${name}: exit ${r.status} ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { checks: { id: string; status: string; summary: string }[] };
    t.deepEqual(report.checks.map((c) => c.id), ids, name);
    for (const c of report.checks) {
      t.true(['pass', 'warn', 'fail', 'info', 'error', 'skip'].includes(c.status), `${name} ${c.id}`);
      t.true(c.summary.length > 10, `${name} ${c.id} says why: ${c.summary}`);
      // "the other checks still run": only a check whose own input is broken errors.
      t.false(c.status === 'error' && !/:\d+|not a regular file|not an unattended-upgrades log/.test(c.summary), `${name} ${c.id} error without file:line: ${c.summary}`);
    }
  }
});

test.serial('N security updates pending on the panel; Enter on the row lists every package by name', async (t) => {
  t.timeout(240_000);
  const root = copyRoot(t, 'deb12-pending');
  // Tall enough for the detail view to show the sixth item without scrolling.
  const tui = dashboard(t, root, 70);
  // The lists are scanned at start: slow under load, so a long first wait.
  await waitUntil(tui, () => symbolOf(tui, 'security') === '✖', 'security failing', 120_000);
  await tui.waitForText('6 security updates pending (1 held): curl 7.88.1-10+deb12u7 → 7.88.1-10+deb12u12');
  for (let i = 0; i < 6 && !isSelected(tui, 'security'); i++) {
    tui.press('j');
    await new Promise((r) => setTimeout(r, 150));
    await tui.settle();
  }
  await waitUntil(tui, () => isSelected(tui, 'security'), 'security selected');
  tui.key('enter');
  // Every item, not only the five the summary names: the sixth (held) one too.
  await tui.waitForText('✖ sudo: sudo 1.9.13p3-1+deb12u1 → 1.9.13p3-1+deb12u2 (held)', 60_000);
  for (const name of ['curl', 'libgcrypt20', 'libssl3', 'nginx', 'openssl']) t.regex(tui.screenText(), new RegExp(`✖ ${name}: ${name} \\S+ → \\S+`), name);
  // Wait for the detail view to close before q: an Esc and a q in one read are parsed as Alt-q.
  tui.key('escape');
  await tui.waitForNoText('Updates — detail');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
  t.is(tui.stderr(), '');
});
