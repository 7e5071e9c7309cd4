// A read-only view of a Host in which some FileEdits have been made, for
// planning fixes one after the other: a fix planned after another sees the
// files as the earlier one leaves them (rkhunter.apt-autogen and
// rkhunter.schedule both rewrite /etc/default/rkhunter). Reads, stats,
// listings and globs show the edits; everything else, writes and exec
// included, goes to the real host. Nothing is written.

import type { FileEdit } from '../core/types';
import type { FileStat, Host, ReadResult } from '../host/host';
import { expandGlob } from '../host/glob';
import { hostBasename, hostDirname, normaliseHostPath } from '../host/host-paths';

export function overlayHost(host: Host, edits: readonly FileEdit[]): Host {
  if (edits.length === 0) return host;
  const byPath = new Map<string, FileEdit>();
  for (const e of edits) byPath.set(normaliseHostPath(e.path), e); // the last edit of a path wins
  const edited = (path: string): FileEdit | undefined => {
    try {
      return byPath.get(normaliseHostPath(path));
    } catch {
      return undefined;
    }
  };
  const statOf = (e: FileEdit): FileStat => ({ kind: 'file', size: Buffer.byteLength(e.after), mode: e.mode ?? 0o644, uid: 0, gid: 0, mtimeMs: host.now().getTime() });
  const list = async (dir: string): Promise<string[] | null> => {
    const names = await host.list(dir);
    const d = normaliseHostPath(dir);
    const inDir = [...byPath.entries()].filter(([p]) => p !== '/' && hostDirname(p) === d);
    const removed = new Set(inDir.filter(([, e]) => e.delete).map(([p]) => hostBasename(p)));
    const added = inDir.filter(([, e]) => !e.delete).map(([p]) => hostBasename(p));
    if (names === null) return added.length > 0 ? added.sort() : null;
    return [...new Set([...names.filter((n) => !removed.has(n)), ...added])].sort();
  };
  const overrides: Partial<Host> = {
    async read(path, opts): Promise<ReadResult> {
      const e = edited(path);
      if (!e) return host.read(path, opts);
      if (e.delete) return { ok: false, reason: 'missing', message: `${path}: no such file` };
      return { ok: true, text: e.after, stat: statOf(e) };
    },
    async readText(path) {
      const e = edited(path);
      if (!e) return host.readText(path);
      return e.delete ? null : e.after;
    },
    async readBytes(path) {
      const e = edited(path);
      if (!e) return host.readBytes(path);
      return e.delete ? null : Buffer.from(e.after, 'utf8');
    },
    async stat(path) {
      const e = edited(path);
      if (!e) return host.stat(path);
      return e.delete ? null : statOf(e);
    },
    async lstat(path) {
      const e = edited(path);
      if (!e) return host.lstat(path);
      return e.delete ? null : statOf(e);
    },
    list,
    async glob(pattern) {
      return expandGlob(pattern, {
        list,
        exists: async (p) => {
          const e = edited(p);
          if (e) return !e.delete;
          return (await host.lstat(p).catch(() => null)) !== null;
        },
      });
    },
  };
  return new Proxy(host, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Host];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
