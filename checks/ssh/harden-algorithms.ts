// Which algorithm lists ssh.server.harden writes, and with what.
//
// The policy's ordered lists are cut down to what THIS OpenSSH supports
// (`ssh -Q …`, the same build as sshd on every distribution), so sshd -t never
// sees a name it does not know. Host-key algorithms are cut down further to
// the host keys sshd actually loads: offering only algorithms for which the
// server has no key would leave it unable to complete any handshake.
//
// A list is only rewritten when the audit would judge it weak (or, for key
// exchange, when no post-quantum hybrid is offered although this OpenSSH has
// one): an admin's own strong list is left alone.

import type { Host } from '../../src/host/host';
import type { RunContext } from '../../src/core/types';
import type { SshdConfig } from '../../src/parse/sshd-config';
import { globMatch, sshPolicy, weakReason } from './policy';
import { ALGORITHM_OPTIONS, hardenPolicy, type AlgorithmOption } from './harden-policy';
import { parsePrivateKeyFile, parsePublicKeyLine } from './server-host-key-file';
import { hostKeyPaths } from './server-sshd-t';

/** Names `ssh -Q <family>` lists, or null when ssh cannot be asked. */
export async function supportedNames(host: Host, option: AlgorithmOption, ctx: RunContext): Promise<Set<string> | null> {
  for (const query of option.query) {
    const r = await host.exec('ssh', ['-Q', query], { timeoutMs: 5000, signal: ctx.signal });
    if (r.exitCode === 0 && r.stdout.trim() !== '') return new Set(r.stdout.split('\n').map((s) => s.trim()).filter(Boolean));
  }
  return null;
}

/** The key type a host-key (signature) algorithm needs: rsa-sha2-512-cert-v01@openssh.com → ssh-rsa. */
export function keyTypeOf(algorithm: string): string {
  const plain = algorithm.replace(/-cert-v01@openssh\.com$/, '');
  return plain === 'rsa-sha2-256' || plain === 'rsa-sha2-512' ? 'ssh-rsa' : plain;
}

/** Why `names` would fail (or warn) its check, or null when the audit is content with it. */
export function listProblem(option: AlgorithmOption, names: readonly string[], supported: ReadonlySet<string> | null): string | null {
  const weakList =
    option.policy === 'kexAlgorithms' ? sshPolicy.kex.weak : option.policy === 'ciphers' ? sshPolicy.ciphers.weak : option.policy === 'macs' ? sshPolicy.macs.weak : sshPolicy.hostKeyAlgorithms.weak;
  const weak = names.filter((n) => weakReason(weakList, n) !== null || (option.policy === 'macs' && sshPolicy.macs.etmTwins[n] !== undefined));
  if (weak.length > 0) return `weak: ${weak.join(', ')}`;
  if (option.policy === 'kexAlgorithms' && supported) {
    const pq = sshPolicy.kex.postQuantum.names;
    const offered = names.some((n) => pq.some((p) => globMatch(p, n)));
    const possible = pq.some((p) => supported.has(p));
    if (!offered && possible) return 'no post-quantum hybrid although this OpenSSH has one';
  }
  return null;
}

/** The key types of the host keys sshd will load (from their .pub or the private key's clear header). */
export async function hostKeyTypes(host: Host, cfg: SshdConfig): Promise<{ types: Set<string>; unreadable: string[] }> {
  const types = new Set<string>();
  const unreadable: string[] = [];
  const { paths, configured } = hostKeyPaths(cfg);
  for (const path of paths) {
    const st = await host.stat(path).catch(() => null);
    if (st === null) {
      if (configured) unreadable.push(`${path} (missing)`);
      continue; // a default key that is not there is simply not loaded
    }
    let type: string | null = null;
    const pub = await host.read(`${path}.pub`).catch(() => null);
    if (pub?.ok) {
      const r = parsePublicKeyLine(pub.text);
      if (r.ok) type = r.key.type;
    }
    if (type === null) {
      const priv = await host.read(path).catch(() => null);
      if (priv?.ok) {
        const r = parsePrivateKeyFile(priv.text);
        if (r.ok) type = r.key.type;
      }
    }
    if (type === null) unreadable.push(path);
    else types.add(type);
  }
  return { types, unreadable };
}

export type ListDecision =
  | { option: AlgorithmOption; write: false; why: string }
  | { option: AlgorithmOption; write: true; names: string[]; why: string }
  | { option: AlgorithmOption; refuse: string };

/**
 * For one option: keep the current list, or the policy list filtered to what
 * can work here. `current` is the list sshd uses now (sshd -T or our parse
 * over the defaults).
 */
export function decideList(
  option: AlgorithmOption,
  current: readonly string[],
  supported: ReadonlySet<string> | null,
  keyTypes: ReadonlySet<string> | null,
): ListDecision | { option: AlgorithmOption; refuse: string } {
  const problem = listProblem(option, current, supported);
  if (problem === null) return { option, write: false, why: 'already strong' };
  if (supported === null) return { option, refuse: `cannot ask this OpenSSH which ${option.keyword} it supports (ssh -Q ${option.query[0]} failed)` };
  let names = hardenPolicy[option.policy].names.filter((n) => supported.has(n));
  if (option.policy === 'hostKeyAlgorithms') {
    if (keyTypes === null || keyTypes.size === 0) return { option, refuse: 'cannot tell which host keys sshd loads, so cannot choose HostKeyAlgorithms safely' };
    names = names.filter((n) => keyTypes.has(keyTypeOf(n)));
  }
  if (names.length === 0) {
    const extra = option.policy === 'hostKeyAlgorithms' ? ` for the host keys here (${[...(keyTypes ?? [])].join(', ') || 'none'})` : '';
    return { option, refuse: `none of the recommended ${option.keyword} is available${extra}` };
  }
  return { option, write: true, names, why: problem };
}

export { ALGORITHM_OPTIONS };
