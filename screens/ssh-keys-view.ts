// Pure: what the SSH screens (authorized keys, rotation wizard, the panel's
// reminder) show, read from the ssh findings the scheduler already holds.
// No blessed and no machine here: the checks did the reading; this only
// regroups their items and evidence for people. Every string that reaches
// the terminal is sanitised by the caller's line builders (sanitizeText).

import type { Finding, Item } from '../src/core/types';
import { ROTATION_RECORD } from '../checks/ssh/rotation-record';
import { keyFactsOf } from '../checks/ssh/keys-authorized';

export const AUTHORIZED_ID = 'ssh.keys.authorized';
export const KEY_AGE_ID = 'ssh.keys.age';
export const HOST_KEYS_ID = 'ssh.server.host-keys';
export const HOST_KEY_AGE_ID = 'ssh.server.host-key-age';
export const REMOVE_KEY_FIX = 'ssh.remove-authorized-key';
export const ROTATE_HOST_FIX = 'ssh.rotate-host-keys';
export const RETIRE_HOST_FIX = 'ssh.retire-host-keys';
export const ROTATE_USER_FIX = 'ssh.rotate-user-key';

const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}/;

/** One authorized key line of one account. */
export interface KeyRow {
  account: string;
  file: string;
  line: number;
  /** "Ed25519", "RSA 4096", "ECDSA P-256" … (type and bits as the check labels them). */
  label: string;
  fingerprint: string;
  comment: string;
  options: string;
  /** Why it is weak (DSA, RSA below …, a CA, expired); empty: nothing to say. */
  notes: string;
  weak: boolean;
  /** "412 d" from ssh.keys.age, '?' when that check has not dated it (yet). */
  age: string;
  /** The fix that removes exactly this key from this account. */
  fix: { id: string; args: Record<string, string> };
}

/** A line of an account's evidence that is not a key (a bad line, a refused file): shown, not removable. */
export interface KeyProblem {
  account: string;
  text: string;
}

export interface AccountKeys {
  account: string;
  status: Item['status'];
  keys: KeyRow[];
  problems: KeyProblem[];
}

/**
 * The fallback for a report read back from JSON (no structured keys):
 * ssh.keys.authorized's evidence line for a key is
 * "LABEL SHA256:… COMMENT [OPTIONS] — NOTES" (checks/ssh/keys-authorized.ts
 * entryText); anything else (no fingerprint) is a problem line.
 */
export function parseKeyEvidence(text: string): { label: string; fingerprint: string; comment: string; options: string; notes: string } | null {
  const fp = FINGERPRINT.exec(text);
  if (!fp || fp.index === 0) return null;
  const label = text.slice(0, fp.index).trim();
  // A label is a type word and maybe a size or curve: never a sentence (a problem line quoting a key).
  if (!/^[A-Za-z0-9+-]+(?: [A-Za-z0-9-]+)?(?: certificate)?$/.test(label)) return null;
  let rest = text.slice(fp.index + fp[0].length).trim();
  let notes = '';
  const dash = rest.lastIndexOf(' — ');
  if (dash >= 0) {
    notes = rest.slice(dash + 3).trim();
    rest = rest.slice(0, dash).trim();
  } else if (rest.startsWith('— ')) {
    notes = rest.slice(2).trim();
    rest = '';
  }
  let options = '';
  const open = rest.lastIndexOf(' [');
  if (rest.endsWith(']') && (open >= 0 || rest.startsWith('['))) {
    const at = open >= 0 ? open + 1 : 0;
    options = rest.slice(at + 1, -1);
    rest = rest.slice(0, at).trim();
  }
  return { label, fingerprint: fp[0], comment: rest, options, notes };
}

/**
 * The check's notes say why a key is weak (its type or size) and also what
 * is merely worth knowing (a certificate authority, an expired key): only
 * the first kind marks the key WEAK.
 */
export function isWeak(notes: string): boolean {
  const rest = notes
    .replace(/a certificate authority/g, '')
    .replace(/expired \(expiry-time [^)]*\)/g, '')
    .replace(/[,\s]+/g, ' ')
    .trim();
  return rest !== '';
}

/** "N days old" of one key, from ssh.keys.age (subject "account: file:line"). */
function ageOf(age: Finding | undefined, account: string, file: string, line: number): string {
  const item = age?.items?.find((i) => i.subject === `${account}: ${file}:${line}`);
  if (!item) return '?';
  const m = /(\d+) days old/.exec(item.summary);
  if (m) return `${m[1]} d`;
  return /in the future/.test(item.summary) ? 'future' : '?';
}

