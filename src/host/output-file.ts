// Writing a file the admin named (`hardtop check --output FILE`), often in
// /tmp or another directory users can write to, as root.
//
// Unlike writeAtomic (config files: follow sites-enabled links, keep owner
// and mode), this writer replaces the NAME and never follows anything at it:
//   - the parent directory is opened once and every later step goes through
//     that handle (/proc/self/fd/N/NAME, openat-like), so swapping the
//     directory itself mid-write cannot redirect us;
//   - the temp file is created O_CREAT|O_EXCL|O_NOFOLLOW: a planted name makes
//     us fail, never follow;
//   - rename() replaces whatever is at the name (file or symlink) instead of
//     following it — that is what defeats a user swapping the name between
//     "absent" and "symlink to /etc/shadow" while we write;
//   - the result is always ours (euid/egid) and 0644, whatever was there
//     before: a user-created 0666 file must not stay user-owned, or the user
//     could rewrite the report after us. 0644 because a Prometheus textfile
//     collector (node-exporter, not root) must read it, and the report holds
//     nothing beyond what the checks say;
//   - a parent directory writable by group/other and not sticky is refused:
//     anyone with that write access could replace our file after we wrote it.
// A symlink found at the name beforehand is refused outright (the admin named
// a path someone tampered with: say so rather than silently replace it).

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostError } from './host';
import { TEMP_PREFIX, TEMP_SUFFIX } from './atomic-write';
import { describeKind, errnoOf, kindOf } from './file-stat';
import { displayPath } from './host-paths';

const C = fs.constants;
export const OUTPUT_FILE_MODE = 0o644;
/** S_ISVTX (node:fs has no constant for it). */
const STICKY = 0o1000;

/** Linux's per-fd view of a directory: lets us do openat()/renameat() with plain paths. */
const PROC_FD_USABLE = (() => {
  try {
    return fs.statSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
})();

export async function writeOutputFile(realPathIn: string, data: string | Buffer): Promise<void> {
  const abs = path.resolve(realPathIn);
  const shown = displayPath(abs);
  const base = path.basename(abs);
  if (abs === '/' || base === '') throw new HostError(`${shown}: not a file name`, abs, 'EISDIR');
  const dir = path.dirname(abs);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

  let dirHandle: fs.promises.FileHandle;
  try {
    dirHandle = await fs.promises.open(dir, C.O_RDONLY | C.O_DIRECTORY | C.O_NOCTTY);
  } catch (err) {
    throw wrap(err, abs, 'cannot open its directory');
  }
  try {
    // fstat on the directory we hold: the check and the use are the same directory.
    const dirStat = await dirHandle.stat();
    const writableBy = dirStat.mode & 0o002 ? 'others' : dirStat.mode & 0o020 ? 'its group' : null;
    if (writableBy !== null && (dirStat.mode & STICKY) === 0) {
      throw new HostError(
        `${shown}: refusing to write the report there: ${displayPath(dir)} is writable by ${writableBy} and not sticky, so someone else could replace the report after it is written`,
        abs,
        'EPERM',
      );
    }
    const inDir = (name: string): string => (PROC_FD_USABLE ? `/proc/self/fd/${dirHandle.fd}/${name}` : path.join(dir, name));

    const existing = await fs.promises.lstat(inDir(base)).catch((err: unknown) => {
      if (errnoOf(err) === 'ENOENT') return null;
      throw wrap(err, abs, 'cannot inspect');
    });
    if (existing !== null && !existing.isFile()) {
      throw new HostError(`${shown}: is ${describeKind(kindOf(existing))}; refusing to write the report there`, abs, 'EEXIST');
    }

    const tempName = `${TEMP_PREFIX}${base.slice(0, 100)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    let stage = 'creating the temp file';
    let handle: fs.promises.FileHandle | null = null;
    let renamed = false;
    try {
      handle = await fs.promises.open(inDir(tempName), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NOCTTY, 0o600);
      stage = 'writing the temp file';
      await handle.writeFile(bytes);
      await handle.sync();
      stage = 'setting owner and mode';
      // On the descriptor, never the name: ours, whatever owned the old file.
      await handle.chown(process.geteuid!(), process.getegid!());
      await handle.chmod(OUTPUT_FILE_MODE);
      await handle.close();
      handle = null;
      stage = 'renaming into place';
      await fs.promises.rename(inDir(tempName), inDir(base));
      renamed = true;
      stage = 'syncing the directory';
      await dirHandle.sync();
    } catch (err) {
      if (handle !== null) await handle.close().catch(() => undefined);
      if (!renamed) await fs.promises.unlink(inDir(tempName)).catch(() => undefined);
      throw wrap(err, abs, renamed ? `the report is in place, but failed while ${stage}` : `not written: failed while ${stage}`);
    }
  } finally {
    await dirHandle.close().catch(() => undefined);
  }
}

function wrap(err: unknown, abs: string, what: string): HostError {
  if (err instanceof HostError) return err;
  const code = errnoOf(err);
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  // Messages name the path the admin gave, not /proc/self/fd/N.
  const e = new HostError(`${displayPath(abs)}: ${what}: ${displayPath(detail.replace(/\/proc\/self\/fd\/\d+\//g, ''))}`, abs, code);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
