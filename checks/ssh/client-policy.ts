// The client and user-key parts of assets/policy/ssh.json (policy is data):
// `client` for ssh.client.*, `userKeys` for ssh.keys.*. The weak algorithm
// lists themselves are the server's (policy.ts): one list, two judges.

import raw from '../../assets/policy/ssh.json';
import { sshPolicy, weakReason, type DeprecatedOption, type WeakPattern } from './policy';

export type WeakListName = 'kex' | 'ciphers' | 'macs' | 'hostKeyAlgorithms';

export interface ClientPolicy {
  algorithmOptions: { entries: { keyword: string; weakList: WeakListName }[] };
  fallbackDefaults: { version: string; values: Record<string, string> };
  deprecatedOptions: { entries: DeprecatedOption[] };
  harden: ClientHardenPolicy;
}

/** What ssh.client.harden writes (fix-client-harden.ts). */
export interface ClientHardenPolicy {
  dropIn: string;
  settings: { values: { keyword: string; value: string }[] };
  /** Per algorithm option: the `ssh -Q` queries to try (first that answers) and the ordered names. */
  lists: { entries: { keyword: string; query: string[]; names: string[] }[] };
}

export interface UserKeyPolicy {
  rsaMinBits: number;
  rsaFailBelowBits: number;
  forbiddenFamilies: Record<string, string>;
  experimentalFamilies: Record<string, string>;
  unprotectedPrivateKey: { status: 'warn' | 'fail' };
  rotationDays: number;
  privateKeyMaxBytes: number;
}

const data = raw as unknown as { client: ClientPolicy; userKeys: UserKeyPolicy };
export const clientPolicy: ClientPolicy = data.client;
export const userKeyPolicy: UserKeyPolicy = data.userKeys;

export function weakList(name: WeakListName): readonly WeakPattern[] {
  switch (name) {
    case 'kex':
      return sshPolicy.kex.weak;
    case 'ciphers':
      return sshPolicy.ciphers.weak;
    case 'macs':
      return sshPolicy.macs.weak;
    case 'hostKeyAlgorithms':
      return sshPolicy.hostKeyAlgorithms.weak;
  }
}

export function clientDeprecatedEntry(keyword: string): DeprecatedOption | undefined {
  const k = keyword.toLowerCase();
  return clientPolicy.deprecatedOptions.entries.find((e) => e.keyword.toLowerCase() === k);
}

const LISTS: readonly string[] = ['kex', 'ciphers', 'macs', 'hostKeyAlgorithms'];
const EFFECTS: readonly string[] = ['ignored', 'deprecated', 'unsupported', 'alias'];

