// Commit-confirmed (DESIGN.md, fix engine contract §5): a change that could
// lock the admin out reverts by itself unless it is confirmed from a NEW ssh
// login within N seconds (default 120) of the reload.
//
// Order, so that no instant exists where the new config is live and nothing
// would revert it:
//   1. refuse if another change is already waiting for confirmation;
//   2. applyPlan: backup, validate; then, BEFORE the first live write
//      (beforeLiveChange), write the pending record (journal id, deadline,
//      one-time token, the applying login's SSH_CONNECTION and session, the
//      boot id) and start the reverter (confirm-reverter.ts); if that fails,
//      nothing is changed;
//   3. write, reload, verify (the engine);
//   4. success: the deadline becomes "now + N" (the countdown starts after the
//      reload); failure: the engine rolled back, the reverter is stood down.
// The reverter (`hardtop revert-pending`) waits for the deadline, then runs
// `hardtop undo ID` semantics in-process and the fix's reloads. `hardtop
// confirm` removes the record and stops the reverter. Whoever acts first wins
// (confirm-claim.ts). A record found later with another boot id (the box
// rebooted before anyone confirmed), or long past its deadline (the reverter
// died), is reverted by the next hardtop run of any command.

import { randomBytes } from 'node:crypto';
import type { Host } from '../host/host';
import type { Plan } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import { applyPlan, type ApplyOptions, type ApplyOutcome } from './engine';
import { claim, clearClaims } from './confirm-claim';
import { lastRevertPath, readPending, removePending, secondsLeft, writePending, type PendingRecord } from './confirm-record';
import { startReverter, stopReverter } from './confirm-reverter';
import { bootId, currentSession, processAlive, sameLogin } from './confirm-session';
import { undo } from './undo';
import { DEFAULT_STATE_DIR, errorText, READ_ONLY_REASON } from './state';

export const DEFAULT_CONFIRM_SECONDS = 120;
/** A record this long past its deadline means its reverter never ran (it died, or the box rebooted). */
export const STALE_GRACE_SECONDS = 60;
/** How long a reverter waits for an apply still in flight before reverting anyway. */
const MAX_APPLY_WAIT_MS = 10 * 60 * 1000;

export interface CommitConfirmedOptions extends Omit<ApplyOptions, 'beforeLiveChange'> {
  windowSeconds?: number;
  /** Absolute path of hardtop's entry script (bin/hardtop), which the reverter runs. */
  entryScript: string;
}

export interface CommitConfirmedResult {
  outcome: ApplyOutcome;
  /** The record waiting for confirmation (null when nothing is pending). */
  pending: PendingRecord | null;
  /** How the revert is armed, and anything worth saying about it. */
  notes: string[];
}

function refusedOutcome(message: string): ApplyOutcome {
  return { ok: false, stage: 'refused', message, rolledBack: false };
}

function oneLine(text: string): string {
  const line = sanitizeText(text);
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}

