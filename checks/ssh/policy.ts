// The ssh policy from assets/ (policy is data), with the small helpers that
// apply it: glob patterns over algorithm names, and sshd's +/-/^ list syntax.

import raw from '../../assets/policy/ssh.json';

export interface WeakPattern {
  pattern: string;
  why: string;
  /** Where the verdict comes from (issue 4: each entry names its source). */
  source: string;
}

export type DeprecatedEffect = 'fatal' | 'ignored' | 'deprecated' | 'unsupported' | 'alias';

export interface DeprecatedOption {
  keyword: string;
  effect: DeprecatedEffect;
  replacement?: string;
  since: string;
  note: string;
  source: string;
}

export interface SshPolicy {
  kex: { weak: WeakPattern[]; postQuantum: { names: string[] } };
  ciphers: { weak: WeakPattern[] };
  macs: { weak: WeakPattern[]; etmTwins: Record<string, string> };
  hostKeyAlgorithms: { weak: WeakPattern[] };
  hostKeys: { rsaMinBits: number; forbiddenTypes: Record<string, string>; requiredType: string };
  hostKeyAge: { rotationDays: number };
  deprecatedOptions: { entries: DeprecatedOption[] };
  fallbackDefaults: { version: string; values: Record<string, string>; hostKeys: string[] };
}

const EFFECTS: readonly string[] = ['fatal', 'ignored', 'deprecated', 'unsupported', 'alias'];

/** Problems with the policy data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function policyProblems(p: SshPolicy): string[] {
  const problems: string[] = [];
  const lists: [string, WeakPattern[]][] = [
    ['kex.weak', p.kex.weak],
    ['ciphers.weak', p.ciphers.weak],
    ['macs.weak', p.macs.weak],
    ['hostKeyAlgorithms.weak', p.hostKeyAlgorithms.weak],
  ];
  for (const [name, list] of lists) {
    if (!Array.isArray(list) || list.length === 0) problems.push(`${name} must be a non-empty list`);
    else if (list.some((w) => typeof w.pattern !== 'string' || w.pattern === '' || typeof w.why !== 'string' || w.why === '' || typeof w.source !== 'string' || w.source === '')) {
      problems.push(`${name}: every entry needs a pattern, a why and a source`);
    }
  }
  if (!Array.isArray(p.kex.postQuantum.names) || p.kex.postQuantum.names.length === 0) problems.push('kex.postQuantum.names must be a non-empty list');
  for (const [plain, etm] of Object.entries(p.macs.etmTwins)) {
    if (plain.includes('-etm@') || !etm.includes('-etm@')) problems.push(`macs.etmTwins: ${plain} → ${etm} is not a plain → EtM pair`);
  }
  if (!Number.isInteger(p.hostKeys.rsaMinBits) || p.hostKeys.rsaMinBits < 2048) problems.push('hostKeys.rsaMinBits must be an integer ≥ 2048');
  if (typeof p.hostKeys.requiredType !== 'string' || p.hostKeys.requiredType === '') problems.push('hostKeys.requiredType must be a key type');
  if (typeof p.hostKeyAge.rotationDays !== 'number' || !(p.hostKeyAge.rotationDays > 0)) problems.push('hostKeyAge.rotationDays must be a number > 0');
  const seen = new Set<string>();
  for (const e of p.deprecatedOptions.entries) {
    const k = e.keyword.toLowerCase();
    if (seen.has(k)) problems.push(`deprecatedOptions: ${e.keyword} listed twice`);
    seen.add(k);
    if (!EFFECTS.includes(e.effect)) problems.push(`deprecatedOptions: ${e.keyword} has an unknown effect ${e.effect}`);
    if (e.effect === 'alias' && !e.replacement) problems.push(`deprecatedOptions: alias ${e.keyword} needs a replacement`);
    if (!e.source) problems.push(`deprecatedOptions: ${e.keyword} needs a source`);
  }
  for (const k of ['permitrootlogin', 'passwordauthentication', 'kbdinteractiveauthentication', 'permitemptypasswords', 'kexalgorithms', 'ciphers', 'macs', 'hostkeyalgorithms']) {
    if (typeof p.fallbackDefaults.values[k] !== 'string') problems.push(`fallbackDefaults.values.${k} is missing`);
  }
  return problems;
}

export const sshPolicy: SshPolicy = raw as SshPolicy;

/** sshd's match_pattern: `*` and `?` wildcards, case-sensitive (algorithm names are). */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(name);
}

export function weakReason(list: readonly WeakPattern[], name: string): string | null {
  return list.find((w) => globMatch(w.pattern, name))?.why ?? null;
}

/**
 * sshd's kex_assemble_names for a config value over a default list:
 * `+a,b` appends, `-a,b*` removes (wildcards allowed), `^a,b` puts first,
 * anything else replaces the list.
 */
export function assembleAlgorithms(defaults: readonly string[], value: string): string[] {
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (value.startsWith('+')) {
    const extra = list(value.slice(1)).filter((x) => !defaults.includes(x));
    return [...defaults, ...extra];
  }
  if (value.startsWith('-')) {
    const gone = list(value.slice(1));
    return defaults.filter((x) => !gone.some((g) => globMatch(g, x)));
  }
  if (value.startsWith('^')) {
    const first = list(value.slice(1));
    return [...first, ...defaults.filter((x) => !first.includes(x))];
  }
  return list(value);
}

export function deprecatedEntry(keyword: string): DeprecatedOption | undefined {
  const k = keyword.toLowerCase();
  return sshPolicy.deprecatedOptions.entries.find((e) => e.keyword.toLowerCase() === k);
}
