// Which login is this? Commit-confirmed needs to tell the login that applied
// a change from a NEW one, and to notice a reboot. Everything is read through
// the Host (so a test sysroot can hold its own /proc/... files).
//
// - SSH_CONNECTION from our environment; when sudo dropped it (its default
//   env_reset does), from the nearest ancestor process that has it: the
//   `sudo` process itself still carries the caller's environment.
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
const MAX_ANCESTORS = 12;

async function readSmall(host: Host, path: string): Promise<string | null> {
  try {
    const r = await host.read(path, { maxBytes: 256 * 1024 });
    return r.ok ? r.text : null;
  } catch {
    return null;
  }
}

/** The parent pid from /proc/PID/stat ("pid (comm) state ppid …"; comm may hold spaces and parens). */
export function ppidFromStat(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
}

export function envFromEnviron(environ: string, name: string): string | null {
  for (const entry of environ.split('\0')) if (entry.startsWith(`${name}=`)) return entry.slice(name.length + 1);
  return null;
}

async function sshConnection(host: Host): Promise<string | null> {
  const own = host.env('SSH_CONNECTION')?.trim();
  if (own) return own;
  let stat = await readSmall(host, '/proc/self/stat');
  for (let i = 0; stat !== null && i < MAX_ANCESTORS; i++) {
    const ppid = ppidFromStat(stat);
    if (ppid === null || ppid === 1) return null;
    const environ = await readSmall(host, `/proc/${ppid}/environ`);
    const found = environ === null ? null : envFromEnviron(environ, 'SSH_CONNECTION')?.trim();
    if (found) return found;
    stat = await readSmall(host, `/proc/${ppid}/stat`);
  }
  return null;
}

export async function currentSession(host: Host): Promise<SessionId> {
  const sid = (await readSmall(host, '/proc/self/sessionid'))?.trim() ?? null;
  return {
    sshConnection: await sshConnection(host),
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