export async function applyCommitConfirmed(host: Host, plan: Plan, opts: CommitConfirmedOptions): Promise<CommitConfirmedResult> {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const window = opts.windowSeconds ?? DEFAULT_CONFIRM_SECONDS;
  const notes: string[] = [];
  if (!host.isRoot) return { outcome: refusedOutcome(READ_ONLY_REASON), pending: null, notes };
  if (!Number.isInteger(window) || window < 1) return { outcome: refusedOutcome(`not a confirm window: ${window}`), pending: null, notes };

  const existing = await readPending(host, stateDir);
  if (existing.kind === 'ok') {
    const r = existing.record;
    return {
      outcome: refusedOutcome(`${r.fixId} (${r.journalId}) is still waiting for confirmation (${secondsLeft(r, host.now())} s left): confirm it or let it revert first`),
      pending: null,
      notes,
    };
  }
  if (existing.kind === 'bad') return { outcome: refusedOutcome(`cannot tell whether a change is waiting for confirmation: ${existing.message}`), pending: null, notes };

  const token = randomBytes(16).toString('hex');
  const applier = { ...(await currentSession(host)), pid: process.pid };
  const boot = await bootId(host);
  let record: PendingRecord | null = null;

  const outcome = await applyPlan(host, plan, {
    ...opts,
    beforeLiveChange: async (journalId) => {
      const now = host.now();
      record = {
        schema: 'hardtop.pending-confirm/1',
        journalId,
        fixId: plan.fixId,
        token,
        createdAt: now.toISOString(),
        deadline: new Date(now.getTime() + window * 1000).toISOString(),
        windowSeconds: window,
        phase: 'applying',
        applier,
        bootId: boot,
        reverter: null,
      };
      await writePending(host, stateDir, record);
      const started = await startReverter(host, { entryScript: opts.entryScript, token, journalId, windowSeconds: window }).catch((err) => ({ ok: false as const, reason: errorText(err) }));
      if (!started.ok) {
        await removePending(host, stateDir).catch(() => undefined);
        record = null;
        throw new Error(`commit-confirmed: cannot start the automatic revert: ${started.reason}`);
      }
      notes.push(...started.notes, `automatic revert armed: ${started.how}`);
      record.reverter = started.reverter;
      // The reverter already runs with the token; this only helps confirm stop it precisely.
      await writePending(host, stateDir, record).catch(() => undefined);
    },
  });

  const armed = record as PendingRecord | null;
  if (armed === null) return { outcome, pending: null, notes };
  if (outcome.ok) {
    // The countdown starts now, after the reload.
    const updated: PendingRecord = { ...armed, phase: 'applied', deadline: new Date(host.now().getTime() + window * 1000).toISOString() };
    try {
      await writePending(host, stateDir, updated);
      return { outcome, pending: updated, notes };
    } catch (err) {
      notes.push(`could not move the deadline after the reload (${oneLine(errorText(err))}): the change reverts at ${armed.deadline}`);
      return { outcome, pending: armed, notes };
    }
  }
  // Failed after arming. Rolled back (or never written): nothing to revert.
  // A FAILED rollback is left armed: the reverter retries the undo at the deadline.
  if (outcome.rolledBack || outcome.stage === 'refused' || outcome.stage === 'stale') {
    await endPending(host, stateDir, armed, 'cancel').catch(() => undefined);
    return { outcome, pending: null, notes };
  }
  notes.push(`the rollback did not finish: the automatic revert stays armed and retries at ${armed.deadline}`);
  return { outcome, pending: armed, notes };
}

/** Claim the record and, if won, stop the reverter and remove the record. */
async function endPending(host: Host, stateDir: string, record: PendingRecord, who: 'confirm' | 'cancel'): Promise<'ended' | 'lost' | 'gone'> {
  const me = { pid: process.pid, bootId: await bootId(host) };
  if (!(await claim(host, stateDir, record.token, who, me))) return 'lost';
  const again = await readPending(host, stateDir);
  if (again.kind !== 'ok' || again.record.token !== record.token) {
    await clearClaims(host, stateDir);
    return 'gone';
  }
  await stopReverter(host, again.record.reverter, record.token);
  await removePending(host, stateDir);
  await clearClaims(host, stateDir);
  return 'ended';
}

// ---------------------------------------------------------------------------
// hardtop confirm

export interface ConfirmOptions {
  stateDir?: string;
  /** Keep the change without proof of a NEW ssh login (never from the applying login itself). */
  force?: boolean;
}

