// The fail2ban view as an admin uses it: the real binary in a pty against a
// REAL fail2ban-server (test/helpers/fail2ban-server.ts: temp config,
// socket, log; banaction dummy, no firewall; 127.x addresses only).
//
// 1. Failed logins appended to the jail's log → fail2ban bans → the view
//    shows the Ban event and the ban list the address; `u`, `y` → fail2ban
//    reports it unbanned. `b` bans a typed address the same way, and the fix
//    refuses loopback and the admin's own SSH address in the preview.
// 2. Issue 11, "Under load": with the view open, a child appends 10,000
//    lines a second to fail2ban's log for ~5 s; keys are still answered
//    (each within a generous bound), memory stays bounded, and the view
//    catches up with the last line. The figures are logged for the bench;
//    no timing is asserted beyond "answered, not hung".
// 3. Read-only (a throwaway unprivileged user): the view and the ban list
//    work, `u` and `b` say why they are disabled and open nothing.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseJailStatus } from '../../src/parse/fail2ban-client';
import { startFail2banServer, type Fail2banServer } from '../helpers/fail2ban-server';
import { startTui, type Tui } from '../helpers/tui';

const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'bin/hardtop');
/** The admin's SSH session "comes from" here (a documentation address, for the `b` refusal); never banned. */
const ADMIN = '198.51.100.8';
const KEY_BOUND_MS = 15_000;

/** Wide enough for the preview to show the whole fail2ban-client command line (real temp paths). */
function dashboard(t: ExecutionContext, server: Fail2banServer, cols = 160): Tui {
  const tui = startTui({
    cmd: process.execPath,
    args: [bin, '--root', server.root, '--no-network'],
    cols,
    rows: 40,
    env: { TERM: 'xterm-256color', SSH_CONNECTION: `${ADMIN} 50022 127.0.0.1 22`, SSH_CLIENT: undefined },
  });
  t.teardown(() => tui.dispose());
  return tui;
}

/** Move to the fail2ban panel (right of Updates) and open its view. */
async function openView(tui: Tui): Promise<void> {
  await tui.waitForText('▶ Updates');
  tui.key('right');
  await tui.waitForText('▶ fail2ban');
  tui.key('enter');
  await tui.waitForText('fail2ban — live');
  await tui.waitForText('fail2ban answers on /run/fail2ban/fail2ban.sock', 30_000);
}

async function bannedIps(server: Fail2banServer, jail = 'sshd'): Promise<string[]> {
  const r = await server.client(['status', jail]);
  const st = parseJailStatus(r.stdout);
  if (!st) throw new Error(`unexpected status output: ${r.stdout}${r.stderr}`);
  return st.bannedIps;
}

test.serial('a ban shows live; u + y in the ban list unbans it in fail2ban; b bans a typed address; loopback and the admin are refused', async (t) => {
  t.timeout(180_000);
  const server = await startFail2banServer(t, { maxretry: 3 });
  const tui = dashboard(t, server);
  await openView(tui);

  server.failLogins('127.0.0.5', 5);
  await server.waitForBan('sshd', '127.0.0.5');
  // The event comes from the log, tailed live; the counters from `status sshd`.
  await tui.waitForText(/\d\d:\d\d:\d\d \[sshd\] Ban 127\.0\.0\.5/, 30_000);
  await tui.waitForText(/sshd +\d+\/5 +1\/1 /, 30_000);

  tui.key('enter');
  await tui.waitForText('fail2ban — banned addresses');
  await tui.waitForText(/sshd +127\.0\.0\.5/, 30_000);
  await tui.waitForText(/banned now: 1 address in 1 jail\b/);
  // Help from here lists the ban list's own keys.
  tui.press('?');
  await tui.waitForText(/┌─ help /);
  await tui.waitForText('unban the selected address (preview first)');
  tui.key('escape');
  await tui.waitForText('fail2ban — banned addresses');

  tui.press('u');
  await tui.waitForText('fix fail2ban.unban — preview');
  await tui.waitForText('Unban 127.0.0.5 in [sshd]');
  await tui.waitForText(/\$ fail2ban-client .*set sshd unbanip 127\.0\.0\.5/);
  t.deepEqual(await bannedIps(server), ['127.0.0.5'], 'nothing changes before y');
  tui.press('y');
  await tui.waitForText(/applied fail2ban\.unban/, 30_000);
  t.deepEqual(await bannedIps(server), [], 'fail2ban reports it unbanned');
  await tui.waitForText('no address is banned', 30_000);

  // b: an address typed in, previewed, applied. Not 127.x: the fix refuses all
  // of loopback; a documentation address, banned by the dummy action (no firewall).
  tui.press('b');
  await tui.waitForText('ban in [sshd]');
  tui.press('192.0.2.9');
  tui.key('enter');
  await tui.waitForText('fix fail2ban.ban — preview');
  await tui.waitForText('Ban 192.0.2.9 in [sshd]');
  await tui.waitForText(/set sshd banip 192\.0\.2\.9/);
  tui.press('y');
  await tui.waitForText(/applied fail2ban\.ban/, 30_000);
  t.deepEqual(await bannedIps(server), ['192.0.2.9']);
  await tui.waitForText(/sshd +192\.0\.2\.9/, 30_000);

  // The fix refuses what must never be banned; the preview says why and offers no y.
  for (const [address, why] of [
    ['127.0.0.9', /REFUSED: 127\.0\.0\.9 covers loopback/],
    [ADMIN, /REFUSED: 198\.51\.100\.8 covers 198\.51\.100\.8, the address your SSH session comes from/],
  ] as const) {
    tui.press('b');
    await tui.waitForText('ban in [sshd]');
    tui.press(address);
    tui.key('enter');
    await tui.waitForText(why);
    // Pressing y anyway: the engine refuses the refused plan too, and says so.
    tui.press('y');
    await tui.waitForText(new RegExp(`fail2ban\\.ban failed at refused: .*${address.replace(/\./g, '\\.')}`), 30_000);
    await tui.waitForText('fail2ban — banned addresses');
  }
  t.deepEqual(await bannedIps(server), ['192.0.2.9'], 'loopback and the admin were not banned');

  // Back to the live view: the unban and the ban came through the log too.
  tui.key('escape');
  await tui.waitForText('fail2ban — live');
  await tui.waitForText(/\[sshd\] Unban 127\.0\.0\.5/, 30_000);
  await tui.waitForText(/\[sshd\] Ban 192\.0\.2\.9/, 30_000);
  // d: the area's findings (the generic detail), then back to the dashboard.
  tui.press('d');
  await tui.waitForText('fail2ban — detail');
  await tui.waitForText('[fail2ban.bans, info]');
  tui.key('escape');
  await tui.waitForNoText('— detail');
  await tui.waitForText('▶ fail2ban');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});