/**
 * Keys per account, in the check's order (accounts as /etc/passwd lists them, keys by file and line).
 * The check's structured keys (keyFactsOf) when it ran in this process; from
 * the evidence text only for an item read back from a JSON report.
 */
export function authorizedKeys(results: ReadonlyMap<string, Finding>): AccountKeys[] {
  const f = results.get(AUTHORIZED_ID);
  const age = results.get(KEY_AGE_ID);
  return (f?.items ?? []).map((item) => {
    const keys: KeyRow[] = [];
    const problems: KeyProblem[] = [];
    const facts = keyFactsOf(item);
    if (facts !== null) {
      const at = new Set(facts.map((k) => `${k.file}:${k.line}`));
      for (const k of facts) {
        keys.push({
          account: item.subject,
          file: k.file,
          line: k.line,
          label: k.label,
          fingerprint: k.fingerprint,
          comment: k.comment,
          options: k.options,
          notes: k.notes.join(', '),
          weak: k.weak,
          age: ageOf(age, item.subject, k.file, k.line),
          fix: { id: REMOVE_KEY_FIX, args: { user: item.subject, fingerprint: k.fingerprint } },
        });
      }
      for (const e of item.evidence) {
        if (e.file && e.line && at.has(`${e.file}:${e.line}`)) continue;
        problems.push({ account: item.subject, text: `${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.text ?? ''}` });
      }
      return { account: item.subject, status: item.status, keys, problems };
    }
    for (const e of item.evidence) {
      const parsed = e.file && e.line ? parseKeyEvidence(e.text ?? '') : null;
      if (!parsed || !e.file || !e.line) {
        problems.push({ account: item.subject, text: `${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.text ?? ''}` });
        continue;
      }
      keys.push({
        account: item.subject,
        file: e.file,
        line: e.line,
        ...parsed,
        weak: isWeak(parsed.notes),
        age: ageOf(age, item.subject, e.file, e.line),
        fix: { id: REMOVE_KEY_FIX, args: { user: item.subject, fingerprint: parsed.fingerprint } },
      });
    }
    return { account: item.subject, status: item.status, keys, problems };
  });
}

/** One host key as the wizard shows it. */
export interface HostKeyRow {
  path: string;
  status: Item['status'];
  type: string;
  bits: string;
  fingerprint: string;
  /** From ssh.server.host-key-age: "412 days old (since 2025-10-12)" or what that check says. */
  age: string;
  /** What ssh.server.host-keys says when the key is not fine. */
  problem: string;
}

export function hostKeys(results: ReadonlyMap<string, Finding>): HostKeyRow[] {
  const keys = results.get(HOST_KEYS_ID);
  const age = results.get(HOST_KEY_AGE_ID);
  return (keys?.items ?? []).map((item) => {
    // Evidence text: "ssh-ed25519 256 bits SHA256:… comment" (server-host-keys.ts keyText).
    const text = item.evidence[0]?.text ?? '';
    const m = /^(\S+) (\S+) bits/.exec(text);
    const ageItem = age?.items?.find((i) => i.subject === item.subject);
    return {
      path: item.subject,
      status: item.status,
      type: m?.[1] ?? '?',
      bits: m?.[2] ?? '?',
      fingerprint: FINGERPRINT.exec(text)?.[0] ?? '?',
      age: ageItem ? ageItem.summary : '?',
      problem: item.status === 'pass' ? '' : item.summary,
    };
  });
}

/** An open host key rotation, as ssh.server.host-key-age reports it (rotation-record.ts is its state). */
export interface RotationState {
  startedAt: string;
  retireAfter: string;
  /** The grace period has passed: the old keys should go now. */
  overdue: boolean;
  oldKeys: string[];
}

export function openRotation(results: ReadonlyMap<string, Finding>): RotationState | null {
  const age = results.get(HOST_KEY_AGE_ID);
  let state: RotationState | null = null;
  for (const item of age?.items ?? []) {
    const ev = item.evidence.find((e) => e.file === ROTATION_RECORD);
    const m = ev?.text ? /rotation started (\S+), retire after (\S+)/.exec(ev.text) : null;
    if (!m) continue;
    state ??= { startedAt: m[1], retireAfter: m[2], overdue: false, oldKeys: [] };
    state.oldKeys.push(item.subject);
    if (item.status === 'warn') state.overdue = true;
  }
  return state;
}

/** The SSH panel's reminder line, only once the grace period is over. */
export function rotationReminder(results: ReadonlyMap<string, Finding>): string | null {
  const r = openRotation(results);
  if (!r || !r.overdue) return null;
  // Short: it must fit a half-width panel.
  return `retire old host keys: grace period over ${r.retireAfter.slice(0, 10)} (r)`;
}
