// How a user key is judged (assets/policy/ssh.json "userKeys"), shared by
// ssh.keys.authorized and ssh.keys.user, and how a key's date is read.
//
// CHECKS.md: passes when Ed25519, ECDSA, RSA ≥ 3072 or a security-key type;
// none is DSA. Decided here (and written in the policy's comment): DSA and
// RSA below 2048 fail; RSA 2048–3071 warns (not a pass, but not the same
// danger as DSA); an experimental or unknown type warns.

import type { Status } from '../../src/core/types';
import type { AuthorizedKey } from '../../src/parse/authorized-keys';
import type { KeyFamily } from '../../src/parse/ssh-key-blob';
import { userKeyPolicy } from './client-policy';

export interface Verdict {
  status: Status;
  /** Empty for a pass; otherwise why, in a few words. */
  why: string;
}

export function judgeKeyStrength(family: KeyFamily, bits: number | null, policy = userKeyPolicy): Verdict {
  const forbidden = policy.forbiddenFamilies[family];
  if (forbidden) return { status: 'fail', why: forbidden };
  const experimental = policy.experimentalFamilies[family];
  if (experimental) return { status: 'warn', why: experimental };
  switch (family) {
    case 'rsa':
      if (bits === null) return { status: 'warn', why: 'RSA of unknown size' };
      if (bits < policy.rsaFailBelowBits) return { status: 'fail', why: `RSA ${bits} bits, below ${policy.rsaFailBelowBits}` };
      if (bits < policy.rsaMinBits) return { status: 'warn', why: `RSA ${bits} bits, below ${policy.rsaMinBits}` };
      return { status: 'pass', why: '' };
    case 'ed25519':
    case 'ecdsa':
    case 'sk-ecdsa':
    case 'sk-ed25519':
    case 'mldsa-ed25519':
      return { status: 'pass', why: '' };
    default:
      return { status: 'warn', why: 'a key type hardtop does not know' };
  }
}

/** Security-key files hold a handle, not the secret: no passphrase is needed to keep them safe. */
export function isSecurityKey(family: KeyFamily): boolean {
  return family === 'sk-ecdsa' || family === 'sk-ed25519';
}

const EARLIEST = Date.UTC(1995, 0, 1); // SSH itself is from 1995

/**
 * A date an admin wrote in a key comment ("alice@laptop 2019-05-01",
 * "deploy-20230115", "2021/03/07 bob"): the first plausible one, or null.
 * A date after `now` (plus a day) is not believed.
 */
export function datedComment(comment: string, now: Date): Date | null {
  const re = /(?<![0-9])((?:19|20)\d\d)([-/.]?)(\d\d)\2(\d\d)(?![0-9])/g;
  for (const m of comment.matchAll(re)) {
    const [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
    if (mo < 1 || mo > 12 || d < 1 || d > 31) continue;
    const t = Date.UTC(y, mo - 1, d);
    const back = new Date(t);
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) continue; // 2023-02-30
    if (t < EARLIEST || t > now.getTime() + 86_400_000) continue;
    return back;
  }
  return null;
}

const RANK: Record<Status, number> = { fail: 5, error: 4, warn: 3, info: 2, pass: 1, skip: 0 };

/** The same things, worst first (a stable sort: ties keep their order), for summaries that name the worst. */
export function worstFirst<T extends { status: Status }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => RANK[b.status] - RANK[a.status]);
}

export const DAY_MS = 86_400_000;

export function isoDay(t: number | Date): string {
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * expiry-time="YYYYMMDD[HHMM[SS]][Z]" (sshd's parse_absolute_time; local
 * time unless Z) as epoch ms, or null when it cannot be read.
 */
export function expiryTimeOf(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2}))?)?(Z)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', z] = m;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${z ? 'Z' : ''}`);
  return Number.isNaN(t) ? null : t;
}

/**
 * Why this authorized_keys line is NOT a way in with a plain key login, or
 * null when it is: the one rule the lockout guards count by (ssh.server.harden,
 * ssh.remove-authorized-key). When in doubt, it does not count.
 */
export function whyNotUsableForLogin(e: AuthorizedKey, now: Date): string | null {
  if (e.certAuthority) return 'a certificate authority, not a key (needs a certificate to log in)';
  if (e.command !== undefined) return 'limited to a forced command';
  if (e.key.family === 'dsa') return 'DSA keys are refused by OpenSSH (off since 7.0, removed in 10.0)';
  if (e.key.certificate) return 'a certificate line';
  if (e.key.family === 'rsa' && e.key.bits !== null && e.key.bits < 1024) return 'RSA below 1024 bits is refused by sshd';
  if (e.expiryTime !== undefined) {
    const t = expiryTimeOf(e.expiryTime);
    if (t === null) return `expiry-time ${e.expiryTime} cannot be read`;
    if (t <= now.getTime()) return `expired (expiry-time ${e.expiryTime})`;
  }
  return null;
}
