// What ssh.server.harden writes, from assets/policy/ssh-harden.json (policy
// is data), and the check that the data agrees with the audit's own policy:
// the fix must never write a name the audit would then call weak.

import raw from '../../assets/policy/ssh-harden.json';
import { canonicalKey } from '../../src/parse/sshd-config';
import { sshPolicy, weakReason, type DeprecatedEffect, type SshPolicy } from './policy';

export interface HardenPolicy {
  dropIn: string;
  settings: { values: { keyword: string; value: string }[] };
  kexAlgorithms: { names: string[] };
  ciphers: { names: string[] };
  macs: { names: string[] };
  hostKeyAlgorithms: { names: string[] };
  removeEffects: { effects: DeprecatedEffect[] };
  lockoutGuard: { noLoginShells: string[]; sudoGroups: string[] };
}

export const hardenPolicy: HardenPolicy = raw as HardenPolicy;

/** The four algorithm options, with how sshd_config spells them and how `ssh -Q` names their family. */
export const ALGORITHM_OPTIONS = [
  { keyword: 'KexAlgorithms', key: 'kexalgorithms', query: ['kex'], policy: 'kexAlgorithms' },
  { keyword: 'Ciphers', key: 'ciphers', query: ['cipher'], policy: 'ciphers' },
  { keyword: 'MACs', key: 'macs', query: ['mac'], policy: 'macs' },
  // `ssh -Q HostKeyAlgorithms` lists signature algorithms (rsa-sha2-*); older
  // ssh only knows `key-sig`, and before that `key` (key types only).
  { keyword: 'HostKeyAlgorithms', key: 'hostkeyalgorithms', query: ['HostKeyAlgorithms', 'key-sig', 'key'], policy: 'hostKeyAlgorithms' },
] as const;

export type AlgorithmOption = (typeof ALGORITHM_OPTIONS)[number];

/** Problems with the data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function hardenPolicyProblems(p: HardenPolicy, audit: SshPolicy = sshPolicy): string[] {
  const problems: string[] = [];
  if (!/^\/etc\/ssh\/sshd_config\.d\/[^/]+\.conf$/.test(p.dropIn)) problems.push(`dropIn ${p.dropIn} must be a .conf file in /etc/ssh/sshd_config.d`);
  const wanted = new Map([
    ['permitrootlogin', 'no'],
    ['passwordauthentication', 'no'],
    ['kbdinteractiveauthentication', 'no'],
    ['permitemptypasswords', 'no'],
  ]);
  for (const s of p.settings.values) {
    const k = canonicalKey(s.keyword);
    if (!wanted.has(k)) problems.push(`settings: ${s.keyword} is not one the fix knows how to guard`);
    else if (wanted.get(k) !== s.value) problems.push(`settings: ${s.keyword} ${s.value} does not pass its check (wants ${wanted.get(k)})`);
  }
  const weakLists = {
    kexAlgorithms: audit.kex.weak,
    ciphers: audit.ciphers.weak,
    macs: audit.macs.weak,
    hostKeyAlgorithms: audit.hostKeyAlgorithms.weak,
  };
  for (const o of ALGORITHM_OPTIONS) {
    const names = p[o.policy].names;
    if (!Array.isArray(names) || names.length === 0) problems.push(`${o.policy}: must be a non-empty list`);
    for (const n of names) {
      const why = weakReason(weakLists[o.policy], n) ?? (o.policy === 'macs' && audit.macs.etmTwins[n] ? 'not EtM' : null);
      if (why) problems.push(`${o.policy}: ${n} is weak by the audit's own policy (${why})`);
    }
    if (new Set(names).size !== names.length) problems.push(`${o.policy}: a name is listed twice`);
  }
  if (!p.kexAlgorithms.names.some((n) => audit.kex.postQuantum.names.includes(n))) problems.push('kexAlgorithms: no post-quantum hybrid');
  for (const e of p.removeEffects.effects) if (e === 'alias') problems.push('removeEffects: aliases still work; they are renamed, never removed');
  if (p.lockoutGuard.noLoginShells.length === 0) problems.push('lockoutGuard.noLoginShells is empty');
  return problems;
}
