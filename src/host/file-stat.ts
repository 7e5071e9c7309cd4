// fs.Stats → the Host's FileStat, plus the failure vocabulary shared by the
// file operations (errno → ReadFailure, one-line messages).

import type * as fs from 'node:fs';
import type { FileStat, ReadFailure } from './host';
import { displayPath } from './host-paths';

export function kindOf(st: fs.Stats): FileStat['kind'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  return 'other';
}

export function toFileStat(st: fs.Stats): FileStat {
  return {
    kind: kindOf(st),
    size: st.size,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
  };
}

const KIND_WORDS: Record<FileStat['kind'], string> = {
  file: 'a regular file',
  dir: 'a directory',
  symlink: 'a symlink',
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
  device: 'a device',
  other: 'not a regular file',
};

export function describeKind(kind: FileStat['kind']): string {
  return KIND_WORDS[kind];
}

export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as NodeJS.ErrnoException).code ?? undefined) : undefined;
}

export interface Failure {
  ok: false;
  reason: ReadFailure;
  message: string;
}

export function failure(reason: ReadFailure, hostPath: string, what: string): Failure {
  return { ok: false, reason, message: `${displayPath(hostPath)}: ${what}` };
}

/** Map an fs error on `hostPath` to a ReadFailure with a one-line message. */
export function failureFromError(err: unknown, hostPath: string): Failure {
  const code = errnoOf(err);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return failure('missing', hostPath, 'no such file');
    case 'EACCES':
    case 'EPERM':
      return failure('denied', hostPath, 'permission denied');
    case 'EISDIR':
      return failure('not-a-file', hostPath, 'is a directory, not a file');
    case 'ELOOP':
      return failure('io', hostPath, 'too many levels of symbolic links');
    case 'EFBIG':
      return failure('too-large', hostPath, 'file too large');
    default: {
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return failure('io', hostPath, `read error (${code ?? 'unknown'}): ${displayPath(detail)}`);
    }
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
