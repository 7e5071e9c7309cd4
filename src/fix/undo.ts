// `hardtop undo [ID]`: put the files of one applied fix back to their exact
// original bytes, owner and mode, and record that in the journal.
//
// Undo is a write as root from a backup, so it is as careful as apply:
// - it never overwrites a change made after the fix (someone edited the file
//   since): the admin's newer work wins, and the message says which file;
// - it checks every backup against its sha256 before writing any file, so a
//   damaged backup cannot leave a half-undone fix;
// - it trusts backups only in a private state dir (root-owned, 0700).
//
// Undo restores files; it does not run the fix's commands again (a command
// may have been an install, not a reload). The outcome carries them so the
// caller can offer to re-run the reloads in the embedded terminal.

import type { Host } from '../host/host';
import { sanitizeText } from '../core/sanitize';
import { readBackupBytes } from './backup';
import { appendJournal, listJournal, type JournalFile, type UndoRecord } from './journal';
import { currentShaOf, restoreOriginal } from './restore';
import { DEFAULT_STATE_DIR, errorText, isJournalId, newJournalId, READ_ONLY_REASON, shortSha } from './state';

export type UndoOutcome =
  | {
      ok: true;
      /** Id of the undo's own journal line. */
      journalId: string;
      /** The apply that was undone. */
      of: string;
      fixId: string;
      /** Host paths written back or removed (empty when they already matched the backup). */
      restored: string[];
      /** The fix's commands (argv), e.g. reloads the caller may want to re-run. */
      commands: string[][];
      /** Commands that take back what the fix's commands did (argv); the caller runs them before the reloads. */
      undoCommands: string[][];
      message: string;
      warnings: string[];
    }
  | {
      ok: false;
      stage: 'refused' | 'nothing' | 'changed' | 'restore';
      message: string;
      /** Notes from reading the journal (torn lines …), for the status line. */
      warnings: string[];
    };

export interface UndoOptions {
  stateDir?: string;
  /** A named apply; default: the latest applied one not yet undone. */
  journalId?: string;
}

/** An apply that undo may act on. */
interface UndoTarget {
  id: string;
  at: string;
  fixId: string;
  files: JournalFile[];
  commands: string[][];
  undoCommands?: string[][];
  /**
   * Its files may legitimately be a mix of old and new: it was interrupted (no
   * journal line), its rollback failed, or an earlier undo of it failed.
   */
  mixedAllowed: boolean;
  order: number;
}

export async function undo(host: Host, opts: UndoOptions = {}): Promise<UndoOutcome> {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  if (!host.isRoot) return refused('refused', READ_ONLY_REASON, []);
  if (opts.journalId !== undefined && !isJournalId(opts.journalId)) {
    return refused('refused', `not a journal id: ${sanitizeText(opts.journalId)} (expected e.g. 20261128T194500Z-1a2b3c)`, []);
  }

  const view = await listJournal(host, stateDir);
  const warnings = [...view.problems];
  if (view.unreadable) return refused('refused', view.unreadable, warnings);

  const undone = new Set<string>();
  const undoFailed = new Set<string>();
  for (const r of view.records) {
    if (r.action !== 'undo') continue;
    (r.outcome === 'undone' ? undone : undoFailed).add(r.of);
  }
  const targets: UndoTarget[] = [];
  view.records.forEach((r, order) => {
    if (r.action !== 'apply' || undone.has(r.id)) return;
    if (r.outcome !== 'applied' && r.outcome !== 'rollback-failed') return;
    targets.push({ ...r, mixedAllowed: r.outcome === 'rollback-failed' || undoFailed.has(r.id), order });
  });
  for (const i of view.interrupted) {
    // An apply killed before it wrote anything (during validation, say) left
    // a manifest but changed no file: it must not hide the real latest change.
    if (opts.journalId === undefined && (await changedNothing(host, i.files))) continue;
    targets.push({ ...i, mixedAllowed: true, order: Number.MAX_SAFE_INTEGER });
  }

  let target: UndoTarget | undefined;
  if (opts.journalId !== undefined) {
    target = targets.find((t) => t.id === opts.journalId);
    if (!target) {
      const applied = view.records.find((r) => r.action === 'apply' && r.id === opts.journalId);
      const why = undone.has(opts.journalId)
        ? `${opts.journalId} was already undone`
        : applied && applied.action === 'apply'
          ? `${opts.journalId} did not change anything (outcome: ${applied.outcome}); nothing to undo`
          : `no applied change ${opts.journalId} in the journal`;
      return refused('nothing', why, warnings);
    }
  } else {
    // Latest by time; ties (same millisecond) by journal order.
    target = [...targets].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order)).pop();
    if (!target) return refused('nothing', 'nothing to undo', warnings);
  }

  return undoTarget(host, stateDir, target, warnings);
}

