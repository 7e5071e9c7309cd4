// Putting an original back: shared by rollback (engine.ts) and undo (undo.ts).

import type { AtomicWriteStep, Host } from '../host/host';
import { readBackupBytes } from './backup';
import type { JournalFile } from './journal';
import { sha256 } from './state';

/** sha256 of a file's current bytes, or null when it does not exist. */
export async function currentSha(host: Host, path: string): Promise<string | null> {
  const bytes = await host.readBytes(path);
  return bytes === null ? null : sha256(bytes);
}

/**
 * Restore one file to its state before the fix: the exact backed-up bytes with
 * the original owner and mode, or no file at all when the fix created it.
 * Atomic like any other write, so a crash here leaves old or new, never torn.
 */
export async function restoreOriginal(
  host: Host,
  file: JournalFile,
  onStep?: (step: AtomicWriteStep) => void | Promise<void>,
): Promise<void> {
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
