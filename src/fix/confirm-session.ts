// Which login is this? Commit-confirmed needs to tell the login that applied
// a change from a NEW one, and to notice a reboot. Everything is read through
// the Host (so a test sysroot can hold its own /proc/... files).
//
// - SSH_CONNECTION from our environment; when sudo dropped it (its default
//   env_reset does), from the nearest ancestor process that has it: the
//   `sudo` process itself still carries the caller's environment
//   (Host.sshConnection does the walk, on the live root only).
// - /proc/self/sessionid: the kernel's audit session, one per login (set by
//   pam_loginuid), inherited through sudo, su and tmux: a second sudo in the
//   same SSH login has the same one.
// - /proc/sys/kernel/random/boot_id: new on every boot.
//
// None of this is a security boundary (root can forge anything here); it is
// an interlock against the honest mistake of confirming from the session that
// has not proved a new login works.

import type { Host } from '../host/host';
import type { SessionId } from './confirm-record';

const UNSET = '4294967295';

async function readSmall(host: Host, path: string): Promise<string | null> {
  try {
    const r = await host.read(path, { maxBytes: 256 * 1024 });
    return r.ok ? r.text : null;
  } catch {
    return null;
  }
}

// The pure /proc helpers moved to the Host (src/host/ssh-connection.ts); re-exported for old callers.
export { envFromEnviron, ppidFromStat } from '../host/ssh-connection';

export async function currentSession(host: Host): Promise<SessionId> {
  const sid = (await readSmall(host, '/proc/self/sessionid'))?.trim() ?? null;
  return {
    // Ours, or the nearest trusted ancestor's (Host.sshConnection: live root only).
    sshConnection: (await host.sshConnection())?.value ?? null,
    sessionId: sid && sid !== UNSET && /^\d+$/.test(sid) ? sid : null,
    user: host.env('SUDO_USER')?.trim() || host.user,
  };
}

export async function bootId(host: Host): Promise<string | null> {
  const id = (await readSmall(host, '/proc/sys/kernel/random/boot_id'))?.trim();
  return id && /^[0-9a-f-]{8,64}$/i.test(id) ? id : null;
}

/** Is this pid a live process? (kill -0; a pid from another boot never is.) */
export async function processAlive(host: Host, pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  const r = await host.exec('kill', ['-0', String(pid)], { timeoutMs: 5000 });
  return r.exitCode === 0;
}

export type SameLogin = { same: true; why: string } | { same: false };

/** Is `me` provably the login that applied (`applier`)? */
export function sameLogin(me: SessionId, applier: SessionId): SameLogin {
  if (me.sshConnection !== null && me.sshConnection === applier.sshConnection) return { same: true, why: `the same SSH connection (${me.sshConnection})` };
  if (me.sessionId !== null && me.sessionId === applier.sessionId) return { same: true, why: `the same login session (audit session ${me.sessionId})` };
  return { same: false };
}
