// Unified diffs for the fix preview (DESIGN.md: every fix shows its diff first).
//
// The output is the raw patch, byte-faithful to the file contents, so that it
// could be fed to `patch -p1`. It is NOT display-safe: a config file may hold
// control characters, so a screen shows it through sanitizeMultiline.

import { FILE_HEADERS_ONLY, createTwoFilesPatch, diffLines } from 'diff';

const CONTEXT_LINES = 3;

/** `a/etc/ssh/sshd_config` rather than `a//etc/…`, as git writes it. */
function side(prefix: 'a' | 'b', path: string): string {
  return `${prefix}/${path.replace(/^\/+/, '')}`;
}

/**
 * The unified diff of one file edit: `--- a/<path>` / `+++ b/<path>`
 * (`--- /dev/null` when the file is new), 3 lines of context.
 * Empty string when nothing changes.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(
    before === null ? '/dev/null' : side('a', path),
    side('b', path),
    before ?? '',
    after,
    undefined,
    undefined,
    { context: CONTEXT_LINES, headerOptions: FILE_HEADERS_ONLY },
  );
}

export interface DiffStats {
  added: number;
  removed: number;
}

/** Lines added and removed, for a "+N −M" badge next to the file name. */
export function diffStats(before: string | null, after: string): DiffStats {
  let added = 0;
  let removed = 0;
  if (before === after) return { added, removed };
  for (const part of diffLines(before ?? '', after)) {
    if (part.added) added += part.count ?? 0;
    else if (part.removed) removed += part.count ?? 0;
  }
  return { added, removed };
}

/** "+N −M" (with a real minus sign). */
export function formatDiffStats(stats: DiffStats): string {
  return `+${stats.added} \u2212${stats.removed}`;
}
