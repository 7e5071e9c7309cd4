// Reading files that root does not control, without being tricked.
//
// hardtop runs as root and reads files users own (authorized_keys, ~/.ssh).
// A user can plant a symlink to /etc/shadow, a FIFO that never gets a writer
// (a plain open() would hang us forever), a device, or a 2 GB sparse file.
// So every read:
//   - opens with O_NONBLOCK|O_NOCTTY (a FIFO open returns at once; a tty never
//     becomes our controlling terminal) and checks the type with fstat AFTER
//     the open, on the very file we hold — a pre-check alone would be racy;
//   - checks the size before reading and reads at most maxBytes+1 bytes, so a
//     huge or endless file costs one fstat, not a read;
//   - in an untrusted tree, walks the path one component at a time from a
//     directory fd (openat-like via /proc/self/fd/N/NAME) with O_NOFOLLOW, so
//     no component at or below the tree can be a symlink, even one swapped in
//     between our check and our open;
//   - in an untrusted tree, refuses any ".." in the path given and any path
//     not below the tree (never a silent trusting read instead), and a file
//     with more than one hard link (a user's name for root's inode).

import * as fs from 'node:fs';
import type { FileStat, ReadOptions } from './host';
import { HostError } from './host';
import { describeKind, type Failure, failure, failureFromError, formatBytes, kindOf, toFileStat } from './file-stat';
import { displayPath, hostComponents, isAtOrBelow, joinUnderRoot, normaliseHostPath } from './host-paths';
import type { PathResolver } from './rooted-resolve';

export const DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;

const C = fs.constants;
const READ_FLAGS = C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY;
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOCTTY;

export type BoundedRead = { ok: true; data: Buffer; stat: FileStat } | Failure;

