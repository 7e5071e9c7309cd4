// Shared by updates.test.ts and reboot.test.ts: fixture sysroots, a fixed
// clock, temp copies for tests that must change a tree, and a "live" view of
// a sysroot (root "/") for the code paths that only run on the real system.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';

export const ROOTS = path.resolve(__dirname, '../fixtures/roots');

export const ctx: RunContext = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };

export function at(iso: string): RunContext {
  return { ...ctx, now: new Date(iso) };
}

export function hostFor(root: string): Host {
  return createLocalHost({ root: path.isAbsolute(root) ? root : path.join(ROOTS, root), network: false });
}

export async function run(check: Check, root: string | Host, context: RunContext = ctx): Promise<Finding> {
  const host = typeof root === 'string' ? hostFor(root) : root;
  return check.run(host, context);
}

/**
 * A private copy of a fixture root (links copied as links, targets untouched),
 * removed when the test ends. Fixtures are never modified in place.
 */
export function copyRoot(t: { teardown(fn: () => void): void }, name: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), `hardtop-${name}-`));
  fs.cpSync(path.join(ROOTS, name), dest, { recursive: true, verbatimSymlinks: true });
  t.teardown(() => fs.rmSync(dest, { recursive: true, force: true }));
  return dest;
}

/**
 * The host of a sysroot that claims to be the live system (root "/") and
 * reports the given running kernel: reads still go to the sysroot.
 */
export function liveView(host: Host, kernel = '6.1.0-26-amd64'): Host {
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'root') return '/';
      if (prop === 'facts') return async () => ({ hostname: 'live', os: 'Debian GNU/Linux 12 (bookworm)', kernel, uptimeSeconds: 1000 });
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Evidence must name host paths, never the real fixture directory. */
export function evidencePathsAreHostPaths(f: Finding): boolean {
  return f.evidence.every((e) => e.file === undefined || (e.file.startsWith('/') && !e.file.includes('fixtures') && !e.file.includes(os.tmpdir())));
}
