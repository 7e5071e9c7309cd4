// Commit-confirmed in-process, with the real engine and LocalHost on a small
// sysroot, and a stand-in for bin/hardtop as the reverter (a script that
// records how it was started: its own session, stdin on /dev/null, its args).
// The real reverter against a real sshd is test/e2e/ssh-harden.test.ts.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Plan } from '../../src/core/types';
import { applyCommitConfirmed, confirmPending, dropPendingIfUndone, pendingStatus, recoverPendingAtStartup, runReverter } from '../../src/fix/commit-confirmed';
import { undo } from '../../src/fix/undo';
import { claim } from '../../src/fix/confirm-claim';
import { parsePending, pendingPath, writePending, type PendingRecord } from '../../src/fix/confirm-record';
import { ppidFromStat, envFromEnviron, sameLogin } from '../../src/fix/confirm-session';
import { listJournal } from '../../src/fix/journal';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';
import { tempDir } from '../helpers/sshd';

const asRoot = process.getuid?.() === 0 ? test : test.skip;
const STATE = '/var/lib/hardtop';
const FILE = '/etc/demo/demo.conf';
const BEFORE = 'PasswordAuthentication yes\n';
const AFTER = 'PasswordAuthentication no\n';
const APPLIER_SSH = '192.0.2.7 50000 192.0.2.1 22';

interface Box {
  root: string;
  host: (env?: Record<string, string>) => Host;
  real: (p: string) => string;
  /** Where the stand-in reverter writes what it saw. */
  seen: string;
  entryScript: string;
}

function box(t: ExecutionContext, opts: { bootId?: string; sessionId?: string } = {}): Box {
  const dir = tempDir(t, 'hardtop-cc-');
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc/demo'), { recursive: true });
  fs.writeFileSync(path.join(root, FILE), BEFORE, { mode: 0o644 });
  const proc = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  };
  proc('/proc/sys/kernel/random/boot_id', `${opts.bootId ?? '11111111-1111-1111-1111-111111111111'}\n`);
  if (opts.sessionId) proc('/proc/self/sessionid', opts.sessionId);
  // The stand-in for bin/hardtop: it records its argv, whether it leads its
  // own session (setsid) and what its stdin is, then exits.
  const seen = path.join(dir, 'seen.json');
  const entryScript = path.join(dir, 'hardtop');
  fs.writeFileSync(
    entryScript,
    `const fs = require('fs');
const stat = fs.readFileSync('/proc/self/stat', 'utf8');
const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
fs.writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ args: process.argv.slice(2), pid: process.pid, sid: Number(f[3]), stdin: fs.readlinkSync('/proc/self/fd/0'), env: Object.keys(process.env).sort() }));
`,
  );
  return {
    root,
    entryScript,
    seen,
    real: (p) => path.join(root, p),
    host: (env = {}) => {
      // The env map is the whole environment: no SSH_CONNECTION of the test's own session leaks in (nor an ancestor's).
      return createLocalHost({ root, network: false, env });
    },
  };
}

function demoPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    fixId: 'demo.lockout',
    title: 'a change that could lock you out',
    risk: 'lockout-risk',
    edits: [{ path: FILE, before: BEFORE, after: AFTER }],
    validate: [],
    commands: [],
    warnings: [],
    ...overrides,
  };
}

