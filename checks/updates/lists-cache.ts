// What the scan of apt's lists found, remembered in hardtop's private state
// dir (checks/state-cache.ts) so that a repeat `hardtop check` does not
// decompress and scan ~50 MB of Packages indexes again: ~250 ms of the single
// JS thread on a Debian machine, which also stretches every check running
// meanwhile (issue #10).
//
// The record's key is what a scan's result depends on besides the lists
// themselves: the set of wanted (installed) package names, the dpkg status
// file they come from (size, mtime, inode: dpkg renames a new status into
// place at every install), the root and the schema. Inside the record each
// list is remembered by its path, size, mtime and inode (apt-get update
// renames new lists into place: a new inode even when apt gives the file the
// server's old mtime) with the versions of the wanted packages it carries. So
// an apt-get update re-scans only the lists it replaced; a new list is
// scanned, a removed one dropped; a new dpkg status or a damaged or foreign
// record re-scans everything.
//
// Not in the key: apt preferences and APT::Default-Release. The scan only
// collects versions; pending.ts applies pins afterwards, every run. Nor the
// Release/InRelease files: apt-lists.ts reads those (small) every run, so the
// sources' origins and dates are always the current ones.
//
// Only clean scans are remembered: a list that could not be read, was
// malformed or changed while it was read is scanned again next time, so its
// problem is reported again.

import type { FileStat, Host } from '../../src/host/host';
import type { IndexedVersion } from '../../src/parse/apt-packages';
import { inodeOf, readStateRecord, sha256, STATE_CACHE_DIR, writeStateRecord } from '../state-cache';
import { DPKG_STATUS } from './dpkg';

export const LISTS_CACHE_FILE = `${STATE_CACHE_DIR}/apt-lists-scan.json`;
/** Bump when IndexedVersion or the scan's meaning changes: old records are then foreign. */
const SCHEMA = 'hardtop.apt-lists-scan/1';

/** Where the scan's results are remembered, and under which key (see listsScanKey). */
export interface ListsScanCache {
  file: string;
  key: string;
}

/** A list's identity: "size mtimeMs inode". */
export type ListStamp = string;

export function listStamp(st: FileStat): ListStamp {
  return `${st.size} ${st.mtimeMs} ${inodeOf(st)}`;
}

/** One list's remembered scan. */
export interface RememberedList {
  stamp: ListStamp;
  versions: IndexedVersion[];
}

/**
 * The key for scans of the lists for these wanted packages, as the dpkg
 * status is now; null when the status cannot be looked at (then nothing is
 * cached: scan).
 */
export async function listsScanKey(host: Host, wanted: ReadonlySet<string>): Promise<string | null> {
  try {
    const st = await host.stat(DPKG_STATUS);
    if (!st || st.kind !== 'file') return null;
    const names = [...wanted].sort().join('\n');
    return sha256([SCHEMA, `root=${host.root}`, `status=${DPKG_STATUS} ${listStamp(st)}`, `wanted=${sha256(names)}`].join('\n'));
  } catch {
    return null;
  }
}

// Stored compactly, [name, version, architecture, line] per version: the
// record holds every installed package's versions in every list (~1000 on a
// small server), and is read at every run.
type StoredVersion = [string, string, string, number];

function toVersions(v: unknown): IndexedVersion[] | null {
  if (!Array.isArray(v)) return null;
  const out: IndexedVersion[] = [];
  for (const e of v as unknown[]) {
    if (!Array.isArray(e) || e.length !== 4) return null;
    const [name, version, architecture, line] = e as unknown[];
    if (typeof name !== 'string' || typeof version !== 'string' || typeof architecture !== 'string' || !Number.isInteger(line)) return null;
    out.push({ name, version, architecture, line: line as number });
  }
  return out;
}

/** The remembered lists by host path, for this key; null when there is no usable record. Never throws. */
export async function readRememberedLists(host: Host, cache: ListsScanCache): Promise<Map<string, RememberedList> | null> {
  const rec = await readStateRecord(host, cache.file, SCHEMA, cache.key);
  if (!rec || typeof rec.lists !== 'object' || rec.lists === null || Array.isArray(rec.lists)) return null;
  const out = new Map<string, RememberedList>();
  for (const [path, v] of Object.entries(rec.lists as { [path: string]: unknown })) {
    if (typeof v !== 'object' || v === null) return null;
    const entry = v as { [field: string]: unknown };
    const versions = toVersions(entry.versions);
    // Any damage discards the whole record: it is rewritten after the scan.
    if (typeof entry.stamp !== 'string' || !versions) return null;
    out.set(path, { stamp: entry.stamp, versions });
  }
  return out;
}

/** Remember these lists' scans (replacing the record); false when it could not be written. Never throws. */
export function rememberLists(host: Host, cache: ListsScanCache, lists: ReadonlyMap<string, RememberedList>): Promise<boolean> {
  const stored: { [path: string]: { stamp: string; versions: StoredVersion[] } } = {};
  for (const [path, l] of lists) stored[path] = { stamp: l.stamp, versions: l.versions.map((v): StoredVersion => [v.name, v.version, v.architecture, v.line]) };
  return writeStateRecord(host, cache.file, SCHEMA, cache.key, { lists: stored });
}

/** Whether the record must be rewritten: a list scanned anew, or a remembered one gone. */
export function listsChanged(remembered: ReadonlyMap<string, RememberedList> | null, now: ReadonlyMap<string, RememberedList>): boolean {
  if (!remembered || remembered.size !== now.size) return true;
  for (const [path, l] of now) if (remembered.get(path)?.stamp !== l.stamp) return true;
  return false;
}
