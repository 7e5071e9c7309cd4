// Live refresh: tell the scheduler when a watched host path changes.
//
// We watch the PARENT directory and filter by name rather than the file
// itself: editors and our own atomic writes replace a file by rename, and an
// inotify watch on the old inode would go silent after the first save. It
// also covers files that do not exist yet. A directory path is watched itself
// as well (a new file in sshd_config.d). For a symlink (sites-enabled/x) both
// the link's place and the target's place are watched.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Watch } from './host';
import { normaliseHostPath } from './host-paths';
import type { PathResolver } from './rooted-resolve';

export const WATCH_DEBOUNCE_MS = 100;
/**
 * Longest a change waits while events keep coming. A plain debounce restarts
 * on every event, so a log written more often than every 100 ms (a
 * brute-force flood at 10,000 lines/s) would never refresh until the flood
 * stopped — exactly when the admin is watching it.
 */
export const WATCH_MAX_WAIT_MS = 250;

export function watchPaths(
  resolver: PathResolver,
  paths: string[],
  onChange: (path: string) => void,
  debounceMs = WATCH_DEBOUNCE_MS,
  maxWaitMs = WATCH_MAX_WAIT_MS,
): Watch {
  const watchers: fs.FSWatcher[] = [];
  /** Per host path: the pending callback and when its first unreported event came. */
  const pending = new Map<string, { timer: NodeJS.Timeout; firstAt: number }>();
  let disposed = false;

  // Trailing debounce with a max wait: fire `debounceMs` after the last event,
  // but never later than `maxWaitMs` after the first unreported one. After a
  // fire the next event opens a new window, so a flood gives one callback per
  // ~maxWaitMs and a last one after it ends.
  const fire = (hostPath: string): void => {
    if (disposed) return;
    const now = Date.now();
    const was = pending.get(hostPath);
    if (was) clearTimeout(was.timer);
    const firstAt = was?.firstAt ?? now;
    const delay = Math.max(0, Math.min(debounceMs, firstAt + maxWaitMs - now));
    pending.set(hostPath, {
      firstAt,
      timer: setTimeout(() => {
        pending.delete(hostPath);
        if (!disposed) onChange(hostPath);
      }, delay),
    });
  };

  const add = (real: string, filterName: string | null, hostPath: string): void => {
    if (disposed) return;
    try {
      const w = fs.watch(real, (_event, name) => {
        if (filterName === null || name === null || name === filterName) fire(hostPath);
      });
      // A watched directory that disappears reports an error: stop quietly, never throw.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // Missing or unwatchable: the check's interval is the safety net.
    }
  };

  const setUp = async (given: string): Promise<void> => {
    let hostPath: string;
    try {
      hostPath = normaliseHostPath(given);
    } catch {
      return;
    }
    const places = new Set<string>();
    for (const follow of [false, true]) {
      try {
        places.add(await resolver.resolveLinks(hostPath, follow));
      } catch {
        // A link loop: nothing sensible to watch there.
      }
    }
    for (const real of places) {
      if (real !== '/') add(path.dirname(real), path.basename(real), given);
      const st = await fs.promises.lstat(real).catch(() => null);
      if (st?.isDirectory()) add(real, null, given);
    }
  };

  const ready = Promise.all(paths.map((p) => setUp(p).catch(() => undefined))).then(() => undefined);

  return {
    ready,
    dispose(): void {
      disposed = true;
      for (const w of watchers.splice(0)) w.close();
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
    },
  };
}
