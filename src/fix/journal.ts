// The change journal: one JSON object per line in <stateDir>/journal.jsonl,
// append-only. It is the audit trail (who changed what, when, from which SSH
// session) and the index `undo` works from.
//
// Reading is tolerant by design: a crash (or a full disk) can leave a torn
// last line, and a journal that cannot be read would make every later undo
// impossible exactly when it is needed. Bad lines are skipped and reported.

import type { Host } from '../host/host';
import type { FileOwner } from '../core/types';
import { backupsRoot, errorText, isJournalId, journalFile } from './state';

/** One file touched by an apply, as recorded in the journal and the backup manifest. */
export interface JournalFile {
  path: string;
  /** Whether the file existed before the fix (false: the fix created it). */
  existed: boolean;
  sha256Before: string | null;
  /** null: the fix removed the file (FileEdit.delete). */
  sha256After: string | null;
  /** Host path of the backed-up original bytes; null when the file did not exist. */
  backup: string | null;
  /** Original mode/owner (for a created file: the mode it was created with, owner null). */
  mode: number;
  uid: number | null;
  gid: number | null;
  /** A file in a home: written, removed and restored as this account, never as root. */
  asUser?: FileOwner;
}

export type ApplyRecordOutcome =
  | 'applied' // live, verified: undoable
  | 'not-applied' // stopped before anything live changed (validation failed)
  | 'rolled-back' // something failed after writing; every file restored
  | 'rollback-failed'; // something failed and not every file could be restored: undo can retry

export interface ApplyRecord {
  id: string;
  at: string;
  user: string;
  sshConnection: string | null;
  fixId: string;
  action: 'apply';
  files: JournalFile[];
  /** The plan's commands (argv), so an undo can tell the admin what to re-run. */
  commands: string[][];
  /** The plan's undo commands (argv), run by undo before the reloads. */
  undoCommands?: string[][];
  outcome: ApplyRecordOutcome;
  stage?: string;
  message?: string;
}

export interface UndoRecord {
  id: string;
  at: string;
  user: string;
  sshConnection: string | null;
  action: 'undo';
  of: string;
  files: { path: string; sha256Before: string | null; sha256After: string | null }[];
  outcome: 'undone' | 'undo-failed';
  message?: string;
}

export type JournalRecord = ApplyRecord | UndoRecord;

/**
 * An apply whose backup manifest exists but which never got its journal line:
 * the process died (crash, SIGKILL, power) somewhere between backing up and
 * journaling. Its files may be old, new, or a mix; undo can still recover it.
 */
export interface InterruptedApply {
  id: string;
  at: string;
  fixId: string;
  files: JournalFile[];
  commands: string[][];
  undoCommands?: string[][];
}

export interface JournalView {
  records: JournalRecord[];
  interrupted: InterruptedApply[];
  /** Human-readable notes about lines or backups that were skipped. Never fatal. */
  problems: string[];
  /** Set when the journal exists but could not be read at all. */
  unreadable?: string;
}

/** Manifest written into each backup dir after all originals are safe; see backup.ts. */
export interface BackupManifest {
  schema: 'hardtop.backup/1';
  id: string;
  at: string;
  user: string;
  sshConnection: string | null;
  fixId: string;
  files: JournalFile[];
  commands: string[][];
  undoCommands?: string[][];
}

export async function appendJournal(host: Host, stateDir: string, record: JournalRecord): Promise<void> {
  const path = journalFile(stateDir);
  // If a crash tore the last line, appending straight after it would glue our
  // good line onto the fragment and lose both. Start on a fresh line instead.
  // If the journal cannot be read, a defensive newline costs one blank line
  // (skipped by the reader); a glued line would cost a record.
  const existing = await readJournalText(host, path).catch(() => 'unknown');
  const needsNewline = existing !== null && existing.length > 0 && !existing.endsWith('\n');
  await host.appendPrivate(path, `${needsNewline ? '\n' : ''}${JSON.stringify(record)}\n`);
}

export async function listJournal(host: Host, stateDir: string): Promise<JournalView> {
  const view: JournalView = { records: [], interrupted: [], problems: [] };
  let text: string | null;
  try {
    text = await readJournalText(host, journalFile(stateDir));
  } catch (err) {
    view.unreadable = `cannot read ${journalFile(stateDir)}: ${errorText(err)}`;
    return view;
  }
  const lines = (text ?? '').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseRecord(line);
    if (record) view.records.push(record);
    else {
      const where = index === lines.length - 1 ? 'torn last line' : 'unreadable line';
      view.problems.push(`${journalFile(stateDir)}:${index + 1}: ${where} ignored`);
    }
  });
  await findInterrupted(host, stateDir, view);
  return view;
}