/** VmRSS of a process in KiB, null when it is gone. */
function rssKiB(pid: number): number | null {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return null;
  }
}

/** User + system CPU time of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

// The flood writer: a separate process, bounded in lines and in time.
const FLOOD = `
const fs = require('node:fs');
const [log, perSecond, seconds, last] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const total = perSecond * seconds;
const batch = perSecond / 10;
const started = Date.now();
let written = 0;
const pad = (n) => String(n).padStart(2, '0');
function stamp() { const d = new Date(); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
const timer = setInterval(() => {
  let text = '';
  const t = stamp();
  for (let i = 0; i < batch && written < total; i++, written++) {
    const ip = '127.1.' + ((written >> 8) & 255) + '.' + (written & 255);
    text += written % 500 === 499
      ? t + ',000 fail2ban.actions        [1]: NOTICE  [sshd] Ban ' + ip + '\\n'
      : t + ',000 fail2ban.filter         [1]: INFO    [sshd] Found ' + ip + ' - ' + t + '\\n';
  }
  if (written >= total || Date.now() - started > seconds * 1000 + 3000) {
    text += t + ',000 fail2ban.actions        [1]: NOTICE  [sshd] Ban ' + last + '\\n';
    fs.appendFileSync(log, text);
    clearInterval(timer);
    process.stdout.write(String(written + 1));
    return;
  }
  fs.appendFileSync(log, text);
}, 100);
`;

test.serial('under load: 10,000 log lines a second for ~5 s; keys answered, memory bounded, the view catches up', async (t) => {
  t.timeout(240_000);
  const server = await startFail2banServer(t, { omitJails: ['recidive'] });
  const tui = dashboard(t, server, 120);
  await openView(tui);
  const pid = tui.pid;
  const rssStart = rssKiB(pid) ?? 0;
  const cpuStart = cpuTicks(pid);

  const LAST = '127.0.200.200';
  const child = spawn(process.execPath, ['-e', FLOOD, server.fail2banLog, '10000', '5', LAST], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let written = '';
  child.stdout.on('data', (d: Buffer) => (written += d.toString()));
  const finished = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void finished.then(() => (done = true));

  let rssMax = rssStart;
  const sampler = setInterval(() => {
    const r = rssKiB(pid);
    if (r !== null) rssMax = Math.max(rssMax, r);
  }, 100);
  t.teardown(() => clearInterval(sampler));

  // Keys while the flood runs: each must be answered (not hung) within a generous bound.
  const latencies: number[] = [];
  const answered = async (what: string, press: () => void, expect: () => Promise<void>) => {
    const t0 = Date.now();
    press();
    await expect().catch((err: Error) => {
      throw new Error(`${what}: not answered within ${KEY_BOUND_MS} ms during the flood\n${err.message}`);
    });
    latencies.push(Date.now() - t0);
  };
  let rounds = 0;
  while (!done || rounds === 0) {
    await answered('? (help)', () => tui.press('?'), () => tui.waitForText(/┌─ help /, KEY_BOUND_MS));
    await answered('Esc (close help)', () => tui.key('escape'), () => tui.waitForText('fail2ban — live', KEY_BOUND_MS));
    await answered('Enter (ban list)', () => tui.key('enter'), () => tui.waitForText('fail2ban — banned addresses', KEY_BOUND_MS));
    await answered('Esc (back to live)', () => tui.key('escape'), () => tui.waitForText('fail2ban — live', KEY_BOUND_MS));
    rounds++;
  }
  await finished;
  const floodLines = Number(written);
  t.true(floodLines > 10_000, `the flood wrote ${written} lines`);

  // Caught up: the very last line of the flood is on screen as the newest event.
  const t0 = Date.now();
  await tui.waitForText(new RegExp(`\\[sshd\\] Ban ${LAST.replace(/\./g, '\\.')}`), 30_000);
  const catchUpMs = Date.now() - t0;
  clearInterval(sampler);
  const cpuSeconds = (cpuTicks(pid) - cpuStart) / 100;
  const linesShown = /([\d,]+) lines read/.exec(tui.screenText())?.[1] ?? '?';
  const sorted = [...latencies].sort((a, b) => a - b);
  const figures = {
    floodLines,
    keysAnswered: latencies.length,
    keyMedianMs: sorted[Math.floor(sorted.length / 2)],
    keyMaxMs: sorted[sorted.length - 1],
    catchUpAfterFloodMs: catchUpMs,
    rssStartMiB: Math.round(rssStart / 1024),
    rssMaxMiB: Math.round(rssMax / 1024),
    dashboardCpuSeconds: cpuSeconds,
    linesReadShown: linesShown,
  };
  t.log(`bench fail2ban-flood ${JSON.stringify(figures)}`);
  t.true(latencies.length >= 4);
  t.true(rssMax < 400 * 1024, `RSS peaked at ${Math.round(rssMax / 1024)} MiB`);
  // The screen is alive and still answers after the flood.
  tui.press('?');
  await tui.waitForText(/┌─ help /);
  tui.key('escape');
  await tui.waitForText('fail2ban — live');
  tui.press('q');
  tui.press('q');
  await tui.exited;
});

const RUNUSER = '/usr/sbin/runuser';
const canRunAsUser = process.getuid?.() === 0 && fs.existsSync(RUNUSER);

(canRunAsUser ? test.serial : test.skip)('read-only: the view and the ban list work for a non-root user; u and b are disabled with the reason', async (t) => {
  const user = `hardtop-f2b-${randomBytes(3).toString('hex')}`;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { stdio: 'pipe' });
  t.teardown(() => void spawnSync('userdel', [user], { stdio: 'ignore' }));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-f2b-ro-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.chmodSync(root, 0o755);
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  put('etc/fail2ban/fail2ban.conf', '[Definition]\nlogtarget = /var/log/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\n');
  put('var/log/fail2ban.log', '2026-11-28 20:04:22,416 fail2ban.actions [1]: NOTICE  [sshd] Ban 192.0.2.7\n');
  put('var/lib/dpkg/status', 'Package: fail2ban\nStatus: install ok installed\nVersion: 1.0.2-2\n\n');
  const before = fs.readFileSync(path.join(root, 'var/log/fail2ban.log'), 'utf8');

  const tui = startTui({
    cmd: RUNUSER,
    args: ['-u', user, '--', process.execPath, bin, '--root', root, '--no-network'],
    cols: 120,
    rows: 32,
    cwd: os.tmpdir(),
    env: { TERM: 'xterm-256color' },
  });
  t.teardown(() => tui.dispose());
  await tui.waitForText('READ-ONLY');
  await tui.waitForText('▶ Updates');
  tui.key('right');
  await tui.waitForText('▶ fail2ban');
  tui.key('enter');
  await tui.waitForText('fail2ban — live');
  await tui.waitForText(/20:04:22 \[sshd\] Ban 192\.0\.2\.7/);
  await tui.waitForText(/fail2ban not running/);
  tui.key('enter');
  await tui.waitForText('fail2ban — banned addresses');
  await tui.waitForText('/ search');
  const keyBar = tui.line(31);
  t.false(/u unban|b ban/.test(keyBar), keyBar);
  for (const key of ['u', 'b']) {
    tui.press(key);
    await tui.waitForText('read-only: run hardtop as root to change the system');
    t.falsy(tui.find('— preview'), 'no preview opens');
    t.falsy(tui.find('ban in ['), 'no address prompt opens');
    await tui.waitForNoText('read-only: run hardtop as root', 10_000);
  }
  t.is(fs.readFileSync(path.join(root, 'var/log/fail2ban.log'), 'utf8'), before);
  t.false(fs.existsSync(path.join(root, 'var/lib/hardtop')), 'no state dir, no journal');
  tui.press('q');
  tui.press('q');
  tui.press('q');
  t.is((await tui.exited).exitCode, 0);
});
