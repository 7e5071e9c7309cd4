// Which binary does "sshd" mean? Not whatever $PATH says.
//
// hardtop runs as root; a program found through the caller's $PATH (or a
// sysroot, or a directory a user can write to) would be a root shell for
// whoever planted it. So a bare name is looked up only in the fixed system
// directories of the REAL machine, and a candidate is accepted only when its
// real file and every directory on the way to it belong to root and are not
// writable by group or others: then nobody but root can change what we run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { displayPath } from './host-paths';

export const TRUSTED_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The directories we search, as a PATH-style list (for messages). Children get trustedSearchPath(). */
export const CLEAN_PATH = TRUSTED_DIRS.join(':');

export type ProgramLookup =
  /** `path`: the fully resolved file we execute; `invokedAs`: the trusted-dir path, given as argv[0]. */
  | { ok: true; path: string; invokedAs: string }
  | { ok: false; reason: string };

/** A bare program name: no "/", not "." or "..", no NUL. */
export function bareNameProblem(name: string): string | null {
  if (name === '' || name === '.' || name === '..') return `not a program name: ${JSON.stringify(name)}`;
  if (name.includes('/')) return `${displayPath(name)}: a bare program name is required, not a path`;
  if (name.includes('\0')) return 'program name contains a NUL byte';
  return null;
}

export async function findTrustedProgram(name: string, dirs: readonly string[] = TRUSTED_DIRS): Promise<ProgramLookup> {
  const nameProblem = bareNameProblem(name);
  if (nameProblem !== null) return { ok: false, reason: nameProblem };
  const refusals: string[] = [];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    let real: string;
    try {
      real = await fs.promises.realpath(candidate);
    } catch {
      continue; // absent (or a dangling link) here: try the next directory
    }
    const problem = await untrustedReason(real);
    if (problem === null) return { ok: true, path: real, invokedAs: candidate };
    // An untrusted copy is skipped, not run; say why if nothing better turns up.
    refusals.push(`${displayPath(candidate)} refused: ${problem}`);
  }
  if (refusals.length > 0) return { ok: false, reason: `${displayPath(name)}: no trusted program (${refusals.join('; ')})` };
  return { ok: false, reason: `${displayPath(name)}: not found in ${CLEAN_PATH}` };
}

/** null when `real` (a realpath) and all its ancestors are root-owned and not group/other-writable. */
async function untrustedReason(real: string): Promise<string | null> {
  const st = await fs.promises.stat(real);
  if (!st.isFile()) return `${displayPath(real)} is not a regular file`;
  if ((st.mode & 0o111) === 0) return `${displayPath(real)} is not executable`;
  const own = ownershipProblem(real, st);
  if (own !== null) return own;
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    const problem = ownershipProblem(dir, await fs.promises.stat(dir));
    if (problem !== null) return problem;
    if (dir === '/') break;
  }
  return null;
}

function ownershipProblem(p: string, st: fs.Stats): string | null {
  if (st.uid !== 0) return `${displayPath(p)} is owned by uid ${st.uid}, not root`;
  if ((st.mode & 0o022) !== 0) return `${displayPath(p)} is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return null;
}

/**
 * The PATH our children get: the trusted directories that pass the same
 * ownership checks as program lookup (the directory's real path and every
 * ancestor root-owned, not group/other-writable), in order. A child that runs
 * `sh -c 'foo'` or execs a helper by name searches this PATH itself; Debian's
 * root:staff 02775 /usr/local would otherwise let the staff group choose what
 * it runs as root. Missing directories are left out. The default list is
 * computed once (synchronously: cleanEnvironment is sync) and cached for the
 * life of the process; `dirs` is injectable for tests.
 */
export function trustedSearchPath(dirs: readonly string[] = TRUSTED_DIRS): string {
  if (dirs === TRUSTED_DIRS) {
    defaultSearchPath ??= computeSearchPath(TRUSTED_DIRS);
    return defaultSearchPath;
  }
  return computeSearchPath(dirs);
}

let defaultSearchPath: string | undefined;

function computeSearchPath(dirs: readonly string[]): string {
  return dirs.filter((dir) => untrustedDirReasonSync(dir) === null).join(':');
}

/** null when `dir` resolves to a directory that, with all its ancestors, passes ownershipProblem. */
function untrustedDirReasonSync(dir: string): string | null {
  let real: string;
  try {
    real = fs.realpathSync(dir);
    if (!fs.statSync(real).isDirectory()) return `${displayPath(dir)} is not a directory`;
    for (let d = real; ; d = path.dirname(d)) {
      const problem = ownershipProblem(d, fs.statSync(d));
      if (problem !== null) return problem;
      if (d === '/') return null;
    }
  } catch (err) {
    return `${displayPath(dir)}: ${(err as Error).message}`;
  }
}
