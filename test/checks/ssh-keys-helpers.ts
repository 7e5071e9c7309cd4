// Shared by the ssh-client*.test.ts and ssh-keys*.test.ts files: private
// copies of the sshk-* sysroots with what git does not keep put back (private
// keys 0600 as ssh-keygen made them; every mtime set to a fixed day before the
// test clock, so ages are the same on every checkout), and a snapshot of a
// tree to prove a run touched nothing.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, Finding, Item } from '../../src/core/types';
import { clientAndKeyChecks } from '../../checks/ssh/index';
import { ctx, hostFor, ROOTS } from './ssh-server-helpers';

export { canRunSshd, ctx, ensurePrivsepDir, evidenceProblems, hostFor, withoutSshd } from './ssh-server-helpers';

export const DAY = 86_400_000;
/** Every file of a copied root is dated this many days before ctx.now. */
export const FIXTURE_AGE_DAYS = 30;

export function setMtime(file: string, daysBeforeNow: number): void {
  const t = new Date(ctx.now.getTime() - daysBeforeNow * DAY);
  fs.lutimesSync(file, t, t);
}

export function copySshkRoot(t: { teardown(fn: () => void): void }, name: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), `hardtop-${name}-`));
  fs.cpSync(path.join(ROOTS, name), dest, { recursive: true, verbatimSymlinks: true });
  for (const rel of fs.readdirSync(dest, { recursive: true }) as string[]) {
    const p = path.join(dest, rel);
    const st = fs.lstatSync(p);
    if (st.isFile() && /PRIVATE KEY-----|^PuTTY-User-Key-File/m.test(fs.readFileSync(p, 'utf8').slice(0, 200))) fs.chmodSync(p, 0o600);
    setMtime(p, FIXTURE_AGE_DAYS);
  }
  t.teardown(() => fs.rmSync(dest, { recursive: true, force: true }));
  return dest;
}

export async function runKeys(root: string, checks: readonly Check[] = clientAndKeyChecks, host = hostFor(root)): Promise<Map<string, Finding>> {
  const out = new Map<string, Finding>();
  for (const f of await Promise.all(checks.map((c) => c.run(host, ctx)))) out.set(f.id, f);
  return out;
}

export function get(found: Map<string, Finding>, id: string): Finding {
  const f = found.get(id);
  if (!f) throw new Error(`no finding ${id}`);
  return f;
}

export function item(f: Finding, subject: string): Item {
  const i = (f.items ?? []).find((x) => x.subject === subject);
  if (!i) throw new Error(`${f.id}: no item ${subject} (have ${(f.items ?? []).map((x) => x.subject).join(', ')})`);
  return i;
}

export function itemStatuses(f: Finding): Record<string, string> {
  return Object.fromEntries((f.items ?? []).map((i) => [i.subject, i.status]));
}

/**
 * Every path under `root` with its type, mode, size, mtime and (for regular
 * files up to 1 MiB) a hash — hardtop's own staging dir left out. Two equal
 * snapshots: nothing was created, removed, written, chmod'ed or retimed.
 * (A 2 GiB sparse file is compared by size and mtime, never read.)
 */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of (fs.readdirSync(root, { recursive: true }) as string[]).sort()) {
    if (rel === 'var/lib/hardtop' || rel.startsWith('var/lib/hardtop/') || rel === 'var/lib' || rel === 'var') continue;
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    const kind = st.isSymbolicLink() ? `link:${fs.readlinkSync(p)}` : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isFIFO() ? 'fifo' : 'other';
    const hash = st.isFile() && st.size <= 1024 * 1024 ? createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16) : '';
    out[rel] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.size} ${st.mtimeMs} ${hash}`;
  }
  return out;
}

/** Does any string in the finding (summary, items, evidence) contain `needle`? */
export function mentions(f: Finding, needle: string): boolean {
  return JSON.stringify(f).includes(needle);
}
