// The verdict of `rkhunter -C`, remembered in hardtop's private state dir so
// that a repeat `hardtop check` does not pay for it again: rkhunter -C forks
// ~850 processes (1.4–3 s on a real machine, issue #10).
//
// The key is everything -C's answer depends on that we can see cheaply: each
// configuration file rkhunter reads (path, size, mtime, inode and a SHA-256 of
// its text), the files it skips, the rkhunter program (path, size, mtime,
// inode: a package upgrade renames a new file into place) and the root. Any change re-runs it. -C also checks that paths named in the
// configuration exist (DBDIR, whitelisted scripts …), which no key of ours
// sees: so a verdict is trusted for policy.config.cacheMaxAgeSeconds at most.
//
// The record is root's (0600 in the 0700 state dir): a forged one could make
// the check pass, so only the state dir's owner may write it. A record that
// does not parse, or is for another key, is ignored (and replaced). Reading
// and writing never throw: the cache only ever saves time.

import type { Host } from '../../src/host/host';
import type { RkhConfFile } from '../../src/parse/rkhunter-conf';
import { inodeOf, readStateRecord, sha256, STATE_CACHE_DIR, writeStateRecord } from '../state-cache';

export const CONFIG_CACHE_DIR = STATE_CACHE_DIR;
export const CONFIG_CACHE_FILE = `${CONFIG_CACHE_DIR}/rkhunter-config-check.json`;
const SCHEMA = 'hardtop.rkhunter-config-check/1';

/** What the check needs of one rkhunter -C run. */
export interface ConfigCheckRun {
  exitCode: number | null;
  signal: string | null;
  /** Its message lines, already mapped to host paths. */
  output: string[];
  command: string;
  staged: boolean;
}

// The record (checks/state-cache.ts): { schema, key, at: when rkhunter -C ran (ISO), run }.

/**
 * The key of the current configuration and program; null when something
 * cannot be looked at (then nothing is cached: run it).
 */
export async function configCheckKey(host: Host, files: readonly RkhConfFile[], skipped: readonly string[]): Promise<string | null> {
  try {
    const parts: string[] = [SCHEMA, `root=${host.root}`];
    for (const f of files) {
      const st = await host.stat(f.path);
      if (!st) return null;
      parts.push(`file=${f.path} ${st.size} ${st.mtimeMs} ${inodeOf(st)} ${sha256(f.text)}`);
    }
    for (const s of skipped) parts.push(`skipped=${s}`);
    const program = await host.which('rkhunter');
    if (!program) return null;
    // Under --root host.stat reads the tree's copy: only the live system caches (see config.ts).
    const st = await host.stat(program);
    if (!st) return null;
    parts.push(`program=${program} ${st.size} ${st.mtimeMs} ${inodeOf(st)}`);
    return sha256(parts.join('\n'));
  } catch {
    return null;
  }
}

function isRun(v: unknown): v is ConfigCheckRun {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { [k: string]: unknown };
  return (
    (r.exitCode === null || Number.isInteger(r.exitCode)) &&
    (r.signal === null || typeof r.signal === 'string') &&
    Array.isArray(r.output) &&
    r.output.every((l) => typeof l === 'string') &&
    typeof r.command === 'string' &&
    typeof r.staged === 'boolean'
  );
}

/** The remembered run for this key, if it is young enough; null otherwise. Never throws. */
export async function readCachedRun(host: Host, file: string, key: string, now: Date, maxAgeSeconds: number): Promise<{ run: ConfigCheckRun; at: Date } | null> {
  const rec = await readStateRecord(host, file, SCHEMA, key);
  if (!rec || typeof rec.at !== 'string' || !isRun(rec.run)) return null;
  const at = new Date(rec.at);
  const age = (now.getTime() - at.getTime()) / 1000;
  // A record from the future (clock stepped back) is not trusted either.
  if (!Number.isFinite(age) || age < 0 || age > maxAgeSeconds) return null;
  return { run: rec.run, at };
}

/** Remember a run; false when it could not be written (read-only state dir …). Never throws. */
export function writeCachedRun(host: Host, file: string, key: string, run: ConfigCheckRun, now: Date): Promise<boolean> {
  return writeStateRecord(host, file, SCHEMA, key, { at: now.toISOString(), run });
}