/** Problems with the data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function clientPolicyProblems(c: ClientPolicy = clientPolicy, k: UserKeyPolicy = userKeyPolicy): string[] {
  const problems: string[] = [];
  if (!Array.isArray(c.algorithmOptions?.entries) || c.algorithmOptions.entries.length === 0) problems.push('client.algorithmOptions.entries must be a non-empty list');
  for (const e of c.algorithmOptions?.entries ?? []) {
    if (!LISTS.includes(e.weakList)) problems.push(`client.algorithmOptions: ${e.keyword} names an unknown weak list ${e.weakList}`);
    if (typeof c.fallbackDefaults?.values?.[e.keyword.toLowerCase()] !== 'string') problems.push(`client.fallbackDefaults.values.${e.keyword.toLowerCase()} is missing`);
  }
  if (typeof c.fallbackDefaults?.values?.passwordauthentication !== 'string') problems.push('client.fallbackDefaults.values.passwordauthentication is missing');
  const seen = new Set<string>();
  for (const e of c.deprecatedOptions?.entries ?? []) {
    const key = e.keyword.toLowerCase();
    if (seen.has(key)) problems.push(`client.deprecatedOptions: ${e.keyword} listed twice`);
    seen.add(key);
    // Nothing is fatal in ssh_config; a 'fatal' entry would be a server row pasted here.
    if (!EFFECTS.includes(e.effect)) problems.push(`client.deprecatedOptions: ${e.keyword} has effect ${e.effect}, not one ssh has`);
    if (e.effect === 'alias' && !e.replacement) problems.push(`client.deprecatedOptions: alias ${e.keyword} needs a replacement`);
    if (!e.source || !e.since || !e.note) problems.push(`client.deprecatedOptions: ${e.keyword} needs since, note and source`);
  }
  problems.push(...clientHardenProblems(c));
  if (!seen.has('useroaming')) problems.push('client.deprecatedOptions must list UseRoaming (CHECKS.md names it)');
  if (!Number.isInteger(k.rsaMinBits) || k.rsaMinBits < 2048) problems.push('userKeys.rsaMinBits must be an integer ≥ 2048');
  if (!Number.isInteger(k.rsaFailBelowBits) || k.rsaFailBelowBits > k.rsaMinBits || k.rsaFailBelowBits < 1024) problems.push('userKeys.rsaFailBelowBits must be an integer between 1024 and rsaMinBits');
  if (!k.forbiddenFamilies || typeof k.forbiddenFamilies.dsa !== 'string') problems.push('userKeys.forbiddenFamilies must name dsa (CHECKS.md: none is DSA)');
  if (k.unprotectedPrivateKey?.status !== 'warn' && k.unprotectedPrivateKey?.status !== 'fail') problems.push('userKeys.unprotectedPrivateKey.status must be warn or fail');
  if (!(typeof k.rotationDays === 'number' && k.rotationDays > 0)) problems.push('userKeys.rotationDays must be a number > 0');
  if (!Number.isInteger(k.privateKeyMaxBytes) || k.privateKeyMaxBytes < 16384) problems.push('userKeys.privateKeyMaxBytes must be an integer ≥ 16384 (an RSA-16384 key is ~12 KiB)');
  return problems;
}

/** The fix's data must agree with the checks: nothing it writes may be weak, every option judged has a list. */
export function clientHardenProblems(c: ClientPolicy): string[] {
  const problems: string[] = [];
  const h = c.harden;
  if (!h || !/^\/etc\/ssh\/ssh_config\.d\/[^/]+\.conf$/.test(h.dropIn ?? '')) problems.push('client.harden.dropIn must be a .conf file in /etc/ssh/ssh_config.d');
  const wanted: Record<string, string> = { passwordauthentication: 'no', kbdinteractiveauthentication: 'no' };
  for (const s of h?.settings?.values ?? []) {
    const k = s.keyword.toLowerCase();
    if (!(k in wanted)) problems.push(`client.harden.settings: ${s.keyword} is not one the checks judge`);
    else if (wanted[k] !== s.value) problems.push(`client.harden.settings: ${s.keyword} ${s.value} does not pass its check (wants ${wanted[k]})`);
  }
  for (const option of c.algorithmOptions?.entries ?? []) {
    const entry = h?.lists?.entries?.find((e) => e.keyword.toLowerCase() === option.keyword.toLowerCase());
    if (!entry) {
      problems.push(`client.harden.lists: no list for ${option.keyword}`);
      continue;
    }
    if (!Array.isArray(entry.query) || entry.query.length === 0) problems.push(`client.harden.lists: ${entry.keyword} needs an ssh -Q query`);
    if (!Array.isArray(entry.names) || entry.names.length === 0) problems.push(`client.harden.lists: ${entry.keyword} must name algorithms`);
    if (new Set(entry.names).size !== entry.names.length) problems.push(`client.harden.lists: ${entry.keyword} lists a name twice`);
    for (const n of entry.names ?? []) {
      const why = weakReason(weakList(option.weakList), n) ?? (option.weakList === 'macs' && sshPolicy.macs.etmTwins[n] ? 'not EtM' : null);
      if (why) problems.push(`client.harden.lists: ${entry.keyword} ${n} is weak by the audit's own policy (${why})`);
    }
  }
  return problems;
}
