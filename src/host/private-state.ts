// hardtop's own state (journal, backups, pending confirmations) lives in a
// directory only root may touch: "0700 root, journal and backups 0600;
// created with those modes, never widened; a state dir with wrong owner or
// modes is refused with a clear message". A state dir someone else can write
// to would let them forge the journal that `hardtop undo` replays as root.

import * as fs from 'node:fs';
import { HostError } from './host';
import { errnoOf } from './file-stat';
import { displayPath, hostBasename, hostDirname, joinUnderRoot, normaliseHostPath } from './host-paths';
import type { PathResolver } from './rooted-resolve';
import { syncDirectory } from './atomic-write';

const C = fs.constants;

function euid(): number {
  return process.geteuid!();
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Real path of a host path whose parent directories are resolved (links
 * followed under the root) but whose last component is left as it is, so the
 * caller can lstat/O_NOFOLLOW it.
 */
export async function realEntry(resolver: PathResolver, hostPath: string): Promise<string> {
  const parent = await resolver.resolveLinks(hostDirname(hostPath), true);
  return joinUnderRoot(parent, [hostBasename(hostPath)]);
}

export async function ensurePrivateDir(resolver: PathResolver, pathIn: string): Promise<void> {
  const hostPath = normaliseHostPath(pathIn);
  if (hostPath === '/') throw new HostError('/: the root directory cannot be a private directory', hostPath, 'EINVAL');
  await createMissingDirs(resolver, hostPath);
  const real = await realEntry(resolver, hostPath);
  const st = await fs.promises.lstat(real);
  const problem = privateDirProblem(st);
  if (problem !== null) {
    throw new HostError(`${displayPath(hostPath)}: refusing to use it as a private directory: ${problem}`, hostPath, 'EPERM');
  }
}

function privateDirProblem(st: fs.Stats): string | null {
  if (st.isSymbolicLink()) return 'it is a symlink';
  if (!st.isDirectory()) return 'it is not a directory';
  if (st.uid !== euid()) return `it is owned by uid ${st.uid}, not ${euid()}`;
  if ((st.mode & 0o077) !== 0) return `its mode is ${modeText(st.mode)}, it must be 0700 (no group or other access)`;
  return null;
}

/** mkdir -p, each new directory 0700 exactly (set with fchmod: the umask may say otherwise). */
async function createMissingDirs(resolver: PathResolver, hostPath: string): Promise<void> {
  const real = await realEntry(resolver, hostPath);
  try {
    await fs.promises.lstat(real);
    return; // exists: the caller verifies it; we never change an existing directory
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw wrapFs(err, hostPath, 'cannot inspect');
  }
  const parent = hostDirname(hostPath);
  if (parent !== '/') await createMissingDirs(resolver, parent);
  const realAgain = await realEntry(resolver, hostPath); // the parent may be new (or a link we now follow)
  try {
    await fs.promises.mkdir(realAgain, { mode: 0o700 });
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') return; // someone raced us: verified by the caller like any existing dir
    throw wrapFs(err, hostPath, 'cannot create the directory');
  }
  const h = await fs.promises.open(realAgain, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
  try {
    await h.chmod(0o700);
  } finally {
    await h.close();
  }
  // The new entry lives in the parent: without this a power cut can lose the
  // directory after the journal said files went into it.
  await syncDirectory(realDirOf(realAgain)).catch((err) => {
    throw wrapFs(err, hostPath, 'created, but could not sync its parent directory');
  });
}

/** Append one line to a private (0600, ours) file, creating it 0600. */
export async function appendPrivate(resolver: PathResolver, pathIn: string, line: string): Promise<void> {
  const hostPath = normaliseHostPath(pathIn);
  const shown = displayPath(hostPath);
  const real = await realEntry(resolver, hostPath);
  const existedBefore = await fs.promises.lstat(real).then(
    () => true,
    () => false,
  );
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(
      real,
      C.O_WRONLY | C.O_APPEND | C.O_CREAT | C.O_NOFOLLOW | C.O_NONBLOCK | C.O_NOCTTY,
      0o600,
    );
  } catch (err) {
    if (errnoOf(err) === 'ELOOP') throw new HostError(`${shown}: refusing to append: it is a symlink`, hostPath, 'ELOOP');
    throw wrapFs(err, hostPath, 'cannot open for appending');
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new HostError(`${shown}: refusing to append: it is not a regular file`, hostPath, 'EINVAL');
    if (st.uid !== euid()) throw new HostError(`${shown}: refusing to append: it is owned by uid ${st.uid}, not ${euid()}`, hostPath, 'EPERM');
    if ((st.mode & 0o077) !== 0) {
      throw new HostError(`${shown}: refusing to append: its mode is ${modeText(st.mode)}, it must be 0600 (no group or other access)`, hostPath, 'EPERM');
    }
    const text = line.endsWith('\n') ? line : `${line}\n`;
    await handle.write(text);
    await handle.sync();
  } catch (err) {
    throw err instanceof HostError ? err : wrapFs(err, hostPath, 'cannot append');
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (!existedBefore) await syncDirectory(realDirOf(real)).catch(() => undefined);
}

export async function removeHostPath(resolver: PathResolver, pathIn: string): Promise<void> {
  const hostPath = normaliseHostPath(pathIn);
  let real: string;
  try {
    real = await realEntry(resolver, hostPath);
    // unlink removes a link itself, never what it points to.
    await fs.promises.unlink(real);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return;
    throw wrapFs(err, hostPath, 'cannot remove');
  }
  // Make the removal durable (an undo that deleted a file a fix created must not come back after a crash).
  await syncDirectory(realDirOf(real)).catch((err) => {
    throw wrapFs(err, hostPath, 'removed, but could not sync its directory');
  });
}

function realDirOf(real: string): string {
  const i = real.lastIndexOf('/');
  return i <= 0 ? '/' : real.slice(0, i);
}

export function wrapFs(err: unknown, pathShown: string, what: string): HostError {
  const code = errnoOf(err);
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const e = new HostError(`${displayPath(pathShown)}: ${what}: ${displayPath(detail)}`, pathShown, code);
  (e as Error & { cause?: unknown }).cause = err;
  return e;
}
