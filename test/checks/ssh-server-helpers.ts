// Shared by the ssh-server*.test.ts files: private copies of the ssh-* sysroots
// (a check stages sshd -T under ROOT/var/lib/hardtop, so fixtures are never
// run in place), the fixed clock, and a view of a host on which sshd cannot be
// asked (to exercise hardtop's own parse as the fallback).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { createLocalHost } from '../../src/host/local-host';

export const ROOTS = path.resolve(__dirname, '../fixtures/roots');
export const SSH_ROOTS = fs.readdirSync(ROOTS).filter((n) => n.startsWith('ssh-') && fs.statSync(path.join(ROOTS, n)).isDirectory());

export const ctx: RunContext = { now: new Date('2026-11-28T12:00:00Z'), network: false, signal: new AbortController().signal };

/** sshd -T needs root (to read host keys) and /run/sshd; tests that need the real sshd -T run only then. */
export const canRunSshd = process.getuid?.() === 0 && fs.existsSync('/usr/sbin/sshd');

/** ssh.service creates /run/sshd (RuntimeDirectory=sshd); on a machine where sshd never ran, the test does. */
export function ensurePrivsepDir(): void {
  if (canRunSshd && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

/**
 * A private copy of a fixture root, removed when the test ends. Git does not
 * keep file modes, so private host keys are put back to 0600 (as ssh-keygen
 * made them) unless `keepModes`.
 */
export function copyRoot(t: { teardown(fn: () => void): void }, name: string, opts: { keepModes?: boolean } = {}): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), `hardtop-${name}-`));
  fs.cpSync(path.join(ROOTS, name), dest, { recursive: true, verbatimSymlinks: true });
  if (!opts.keepModes) {
    for (const rel of fs.readdirSync(dest, { recursive: true }) as string[]) {
      if (/(^|\/)ssh_host_[a-z0-9]+_key$/.test(rel)) fs.chmodSync(path.join(dest, rel), 0o600);
    }
  }
  t.teardown(() => fs.rmSync(dest, { recursive: true, force: true }));
  return dest;
}

export function hostFor(root: string): Host {
  return createLocalHost({ root, network: false });
}

export async function runAll(checks: readonly Check[], host: Host, context: RunContext = ctx): Promise<Map<string, Finding>> {
  const out = new Map<string, Finding>();
  // In parallel, as the scheduler runs them: they share one sshd -T.
  const findings = await Promise.all(checks.map((c) => c.run(host, context)));
  for (const f of findings) out.set(f.id, f);
  return out;
}

/** The same host, but sshd cannot be run on it (not installed on the machine running hardtop). */
export function withoutSshd(host: Host): Host {
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'which') return async (p: string) => (p === 'sshd' ? null : target.which(p));
      if (prop === 'exec') {
        return async (p: string, args: string[], opts?: Parameters<Host['exec']>[2]) =>
          p === 'sshd'
            ? { program: p, argv: [p, ...args], exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, truncated: false, spawnError: 'sshd: not found' }
            : target.exec(p, args, opts);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Evidence must name host paths: never the fixture copy, never the staging directory. */
export function evidenceProblems(f: Finding, root: string): string[] {
  const problems: string[] = [];
  const all = [...f.evidence, ...(f.items ?? []).flatMap((i) => i.evidence)];
  for (const e of all) {
    const texts = [e.file, e.text, e.command].filter((x): x is string => x !== undefined);
    if (e.file !== undefined && !e.file.startsWith('/')) problems.push(`relative path ${e.file}`);
    for (const s of texts) {
      if (s.includes(root) || s.includes(os.tmpdir() + '/') || s.includes('/var/lib/hardtop/tmp')) problems.push(`real path in evidence: ${s}`);
    }
  }
  for (const s of [f.summary, ...(f.items ?? []).map((i) => i.summary)]) {
    if (s.includes(root) || s.includes('/var/lib/hardtop/tmp')) problems.push(`real path in summary: ${s}`);
  }
  return problems;
}