async function waitFor(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pendingOf(b: Box): PendingRecord | null {
  const f = b.real(pendingPath(STATE));
  return fs.existsSync(f) ? parsePending(fs.readFileSync(f, 'utf8')) : null;
}

async function armed(t: ExecutionContext, b: Box, window = 60): Promise<PendingRecord> {
  const r = await applyCommitConfirmed(b.host({ SSH_CONNECTION: APPLIER_SSH }), demoPlan(), { stateDir: STATE, windowSeconds: window, entryScript: b.entryScript });
  t.true(r.outcome.ok, JSON.stringify(r.outcome));
  t.truthy(r.pending);
  return r.pending!;
}

// ---------------------------------------------------------------------------

test('pure helpers: ppid from /proc/PID/stat (comm with spaces and parens), env from environ, same login', (t) => {
  t.is(ppidFromStat('123 (my (odd) prog) S 77 123 123 0 -1'), 77);
  t.is(ppidFromStat('garbage'), null);
  t.is(envFromEnviron('A=1\0SSH_CONNECTION=1.2.3.4 5 6.7.8.9 22\0B=2', 'SSH_CONNECTION'), '1.2.3.4 5 6.7.8.9 22');
  const applier = { sshConnection: 'a', sessionId: '7', user: 'x' };
  t.true(sameLogin({ sshConnection: 'a', sessionId: null, user: 'x' }, applier).same);
  t.true(sameLogin({ sshConnection: 'b', sessionId: '7', user: 'x' }, applier).same, 'a second sudo in the same login');
  t.false(sameLogin({ sshConnection: 'b', sessionId: '8', user: 'x' }, applier).same);
});

asRoot('arming: a 0600 pending record (journal id, token, deadline, applier session, boot id) and a detached reverter', async (t) => {
  const b = box(t, { sessionId: '42' });
  const started = Date.now();
  const rec = await armed(t, b, 90);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), AFTER);
  const st = fs.statSync(b.real(pendingPath(STATE)));
  t.is(st.mode & 0o777, 0o600);
  t.regex(rec.token, /^[0-9a-f]{32}$/);
  t.is(rec.phase, 'applied');
  t.is(rec.applier.sshConnection, APPLIER_SSH);
  t.is(rec.applier.sessionId, '42');
  t.is(rec.bootId, '11111111-1111-1111-1111-111111111111');
  const dl = Date.parse(rec.deadline);
  t.true(dl >= started + 90_000 && dl <= Date.now() + 90_000, 'the countdown starts after the reload');
  const journal = await listJournal(b.host(), STATE);
  t.deepEqual(journal.records.map((r) => [r.id, r.action === 'apply' ? r.outcome : r.action]), [[rec.journalId, 'applied']]);

  await waitFor('the reverter to start', () => fs.existsSync(b.seen));
  const seen = JSON.parse(fs.readFileSync(b.seen, 'utf8'));
  t.deepEqual(seen.args, ['revert-pending', '--root', fs.realpathSync(b.root), '--token', rec.token]);
  t.is(seen.sid, seen.pid, 'it leads its own session (setsid): no terminal hangup reaches it');
  t.is(seen.stdin, '/dev/null');
  t.deepEqual(seen.env, ['LANG', 'LC_ALL', 'PATH'], 'the clean environment, nothing of ours');
  t.deepEqual(rec.reverter, { kind: 'process', pid: seen.pid });
  t.deepEqual(await pendingStatus(b.host(), STATE), { journalId: rec.journalId, fixId: 'demo.lockout', phase: 'applied', secondsLeft: 90 });
});

asRoot('while one change waits for confirmation, another lockout-risk apply is refused and changes nothing', async (t) => {
  const b = box(t);
  await armed(t, b);
  const second = await applyCommitConfirmed(b.host(), demoPlan({ edits: [{ path: FILE, before: AFTER, after: 'x\n' }] }), { stateDir: STATE, entryScript: b.entryScript });
  t.false(second.outcome.ok);
  if (!second.outcome.ok) t.regex(second.outcome.message, /demo\.lockout .* is still waiting for confirmation/);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), AFTER);
});

asRoot('no reverter, no change: when the revert cannot be armed, nothing is written (journaled as not applied)', async (t) => {
  const b = box(t);
  const r = await applyCommitConfirmed(b.host(), demoPlan(), { stateDir: STATE, entryScript: 'relative/hardtop' });
  t.false(r.outcome.ok);
  if (!r.outcome.ok) t.regex(r.outcome.message, /cannot start the automatic revert.*nothing was changed/);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), BEFORE);
  t.is(pendingOf(b), null);
  const journal = await listJournal(b.host(), STATE);
  t.deepEqual(journal.records.map((x) => (x.action === 'apply' ? x.outcome : x.action)), ['not-applied']);
});

asRoot('a failure after the write rolls back and stands the reverter down (no record left)', async (t) => {
  const b = box(t);
  const plan = demoPlan({ commands: [{ argv: ['false'], describe: 'a reload that fails', reload: true }] });
  const r = await applyCommitConfirmed(b.host(), plan, { stateDir: STATE, windowSeconds: 60, entryScript: b.entryScript });
  t.false(r.outcome.ok);
  t.true(!r.outcome.ok && r.outcome.rolledBack);
  t.is(r.pending, null);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), BEFORE);
  t.is(pendingOf(b), null);
});

