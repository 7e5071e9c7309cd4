// Finding the admin's SSH_CONNECTION when sudo dropped it: pure pieces.
//
// `sudo hardtop` runs with sudo's env_reset (on by default; SSH_CONNECTION is
// not in sudo's default env_keep list), so our own environment no longer says
// where the admin connects from. The `sudo` process itself, and the login
// shell above it, still carry the caller's environment: walk up the parent
// chain and take the nearest ancestor's value. The reading of /proc is in
// ssh-session.ts; everything here is pure so it can be tested on text.

/** What Host.sshConnection answers. */
export interface SshConnection {
  /** "client-addr client-port server-addr server-port", whitespace collapsed. */
  value: string;
  /** Our own environment, or an ancestor process's (sudo dropped ours). */
  from: 'env' | 'ancestor';
  /** The ancestor whose environment held it (from: 'ancestor'). */
  pid?: number;
}

/** The kernel's "no login uid" (a process not started through a PAM login). */
const UNSET_LOGINUID = 4294967295;

/** Far enough for sshd → shell → sudo → tmux → shell → sudo …; bounded so a loop in bad data ends. */
export const MAX_ANCESTORS = 32;

const ADDRESS = /^(?=[0-9A-Fa-f.:]*[.:])[0-9A-Fa-f.:]{2,45}(%[A-Za-z0-9_.-]{1,32})?$/;
const PORT = /^\d{1,5}$/;

/**
 * The value normalised ("ADDR PORT ADDR PORT", single spaces) when it has
 * that shape, else null. Only the shape is checked (hex digits, dots and
 * colons; ports 1-65535): callers parse the client address themselves.
 */
export function normaliseSshConnection(raw: string | undefined | null): string | null {
  if (typeof raw !== 'string' || raw.length > 200) return null;
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 4) return null;
  const [client, clientPort, server, serverPort] = fields as [string, string, string, string];
  for (const port of [clientPort, serverPort]) {
    if (!PORT.test(port) || Number(port) < 1 || Number(port) > 65535) return null;
  }
  if (!ADDRESS.test(client) || !ADDRESS.test(server)) return null;
  return fields.join(' ');
}

/** The parent pid from /proc/PID/stat ("pid (comm) state ppid …"; comm may hold spaces and parens). */
export function ppidFromStat(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
}

/** One variable of a /proc/PID/environ (NUL-separated NAME=value); the first wins, as getenv does. */
export function envFromEnviron(environ: string, name: string): string | null {
  for (const entry of environ.split('\0')) if (entry.startsWith(`${name}=`)) return entry.slice(name.length + 1);
  return null;
}

/** The real uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"). */
export function realUidFromStatus(status: string): number | null {
  const m = /^Uid:\s+(\d+)\s/m.exec(status);
  return m ? Number(m[1]) : null;
}

/** /proc/self/loginuid: the uid that logged in, null when unset or unreadable text. */
export function parseLoginUid(text: string | null): number | null {
  const t = text?.trim() ?? '';
  if (!/^\d{1,10}$/.test(t)) return null;
  const uid = Number(t);
  return uid === UNSET_LOGINUID ? null : uid;
}

/** Reads a /proc file as text; null when it cannot be read (gone, denied). */
export type ProcReader = (path: string) => string | null;

/**
 * The nearest ancestor's SSH_CONNECTION, walking /proc/PID/stat ppid from
 * /proc/self up to MAX_ANCESTORS levels, stopping at PID 1 (init's environment
 * is not a session). Only processes whose real uid is 0 or the login uid of
 * this process are believed: another user's process could plant any value.
 * A malformed value is not an answer, and the walk does not go past it (a
 * nearer ancestor's malformed value describes our session better than a
 * farther one's good value would).
 */
export function ancestorSshConnection(read: ProcReader): SshConnection | null {
  const loginUid = parseLoginUid(read('/proc/self/loginuid'));
  let stat = read('/proc/self/stat');
  for (let level = 0; stat !== null && level < MAX_ANCESTORS; level++) {
    const ppid = ppidFromStat(stat);
    if (ppid === null || ppid <= 1) return null;
    const status = read(`/proc/${ppid}/status`);
    const uid = status === null ? null : realUidFromStatus(status);
    const trusted = uid !== null && (uid === 0 || uid === loginUid);
    if (trusted) {
      const environ = read(`/proc/${ppid}/environ`);
      const raw = environ === null ? null : envFromEnviron(environ, 'SSH_CONNECTION');
      if (raw !== null && raw.trim() !== '') {
        const value = normaliseSshConnection(raw);
        return value === null ? null : { value, from: 'ancestor', pid: ppid };
      }
    }
    stat = read(`/proc/${ppid}/stat`);
  }
  return null;
}
