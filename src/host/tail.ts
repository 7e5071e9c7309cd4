// Following a growing log (fail2ban's) a piece at a time, as `tail -F` does.
//
// Each call opens the file, reads at most maxBytes from `offset`, and closes
// it again: no descriptor is held between calls, so a rotated file is never
// kept alive by us, and the caller owns the whole cursor (offset + inode).
//
// Rules, so callers can rely on them:
// - At most maxBytes are read per call, whatever the file's size (a 1 GB log
//   is streamed in bounded pieces, never read whole).
// - Only whole lines are returned: the text ends at the last "\n" read, and
//   nextOffset points just after it. A line cut by maxBytes, or still being
//   written at the end of the file, is returned whole by a later call.
//   Exception: a single line longer than maxBytes (no "\n" in a full read)
//   is returned cut, so a pathological line cannot stall the reader forever.
// - Truncation (size < offset, copytruncate) and rotation (the inode differs
//   from the one the caller last saw) restart from offset 0, flagged.
// - The same opening rules as safe-read: O_NONBLOCK|O_NOCTTY (a FIFO planted
//   where the log was cannot hang us), fstat on the open file, regular files
//   only, and O_NOFOLLOW under --root (links were resolved under the root).

import * as fs from 'node:fs';
import type { TailChunk, TailOptions } from './host';
import { HostError } from './host';
import { describeKind, errnoOf, failureFromError, kindOf } from './file-stat';
import { displayPath, normaliseHostPath } from './host-paths';
import type { PathResolver } from './rooted-resolve';
import { openForReading } from './safe-read';

const NEWLINE = 0x0a;

/** Host.readFrom: null when the file does not exist; other failures throw HostError. */
export async function readFrom(resolver: PathResolver, path: string, offset: number, maxBytes: number, opts: TailOptions = {}): Promise<TailChunk | null> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new HostError(`${displayPath(path)}: bad offset ${offset}`, path, 'EINVAL');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new HostError(`${displayPath(path)}: bad maxBytes ${maxBytes}`, path, 'EINVAL');
  const hostPath = normaliseHostPath(path);
  let handle: fs.promises.FileHandle;
  try {
    const real = await resolver.resolve(hostPath, true);
    handle = await openForReading(real, resolver.rooted ? fs.constants.O_NOFOLLOW : 0);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    const f = failureFromError(err, hostPath);
    throw new HostError(f.message, path, f.reason);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new HostError(`${displayPath(hostPath)}: is ${describeKind(kindOf(st))}, not a regular file`, path, 'not-a-file');
    const inode = st.ino;
    const size = st.size;
    const rotated = opts.inode !== undefined && opts.inode !== inode;
    const truncated = !rotated && size < offset;
    const start = rotated || truncated ? 0 : offset;
    const want = Math.min(maxBytes, Math.max(0, size - start));
    if (want === 0) return { text: '', nextOffset: start, size, inode, rotated: rotated || truncated, truncated, more: false };

    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    // A short read is possible (the file shrank meanwhile): stop at EOF.
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const data = buf.subarray(0, got);
    const lastNewline = data.lastIndexOf(NEWLINE);
    let end: number;
    if (lastNewline >= 0) end = lastNewline + 1;
    else if (got === maxBytes) end = got; // one line longer than maxBytes: give it cut rather than stall
    else end = 0; // an incomplete last line: wait for its newline
    const nextOffset = start + end;
    return {
      text: data.toString('utf8', 0, end),
      nextOffset,
      size,
      inode,
      rotated: rotated || truncated,
      truncated,
      more: size - nextOffset > 0 && got === maxBytes,
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
