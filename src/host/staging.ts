// The staging area: private temp dirs in /tmp where the fix
// engine copies a config tree, puts the edited files in, and runs the
// service's checker on it (so a temp file never sits where an Include glob
// could pick it up).
//
// These are the only operations taking REAL paths, so they are fenced: a
// real destination must be inside the staging area, and no component below
// the staging area may be a symlink. The copied tree keeps symlinks as
// symlinks, and Debian's are absolute (sites-enabled/x -> /etc/nginx/...):
// writing "through" such a copy would land on the live system.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostError } from './host';
import { errnoOf } from './file-stat';
import { displayPath, isAtOrBelow, normaliseHostPath } from './host-paths';
import { ensurePrivateDir, wrapFs } from './private-state';
import type { PathResolver } from './rooted-resolve';

const C = fs.constants;
/** A config file bigger than this is not something we stage (and would stall the copy). */
const MAX_STAGED_FILE_BYTES = 64 * 1024 * 1024;

export class StagingArea {
  constructor(
    private readonly resolver: PathResolver,
    private readonly stateDir: string,
  ) {}

  /** The temp dirs this host made and has not disposed: the only places real-path writes may go. */
  private readonly live = new Set<string>();

  /**
   * A fresh private dir in the real /tmp (mkdtemp: 0700, a random name, in a
   * sticky dir nobody else can rename it out of). Not under the state dir: a
   * read-only check (sshd -T on a staged copy) must neither write into a
   * --root sysroot nor need root's /var/lib/hardtop. Fixed /tmp, not $TMPDIR:
   * the caller's environment is not trusted.
   */
  async makeTempDir(prefix: string): Promise<{ path: string; dispose(): Promise<void> }> {
    // The prefix becomes part of a name: keep it to a harmless alphabet.
    const safe = (prefix.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'tmp').slice(0, 60);
    const dir = await fs.promises.mkdtemp(path.join('/tmp', `hardtop-${safe.endsWith('-') ? safe : `${safe}-`}`));
    this.live.add(dir);
    return {
      path: dir,
      dispose: async () => {
        this.live.delete(dir);
        await fs.promises.rm(dir, { recursive: true, force: true }); // rm never follows links
      },
    };
  }

  /**
   * Check that `realPath` lies inside the staging area with no symlink between
   * the area and it (the last component is left to the caller). Returns the
   * absolute path and the area root.
   */
  private async fence(realPath: string, allowMissing: boolean): Promise<string> {
    const abs = path.resolve(realPath);
    const root = [...this.live].find((d) => abs !== d && isAtOrBelow(abs, d));
    if (root === undefined) {
      throw new HostError(`${displayPath(abs)}: outside hardtop's staging dirs; refusing to write there`, abs, 'EPERM');
    }
    const rel = abs.slice(root.length + 1).split('/');
    let cur = root;
    for (let i = 0; i < rel.length - 1; i++) {
      cur = path.join(cur, rel[i]);
      let st: fs.Stats;
      try {
        st = await fs.promises.lstat(cur);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' && allowMissing) {
          await fs.promises.mkdir(cur, { mode: 0o700 });
          continue;
        }
        throw wrapFs(err, cur, 'cannot use this staging path');
      }
      if (st.isSymbolicLink()) throw new HostError(`${displayPath(cur)}: a symlink inside the staging area; refusing to write through it`, cur, 'ELOOP');
      if (!st.isDirectory()) throw new HostError(`${displayPath(cur)}: not a directory`, cur, 'ENOTDIR');
    }
    return abs;
  }

  /**
   * Write a staged file: 0600 when new, the permission bits of the staged copy
   * when replacing one (a checker may look at modes). A symlink at that name is
   * replaced, never followed.
   */
  async writeReal(realPath: string, data: string | Buffer): Promise<void> {
    const abs = await this.fence(realPath, true);
    const before = await fs.promises.lstat(abs).catch(() => null);
    const mode = before?.isFile() ? before.mode & 0o777 : 0o600;
    await replaceWithFile(abs, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, mode);
  }

  /** Copy a host directory tree into `realDest` (inside the staging area). */
  async copyTreeTo(hostDir: string, realDest: string): Promise<void> {
    const source = await this.resolver.resolveLinks(normaliseHostPath(hostDir), true);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(source);
    } catch (err) {
      throw wrapFs(err, hostDir, 'cannot copy');
    }
    if (!st.isDirectory()) throw new HostError(`${displayPath(hostDir)}: not a directory; cannot copy it as a tree`, hostDir, 'ENOTDIR');
    const dest = await this.fence(realDest, true);
    await ensureRealDir(dest);
    await copyDirContents(source, dest, hostDir);
    await fs.promises.chmod(dest, st.mode & 0o1777);
  }
}

async function ensureRealDir(dest: string): Promise<void> {
  try {
    await fs.promises.mkdir(dest, { mode: 0o700 });
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') throw err;
    const st = await fs.promises.lstat(dest);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      await fs.promises.rm(dest, { recursive: true, force: true });
      await fs.promises.mkdir(dest, { mode: 0o700 });
    }
  }
}

async function copyDirContents(source: string, dest: string, hostDir: string): Promise<void> {
  const names = await fs.promises.readdir(source);
  for (const name of names) {
    const from = path.join(source, name);
    const to = path.join(dest, name);
    const st = await fs.promises.lstat(from);
    if (st.isDirectory()) {
      await ensureRealDir(to);
      await copyDirContents(from, to, `${hostDir}/${name}`);
      // Modes last: a read-only source dir must not stop us filling its copy.
      await fs.promises.chmod(to, st.mode & 0o1777);
    } else if (st.isSymbolicLink()) {
      await fs.promises.rm(to, { recursive: true, force: true });
      await fs.promises.symlink(await fs.promises.readlink(from), to);
    } else if (st.isFile()) {
      await copyRegularFile(from, to, `${hostDir}/${name}`);
    }
    // FIFOs, sockets and devices are skipped: no checker needs them, and opening one could block.
  }
}

async function copyRegularFile(from: string, to: string, hostShown: string): Promise<void> {
  const src = await fs.promises.open(from, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY);
  try {
    const st = await src.stat();
    if (!st.isFile()) return; // swapped for something else since the lstat: skip it like any special file
    if (st.size > MAX_STAGED_FILE_BYTES) {
      throw new HostError(`${displayPath(hostShown)}: too large to stage (${st.size} bytes)`, hostShown, 'EFBIG');
    }
    // setuid/setgid are not needed by any checker: the copy gets permission bits only.
    await replaceWithFile(to, await src.readFile(), st.mode & 0o777);
  } finally {
    await src.close();
  }
}

/** Create `to` afresh (O_EXCL|O_NOFOLLOW) with `mode`, removing whatever non-directory was there. */
async function replaceWithFile(to: string, bytes: Buffer, mode: number): Promise<void> {
  const existing = await fs.promises.lstat(to).catch(() => null);
  if (existing?.isDirectory()) throw new HostError(`${displayPath(to)}: is a directory; cannot write a file there`, to, 'EISDIR');
  if (existing) await fs.promises.unlink(to);
  const h = await fs.promises.open(to, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NOCTTY, 0o600);
  try {
    await h.writeFile(bytes);
    await h.chmod(mode); // exactly, whatever the umask
  } finally {
    await h.close();
  }
}
