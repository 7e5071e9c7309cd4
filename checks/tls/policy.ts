// TLS policy from assets/policy/tls.json (policy is data, not code).

import raw from '../../assets/policy/tls.json';
import type { TlsVersion } from '../../src/host/probe-types';

export interface CipherClass {
  id: string;
  /** Short name for summaries ("static RSA"). */
  label: string;
  /** Why it is judged so, for the item's evidence. */
  why: string;
  /** OpenSSL cipher string offered alone at TLS 1.2 to see whether the server accepts the class. */
  offer: string;
  verdict: 'warn' | 'fail';
  /** Matches ssl_ciphers elements of this class, for what this OpenSSL cannot offer (RC4, 3DES …). */
  configPattern: string;
}

export interface TlsPolicy {
  source: string;
  /** Warn when at most 1/warnLifetimeDivisor of the lifetime is left (3: certbot's own renewal point); fail at failDays (CHECKS.md). */
  expiry: { failDays: number; warnLifetimeDivisor: number };
  keys: { rsaMinBits: number; rsaWarnBelowBits: number; ecCurves: string[]; okTypes: string[] };
  protocols: { probe: string[]; forbidden: string[]; wanted: string[]; recommended: string };
  intermediate: { tls12Ciphers: string[]; tls13Ciphersuites: string[]; preferServerCiphers: boolean };
  cipherClasses: CipherClass[];
  nginx: {
    defaultCiphers: string;
    protocolDefaults: Array<{ before: string | null; protocols: string[] }>;
    ticketKeyRotationFrom: string;
    packages: string[];
  };
  trustStores: string[];
  renewal: {
    timers: string[];
    cronFiles: string[];
    systemdGuard: string;
    /** Where certbot comes from: a Debian package, else a program (pip, snap, the official /opt install). */
    certbotPackages: string[];
    certbotPrograms: string[];
  };
  ct: CtPolicy;
  ocsp: { source: string; stapleRetryMs: number; clockSkewSeconds: number };
}

/** One browser's embedded-SCT rule: the first step whose maxLifetimeDays (null: no limit) covers the lifetime. */
export interface CtBrowserPolicy {
  name: string;
  minScts: Array<{ maxLifetimeDays: number | null; scts: number }>;
}

export interface CtPolicy {
  source: string;
  /** false: the SCTs are counted by log only (operators need a log list we do not ship). */
  logOperatorsChecked: boolean;
  /**
   * Directories of the distribution's PUBLIC roots (Debian: the Mozilla set
   * that ca-certificates ships). Where one exists, only its roots make a
   * certificate "publicly trusted": an admin's own CA added to the bundle
   * (update-ca-certificates, /usr/local/share/ca-certificates) stays private.
   */
  publicRootDirs: string[];
  policies: CtBrowserPolicy[];
}

const TLS_VERSIONS: readonly string[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export function isTlsVersion(v: string): v is TlsVersion {
  return TLS_VERSIONS.includes(v);
}

/** Problems with the policy data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function tlsPolicyProblems(p: TlsPolicy): string[] {
  const problems: string[] = [];
  if (!(p.expiry.failDays >= 0)) problems.push('expiry.failDays must be ≥ 0');
  if (!(Number.isInteger(p.expiry.warnLifetimeDivisor) && p.expiry.warnLifetimeDivisor > 1)) problems.push('expiry.warnLifetimeDivisor must be an integer > 1');
  if (!(p.keys.rsaMinBits >= 1024 && p.keys.rsaWarnBelowBits >= p.keys.rsaMinBits)) problems.push('keys: rsaMinBits ≥ 1024 and rsaWarnBelowBits ≥ rsaMinBits');
  for (const v of p.protocols.probe) if (!isTlsVersion(v)) problems.push(`protocols.probe: ${v} is not a TLS version Node can offer`);
  for (const c of p.cipherClasses) {
    if (c.verdict !== 'warn' && c.verdict !== 'fail') problems.push(`cipherClasses.${c.id}: verdict must be warn or fail`);
    try {
      new RegExp(c.configPattern, 'i');
    } catch {
      problems.push(`cipherClasses.${c.id}: configPattern is not a regular expression`);
    }
  }
  if (p.nginx.protocolDefaults.at(-1)?.before !== null) problems.push('nginx.protocolDefaults must end with an open-ended entry (before: null)');
  if (p.ct.policies.length === 0) problems.push('ct.policies must name at least one browser policy');
  for (const b of p.ct.policies) {
    const steps = b.minScts;
    if (steps.length === 0 || steps.at(-1)?.maxLifetimeDays !== null) problems.push(`ct.${b.name}: minScts must end with an open-ended step (maxLifetimeDays: null)`);
    for (let i = 0; i < steps.length; i++) {
      if (!(Number.isInteger(steps[i].scts) && steps[i].scts >= 1)) problems.push(`ct.${b.name}: scts must be a positive integer`);
      const prev = i > 0 ? steps[i - 1].maxLifetimeDays : 0;
      const cur = steps[i].maxLifetimeDays;
      if (cur !== null && (prev === null || cur <= prev)) problems.push(`ct.${b.name}: maxLifetimeDays must increase`);
    }
  }
  if (!(p.ocsp.stapleRetryMs >= 0 && p.ocsp.stapleRetryMs <= 10_000)) problems.push('ocsp.stapleRetryMs must be 0-10000');
  if (!(p.ocsp.clockSkewSeconds >= 0)) problems.push('ocsp.clockSkewSeconds must be ≥ 0');
  return problems;
}

export const tlsPolicy = raw as TlsPolicy;