asRoot('confirm: refused from the applying SSH connection or login session, and without proof of SSH unless --force', async (t) => {
  const b = box(t, { sessionId: '42' });
  const rec = await armed(t, b);
  const same = await confirmPending(b.host({ SSH_CONNECTION: APPLIER_SSH }), { stateDir: STATE });
  t.false(same.ok);
  t.regex(same.message, /refused: this is the same SSH connection .* confirm from a NEW ssh login/);
  // A new SSH_CONNECTION but the same audit session (a second window of the same tmux, say): still the same login.
  const sameSession = await confirmPending(b.host({ SSH_CONNECTION: '192.0.2.7 50001 192.0.2.1 22' }), { stateDir: STATE });
  t.regex(sameSession.message, /the same login session \(audit session 42\)/);
  fs.writeFileSync(b.real('/proc/self/sessionid'), '43');
  const noSsh = await confirmPending(b.host({}), { stateDir: STATE });
  t.false(noSsh.ok);
  t.regex(noSsh.message, /cannot tell that this is a new ssh login/);
  t.truthy(pendingOf(b), 'still pending after every refusal');

  const ok = await confirmPending(b.host({ SSH_CONNECTION: '198.51.100.9 40000 192.0.2.1 22' }), { stateDir: STATE });
  t.true(ok.ok, ok.message);
  t.is(ok.message, `kept demo.lockout (${rec.journalId}): confirmed from a new ssh login from 198.51.100.9`);
  t.is(pendingOf(b), null);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), AFTER, 'kept');
  // The reverter, had it still been waiting, finds nothing to do.
  const late = await runReverter(b.host(), { stateDir: STATE, token: rec.token });
  t.false(late.acted);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), AFTER);
  t.regex((await confirmPending(b.host({ SSH_CONNECTION: 'x' }), { stateDir: STATE })).message, /nothing is waiting/);
});

asRoot('confirm --force from a console login works, but never from the applying session', async (t) => {
  const b = box(t, { sessionId: '42' });
  await armed(t, b);
  t.regex((await confirmPending(b.host({}), { stateDir: STATE, force: true })).message, /same login session/);
  fs.writeFileSync(b.real('/proc/self/sessionid'), '43');
  const ok = await confirmPending(b.host({}), { stateDir: STATE, force: true });
  t.true(ok.ok, ok.message);
  t.regex(ok.message, /confirmed from this login \(--force\)/);
});

asRoot('the reverter waits for the deadline, then undoes the change, and only for its own token', async (t) => {
  const b = box(t);
  const rec = await armed(t, b, 2);
  const wrong = await runReverter(b.host(), { stateDir: STATE, token: 'f'.repeat(32) });
  t.false(wrong.acted);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), AFTER);
  const t0 = Date.now();
  const r = await runReverter(b.host(), { stateDir: STATE, token: rec.token });
  t.true(Date.now() >= Date.parse(rec.deadline) - 50, 'not before the deadline');
  t.true(r.acted && r.ok, r.message);
  t.regex(r.message, /reverted demo\.lockout .* because it was not confirmed in time/);
  t.true(Date.now() - t0 < 10_000);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), BEFORE);
  t.is(pendingOf(b), null);
  t.false(fs.existsSync(b.real(`${STATE}/pending-confirm.claims`)));
  t.regex(fs.readFileSync(b.real(`${STATE}/last-revert.json`), 'utf8'), /"ok":true/);
  const journal = await listJournal(b.host(), STATE);
  t.deepEqual(journal.records.map((x) => x.action), ['apply', 'undo']);
});

