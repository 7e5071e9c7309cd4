// `hardtop confirm` (keep a commit-confirmed change) and the hidden
// `hardtop revert-pending` (the reverter a lockout-risk fix starts; see
// src/fix/commit-confirmed.ts), plus the start-up duty of every command:
// revert a pending change left behind by a reboot or a dead reverter.

import { sanitizeText } from '../core/sanitize';
import { confirmPending, recoverPendingAtStartup, runReverter } from '../fix/commit-confirmed';
import { READ_ONLY_REASON } from '../fix/state';
import type { Host } from '../host/host';
import type { Parsed } from './args';
import type { Io } from './main';

export async function runConfirmCommand(host: Host, parsed: Extract<Parsed, { command: 'confirm' }>, io: Io): Promise<number> {
  if (!host.isRoot) {
    io.stderr.write(`hardtop: ${READ_ONLY_REASON}\n`);
    return 2;
  }
  const r = await confirmPending(host, { force: parsed.force });
  (r.ok ? io.stdout : io.stderr).write(`${r.ok ? '' : 'hardtop: '}${sanitizeText(r.message)}\n`);
  return r.ok ? 0 : 1;
}

export async function runRevertPendingCommand(host: Host, parsed: Extract<Parsed, { command: 'revert-pending' }>, io: Io): Promise<number> {
  if (!host.isRoot) {
    io.stderr.write(`hardtop: ${READ_ONLY_REASON}\n`);
    return 2;
  }
  // Started detached (no terminal) or by systemd: a hangup is never meant for us.
  process.on('SIGHUP', () => undefined);
  const r = await runReverter(host, { token: parsed.token });
  // systemd keeps this in the unit's journal; a detached reverter's output goes nowhere (last-revert.json has it).
  (r.ok ? io.stdout : io.stderr).write(`hardtop revert-pending: ${sanitizeText(r.message)}\n`);
  return r.ok ? 0 : 1;
}

/** Every command but the reverter itself: revert what a reboot or a dead reverter left pending. */
export async function startupRecovery(host: Host, io: Pick<Io, 'stderr'>): Promise<void> {
  try {
    for (const m of await recoverPendingAtStartup(host)) io.stderr.write(`hardtop: ${sanitizeText(m)}\n`);
  } catch (err) {
    io.stderr.write(`hardtop: commit-confirmed recovery failed: ${sanitizeText(err instanceof Error ? err.message : String(err))}\n`);
  }
}
