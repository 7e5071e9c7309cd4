// Putting an original back: shared by rollback (engine.ts) and undo (undo.ts).

import type { AtomicWriteStep, Host } from '../host/host';
import type { FileOwner } from '../core/types';
import { readBackupBytes } from './backup';
import type { JournalFile } from './journal';
import { sha256 } from './state';
import { readUserFile, removeAsUser, writeAsUser } from './user-files';

/** sha256 of a file's current bytes, or null when it does not exist. */
export async function currentSha(host: Host, path: string): Promise<string | null> {
  const bytes = await host.readBytes(path);
  return bytes === null ? null : sha256(bytes);
}

/** The same for a file the fix handles as `asUser` (in a home): read without following links there. */
export async function currentShaOf(host: Host, file: { path: string; asUser?: FileOwner }): Promise<string | null> {
  if (!file.asUser) return currentSha(host, file.path);
  const r = await readUserFile(host, file.asUser, file.path);
  return r === null ? null : sha256(r.bytes);
}

/**
 * Restore one file to its state before the fix: the exact backed-up bytes with
 * the original owner and mode, or no file at all when the fix created it.
 * Atomic like any other write, so a crash here leaves old or new, never torn.
 * A file in a home is restored as its owner (user-files.ts), never as root.
 */
export async function restoreOriginal(
  host: Host,
  file: JournalFile,
  onStep?: (step: AtomicWriteStep) => void | Promise<void>,
): Promise<void> {
  if (file.asUser) {
    if (!file.existed) return removeAsUser(host, file.asUser, file.path);
    const bytes = await readBackupBytes(host, file);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error(`backup of ${file.path} is not UTF-8 text; restore it by hand`);
    return writeAsUser(host, file.asUser, file.path, text, file.mode);
  }
  if (!file.existed) {
    if ((await host.lstat(file.path)) !== null) await host.remove(file.path);
    return;
  }
  const bytes = await readBackupBytes(host, file);
  await host.writeAtomic(file.path, bytes, {
    mode: file.mode,
    uid: file.uid ?? undefined,
    gid: file.gid ?? undefined,
    onStep,
  });
}
