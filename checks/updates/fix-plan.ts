// Small helpers shared by the updates and reboot fixes' plan() functions.

import type { Fix, Guard, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { thrownMessage } from './finding';

/** An empty plan for a fix; plan() fills it in. */
export function emptyPlan(fix: Pick<Fix, 'id' | 'title' | 'risk'>): Plan {
  return { fixId: fix.id, title: fix.title, risk: fix.risk, edits: [], validate: [], commands: [], warnings: [] };
}

/** The plan, refused: the preview still shows what was found and why nothing will be done. */
export function refuse(plan: Plan, reason: string): Plan {
  const guard: Guard = { ok: false, reason };
  return { ...plan, guard };
}

export type CurrentFile = { kind: 'absent' } | { kind: 'file'; text: string } | { kind: 'unusable'; reason: string };

/**
 * The current text of a config file a fix will rewrite. We only rewrite plain
 * regular files: a symlink (the engine would write through it to wherever it
 * points) or anything unreadable is left to the admin.
 */
export async function currentFile(host: Host, path: string): Promise<CurrentFile> {
  try {
    const own = await host.lstat(path);
    if (own === null) return { kind: 'absent' };
    if (own.kind === 'symlink') return { kind: 'unusable', reason: `${path} is a symlink; not rewriting what it points to` };
    if (own.kind !== 'file') return { kind: 'unusable', reason: `${path} is a ${own.kind}, not a regular file` };
    const read = await host.read(path);
    if (!read.ok) return { kind: 'unusable', reason: `cannot read ${path}: ${read.message}` };
    return { kind: 'file', text: read.text };
  } catch (err) {
    return { kind: 'unusable', reason: `cannot read ${path}: ${thrownMessage(err)}` };
  }
}
