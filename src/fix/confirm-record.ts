// The pending commit-confirmed change: <stateDir>/pending-confirm.json (0600,
// in the private state dir). It is the ONE source of truth shared by the
// process that applied the change, the reverter (a systemd timer or a
// detached process) and `hardtop confirm`: while it exists, the change
// reverts at `deadline` unless confirmed.

import { posix } from 'node:path';
import type { Host } from '../host/host';
import { errorText, isJournalId } from './state';

export const PENDING_SCHEMA = 'hardtop.pending-confirm/1';

export type Reverter = { kind: 'systemd'; unit: string } | { kind: 'process'; pid: number };

export interface SessionId {
  /** SSH_CONNECTION ("client-ip client-port server-ip server-port"), null when not known. */
  sshConnection: string | null;
  /** The kernel's audit session id (/proc/self/sessionid): one per login, survives sudo. */
  sessionId: string | null;
  user: string;
}

export interface PendingRecord {
  schema: typeof PENDING_SCHEMA;
  journalId: string;
  fixId: string;
  /** One-time token: the reverter acts only on the record it was started for. */
  token: string;
  createdAt: string;
  /** When the change reverts (ISO). */
  deadline: string;
  windowSeconds: number;
  /** applying: the apply is in flight; applied: waiting for confirmation; revert-failed: the revert could not finish. */
  phase: 'applying' | 'applied' | 'revert-failed';
  applier: SessionId & { pid: number };
  /** /proc/sys/kernel/random/boot_id when applied: a different one means the box rebooted. */
  bootId: string | null;
  reverter: Reverter | null;
  message?: string;
}

export function pendingPath(stateDir: string): string {
  return posix.join(stateDir, 'pending-confirm.json');
}

export function claimsPath(stateDir: string): string {
  return posix.join(stateDir, 'pending-confirm.claims');
}

export function lastRevertPath(stateDir: string): string {
  return posix.join(stateDir, 'last-revert.json');
}

const TOKEN = /^[0-9a-f]{32}$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

export type ReadPending = { kind: 'none' } | { kind: 'ok'; record: PendingRecord } | { kind: 'bad'; message: string };

export async function readPending(host: Host, stateDir: string): Promise<ReadPending> {
  const path = pendingPath(stateDir);
  let r;
  try {
    r = await host.read(path, { maxBytes: 64 * 1024 });
  } catch (err) {
    return { kind: 'bad', message: `${path}: ${errorText(err)}` };
  }
  if (!r.ok) return r.reason === 'missing' ? { kind: 'none' } : { kind: 'bad', message: r.message };
  // Root will act on it (undo, kill): trust it only if it is ours and private.
  if (r.stat.uid !== 0 && host.isRoot) return { kind: 'bad', message: `${path} is not owned by root; ignoring it` };
  if ((r.stat.mode & 0o077) !== 0) return { kind: 'bad', message: `${path} is readable or writable by others; ignoring it` };
  const record = parsePending(r.text);
  return record ? { kind: 'ok', record } : { kind: 'bad', message: `${path} is not a hardtop pending-confirm record` };
}

export function parsePending(text: string): PendingRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Partial<PendingRecord>;
  if (r.schema !== PENDING_SCHEMA || typeof r.journalId !== 'string' || !isJournalId(r.journalId)) return null;
  if (typeof r.token !== 'string' || !isToken(r.token) || typeof r.fixId !== 'string') return null;
  if (typeof r.deadline !== 'string' || Number.isNaN(Date.parse(r.deadline))) return null;
  if (r.phase !== 'applying' && r.phase !== 'applied' && r.phase !== 'revert-failed') return null;
  if (typeof r.applier !== 'object' || r.applier === null || typeof r.applier.pid !== 'number') return null;
  const rv = r.reverter;
  if (rv !== null && rv !== undefined) {
    if (rv.kind === 'systemd' ? !/^hardtop-revert-[0-9A-Za-z-]+$/.test(rv.unit) : !(rv.kind === 'process' && Number.isInteger(rv.pid) && rv.pid > 1)) return null;
  }
  return { ...(r as PendingRecord), reverter: rv ?? null };
}

export async function writePending(host: Host, stateDir: string, record: PendingRecord): Promise<void> {
  await host.ensurePrivateDir(stateDir);
  await host.writeAtomic(pendingPath(stateDir), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

export async function removePending(host: Host, stateDir: string): Promise<void> {
  await host.remove(pendingPath(stateDir));
}

export function secondsLeft(record: PendingRecord, now: Date): number {
  return Math.max(0, Math.ceil((Date.parse(record.deadline) - now.getTime()) / 1000));
}
