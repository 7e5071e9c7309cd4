// The grace period of a host key rotation, remembered in the state dir:
// <stateDir>/host-key-rotation.json (0600, root's), written and removed as a
// FileEdit of the rotate and retire plans. Being part of the plan is the
// point: the engine backs it up, so undoing a rotation also forgets it, and
// undoing a retirement brings it back, always in step with the keys.
//
// The plans name the default state dir (/var/lib/hardtop, under --root when
// given), the one the CLI and the dashboard apply with.

import type { Host } from '../../src/host/host';
import { DEFAULT_STATE_DIR } from '../../src/fix/state';
import { thrownMessage } from '../updates/finding';

export const ROTATION_RECORD = `${DEFAULT_STATE_DIR}/host-key-rotation.json`;
export const ROTATION_SCHEMA = 'hardtop.host-key-rotation/1';

export interface RotationKey {
  path: string;
  type: string;
  bits: number | null;
  /** Known for the old keys; for a new key, read from its .pub once it exists. */
  fingerprint: string | null;
}

export interface RotationRecord {
  schema: typeof ROTATION_SCHEMA;
  /** When the rotation plan was made (ISO). */
  startedAt: string;
  /** From then on the old keys may go: clients had graceDays to learn the new ones. */
  retireAfter: string;
  graceDays: number;
  /** Keys being replaced, still offered (first of their type) until retired. */
  old: RotationKey[];
  new: RotationKey[];
}

export type RecordRead = { kind: 'none' } | { kind: 'ok'; record: RotationRecord; text: string } | { kind: 'bad'; problem: string; text: string | null };

export function serialiseRotationRecord(r: RotationRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

function isKey(v: unknown): v is RotationKey {
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Record<string, unknown>;
  return (
    typeof k.path === 'string' &&
    k.path.startsWith('/') &&
    typeof k.type === 'string' &&
    (k.bits === null || typeof k.bits === 'number') &&
    (k.fingerprint === null || typeof k.fingerprint === 'string')
  );
}

/** Never throws; a record hardtop did not write (or a damaged one) is a problem with a reason. */
export function parseRotationRecord(text: string): { ok: true; record: RotationRecord } | { ok: false; problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null) return { ok: false, problem: 'not a rotation record' };
  const r = v as Record<string, unknown>;
  if (r.schema !== ROTATION_SCHEMA) return { ok: false, problem: `schema is not ${ROTATION_SCHEMA}` };
  if (typeof r.startedAt !== 'string' || Number.isNaN(Date.parse(r.startedAt))) return { ok: false, problem: 'startedAt is not a date' };
  if (typeof r.retireAfter !== 'string' || Number.isNaN(Date.parse(r.retireAfter))) return { ok: false, problem: 'retireAfter is not a date' };
  if (typeof r.graceDays !== 'number') return { ok: false, problem: 'graceDays is not a number' };
  if (!Array.isArray(r.old) || !r.old.every(isKey)) return { ok: false, problem: 'old is not a list of keys' };
  if (!Array.isArray(r.new) || r.new.length === 0 || !r.new.every(isKey)) return { ok: false, problem: 'new is not a list of keys' };
  return { ok: true, record: v as RotationRecord };
}

export async function readRotationRecord(host: Host): Promise<RecordRead> {
  try {
    const r = await host.read(ROTATION_RECORD, { maxBytes: 256 * 1024 });
    if (!r.ok) return r.reason === 'missing' ? { kind: 'none' } : { kind: 'bad', problem: r.message, text: null };
    const parsed = parseRotationRecord(r.text);
    return parsed.ok ? { kind: 'ok', record: parsed.record, text: r.text } : { kind: 'bad', problem: parsed.problem, text: r.text };
  } catch (err) {
    return { kind: 'bad', problem: thrownMessage(err), text: null };
  }
}

/** "2026-11-28" */
export function day(iso: string | Date): string {
  return (typeof iso === 'string' ? iso : iso.toISOString()).slice(0, 10);
}
