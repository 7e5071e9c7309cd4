// /proc/PID/maps and /proc/PID/cgroup (proc(5)), pure.
//
// maps: one mapping a line, "start-end perms offset dev inode   path". The
// kernel appends " (deleted)" to the path of a file that was unlinked after it
// was mapped: that is what a package upgrade leaves behind, because dpkg
// renames the new file over the old one, so the running process keeps the old
// inode. cgroup: which systemd unit a process belongs to, from the path of its
// cgroup (v2 "0::/system.slice/ssh.service", or v1's name=systemd hierarchy).

export interface MapEntry {
  perms: string;
  /** "fd:01": major:minor in hex, as the kernel prints it. */
  dev: string;
  inode: number;
  /** The path without the " (deleted)" suffix; '' for anonymous memory. */
  path: string;
  deleted: boolean;
}

const MAPS_LINE = /^[0-9a-f]+-[0-9a-f]+\s+(\S{4})\s+[0-9a-f]+\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)(?:\s+(.*))?$/;
const DELETED = ' (deleted)';

/** Never throws; lines that do not have the kernel's shape are skipped (the file is the kernel's, not a user's). */
export function parseProcMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = MAPS_LINE.exec(line);
    if (!m) continue;
    let path = m[4] ?? '';
    const deleted = path.endsWith(DELETED);
    if (deleted) path = path.slice(0, -DELETED.length);
    out.push({ perms: m[1], dev: m[2], inode: Number(m[3]), path, deleted });
  }
  return out;
}

export interface StaleMappingRules {
  /** Path prefixes that are never files on disk or never code worth a restart (/memfd:, /dev/, /SYSV …). */
  ignorePrefixes: readonly string[];
  /** Regular expressions (source text) for further paths to ignore (JIT scratch files). */
  ignorePatterns: readonly string[];
}

/**
 * The deleted files a process still runs code from: executable mappings
 * (libraries and the program itself; as needrestart does, only +x mappings
 * count, so a replaced locale archive or font cache does not) of a real file
 * (inode ≠ 0) that is gone from its path. Each path once, in map order.
 */
export function staleCodeMappings(entries: readonly MapEntry[], rules: StaleMappingRules): string[] {
  const patterns = rules.ignorePatterns.map((p) => new RegExp(p));
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e.deleted || e.inode === 0 || !e.perms.includes('x') || !e.path.startsWith('/')) continue;
    if (rules.ignorePrefixes.some((p) => e.path.startsWith(p))) continue;
    if (patterns.some((re) => re.test(e.path))) continue;
    seen.add(e.path);
  }
  return [...seen];
}

export type CgroupOwner =
  /** A system service: `systemctl restart` applies. */
  | { kind: 'service'; unit: string }
  /** A service of a user's own systemd (user@UID.service/…): not the system's to restart. */
  | { kind: 'user-service'; manager: string; unit: string }
  /** A login session (session-N.scope): the user logs out and in again. */
  | { kind: 'session'; unit: string }
  /** PID 1's own cgroup. */
  | { kind: 'init'; unit: 'init.scope' }
  /** Another scope (a container, a transient systemd-run scope). */
  | { kind: 'scope'; unit: string }
  /** No systemd unit (no systemd, or the root cgroup). */
  | { kind: 'none' };

/** The cgroup path systemd manages: the v2 line ("0::…"), else v1's name=systemd hierarchy. */
export function systemdCgroupPath(text: string): string | null {
  let v1: string | null = null;
  let v2: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2 = m[3];
    else if (m[2].split(',').includes('name=systemd')) v1 = m[3];
  }
  // On a hybrid hierarchy both exist; name=systemd is the one systemd places units in.
  return v1 ?? v2;
}

function isUnit(component: string): boolean {
  return component.endsWith('.service') || component.endsWith('.scope');
}

export function cgroupOwner(text: string): CgroupOwner {
  const path = systemdCgroupPath(text);
  if (path === null) return { kind: 'none' };
  const parts = path.split('/').filter((p) => p !== '');
  const manager = parts.findIndex((p) => /^user@\d+\.service$/.test(p));
  if (manager !== -1) {
    const inner = parts.slice(manager + 1).find(isUnit);
    return { kind: 'user-service', manager: parts[manager], unit: inner ?? parts[manager] };
  }
  // The outermost unit: anything below it is a sub-cgroup the service made itself (Delegate=yes).
  const unit = parts.find(isUnit);
  if (!unit) return { kind: 'none' };
  if (unit === 'init.scope') return { kind: 'init', unit };
  if (/^session-[^/]+\.scope$/.test(unit)) return { kind: 'session', unit };
  if (unit.endsWith('.scope')) return { kind: 'scope', unit };
  return { kind: 'service', unit };
}