export async function confirmPending(host: Host, opts: ConfirmOptions = {}): Promise<{ ok: boolean; message: string }> {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  if (!host.isRoot) return { ok: false, message: READ_ONLY_REASON };
  const r = await readPending(host, stateDir);
  if (r.kind === 'none') return { ok: false, message: 'nothing is waiting for confirmation' };
  if (r.kind === 'bad') return { ok: false, message: r.message };
  const rec = r.record;
  const left = secondsLeft(rec, host.now());
  const me = await currentSession(host);
  const same = sameLogin(me, rec.applier);
  if (same.same) {
    return {
      ok: false,
      message: `refused: this is ${same.why} that applied ${rec.fixId}; confirm from a NEW ssh login, which proves that logging in still works (it reverts by itself in ${left} s)`,
    };
  }
  if (me.sshConnection === null && !opts.force) {
    return {
      ok: false,
      message:
        'refused: cannot tell that this is a new ssh login (no SSH_CONNECTION here or in a parent process); confirm from a new ssh login, ' +
        `or, having checked that a new ssh login works, run hardtop confirm --force (${left} s left)`,
    };
  }
  if (rec.phase === 'applying') {
    const alive = await processAlive(host, rec.applier.pid);
    return {
      ok: false,
      message: alive
        ? `${rec.fixId} is still being applied; try again in a moment (${left} s left)`
        : `the apply of ${rec.fixId} (${rec.journalId}) never finished (its process is gone): it cannot be confirmed and reverts by itself in ${left} s`,
    };
  }
  if (rec.phase !== 'revert-failed' && left === 0) return { ok: false, message: `too late: ${rec.fixId} (${rec.journalId}) is being reverted` };
  const ended = await endPending(host, stateDir, rec, 'confirm');
  if (ended === 'lost') return { ok: false, message: `too late: ${rec.fixId} (${rec.journalId}) is being reverted` };
  if (ended === 'gone') return { ok: false, message: 'nothing is waiting for confirmation (it just ended)' };
  const from = me.sshConnection ? `a new ssh login from ${me.sshConnection.split(' ')[0]}` : 'this login (--force)';
  return { ok: true, message: `kept ${rec.fixId} (${rec.journalId}): confirmed from ${from}` };
}

// ---------------------------------------------------------------------------
// The revert

export interface RevertResult {
  acted: boolean;
  ok: boolean;
  message: string;
}

async function revertNow(host: Host, stateDir: string, record: PendingRecord, reason: string): Promise<RevertResult> {
  const me = { pid: process.pid, bootId: await bootId(host) };
  if (!(await claim(host, stateDir, record.token, 'revert', me))) return { acted: false, ok: true, message: 'another process is ending this change' };
  const again = await readPending(host, stateDir);
  if (again.kind !== 'ok' || again.record.token !== record.token) {
    await clearClaims(host, stateDir);
    return { acted: false, ok: true, message: 'nothing is waiting any more' };
  }
  const u = await undo(host, { stateDir, journalId: record.journalId });
  const at = host.now().toISOString();
  if (!u.ok && u.stage !== 'nothing') {
    const failed: PendingRecord = { ...again.record, phase: 'revert-failed', message: u.message };
    await writePending(host, stateDir, failed).catch(() => undefined);
    await clearClaims(host, stateDir);
    const message = `could NOT revert ${record.fixId} (${record.journalId}) (${reason}): ${oneLine(u.message)}`;
    await writeLastRevert(host, stateDir, { journalId: record.journalId, fixId: record.fixId, at, ok: false, message });
    return { acted: true, ok: false, message };
  }
  const failures: string[] = [];
  if (u.ok) {
    for (const argv of u.commands) {
      const r = await host.exec(argv[0], argv.slice(1), { timeoutMs: 30_000 });
      if (r.exitCode !== 0) failures.push(`${argv.join(' ')} failed (${r.exitCode ?? r.signal ?? r.spawnError})`);
    }
  }
  await removePending(host, stateDir).catch(() => undefined);
  await clearClaims(host, stateDir);
  const what = u.ok ? u.message : `nothing to undo (${oneLine(u.message)})`;
  const message = `reverted ${record.fixId} (${record.journalId}) because ${reason}: ${what}${failures.length ? `; ${failures.join('; ')}` : ''}`;
  await writeLastRevert(host, stateDir, { journalId: record.journalId, fixId: record.fixId, at, ok: failures.length === 0, message });
  return { acted: true, ok: failures.length === 0, message };
}

