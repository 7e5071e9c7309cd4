// Shared helpers for the Host tests. Tests may use node:fs and child_process
// directly to build their fixtures; only the code under test is fenced.

import type { ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh real directory, removed after the test. */
export function tempDir(t: ExecutionContext, prefix = 'hardtop-host-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `content` at `rel` under `base`, creating parent directories. Returns the real path. */
export function put(base: string, rel: string, content: string | Buffer = ''): string {
  const p = path.join(base, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** Create a symlink at `rel` under `base` pointing at `target` (verbatim). */
export function link(base: string, rel: string, target: string): string {
  const p = path.join(base, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.symlinkSync(target, p);
  return p;
}

/** Mount a tmpfs at `dir` (we run as root here). false when mounting is not possible. */
export function mountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
}

/** A process is gone when it no longer exists or is only a zombie waiting for a (possibly absent) reaper. */
export function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

/** Reject when `p` takes longer than `ms`: turns a hang into a clear failure. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms (hang)`)), ms);
    }),
  ]);
}

/**
 * A fresh directory whose every ancestor is root-owned and not group/other
 * writable (unlike /tmp), so programs placed in it pass the trusted-program
 * ownership checks: a refusal there is then down to the rule under test.
 */
export function trustedBase(t: ExecutionContext): string {
  for (const parent of ['/run', '/var/lib', '/root']) {
    try {
      const parts = parent.split('/');
      const chainOk = parts.every((_, i) => {
        const st = fs.statSync(parts.slice(0, i + 1).join('/') || '/');
        return st.uid === 0 && (st.mode & 0o022) === 0;
      });
      if (!chainOk) continue;
      const dir = fs.mkdtempSync(path.join(parent, 'hardtop-test-'));
      fs.chmodSync(dir, 0o755);
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      return dir;
    } catch {
      // try the next candidate
    }
  }
  throw new Error('no root-owned, non-writable base directory to build fixtures in');
}
