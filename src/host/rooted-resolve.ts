// Following symlinks as if the root were "/" (chroot-like), without chroot.
//
// Under --root DIR the kernel would resolve an absolute link target such as
// Debian's /etc/ssl/certs/X.pem -> /usr/share/ca-certificates/X.crt against
// the REAL "/", so a report about DIR would quietly read this machine's files.
// So, under a root other than "/", we walk the path one component at a time,
// lstat each, and splice link targets in ourselves: absolute targets restart
// at DIR, ".." never climbs above DIR. Under "/" the kernel already does
// exactly that, so we leave it to the kernel.

import * as fs from 'node:fs';
import { hostComponents, joinUnderRoot } from './host-paths';

/** Same limit as Linux (MAXSYMLINKS): a link loop ends with ELOOP, not a hang. */
export const MAX_SYMLINK_HOPS = 40;

export interface PathResolver {
  /** The real directory playing "/" (absolute, no trailing slash except "/"). */
  readonly root: string;
  /** True when root is not "/", i.e. links must be resolved by us. */
  readonly rooted: boolean;
  /** Lexical mapping only: host path → real path, never above the root. */
  mapLexically(hostPath: string): string;
  /**
   * Real path with every symlink along the way resolved under the root
   * (the final component too when followFinal). Under "/" this is the lexical
   * mapping and the kernel follows links. A missing component ends the walk:
   * the rest is joined lexically and the caller's fs call reports ENOENT.
   */
  resolve(hostPath: string, followFinal: boolean): Promise<string>;
  /**
   * Like resolve, but walks the links ourselves under "/" too, so the result
   * names no symlink at all (at the time of the walk). Writes use it: a rename
   * onto a path whose last component is a link would replace the link, and
   * Debian's sites-enabled/X -> ../sites-available/X must keep pointing there.
   */
  resolveLinks(hostPath: string, followFinal: boolean): Promise<string>;
}

export function createResolver(root: string): PathResolver {
  const rooted = root !== '/';
  return {
    root,
    rooted,
    mapLexically: (hostPath) => joinUnderRoot(root, hostComponents(hostPath)),
    resolve: async (hostPath, followFinal) =>
      rooted ? resolveUnderRoot(root, hostPath, followFinal) : joinUnderRoot(root, hostComponents(hostPath)),
    resolveLinks: (hostPath, followFinal) => resolveUnderRoot(root, hostPath, followFinal),
  };
}

function loopError(hostPath: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${hostPath}: too many levels of symbolic links`);
  err.code = 'ELOOP';
  return err;
}

async function resolveUnderRoot(root: string, hostPath: string, followFinal: boolean): Promise<string> {
  // `pending` is a stack (next component last) so link targets can be pushed in front.
  const pending = hostComponents(hostPath).reverse();
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop(); // at the top this is a no-op: ".." of the root is the root
      continue;
    }
    const isLast = pending.length === 0;
    if (isLast && !followFinal) {
      done.push(part);
      break;
    }
    const real = joinUnderRoot(root, [...done, part]);
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(real);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      // Nothing more to follow: finish lexically (still clamped to the root).
      done.push(part);
      while (pending.length > 0) {
        const rest = pending.pop()!;
        if (rest === '..') done.pop();
        else if (rest !== '.') done.push(rest);
      }
      break;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw loopError(hostPath);
    const target = await fs.promises.readlink(real);
    if (target.startsWith('/')) done.length = 0; // absolute: restart at the root, not at the real "/"
    const targetParts = target.split('/').filter((p) => p !== '');
    for (let i = targetParts.length - 1; i >= 0; i--) pending.push(targetParts[i]);
  }
  return joinUnderRoot(root, done);
}