async function writeLastRevert(host: Host, stateDir: string, note: { journalId: string; fixId: string; at: string; ok: boolean; message: string }): Promise<void> {
  await host.writeAtomic(lastRevertPath(stateDir), `${JSON.stringify(note)}\n`, { mode: 0o600 }).catch(() => undefined);
}

export interface ReverterOptions {
  stateDir?: string;
  token: string;
  /** Test seam for the waits. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `hardtop revert-pending`: wait for the record's deadline, then revert unless it was confirmed. */
export async function runReverter(host: Host, opts: ReverterOptions): Promise<RevertResult> {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const sleep = opts.sleep ?? realSleep;
  const started = host.now().getTime();
  for (;;) {
    const r = await readPending(host, stateDir);
    if (r.kind === 'none') return { acted: false, ok: true, message: 'nothing is waiting for confirmation' };
    if (r.kind === 'bad') return { acted: false, ok: false, message: r.message };
    const rec = r.record;
    if (rec.token !== opts.token) return { acted: false, ok: true, message: 'the pending change is not the one this reverter was started for' };
    if (rec.phase === 'revert-failed') return { acted: false, ok: false, message: rec.message ?? 'an earlier revert failed' };
    const now = host.now().getTime();
    const capped = now - started > (rec.windowSeconds * 1000 + MAX_APPLY_WAIT_MS);
    if (!capped && rec.phase === 'applying' && (await processAlive(host, rec.applier.pid))) {
      await sleep(1000);
      continue;
    }
    const left = Date.parse(rec.deadline) - now;
    if (!capped && left > 0) {
      await sleep(Math.min(left, 30_000));
      continue;
    }
    return revertNow(host, stateDir, rec, 'it was not confirmed in time');
  }
}

// ---------------------------------------------------------------------------
// Every hardtop start, and the dashboard

/** Messages for stderr. Reverts a pending change left behind by a reboot or a dead reverter. */
export async function recoverPendingAtStartup(host: Host, stateDir: string = DEFAULT_STATE_DIR): Promise<string[]> {
  if (!host.isRoot) return [];
  const r = await readPending(host, stateDir);
  if (r.kind === 'none') return [];
  if (r.kind === 'bad') return [`commit-confirmed: ${r.message}`];
  const rec = r.record;
  if (rec.phase === 'revert-failed') {
    return [`the unconfirmed change ${rec.fixId} (${rec.journalId}) could not be reverted: ${oneLine(rec.message ?? '')}; run hardtop undo ${rec.journalId} to retry, or hardtop confirm to keep it`];
  }
  const boot = await bootId(host);
  const rebooted = rec.bootId !== null && boot !== null && rec.bootId !== boot;
  const overdue = host.now().getTime() > Date.parse(rec.deadline) + STALE_GRACE_SECONDS * 1000;
  if (!rebooted && !overdue) return [];
  const res = await revertNow(host, stateDir, rec, rebooted ? 'the machine rebooted before it was confirmed' : 'its automatic revert did not run');
  return res.acted ? [res.message] : [];
}

/** For the dashboard's countdown: poll this (cheap: one small file read). */
export async function pendingStatus(host: Host, stateDir: string = DEFAULT_STATE_DIR): Promise<{ journalId: string; fixId: string; phase: PendingRecord['phase']; secondsLeft: number } | null> {
  const r = await readPending(host, stateDir).catch(() => null);
  if (r?.kind !== 'ok') return null;
  return { journalId: r.record.journalId, fixId: r.record.fixId, phase: r.record.phase, secondsLeft: secondsLeft(r.record, host.now()) };
}

/** After `hardtop undo` of the pending change itself: nothing is left to confirm or revert. */
export async function dropPendingIfUndone(host: Host, journalId: string, stateDir: string = DEFAULT_STATE_DIR): Promise<boolean> {
  const r = await readPending(host, stateDir);
  if (r.kind !== 'ok' || r.record.journalId !== journalId) return false;
  return (await endPending(host, stateDir, r.record, 'cancel')) === 'ended';
}
