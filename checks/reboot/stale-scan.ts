// Which running processes still run code from a deleted file (what
// needrestart reports): every /proc/PID/maps, read through the Host, on the
// live system only. Bounded: at most maxProcesses processes and budgetMs of
// wall time (a partial scan says so), a few reads at a time, and only the
// processes with a " (deleted)" mapping get their comm and cgroup read.
//
// What the Host cannot give us, and so is not done: comparing a mapping's
// inode with the file now at its path (needrestart's second test) needs
// `ino` and `dev` in FileStat, which the Host does not expose. A package
// upgrade is still caught: dpkg renames the new file over the old one, so the
// old inode is unlinked and the kernel marks the mapping " (deleted)". Only a
// file rewritten in place (same inode; dpkg never does that) or a process in
// another mount namespace (a container, whose paths are not ours) is missed.
// Nor is /proc/PID/exe read (no readlink in the Host): the program's own
// executable mapping shows up in maps like any library.

import type { Host } from '../../src/host/host';
import { cgroupOwner, parseProcMaps, staleCodeMappings, type CgroupOwner, type StaleMappingRules } from '../../src/parse/proc-maps';

/** A big JVM's maps can run to a few MB; more than this is not a process we can judge. */
const MAPS_MAX_BYTES = 32 * 1024 * 1024;
const CONCURRENCY = 16;

export interface StaleProcess {
  pid: number;
  /** The kernel's short process name (/proc/PID/comm): untrusted text. */
  comm: string;
  owner: CgroupOwner;
  /** Deleted files it runs code from, as paths (without " (deleted)"). */
  files: string[];
}

export interface ProcScan {
  /** Processes whose maps were read. */
  scanned: number;
  /** Processes we were not allowed to look at (not root). */
  unreadable: number;
  /** Processes left out because a bound was reached. */
  skipped: number;
  stale: StaleProcess[];
  elapsedMs: number;
}

export interface ScanLimits extends StaleMappingRules {
  maxProcesses: number;
  budgetMs: number;
}

async function readSmall(host: Host, path: string): Promise<string | null> {
  try {
    const r = await host.read(path, { maxBytes: 64 * 1024 });
    return r.ok ? r.text : null;
  } catch {
    return null;
  }
}

type Outcome = { kind: 'gone' } | { kind: 'denied' } | { kind: 'clean' } | { kind: 'stale'; process: StaleProcess };

async function scanOne(host: Host, pid: number, rules: StaleMappingRules): Promise<Outcome> {
  let maps;
  try {
    maps = await host.read(`/proc/${pid}/maps`, { maxBytes: MAPS_MAX_BYTES });
  } catch {
    return { kind: 'gone' };
  }
  if (!maps.ok) return maps.reason === 'denied' ? { kind: 'denied' } : { kind: 'gone' };
  // Most processes have nothing deleted: skip the parse for them.
  if (!maps.text.includes(' (deleted)')) return { kind: 'clean' };
  const files = staleCodeMappings(parseProcMaps(maps.text), rules);
  if (files.length === 0) return { kind: 'clean' };
  const [comm, cgroup] = await Promise.all([readSmall(host, `/proc/${pid}/comm`), readSmall(host, `/proc/${pid}/cgroup`)]);
  return { kind: 'stale', process: { pid, comm: (comm ?? '').trim() || `pid ${pid}`, owner: cgroup === null ? { kind: 'none' } : cgroupOwner(cgroup), files } };
}

/** Scan /proc of the host (the live root only: the caller checks host.root). Never throws. */
export async function scanProcesses(host: Host, limits: ScanLimits): Promise<ProcScan> {
  const started = Date.now();
  const names = (await host.list('/proc').catch(() => null)) ?? [];
  const pids = names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const bounded = pids.slice(0, limits.maxProcesses);
  const result: ProcScan = { scanned: 0, unreadable: 0, skipped: pids.length - bounded.length, stale: [], elapsedMs: 0 };

  let next = 0;
  const worker = async () => {
    while (next < bounded.length) {
      if (Date.now() - started > limits.budgetMs) {
        result.skipped += bounded.length - next;
        next = bounded.length;
        return;
      }
      const pid = bounded[next++];
      const outcome = await scanOne(host, pid, limits);
      if (outcome.kind === 'gone') continue; // exited while we looked
      if (outcome.kind === 'denied') {
        result.unreadable++;
        continue;
      }
      result.scanned++;
      if (outcome.kind === 'stale') result.stale.push(outcome.process);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  result.stale.sort((a, b) => a.pid - b.pid);
  result.elapsedMs = Date.now() - started;
  return result;
}

export type GroupKind = 'service' | 'user-service' | 'session' | 'init' | 'scope' | 'process';

/** Stale processes of one unit (or, without a unit, of one program name). */
export interface StaleGroup {
  subject: string;
  kind: GroupKind;
  /** The systemd unit, when there is one. */
  unit: string | null;
  processes: StaleProcess[];
  /** Every deleted file the group's processes map, once. */
  files: string[];
}

function keyOf(p: StaleProcess): { subject: string; kind: GroupKind; unit: string | null } {
  const o = p.owner;
  switch (o.kind) {
    case 'service':
    case 'session':
    case 'init':
    case 'scope':
      return { subject: o.unit, kind: o.kind, unit: o.unit };
    case 'user-service':
      return { subject: `${o.manager}/${o.unit}`, kind: 'user-service', unit: o.unit };
    case 'none':
      return { subject: p.comm, kind: 'process', unit: null };
  }
}

const KIND_ORDER: GroupKind[] = ['service', 'init', 'scope', 'session', 'user-service', 'process'];

export function groupStale(processes: readonly StaleProcess[]): StaleGroup[] {
  const groups = new Map<string, StaleGroup>();
  for (const p of processes) {
    const k = keyOf(p);
    const id = `${k.kind}\0${k.subject}`;
    let g = groups.get(id);
    if (!g) {
      g = { ...k, processes: [], files: [] };
      groups.set(id, g);
    }
    g.processes.push(p);
    for (const f of p.files) if (!g.files.includes(f)) g.files.push(f);
  }
  return [...groups.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