/** Years of applies fit easily; the host's default read limit (8 MiB) might not. */
const MAX_JOURNAL_BYTES = 256 * 1024 * 1024;

async function readJournalText(host: Host, path: string): Promise<string | null> {
  const r = await host.read(path, { maxBytes: MAX_JOURNAL_BYTES });
  if (r.ok) return r.text;
  if (r.reason === 'missing') return null;
  throw new Error(r.message);
}

async function findInterrupted(host: Host, stateDir: string, view: JournalView): Promise<void> {
  // An apply is "interrupted" only while nothing accounts for it: neither its
  // own journal line nor an undo that recovered it.
  const accounted = new Set(
    view.records.map((r) => (r.action === 'apply' ? r.id : r.outcome === 'undone' ? r.of : '')),
  );
  let names: string[] | null;
  try {
    names = await host.list(backupsRoot(stateDir));
  } catch (err) {
    view.problems.push(`cannot list ${backupsRoot(stateDir)}: ${errorText(err)}`);
    return;
  }
  for (const name of names ?? []) {
    if (!isJournalId(name) || accounted.has(name)) continue;
    const manifestPath = `${backupsRoot(stateDir)}/${name}/manifest.json`;
    let manifest: BackupManifest | null = null;
    try {
      const raw = await host.readText(manifestPath);
      // No manifest: the crash came while backing up, before anything live
      // changed. Nothing to recover; the partial backup is just left behind.
      if (raw === null) continue;
      manifest = parseManifest(raw, name);
    } catch (err) {
      view.problems.push(`${manifestPath}: ${errorText(err)}`);
      continue;
    }
    if (!manifest) {
      view.problems.push(`${manifestPath}: not a hardtop backup manifest; ignored`);
      continue;
    }
    view.interrupted.push({
      id: manifest.id,
      at: manifest.at,
      fixId: manifest.fixId,
      files: manifest.files,
      commands: manifest.commands,
      undoCommands: manifest.undoCommands,
    });
  }
}

function parseRecord(line: string): JournalRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.id !== 'string' || typeof value.at !== 'string') return null;
  if (value.action === 'apply' && typeof value.fixId === 'string' && areFiles(value.files)) {
    return { ...(value as unknown as ApplyRecord), commands: argvList(value.commands), undoCommands: argvList(value.undoCommands) };
  }
  if (value.action === 'undo' && typeof value.of === 'string' && Array.isArray(value.files)) {
    return value as unknown as UndoRecord;
  }
  return null;
}

function parseManifest(raw: string, dirName: string): BackupManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(value) || value.schema !== 'hardtop.backup/1') return null;
  // The directory name is what the journal would refer to; a manifest that
  // claims another id was copied or tampered with.
  if (value.id !== dirName || typeof value.fixId !== 'string' || typeof value.at !== 'string') return null;
  if (!areFiles(value.files)) return null;
  return { ...(value as unknown as BackupManifest), commands: argvList(value.commands), undoCommands: argvList(value.undoCommands) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function areFiles(v: unknown): v is JournalFile[] {
  return (
    Array.isArray(v) &&
    v.every(
      (f) =>
        isObject(f) &&
        typeof f.path === 'string' &&
        typeof f.existed === 'boolean' &&
        (f.sha256After === null || typeof f.sha256After === 'string') &&
        (f.sha256Before === null || typeof f.sha256Before === 'string') &&
        (f.backup === null || typeof f.backup === 'string') &&
        typeof f.mode === 'number' &&
        (f.asUser === undefined || isOwner(f.asUser)),
    )
  );
}

/** An account to write as: a plain user name (runuser -u NAME), a uid, an absolute home. */
function isOwner(v: unknown): v is FileOwner {
  return (
    isObject(v) &&
    typeof v.name === 'string' &&
    /^[a-z_][a-z0-9_.-]*\$?$/i.test(v.name) &&
    typeof v.uid === 'number' &&
    Number.isInteger(v.uid) &&
    v.uid > 0 &&
    typeof v.home === 'string' &&
    v.home.startsWith('/')
  );
}

/** Only well-formed argv arrays survive: a damaged journal must not crash undo. */
function argvList(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return value.filter((argv): argv is string[] => Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string'));
}
