// A JSON record remembered in hardtop's private state dir (/var/lib/hardtop/cache)
// between runs, so that a repeat `hardtop check` does not pay again for an
// expensive answer whose inputs did not change (issue #10). Shared by
// checks/rkhunter/config-cache.ts and checks/updates/lists-cache.ts.
//
// A record is { schema, key, ...body }: `schema` names the record's format
// (bump it when the format changes), `key` names everything the answer depends
// on. A record that does not parse, or has another schema or key, is ignored
// (and replaced by the caller's next write).
//
// The record is root's: 0600 in the 0700 state dir, since a forged one could
// make a check pass; only the state dir's owner may write it. Reading and
// writing never throw: the cache only ever saves time. Callers cache on the
// live system only (under --root a check writes nothing into the tree).

import { createHash } from 'node:crypto';
import { DEFAULT_STATE_DIR } from '../src/fix/state';
import type { FileStat, Host } from '../src/host/host';

export const STATE_CACHE_DIR = `${DEFAULT_STATE_DIR}/cache`;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The inode where the host reports one ('-' where it does not: the other parts still key). */
export function inodeOf(st: FileStat): string {
  return st.ino === undefined ? '-' : String(st.ino);
}

/** The record's fields (besides schema and key), untyped: the caller checks each one it uses. */
export type StateRecordBody = { [field: string]: unknown };

/** The record in `file` if it has this schema and key; null otherwise (missing, unreadable, damaged, foreign). Never throws. */
export async function readStateRecord(host: Host, file: string, schema: string, key: string): Promise<StateRecordBody | null> {
  let v: unknown;
  try {
    const text = await host.readText(file);
    if (text === null) return null;
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const rec = v as StateRecordBody;
  if (rec.schema !== schema || rec.key !== key) return null;
  return rec;
}

/** Write { schema, key, ...body } to `file` (0600, its dir made 0700); false when it could not be written. Never throws. */
export async function writeStateRecord(host: Host, file: string, schema: string, key: string, body: StateRecordBody): Promise<boolean> {
  try {
    const text = `${JSON.stringify({ ...body, schema, key })}\n`;
    await host.ensurePrivateDir(file.slice(0, file.lastIndexOf('/')));
    await host.writeAtomic(file, text, { mode: 0o600 });
    return true;
  } catch {
    return false;
  }
}
