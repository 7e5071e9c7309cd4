// The fix engine: the only code in hardtop that changes the machine on
// purpose. DESIGN.md "Fix engine contract" is the spec; the order below is
// chosen so that at every instant the machine is in a state we can explain
// and undo:
//
//   refuse? → stale? → back up (durable) → validate on a staged copy →
//   write (atomic, one file at a time) → commands → verify → journal
//
// Nothing live changes before the backup is on disk and the new config has
// passed its own checker. After the first live write, any failure rolls back.
// A crash at any point leaves each file old or new (writeAtomic renames), and
// the backup manifest lets `undo` finish the job if the journal line is missing.

import type { Host } from '../host/host';
import type { Command, FileEdit, Plan } from '../core/types';
import { sanitizeText } from '../core/sanitize';
import { backUpOriginals, NEW_FILE_MODE, type Backup, type Original } from './backup';
import { readUserFile, removeAsUser, writeAsUser } from './user-files';
import { runPlanCommand, type CommandRunner } from './commands';
import { appendJournal, type ApplyRecord, type ApplyRecordOutcome, type JournalFile } from './journal';
import { currentShaOf, restoreOriginal } from './restore';
import { backupDirOf, DEFAULT_STATE_DIR, errorText, newJournalId, READ_ONLY_REASON, shortSha } from './state';
import { validateOnStagedCopy } from './validate';

// Re-exported: callers (the CLI) read the read-only reason from the engine.
export { READ_ONLY_REASON } from './state';

export type ApplyStage = 'refused' | 'stale' | 'backup' | 'validate' | 'write' | 'command' | 'verify';

export type ApplyOutcome =
  | {
      ok: true;
      journalId: string;
      /** Host paths that were rewritten, created or removed. */
      changed: string[];
      /** Non-fatal trouble after success (e.g. the journal line could not be written). */
      warnings: string[];
    }
  | {
      ok: false;
      stage: ApplyStage;
      /** One line; names the file or command. */
      message: string;
      /** true when every file is back to its original bytes (or nothing was written). */
      rolledBack: boolean;
      journalId?: string;
    };

export interface ApplyOptions {
  /** Host path of the state dir (backups, journal). */
  stateDir?: string;
  /** Runs plan.commands; interactive ones go to the embedded terminal. Default: host.exec. */
  runCommand?: CommandRunner;
  /** Runs after the commands (typically: re-run the owning checks). Not ok → roll back. */
  verify?: () => Promise<{ ok: boolean; summary: string }>;
  /** Crash-injection seam: awaited between every two steps. */
  hooks?: { onStep?(step: string): void | Promise<void> };
  /**
   * Aborted by a signal (SIGINT/SIGTERM/SIGHUP, the SSH session dropping):
   * the apply stops at the next step boundary — a running command is killed —
   * and rolls back, instead of leaving the new config live and unjournaled.
   */
  signal?: AbortSignal;
  /**
   * Called once, after the backup is durable and validation passed, right
   * before the first live write, with the apply's journal id. Throwing stops
   * the apply with nothing changed (journaled as not-applied). Commit-confirmed
   * arms its automatic revert here, so that there is no instant at which the
   * new config is live and nothing would revert it.
   */
  beforeLiveChange?: (journalId: string) => Promise<void>;
}

