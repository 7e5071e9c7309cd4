// ssh.server.kex, .ciphers, .macs, .host-key-algorithms: the algorithms the
// server offers (sshd -T has already applied +/-/^ and the defaults of this
// OpenSSH), judged against assets/policy/ssh.json.

import type { Check, Evidence, Item, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, listSome } from '../updates/finding';
import { offer } from './fix-offer';
import { globMatch, sshPolicy, weakReason, type WeakPattern } from './policy';
import { directiveEvidence, type Origin, type ServerConfig } from './server-config';
import { serverCheck } from './server-check';

interface Judged {
  names: string[];
  weak: { name: string; why: string }[];
  evidence: Evidence[];
  /** "KexAlgorithms (/etc/ssh/sshd_config:12)" or "KexAlgorithms (default of OpenSSH_9.2)". */
  from: string;
}

function originText(name: string, origin: Origin): string {
  return origin.kind === 'line' ? `${name} at ${origin.directive.file}:${origin.directive.line}` : `${name} not set: defaults of ${origin.label}`;
}

function judgeList(config: ServerConfig, name: string, key: string, weakList: readonly WeakPattern[], extra?: (n: string) => string | null): Judged {
  const { names, origin } = config.list(key);
  const weak: { name: string; why: string }[] = [];
  for (const n of names) {
    const why = weakReason(weakList, n) ?? extra?.(n) ?? null;
    if (why !== null) weak.push({ name: n, why });
  }
  const evidence: Evidence[] = [];
  if (origin.kind === 'line') evidence.push(directiveEvidence(origin.directive));
  else evidence.push({ text: `${name} not set in the configuration files: the defaults of ${origin.label}` });
  evidence.push(config.via === 'sshd -T' ? { ...config.source, text: `${key} ${names.join(',')}` } : { ...config.source });
  return { names, weak, evidence, from: originText(name, origin) };
}

function weakSummary(weak: { name: string; why: string }[]): string {
  return listSome(weak.map((w) => `${w.name} (${w.why})`), 4);
}

/** One item per weak algorithm (the summary shows a few; the items name every one). */
function weakItems(j: Judged): Item[] {
  return j.weak.map((w) => ({ subject: w.name, status: 'fail' as const, summary: `${w.name}: ${w.why} (${j.from})`, evidence: j.evidence.slice(0, 1) }));
}

function algorithmCheck(id: string, title: string, severity: Check['severity'], name: string, key: string, weakList: () => readonly WeakPattern[], extra?: (n: string) => string | null): Check {
  return serverCheck({
    id,
    title,
    severity,
    judge(check, config) {
      const j = judgeList(config, name, key, weakList(), extra);
      if (j.names.length === 0) return finding(check, 'error', `${j.from}: no ${name} could be read`, j.evidence);
      if (j.weak.length > 0) return { ...finding(check, 'fail', `weak ${name} offered: ${weakSummary(j.weak)} (${j.from})`, j.evidence, offer('ssh.server.harden')), items: weakItems(j) };
      return finding(check, 'pass', `${j.names.length} ${name} offered, none weak (${j.from})`, j.evidence);
    },
  });
}

// ---------------------------------------------------------------------------

/** The hybrids this OpenSSH can do, from `ssh -Q kex` (null when that cannot be asked). */
async function supportedPostQuantum(host: Host, ctx: RunContext): Promise<string[] | null> {
  const r = await host.exec('ssh', ['-Q', 'kex'], { timeoutMs: 5000, signal: ctx.signal });
  if (r.exitCode !== 0) return null;
  const supported = new Set(r.stdout.split('\n').map((s) => s.trim()));
  return sshPolicy.kex.postQuantum.names.filter((n) => supported.has(n));
}

export const kexCheck: Check = serverCheck({
  id: 'ssh.server.kex',
  title: 'SSH server offers only strong key exchange',
  severity: 'high',
  async judge(check, config, host, ctx) {
    const j = judgeList(config, 'KexAlgorithms', 'kexalgorithms', sshPolicy.kex.weak);
    if (j.names.length === 0) return finding(check, 'error', `${j.from}: no KexAlgorithms could be read`, j.evidence);

    // Debian's GSSAPI key exchange offers its own list, only when switched on.
    if (config.get('gssapikeyexchange')?.value === 'yes') {
      const g = judgeList(config, 'GSSAPIKexAlgorithms', 'gssapikexalgorithms', sshPolicy.kex.weak);
      j.weak.push(...g.weak);
      j.evidence.push(...g.evidence);
    }
    const pqNames = sshPolicy.kex.postQuantum.names;
    const offeredPq = j.names.filter((n) => pqNames.some((p) => globMatch(p, n)));
    const supported = await supportedPostQuantum(host, ctx);
    j.evidence.push({ command: 'ssh -Q kex', text: supported === null ? 'could not be run' : `post-quantum hybrids supported: ${supported.join(', ') || 'none'}` });

    const parts: string[] = [];
    if (j.weak.length > 0) parts.push(`weak key exchange offered: ${weakSummary(j.weak)}`);
    const noPq = offeredPq.length === 0 && supported !== null && supported.length > 0;
    if (noPq) parts.push(`no post-quantum hybrid offered although this OpenSSH supports ${listSome(supported, 2)}`);
    const from = ` (${j.from})`;
    if (j.weak.length > 0) return { ...finding(check, 'fail', parts.join('; ') + from, j.evidence, offer('ssh.server.harden')), items: weakItems(j) };
    if (noPq) return finding(check, 'warn', parts.join('; ') + from, j.evidence, offer('ssh.server.harden'));
    const pq =
      offeredPq.length > 0
        ? `post-quantum ${listSome(offeredPq, 2)} offered`
        : supported === null
          ? 'no post-quantum hybrid offered (ssh -Q kex unavailable: cannot tell whether this OpenSSH has one)'
          : 'no post-quantum hybrid offered (this OpenSSH has none)';
    return finding(check, 'pass', `${j.names.length} key exchanges, none weak; ${pq}${from}`, j.evidence);
  },
});

export const ciphersCheck = algorithmCheck('ssh.server.ciphers', 'SSH server offers only strong ciphers', 'high', 'Ciphers', 'ciphers', () => sshPolicy.ciphers.weak);

export const macsCheck = algorithmCheck('ssh.server.macs', 'SSH server offers only strong MACs', 'medium', 'MACs', 'macs', () => sshPolicy.macs.weak, (n) => {
  const twin = sshPolicy.macs.etmTwins[n];
  return twin ? `MAC-then-encrypt; ${twin} is the EtM form` : null;
});

export const hostKeyAlgorithmsCheck = algorithmCheck(
  'ssh.server.host-key-algorithms',
  'SSH server signs with no DSA or RSA/SHA-1',
  'high',
  'HostKeyAlgorithms',
  'hostkeyalgorithms',
  () => sshPolicy.hostKeyAlgorithms.weak,
);