asRoot('claims: the first live claimant wins; a dead one (or one from an earlier boot) is skipped', async (t) => {
  const b = box(t);
  const host = b.host();
  await host.ensurePrivateDir(STATE);
  const token = 'a'.repeat(32);
  // A claim by a process that has exited, then by live ones (this test process, its parent).
  const dead = spawnSync('/bin/true').pid!;
  t.true(await claim(host, STATE, token, 'revert', { pid: dead, bootId: 'b' }));
  t.true(await claim(host, STATE, token, 'confirm', { pid: process.pid, bootId: 'b' }), 'the first claimant is dead: skipped');
  t.false(await claim(host, STATE, token, 'revert', { pid: process.ppid, bootId: 'b' }), 'we are alive and first among the living');
  t.true(await claim(host, STATE, 'b'.repeat(32), 'revert', { pid: process.ppid, bootId: 'b' }), 'another token is another race');
});

asRoot('start-up: a record from another boot (rebooted before confirming) is reverted by the next run; a live one is left alone', async (t) => {
  const b = box(t, { bootId: '11111111-1111-1111-1111-111111111111' });
  const rec = await armed(t, b, 300);
  t.deepEqual(await recoverPendingAtStartup(b.host(), STATE), [], 'same boot, before the deadline: the reverter handles it');
  t.truthy(pendingOf(b));
  fs.writeFileSync(b.real('/proc/sys/kernel/random/boot_id'), '22222222-2222-2222-2222-222222222222\n');
  const messages = await recoverPendingAtStartup(b.host(), STATE);
  t.is(messages.length, 1);
  t.regex(messages[0], new RegExp(`reverted demo\\.lockout \\(${rec.journalId}\\) because the machine rebooted before it was confirmed`));
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), BEFORE);
  t.is(pendingOf(b), null);
});

asRoot('start-up: long past its deadline (the reverter died) → reverted; a failed revert is reported on every run', async (t) => {
  const b = box(t);
  const rec = await armed(t, b, 300);
  await writePending(b.host(), STATE, { ...rec, deadline: new Date(Date.now() - 120_000).toISOString() });
  // Meanwhile the admin edited the file by hand: undo must not clobber that.
  fs.writeFileSync(b.real(FILE), 'PasswordAuthentication no # edited\n');
  const first = await recoverPendingAtStartup(b.host(), STATE);
  t.regex(first[0], /could NOT revert demo\.lockout .* changed since the fix/);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), 'PasswordAuthentication no # edited\n');
  t.is(pendingOf(b)?.phase, 'revert-failed');
  const again = await recoverPendingAtStartup(b.host(), STATE);
  t.regex(again[0], /could not be reverted: .*run hardtop undo .* or hardtop confirm to keep it/);
  // Confirm is how the admin keeps it.
  const ok = await confirmPending(b.host({ SSH_CONNECTION: '198.51.100.9 40000 192.0.2.1 22' }), { stateDir: STATE });
  t.true(ok.ok, ok.message);
  t.deepEqual(await recoverPendingAtStartup(b.host(), STATE), []);
});

asRoot('an apply that never finished (its process is gone) cannot be confirmed', async (t) => {
  const b = box(t);
  const rec = await armed(t, b, 300);
  await writePending(b.host(), STATE, { ...rec, phase: 'applying', applier: { ...rec.applier, pid: 3_999_999 } });
  const r = await confirmPending(b.host({ SSH_CONNECTION: '198.51.100.9 40000 192.0.2.1 22' }), { stateDir: STATE });
  t.false(r.ok);
  t.regex(r.message, /never finished .* reverts by itself/);
});

asRoot('a pending record that is not root-only is not trusted', async (t) => {
  const b = box(t);
  await armed(t, b);
  fs.chmodSync(b.real(pendingPath(STATE)), 0o644);
  const r = await confirmPending(b.host({ SSH_CONNECTION: 'x y z w' }), { stateDir: STATE });
  t.false(r.ok);
  t.regex(r.message, /readable or writable by others/);
});

asRoot('hardtop undo of the pending change itself leaves nothing to confirm or revert', async (t) => {
  const b = box(t);
  const rec = await armed(t, b);
  t.false(await dropPendingIfUndone(b.host(), 'x', STATE), 'another id: nothing dropped');
  const u = await undo(b.host(), { stateDir: STATE });
  t.true(u.ok && u.of === rec.journalId);
  t.true(await dropPendingIfUndone(b.host(), rec.journalId, STATE));
  t.is(pendingOf(b), null);
  t.is(fs.readFileSync(b.real(FILE), 'utf8'), BEFORE);
});
