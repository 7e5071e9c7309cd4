// Where the fix engine keeps its state (backups, journal) and how journal ids
// look. Host paths throughout: the Host maps them under --root.

import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/hardtop';

export const READ_ONLY_REASON = 'read-only: run as root to apply fixes';

export function journalFile(stateDir: string): string {
  return posix.join(stateDir, 'journal.jsonl');
}

export function backupsRoot(stateDir: string): string {
  return posix.join(stateDir, 'backups');
}

export function backupDirOf(stateDir: string, journalId: string): string {
  // The id is joined into a path that root later reads and restores from:
  // never accept anything that is not exactly our own format (no "..", no "/").
  if (!isJournalId(journalId)) throw new Error(`not a journal id: ${JSON.stringify(journalId)}`);
  return posix.join(backupsRoot(stateDir), journalId);
}

const JOURNAL_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function isJournalId(s: string): boolean {
  return JOURNAL_ID.test(s);
}

/**
 * `20261128T194500Z-1a2b3c`: UTC seconds first so ids sort in time order (ls,
 * the journal, the backups dir all agree), then random hex so two applies in
 * the same second never share a backup directory.
 */
export function newJournalId(now: Date): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A sha256 shortened for a one-line message; the journal keeps the full one. */
export function shortSha(sha: string | null): string {
  return sha === null ? 'absent' : `sha256:${sha.slice(0, 12)}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
