// Lexical host-path arithmetic. Pure: no I/O here, so the "cannot climb above
// the root" rule can be reasoned about (and tested) on strings alone.

import { HostError } from './host';

/**
 * The components of a host path, with "." dropped and ".." applied lexically.
 * A ".." at the top stays at the top, as it does at the real "/": that is what
 * keeps "/../../etc/shadow" under --root.
 */
export function hostComponents(hostPath: string): string[] {
  if (hostPath.includes('\0')) throw new HostError(`${displayPath(hostPath)}: path contains a NUL byte`, hostPath, 'EINVAL');
  const out: string[] = [];
  for (const part of hostPath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/** "/a/./b/../c//" → "/a/c". A relative path is taken from "/" (host paths are absolute). */
export function normaliseHostPath(hostPath: string): string {
  return '/' + hostComponents(hostPath).join('/');
}

/** Real path of a normalised component list under `root` (root is absolute, no trailing slash but "/"). */
export function joinUnderRoot(root: string, components: readonly string[]): string {
  if (components.length === 0) return root;
  return (root === '/' ? '' : root) + '/' + components.join('/');
}

export function hostDirname(normalised: string): string {
  const i = normalised.lastIndexOf('/');
  return i <= 0 ? '/' : normalised.slice(0, i);
}

export function hostBasename(normalised: string): string {
  return normalised.slice(normalised.lastIndexOf('/') + 1);
}

/** True when `path` is `dir` or inside it (both normalised). */
export function isAtOrBelow(path: string, dir: string): boolean {
  if (dir === '/') return true;
  return path === dir || path.startsWith(dir + '/');
}

/**
 * A path as it may appear in a one-line message: file names come from users
 * (a home directory can hold "a\nb" or an escape sequence), so control
 * characters are shown as \xNN instead of breaking the line or the terminal.
 */
export function displayPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
