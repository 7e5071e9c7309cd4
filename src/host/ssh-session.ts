// Host.sshConnection on this machine: our own SSH_CONNECTION, else the nearest
// trusted ancestor's (sudo's env_reset drops ours; see ssh-connection.ts for
// the rules). Reads the live /proc directly: it describes this process, never
// a sysroot (the caller decides whether the walk may run at all).

import * as fs from 'node:fs';
import { ancestorSshConnection, normaliseSshConnection, type SshConnection } from './ssh-connection';

/** An environ of a big login shell is a few KiB; more than this is not one we read. */
const MAX_PROC_BYTES = 256 * 1024;

function readProc(path: string): string | null {
  let fd: number | null = null;
  try {
    // O_NONBLOCK: /proc files never block, but the rule for reads as root is to never risk it.
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const buf = Buffer.alloc(MAX_PROC_BYTES);
    let total = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total === buf.length) return null; // too big to be what we look for: do not guess from a cut
    }
    return buf.subarray(0, total).toString('utf8');
  } catch {
    return null; // gone, denied, not mounted
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * `own` is this process's SSH_CONNECTION: set (even malformed) it is the
 * answer and no ancestor is asked; unset or empty, the ancestors are walked
 * when `walkAncestors`. A value that does not look like "ADDR PORT ADDR PORT"
 * is never returned.
 */
export async function sshConnectionOf(own: string | undefined, walkAncestors: boolean, read: (path: string) => string | null = readProc): Promise<SshConnection | null> {
  if (own !== undefined && own.trim() !== '') {
    const value = normaliseSshConnection(own);
    return value === null ? null : { value, from: 'env' };
  }
  if (!walkAncestors) return null;
  return ancestorSshConnection(read);
}
