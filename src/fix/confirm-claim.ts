// Who gets to end a pending change: `hardtop confirm` (keep it), the reverter
// (undo it) or the applier cancelling after a failed apply. Exactly one may
// act, even when they race at the deadline. The Host has no exclusive create,
// but it has O_APPEND: every claimant appends one line to the claims file and
// reads it back; the FIRST line (of a live claimant, for this token) wins.
// Appends of one short line do not interleave, so all readers agree.
//
// A claimant that died after winning (SIGKILL mid-revert) must not block the
// change forever: its line is skipped once its pid is gone or it is from an
// earlier boot. The winner re-reads the pending record afterwards: a record
// already gone (someone finished) means there is nothing left to do.

import type { Host } from '../host/host';
import { claimsPath } from './confirm-record';
import { processAlive } from './confirm-session';

export type Claimant = 'confirm' | 'revert' | 'cancel';

interface ClaimLine {
  token: string;
  who: Claimant;
  pid: number;
  bootId: string | null;
  nonce: string;
}

function parseLine(line: string): ClaimLine | null {
  try {
    const v = JSON.parse(line) as ClaimLine;
    return typeof v.token === 'string' && typeof v.pid === 'number' && typeof v.nonce === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** true when this process won the right to end the pending change `token`. */
export async function claim(host: Host, stateDir: string, token: string, who: Claimant, me: { pid: number; bootId: string | null }): Promise<boolean> {
  const nonce = `${me.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const mine: ClaimLine = { token, who, pid: me.pid, bootId: me.bootId, nonce };
  await host.appendPrivate(claimsPath(stateDir), JSON.stringify(mine));
  const r = await host.read(claimsPath(stateDir), { maxBytes: 1024 * 1024 });
  if (!r.ok) return false;
  for (const raw of r.text.split('\n')) {
    const line = parseLine(raw);
    if (!line || line.token !== token) continue;
    if (line.nonce === nonce) return true;
    const sameBoot = line.bootId === me.bootId;
    if (sameBoot && line.pid === me.pid) return true; // an earlier claim of this very process
    if (sameBoot && (await processAlive(host, line.pid))) return false;
    // A dead claimant (or one from before a reboot): it cannot be acting any more.
  }
  return false; // our own line is missing: something is wrong; do not act
}

export async function clearClaims(host: Host, stateDir: string): Promise<void> {
  await host.remove(claimsPath(stateDir)).catch(() => undefined);
}
