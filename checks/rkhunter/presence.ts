// Is rkhunter on this system? dpkg's database says so on Debian and Ubuntu;
// elsewhere (an rpm from EPEL, a source install in /usr/local) the program
// file does.

import type { Check, Evidence, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { lookupPackage } from '../updates/dpkg';
import { finding } from '../updates/finding';
import { rkhunterPolicy } from './policy';

export const RKH_PACKAGE = rkhunterPolicy.package;

export type RkhunterPresence =
  | { kind: 'installed'; version: string | null; via: 'dpkg' | 'file'; evidence: Evidence[] }
  | { kind: 'incomplete'; state: string; evidence: Evidence[] }
  | { kind: 'removed'; evidence: Evidence[] }
  | { kind: 'absent'; evidence: Evidence[]; dpkg: boolean }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

async function programFile(host: Host): Promise<string | null> {
  for (const p of rkhunterPolicy.programs) {
    const st = await host.stat(p);
    if (st && st.kind === 'file') return p;
  }
  return null;
}

export async function detectRkhunter(host: Host): Promise<RkhunterPresence> {
  const lookup = await lookupPackage(host, RKH_PACKAGE);
  if (lookup.kind === 'error') return { kind: 'error', summary: lookup.summary, evidence: lookup.evidence };
  if (lookup.kind === 'known') {
    const p = lookup.presence;
    if (p.kind === 'installed') return { kind: 'installed', version: p.pkg.version ?? null, via: 'dpkg', evidence: lookup.evidence };
    if (p.kind === 'incomplete') return { kind: 'incomplete', state: p.pkg.status?.state ?? 'unknown', evidence: lookup.evidence };
    // Not from the package: a source install in /usr/local still counts.
    const file = await programFile(host);
    if (file) return { kind: 'installed', version: null, via: 'file', evidence: [{ file, text: 'rkhunter program (not from a Debian package)' }] };
    if (p.kind === 'config-files') return { kind: 'removed', evidence: lookup.evidence };
    return { kind: 'absent', evidence: lookup.evidence, dpkg: true };
  }
  const file = await programFile(host);
  if (file) return { kind: 'installed', version: null, via: 'file', evidence: [{ file, text: 'rkhunter program' }] };
  return { kind: 'absent', evidence: [{ text: `no ${rkhunterPolicy.programs.join(' or ')}` }], dpkg: false };
}

/**
 * For every check but rkhunter.installed: a finding when there is nothing to
 * judge (not installed: skip; unreadable package database: error), else null.
 */
export async function gateOnRkhunter(check: Check, host: Host): Promise<{ stop: Finding } | { stop: null; presence: Extract<RkhunterPresence, { kind: 'installed' | 'incomplete' }> }> {
  const p = await detectRkhunter(host);
  if (p.kind === 'error') return { stop: finding(check, 'error', p.summary, p.evidence) };
  if (p.kind === 'absent' || p.kind === 'removed') return { stop: finding(check, 'skip', 'rkhunter is not installed (see rkhunter.installed)', p.evidence) };
  return { stop: null, presence: p };
}
