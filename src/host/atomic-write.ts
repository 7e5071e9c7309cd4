// Replacing a config file so that a crash at any instant leaves either the
// old file or the new one, never a torn one — and never a wider mode or a
// different owner than the file had (sshd refuses host keys that became
// group-readable; a world-readable shadow-like file is a leak).
//
// temp file in the SAME directory (rename is only atomic within a filesystem)
// → write → fsync → chown/chmod → rename over the target → fsync the directory
// (so the rename itself survives a power cut). Before the rename the original
// is untouched, so any failure there just removes the temp file.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AtomicWriteStep, WriteOptions } from './host';
import { HostError } from './host';
import { describeKind, errnoOf, kindOf } from './file-stat';
import { displayPath, normaliseHostPath } from './host-paths';
import type { PathResolver } from './rooted-resolve';

const C = fs.constants;

/** Temp names start with "." (no "*.conf" Include glob matches them) and say whose they are. */
export const TEMP_PREFIX = '.hardtop-';
export const TEMP_SUFFIX = '.tmp';

export async function writeAtomic(
  resolver: PathResolver,
  hostPathIn: string,
  data: string | Buffer,
  opts: WriteOptions = {},
): Promise<void> {
  const hostPath = normaliseHostPath(hostPathIn);
  const shown = displayPath(hostPath);
  if (hostPath === '/') throw new HostError('/: cannot write over the root directory', hostPath, 'EISDIR');
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

  // Follow links (under the root) so that editing sites-enabled/default writes
  // the file it points to instead of replacing the link with a copy.
  let target: string;
  let existing: fs.Stats | null;
  try {
    target = await resolver.resolveLinks(hostPath, true);
    existing = await lstatOrNull(target);
  } catch (err) {
    throw wrap(err, hostPath, 'could not resolve the target');
  }
  if (existing !== null && !existing.isFile()) {
    throw new HostError(`${shown}: is ${describeKind(kindOf(existing))}; refusing to replace it with a file`, hostPath, 'EEXIST');
  }
  const mode = opts.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
  const uid = opts.uid ?? existing?.uid ?? process.geteuid!();
  const gid = opts.gid ?? existing?.gid ?? process.getegid!();

  const dir = path.dirname(target);
  const base = path.basename(target).slice(0, 100);
  const temp = path.join(dir, `${TEMP_PREFIX}${base}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  let stage = 'creating the temp file';
  const step = async (s: AtomicWriteStep): Promise<void> => {
    stage = `running the ${s} hook`;
    await opts.onStep?.(s);
  };

  let handle: fs.promises.FileHandle | null = null;
  let renamed = false;
  try {
    // O_EXCL|O_NOFOLLOW: a name planted in advance (file or symlink) makes us fail, never follow.
    handle = await fs.promises.open(temp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NOCTTY, 0o600);
    await step('temp-created');
    stage = 'writing the temp file';
    await handle.writeFile(bytes);
    await step('temp-written');
    stage = 'syncing the temp file';
    await handle.sync();
    await step('temp-synced');
    stage = 'setting owner and mode';
    // chown first: chown clears setuid/setgid bits, chmod then sets the exact mode.
    await handle.chown(uid, gid);
    await handle.chmod(mode);
    await step('owner-set');
    stage = 'closing the temp file';
    await handle.close();
    handle = null;
    stage = 'renaming over the original';
    await fs.promises.rename(temp, target);
    renamed = true;
    await step('renamed');
    stage = 'syncing the directory';
    await syncDirectory(dir);
    await step('dir-synced');
  } catch (err) {
    if (handle !== null) await handle.close().catch(() => undefined);
    if (!renamed) await fs.promises.unlink(temp).catch(() => undefined);
    throw wrap(err, hostPath, renamed ? `the new content is in place, but failed while ${stage}` : `not changed: failed while ${stage}`);
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const h = await fs.promises.open(dir, C.O_RDONLY | C.O_DIRECTORY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function lstatOrNull(real: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.lstat(real);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw err;
  }
}

function wrap(err: unknown, hostPath: string, what: string): HostError {
  const code = errnoOf(err);
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const e = new HostError(`${displayPath(hostPath)}: ${what}: ${displayPath(detail)}`, hostPath, code);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