async function changedNothing(host: Host, files: JournalFile[]): Promise<boolean> {
  try {
    for (const f of files) if ((await currentShaOf(host, f)) !== f.sha256Before) return false;
    return true;
  } catch {
    return false; // unreadable: let undoTarget report it properly
  }
}

async function undoTarget(host: Host, stateDir: string, target: UndoTarget, warnings: string[]): Promise<UndoOutcome> {
  // The backups are about to be written over /etc as root: only trust them
  // in a dir nobody else can write to.
  try {
    await host.ensurePrivateDir(stateDir);
  } catch (err) {
    return refused('refused', `state dir ${stateDir} is not private: ${oneLine(errorText(err))}; not undoing`, warnings);
  }

  const current: (string | null)[] = [];
  try {
    for (const file of target.files) current.push(await currentShaOf(host, file));
  } catch (err) {
    return refused('refused', `cannot read a file of ${target.id}: ${oneLine(errorText(err))}`, warnings);
  }
  const isBefore = (i: number) => current[i] === target.files[i].sha256Before;
  const isAfter = (i: number) => current[i] === target.files[i].sha256After;

  const allBefore = target.files.every((_, i) => isBefore(i));
  if (!allBefore) {
    // A complete apply changed every file: any file that is not exactly what
    // the fix wrote was edited since, and that newer edit must not be lost.
    // An interrupted one may have stopped half-way: old or new are both fine.
    const bad = target.files.findIndex((_, i) => !isAfter(i) && !(target.mixedAllowed && isBefore(i)));
    if (bad >= 0) {
      const f = target.files[bad];
      return refused(
        'changed',
        `${f.path} changed since the fix (was ${shortSha(f.sha256After)}, now ${shortSha(current[bad])}); not undoing`,
        warnings,
      );
    }
  }

  // Read and check every backup first, so one bad backup cannot leave us half-undone.
  const toRestore = target.files.filter((_, i) => isAfter(i) && !isBefore(i));
  try {
    for (const file of toRestore) if (file.existed) await readBackupBytes(host, file);
  } catch (err) {
    return refused('restore', `${oneLine(errorText(err))}; nothing was undone`, warnings);
  }

  const problems: string[] = [];
  const restored: string[] = [];
  for (const file of toRestore) {
    try {
      await restoreOriginal(host, file);
      restored.push(file.path);
    } catch (err) {
      problems.push(`restoring ${file.path} failed: ${oneLine(errorText(err))}`);
    }
  }

  const record: UndoRecord = {
    id: newJournalId(host.now()),
    at: host.now().toISOString(),
    user: host.user,
    sshConnection: (await host.sshConnection())?.value ?? null,
    action: 'undo',
    of: target.id,
    files: [],
    outcome: problems.length === 0 ? 'undone' : 'undo-failed',
    ...(problems.length > 0 ? { message: problems.join('; ') } : {}),
  };
  for (const [i, file] of target.files.entries()) {
    let after: string | null = null;
    try {
      after = await currentShaOf(host, file);
    } catch {
      after = null;
    }
    record.files.push({ path: file.path, sha256Before: current[i], sha256After: after });
  }
  try {
    await appendJournal(host, stateDir, record);
  } catch (err) {
    warnings.push(`journal: could not record the undo (${oneLine(errorText(err))})`);
  }

  if (problems.length > 0) {
    const backupDir = target.files.find((f) => f.backup)?.backup?.replace(/\/[^/]*$/, '') ?? stateDir;
    return refused(
      'restore',
      `UNDO INCOMPLETE for ${target.id}: ${problems.join('; ')}. Originals are in ${backupDir}; ` +
        `run hardtop undo ${target.id} again or restore by hand`,
      warnings,
    );
  }
  const what = restored.length > 0 ? `restored ${restored.join(', ')}` : 'files already matched the backup';
  return {
    ok: true,
    journalId: record.id,
    of: target.id,
    fixId: target.fixId,
    restored,
    commands: target.commands,
    undoCommands: target.undoCommands ?? [],
    message: `undid ${target.fixId} (${target.id}): ${what}`,
    warnings,
  };
}

function refused(stage: 'refused' | 'nothing' | 'changed' | 'restore', message: string, warnings: string[]): UndoOutcome {
  return { ok: false, stage, message, warnings };
}

function oneLine(text: string): string {
  const line = sanitizeText(text);
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