/** Linux's per-fd view of a directory: lets us do openat() with plain paths. */
const PROC_FD_USABLE = (() => {
  try {
    return fs.statSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
})();

export async function readBounded(resolver: PathResolver, path: string, opts: ReadOptions = {}): Promise<BoundedRead> {
  let hostPath: string;
  try {
    hostPath = normaliseHostPath(path);
  } catch (err) {
    return failure('io', path, err instanceof HostError ? 'path contains a NUL byte' : String(err));
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  try {
    if (opts.untrustedBelow !== undefined) {
      // Decided on the RAW components: normalising first would turn
      // "/home/u/../../etc/shadow" into a path outside the tree, and a caller
      // that asked for an untrusted read must never get a trusting one.
      const untrusted = normaliseHostPath(opts.untrustedBelow);
      if (hasDotDot(path) || hasDotDot(opts.untrustedBelow) || !isAtOrBelow(hostPath, untrusted)) {
        return failure('denied', path, `refused: path leaves ${displayPath(untrusted)}`);
      }
      return await readUntrusted(resolver, hostPath, untrusted, maxBytes);
    }
    return await readTrusted(resolver, hostPath, maxBytes);
  } catch (err) {
    return failureFromError(err, hostPath);
  }
}

function hasDotDot(p: string): boolean {
  return p.split('/').includes('..');
}

async function readTrusted(resolver: PathResolver, hostPath: string, maxBytes: number): Promise<BoundedRead> {
  const real = await resolver.resolve(hostPath, true);
  // Cheap pre-check so a device or FIFO is normally never even opened
  // (opening some devices has side effects). fstat after open stays the rule.
  const pre = await fs.promises.stat(real);
  if (!pre.isFile()) return notAFile(hostPath, kindOf(pre));
  // Under --root the resolver already followed every link; a link here now
  // means the tree changed under us, and following it would go to the real "/".
  const handle = await openOrFail(real, resolver.rooted ? C.O_NOFOLLOW : 0, hostPath);
  if ('ok' in handle) return handle;
  return readOpenedFile(handle, hostPath, maxBytes);
}

async function openOrFail(real: string, extraFlags: number, hostPath: string): Promise<fs.promises.FileHandle | Failure> {
  try {
    return await openForReading(real, extraFlags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && extraFlags & C.O_NOFOLLOW) {
      return failure('symlink', hostPath, 'is a symlink (refused: not following links here)');
    }
    throw err;
  }
}

/** open(2) that cannot block on a FIFO and never acquires a controlling tty. */
export async function openForReading(real: string, extraFlags = 0): Promise<fs.promises.FileHandle> {
  return fs.promises.open(real, READ_FLAGS | extraFlags);
}

/** fstat the open file, refuse non-regular and oversized files, then read at most maxBytes+1. */
export async function readOpenedFile(
  handle: fs.promises.FileHandle,
  hostPath: string,
  maxBytes: number,
  refuse?: (st: fs.Stats) => Failure | null,
): Promise<BoundedRead> {
  try {
    const st = await handle.stat();
    if (!st.isFile()) return notAFile(hostPath, kindOf(st));
    const refused = refuse?.(st) ?? null;
    if (refused !== null) return refused;
    if (st.size > maxBytes) return tooLarge(hostPath, st.size, maxBytes);
    // st.size is a hint only (/proc files say 0, a file may grow): read to EOF, bounded.
    const limit = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const chunk = Buffer.allocUnsafe(Math.min(limit - total, Math.max(st.size + 1, 64 * 1024), 1024 * 1024));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > maxBytes) return tooLarge(hostPath, total, maxBytes, true);
    return { ok: true, data: Buffer.concat(chunks, total), stat: toFileStat(st) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function notAFile(hostPath: string, kind: FileStat['kind']): Failure {
  return failure('not-a-file', hostPath, `is ${describeKind(kind)}, not a regular file`);
}

function tooLarge(hostPath: string, size: number, maxBytes: number, atLeast = false): Failure {
  return failure('too-large', hostPath, `too large (${atLeast ? 'over ' : ''}${formatBytes(size)}; limit ${formatBytes(maxBytes)})`);
}

/**
 * Read `hostPath` refusing any symlink in the components at or below
 * `untrusted` (the untrusted directory itself included). The part above it
 * is root's (/home may well be a link to /data/home) and is resolved normally.
 */
async function readUntrusted(resolver: PathResolver, hostPath: string, untrusted: string, maxBytes: number): Promise<BoundedRead> {
  const all = hostComponents(hostPath);
  const firstUntrusted = Math.max(hostComponents(untrusted).length - 1, 0);
  const trustedReal = await resolver.resolve('/' + all.slice(0, firstUntrusted).join('/'), true);
  const walk = all.slice(firstUntrusted);

  let dirFd: number | null = null;
  try {
    if (PROC_FD_USABLE) dirFd = await openDirFd(trustedReal, resolver.rooted ? C.O_NOFOLLOW : 0);
    let dirReal = trustedReal;
    for (let i = 0; i < walk.length; i++) {
      const name = walk[i];
      const componentHost = '/' + all.slice(0, firstUntrusted + i + 1).join('/');
      const isLast = i === walk.length - 1;
      // With a directory fd this names the entry inside the directory we hold,
      // whatever happens to the path above it in the meantime.
      const entry = dirFd !== null ? `/proc/self/fd/${dirFd}/${name}` : joinUnderRoot(dirReal, [name]);
      const st = await fs.promises.lstat(entry);
      if (st.isSymbolicLink()) return symlinkRefused(hostPath, componentHost, untrusted);
      if (!isLast) {
        if (!st.isDirectory()) return failure('missing', hostPath, `no such file (${displayPath(componentHost)} is not a directory)`);
        if (dirFd !== null) {
          const next = await openDirFd(entry, C.O_NOFOLLOW).catch((err) => rethrowUnlessLoop(err));
          if (next === 'symlink') return symlinkRefused(hostPath, componentHost, untrusted);
          await closeFd(dirFd);
          dirFd = next;
        }
        dirReal = joinUnderRoot(dirReal, [name]);
        continue;
      }
      if (!st.isFile()) return notAFile(hostPath, kindOf(st));
      let handle: fs.promises.FileHandle;
      try {
        handle = await openForReading(entry, C.O_NOFOLLOW);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') return symlinkRefused(hostPath, componentHost, untrusted);
        throw err;
      }
      // A hard link is the user's name for someone else's inode: on the same
      // filesystem a user can link /etc/shadow into their home without being
      // able to read it. Judged on the file we hold (fstat), not the name.
      return await readOpenedFile(handle, hostPath, maxBytes, (held) =>
        held.nlink > 1
          ? failure('denied', hostPath, `refused: it has ${held.nlink} hard links inside the untrusted tree ${displayPath(untrusted)} (it may be another file's name)`)
          : null,
      );
    }
    // Only reached for an empty walk, which readBounded rules out ("/" itself).
    return failure('not-a-file', hostPath, 'is a directory, not a file');
  } finally {
    if (dirFd !== null) await closeFd(dirFd);
  }
}

function rethrowUnlessLoop(err: unknown): 'symlink' {
  if ((err as NodeJS.ErrnoException).code === 'ELOOP') return 'symlink';
  throw err;
}

function symlinkRefused(hostPath: string, componentHost: string, untrusted: string): Failure {
  const where = componentHost === hostPath ? 'it' : displayPath(componentHost);
  return failure('symlink', hostPath, `refused: ${where} is a symlink inside the untrusted tree ${displayPath(untrusted)}`);
}

function openDirFd(real: string, extraFlags: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(real, DIR_FLAGS | extraFlags, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}
