// The rotation policy from assets/policy/ssh-rotate.json (policy is data).

import raw from '../../assets/policy/ssh-rotate.json';

export interface RotatePolicy {
  hostKeys: { graceDays: number; rsaBits: number };
  userKeys: { type: string };
  authLogs: { files: string[]; tailBytes: number; journalLines: number };
}

/** Problems with the data; a test asserts there are none. */
export function rotatePolicyProblems(p: RotatePolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(p.hostKeys.graceDays) || p.hostKeys.graceDays < 1) problems.push('hostKeys.graceDays must be an integer ≥ 1');
  if (!Number.isInteger(p.hostKeys.rsaBits) || p.hostKeys.rsaBits < 3072) problems.push('hostKeys.rsaBits must be an integer ≥ 3072');
  if (p.userKeys.type !== 'ed25519') problems.push('userKeys.type: only ed25519 is supported');
  if (!Array.isArray(p.authLogs.files) || p.authLogs.files.some((f) => typeof f !== 'string' || !f.startsWith('/'))) problems.push('authLogs.files must be absolute paths');
  if (!Number.isInteger(p.authLogs.tailBytes) || p.authLogs.tailBytes < 4096) problems.push('authLogs.tailBytes must be an integer ≥ 4096');
  if (!Number.isInteger(p.authLogs.journalLines) || p.authLogs.journalLines < 1) problems.push('authLogs.journalLines must be an integer ≥ 1');
  return problems;
}

export const rotatePolicy: RotatePolicy = raw as RotatePolicy;
