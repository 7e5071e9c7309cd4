// Backups of the originals, taken before anything live changes.
//
// Layout: <stateDir>/backups/<journalId>/
//   <n>-<name>.orig   the original's exact bytes (0600)
//   <n>-<name>.json   sidecar {path, mode, uid, gid, existed, sha256}
//   manifest.json     every file (with the sha256 the fix will write) and the
//                     plan's commands; written LAST, so its presence means
//                     "this backup is complete and something may have changed".
// The manifest is what lets `undo` recover an apply that died before its
// journal line was written (see journal.ts, InterruptedApply).
//
// Everything goes through host.writeAtomic (temp file, fsync, rename, dir
// fsync), so a backup is durable before the first live write.

import { posix } from 'node:path';
import type { AtomicWriteStep, FileStat, Host } from '../host/host';
import type { FileEdit } from '../core/types';
import type { BackupManifest, JournalFile } from './journal';
import { backupDirOf, backupsRoot, sha256 } from './state';

/** What the engine read of a file just before backing it up. */
export interface Original {
  edit: FileEdit;
  /** Exact bytes, or null when the file does not exist. */
  bytes: Buffer | null;
  /** stat of the file (a regular file, symlinks followed under the root), or null when it does not exist. */
  stat: FileStat | null;
}

export interface Backup {
  id: string;
  dir: string;
  files: JournalFile[];
}

export interface BackupRequest {
  stateDir: string;
  id: string;
  at: string;
  user: string;
  sshConnection: string | null;
  fixId: string;
  originals: Original[];
  commands: string[][];
  undoCommands: string[][];
  /** Crash-injection seam, forwarded from writeAtomic with the file's name. */
  onAtomicStep?: (name: string, step: AtomicWriteStep) => void | Promise<void>;
}

export const PRIVATE_FILE_MODE = 0o600;

export async function backUpOriginals(host: Host, req: BackupRequest): Promise<Backup> {
  const dir = backupDirOf(req.stateDir, req.id);
  await host.ensurePrivateDir(backupsRoot(req.stateDir));
  await host.ensurePrivateDir(dir);

  const write = (name: string, data: string | Buffer) =>
    host.writeAtomic(posix.join(dir, name), data, {
      mode: PRIVATE_FILE_MODE,
      onStep: req.onAtomicStep ? (step) => req.onAtomicStep!(name, step) : undefined,
    });

  const files: JournalFile[] = [];
  for (const [index, original] of req.originals.entries()) {
    const { edit, bytes, stat } = original;
    const base = `${index}-${safeName(edit.path)}`;
    const sha256Before = bytes === null ? null : sha256(bytes);
    let backupPath: string | null = null;
    if (bytes !== null) {
      backupPath = posix.join(dir, `${base}.orig`);
      await write(`${base}.orig`, bytes);
    }
    const sidecar = {
      path: edit.path,
      mode: stat?.mode ?? null,
      uid: stat?.uid ?? null,
      gid: stat?.gid ?? null,
      existed: bytes !== null,
      sha256: sha256Before,
    };
    await write(`${base}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
    files.push({
      path: edit.path,
      existed: bytes !== null,
      sha256Before,
      sha256After: edit.delete ? null : sha256(edit.after),
      backup: backupPath,
      mode: stat?.mode ?? edit.mode ?? (edit.asUser ? NEW_USER_FILE_MODE : NEW_FILE_MODE),
      uid: stat?.uid ?? null,
      gid: stat?.gid ?? null,
      ...(edit.asUser ? { asUser: { ...edit.asUser } } : {}),
    });
  }

  const manifest: BackupManifest = {
    schema: 'hardtop.backup/1',
    id: req.id,
    at: req.at,
    user: req.user,
    sshConnection: req.sshConnection,
    fixId: req.fixId,
    files,
    commands: req.commands,
    undoCommands: req.undoCommands,
  };
  await write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return { id: req.id, dir, files };
}

export const NEW_FILE_MODE = 0o644;
/** A new file in a home (an authorized_keys file): private to its owner, as sshd prefers. */
export const NEW_USER_FILE_MODE = 0o600;

/**
 * The backed-up bytes of one file, checked against the recorded sha256: a
 * truncated or altered backup must never be written over a live config.
 */
export async function readBackupBytes(host: Host, file: JournalFile): Promise<Buffer> {
  if (!file.existed || file.backup === null || file.sha256Before === null) {
    throw new Error(`${file.path} did not exist before the fix; there are no bytes to restore`);
  }
  const bytes = await host.readBytes(file.backup);
  if (bytes === null) throw new Error(`backup ${file.backup} of ${file.path} is missing`);
  if (sha256(bytes) !== file.sha256Before) {
    throw new Error(`backup ${file.backup} of ${file.path} does not match its recorded sha256; not using it`);
  }
  return bytes;
}

/** A file name an admin can recognise in the backup dir, without path tricks. */
function safeName(path: string): string {
  const base = posix.basename(path).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  return base.slice(0, 80) || 'file';
}