export async function applyPlan(host: Host, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyOutcome> {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const hook = async (name: string) => {
    await opts.hooks?.onStep?.(name);
  };
  // Forward steps also stop when the apply was aborted; rollback steps only
  // call the hook (an abort must never interrupt the rollback itself).
  const step = async (name: string) => {
    await hook(name);
    if (opts.signal?.aborted) throw new Error(`interrupted (${String(opts.signal.reason ?? 'signal')}) at ${name}`);
  };

  // 1. Refuse early: nothing is read or created for a plan we will not apply.
  const refusal = refusalReason(host, plan);
  if (refusal) return notApplied('refused', refusal);
  try {
    await step('refused-check');

    // 2. Optimistic concurrency: the admin approved a diff against exact text.
    const read = await readOriginals(host, plan.edits);
    if (!read.ok) return notApplied(read.stage, read.message);
    await step('stale-checked');

    // 3. The state dir must be private BEFORE we trust it with backups that
    //    root will later copy over /etc: refuse a dir others could write.
    try {
      await host.ensurePrivateDir(stateDir);
    } catch (err) {
      return notApplied('refused', `state dir ${stateDir} is not usable: ${oneLine(errorText(err))}; nothing was changed`);
    }
    return await applyFromBackup(host, plan, read.originals, stateDir, opts, step, hook);
  } catch (err) {
    // Only a throwing hook or a Host bug gets here, and always before the first
    // live write (later stages catch their own errors and roll back).
    return notApplied('refused', `apply stopped before changing anything: ${oneLine(errorText(err))}`);
  }
}

async function applyFromBackup(
  host: Host,
  plan: Plan,
  originals: Original[],
  stateDir: string,
  opts: ApplyOptions,
  step: (name: string) => Promise<void>,
  hook: (name: string) => Promise<void>,
): Promise<ApplyOutcome> {
  const now = host.now();
  let journalId = newJournalId(now);
  // Never reuse a backup dir: writing into another apply's backup would
  // destroy the only copy of its originals. (A clash needs the same second
  // and the same 24 random bits; cheap to rule out anyway.)
  try {
    while ((await host.lstat(backupDirOf(stateDir, journalId))) !== null) journalId = newJournalId(now);
  } catch (err) {
    return notApplied('backup', `cannot inspect ${stateDir}/backups: ${oneLine(errorText(err))}; nothing was changed`);
  }
  const who = { at: now.toISOString(), user: host.user, sshConnection: (await host.sshConnection())?.value ?? null };
  // Only reloads are worth re-running after an undo; an install is not.
  const commandArgv = plan.commands.filter((c) => c.reload).map((c) => [...c.argv]);
  const undoArgv = (plan.undoCommands ?? []).map((c) => [...c.argv]);

  // 3. Backup, durable, before anything live changes.
  let backup: Backup;
  try {
    backup = await backUpOriginals(host, {
      stateDir,
      id: journalId,
      ...who,
      fixId: plan.fixId,
      originals,
      commands: commandArgv,
      undoCommands: undoArgv,
      onAtomicStep: (name, s) => step(`backup:${name}:${s}`),
    });
    await step('backed-up');
  } catch (err) {
    return notApplied(
      'backup',
      `backup to ${backupDirOf(stateDir, journalId)} failed: ${oneLine(errorText(err))}; nothing was changed`,
    );
  }

  const record = (outcome: ApplyRecordOutcome, stage?: ApplyStage, message?: string): ApplyRecord => ({
    id: journalId,
    ...who,
    fixId: plan.fixId,
    action: 'apply',
    files: backup.files,
    commands: commandArgv,
    ...(undoArgv.length ? { undoCommands: undoArgv } : {}),
    outcome,
    ...(stage ? { stage, message } : {}),
  });

  // 4. Validate on a staged copy; nothing live is touched on failure. The
  //    attempt is still journaled so the backup dir it left is accounted for.
  let validation;
  try {
    validation = await validateOnStagedCopy(host, plan.validate, plan.edits);
    if (validation.ok) await step('validated');
  } catch (err) {
    validation = { ok: false as const, message: `validation stopped: ${oneLine(errorText(err))}` };
  }
  if (!validation.ok) {
    const message = `${validation.message}; nothing was changed`;
    await appendJournal(host, stateDir, record('not-applied', 'validate', message)).catch(() => undefined);
    return { ok: false, stage: 'validate', message, rolledBack: false, journalId };
  }

  if (opts.beforeLiveChange) {
    try {
      await opts.beforeLiveChange(journalId);
    } catch (err) {
      const message = `${oneLine(errorText(err))}; nothing was changed`;
      await appendJournal(host, stateDir, record('not-applied', 'refused', message)).catch(() => undefined);
      return { ok: false, stage: 'refused', message, rolledBack: false, journalId };
    }
  }

  const rollBackWith = (stage: ApplyStage, message: string, touched: JournalFile[], started: Command[]) =>
    rollBack(host, { stage, message, touched, started, undoCommands: plan.undoCommands ?? [], backup, runner: opts.runCommand, step: hook }).then(
      async ({ rolledBack, message: full }) => {
        const outcome = rolledBack ? 'rolled-back' : 'rollback-failed';
        await appendJournal(host, stateDir, record(outcome, stage, full)).catch(() => undefined);
        return { ok: false as const, stage, message: full, rolledBack, journalId };
      },
    );

  // 5. Write, one file at a time.
  const touched: JournalFile[] = [];
  const changed: string[] = [];
  for (const [index, original] of originals.entries()) {
    const { edit, stat } = original;
    const file = backup.files[index];
    if (!edit.delete && edit.before === edit.after) continue; // nothing to write; keep the inode and mtime
    try {
      // Re-check right before the rename: shrinks the window in which a
      // concurrent edit (an admin in vi) could be silently overwritten.
      const sha = await currentShaOf(host, edit);
      if (sha !== file.sha256Before) {
        return await rollBackWith('stale', `${edit.path} changed during the apply; not overwriting it`, touched, []);
      }
      // Counted as touched before the write: a writeAtomic that fails after
      // its rename (dir fsync) has still changed the file.
      touched.push(file);
      const onStep = (s: string) => step(`write:${edit.path}:${s}`);
      if (edit.asUser) {
        // Into a home: as its owner, never as root (user-files.ts).
        if (edit.delete) await removeAsUser(host, edit.asUser, edit.path);
        else await writeAsUser(host, edit.asUser, edit.path, edit.after, file.mode);
        await onStep('renamed');
      } else if (edit.delete) {
        await host.remove(edit.path);
        await onStep('renamed');
      } else {
        await host.writeAtomic(
          edit.path,
          edit.after,
          stat ? { mode: stat.mode, uid: stat.uid, gid: stat.gid, onStep } : { mode: edit.mode ?? NEW_FILE_MODE, onStep },
        );
      }
      if ((await currentShaOf(host, edit)) !== file.sha256After) {
        throw new Error(edit.delete ? 'the file is still there after removing it' : 'the file reads back different from what was written');
      }
      changed.push(edit.path);
      await step(`written:${edit.path}`);
    } catch (err) {
      return await rollBackWith('write', `writing ${edit.path} failed: ${oneLine(errorText(err))}`, touched, []);
    }
  }

  // 6. Commands (reload, restart …), in order; the first failure rolls back.
  const started: Command[] = [];
  for (const command of plan.commands) {
    started.push(command);
    const failure = await runPlanCommand(host, command, opts.runCommand, opts.signal);
    if (failure) return await rollBackWith('command', failure, touched, started);
    if (opts.signal?.aborted) return await rollBackWith('command', `interrupted after ${command.describe}`, touched, started);
  }
  try {
    await step('commands-run');
  } catch (err) {
    return await rollBackWith('command', `stopped after the commands: ${oneLine(errorText(err))}`, touched, started);
  }

  // 7. Verify: the owning checks must now pass.
  if (opts.verify) {
    let verdict: { ok: boolean; summary: string };
    try {
      verdict = await opts.verify();
    } catch (err) {
      verdict = { ok: false, summary: errorText(err) };
    }
    if (!verdict.ok) {
      return await rollBackWith('verify', `verify failed: ${oneLine(verdict.summary)}`, touched, started);
    }
  }
  try {
    await step('verified');
  } catch (err) {
    return await rollBackWith('verify', `stopped after verify: ${oneLine(errorText(err))}`, touched, started);
  }

  // 8. Journal. The change is live and verified; if the journal line cannot be
  //    written (a full /var) we do not undo a good fix for it: the backup
  //    manifest still records it, and `undo` finds it as an interrupted apply.
  const warnings: string[] = [];
  try {
    await appendJournal(host, stateDir, record('applied'));
  } catch (err) {
    warnings.push(
      `journal: could not append to ${stateDir}/journal.jsonl (${oneLine(errorText(err))}); ` +
        `the backup manifest in ${backup.dir} still allows undo ${journalId}`,
    );
  }
  await step('journaled').catch(() => undefined);
  return { ok: true, journalId, changed, warnings };
}

/** Why this plan must not be applied at all, or null. */
function refusalReason(host: Host, plan: Plan): string | null {
  if (!host.isRoot) return READ_ONLY_REASON;
  if (plan.guard && !plan.guard.ok) return `refused by guard: ${oneLine(plan.guard.reason)}`;
  const seen = new Set<string>();
  for (const edit of plan.edits) {
    if (!edit.path.startsWith('/')) return `plan edits a relative path ${JSON.stringify(edit.path)}; refusing`;
    if (edit.delete && edit.before === null) return `plan removes ${edit.path} but did not see it exist; refusing`;
    if (edit.asUser) {
      const home = edit.asUser.home.replace(/\/+$/, '');
      if (!(edit.asUser.uid > 0) || !edit.path.startsWith(`${home}/`) || edit.path.split('/').includes('..')) {
        return `plan writes ${edit.path} as ${edit.asUser.name} outside that account's home ${edit.asUser.home}; refusing`;
      }
    }
    // Two edits of one file would make backup and rollback ambiguous.
    if (seen.has(edit.path)) return `plan edits ${edit.path} twice; refusing`;
    seen.add(edit.path);
  }
  return null;
}

type ReadOriginals = { ok: true; originals: Original[] } | { ok: false; stage: ApplyStage; message: string };

/** Each target's exact bytes, checked against what the preview showed. */
async function readOriginals(host: Host, edits: FileEdit[]): Promise<ReadOriginals> {
  const originals: Original[] = [];
  for (const edit of edits) {
    let stat;
    let bytes;
    try {
      if (edit.asUser) {
        // In a home: never follow a link there (the read refuses links,
        // FIFOs, hard links), and only a file the account itself owns.
        const r = await readUserFile(host, edit.asUser, edit.path);
        stat = r?.stat ?? null;
        bytes = r?.bytes ?? null;
        if (stat && stat.uid !== edit.asUser.uid) {
          return refused(`${edit.path} is owned by uid ${stat.uid}, not ${edit.asUser.name}: hardtop writes into a home only as the file's owner`);
        }
      } else {
        // stat, not lstat: like host.writeAtomic we follow a symlink (under the
        // root) to the file it names, so sites-enabled/default → sites-available
        // edits the real file and keeps the link; its owner and mode are kept.
        stat = await host.stat(edit.path);
        if (stat && stat.kind !== 'file') return refused(`${edit.path} is a ${stat.kind}, not a regular file`);
        // Removing a symlink would keep (and back up) what it points to, and
        // undo would put back a file where the link was: refuse instead.
        if (edit.delete && (await host.lstat(edit.path))?.kind === 'symlink') return refused(`${edit.path} is a symlink; not removing it`);
        bytes = await host.readBytes(edit.path);
      }
    } catch (err) {
      return refused(`cannot read ${edit.path}: ${oneLine(errorText(err))}`);
    }
    if ((stat === null) !== (bytes === null)) return stale(`${edit.path} changed while it was being read`);
    if (edit.before === null) {
      if (bytes !== null) return stale(`${edit.path} was created since the preview; not overwriting it`);
    } else if (bytes === null) {
      return stale(`${edit.path} was removed since the preview`);
    } else if (!bytes.equals(Buffer.from(edit.before, 'utf8'))) {
      // Same text but different bytes: the file is not valid UTF-8, and
      // writing the plan's text back would silently replace those bytes.
      if (bytes.toString('utf8') === edit.before) {
        return refused(`${edit.path} is not valid UTF-8; rewriting it would alter bytes outside the change`);
      }
      return stale(`${edit.path} changed since the preview; preview again`);
    }
    originals.push({ edit, bytes, stat });
  }
  return { ok: true, originals };
}

function refused(message: string): ReadOriginals {
  return { ok: false, stage: 'refused', message };
}

function stale(message: string): ReadOriginals {
  return { ok: false, stage: 'stale', message };
}

function notApplied(stage: ApplyStage, message: string): ApplyOutcome {
  return { ok: false, stage, message, rolledBack: false };
}

interface RollbackRequest {
  stage: ApplyStage;
  message: string;
  /** Files the apply may have changed, in write order. */
  touched: JournalFile[];
  /** Commands that were started (they may have loaded the new config). */
  started: Command[];
  /** The plan's undo commands: run once any command had started. */
  undoCommands: Command[];
  backup: Backup;
  runner?: CommandRunner;
  step: (name: string) => Promise<void>;
}

/**
 * Put every touched file back, then (only if every file is back and at least
 * one was actually restored) re-run the started commands marked `reload`, so
 * the services load the restored config again. Other commands (an install)
 * are one-way and are not repeated. We do NOT re-run when a restore failed: reloading a
 * half-restored config tree could break a service that is still running fine.
 */
async function rollBack(host: Host, req: RollbackRequest): Promise<{ rolledBack: boolean; message: string }> {
  const problems: string[] = [];
  let restoredAny = false;
  for (const file of [...req.touched].reverse()) {
    try {
      const sha = await currentShaOf(host, file);
      if (sha === file.sha256Before) continue; // the write never landed
      if (sha !== file.sha256After) {
        // Neither ours nor the original: someone else wrote it. Never clobber.
        problems.push(`${file.path} was changed by someone else during the apply (now ${shortSha(sha)}); left as it is`);
        continue;
      }
      await restoreOriginal(host, file, (s) => req.step(`rollback:${file.path}:${s}`));
      restoredAny = true;
      await req.step(`restored:${file.path}`);
    } catch (err) {
      problems.push(`restoring ${file.path} failed: ${oneLine(errorText(err))}`);
    }
  }
  if (problems.length > 0) {
    return {
      rolledBack: false,
      message:
        `${req.message}; ROLLBACK FAILED: ${problems.join('; ')}. ` +
        `Originals are in ${req.backup.dir} (restore by hand, or run hardtop undo ${req.backup.id})`,
    };
  }
  // What the commands did beyond the files: taken back by the plan's undo
  // commands, or — for a one-way command with none (certbot renew) — said plainly.
  const undoFailures: string[] = [];
  if (req.started.length > 0) {
    for (const command of req.undoCommands) {
      const failure = await runPlanCommand(host, command, req.runner);
      if (failure) undoFailures.push(failure);
    }
  }
  const oneWay = req.undoCommands.length === 0 ? req.started.filter((c) => !c.reload) : [];
  const rerunFailures: string[] = [];
  if (restoredAny || req.undoCommands.length > 0) {
    for (const command of req.started.filter((c) => c.reload)) {
      const failure = await runPlanCommand(host, command, req.runner);
      if (failure) rerunFailures.push(failure);
    }
  }
  await req.step('rolled-back').catch(() => undefined);
  const notes: string[] = [];
  if (undoFailures.length) notes.push(`taking back the commands failed: ${undoFailures.join('; ')}`);
  if (oneWay.length) notes.push(`what ${oneWay.map((c) => `\`${c.argv.join(' ')}\``).join(', ')} did cannot be taken back`);
  if (rerunFailures.length) notes.push(`files restored, but re-running after the restore failed: ${rerunFailures.join('; ')} (the service may not be running the restored config)`);
  return { rolledBack: true, message: `${req.message}; files rolled back${notes.length ? `; ${notes.join('; ')}` : ''}` };
}

function oneLine(text: string): string {
  const line = sanitizeText(text);
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
