// Is fail2ban on this system (or sysroot)? The Debian package first; else
// the server program (pip and source installs have no package).

import type { Check, Evidence, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { lookupPackage } from '../updates/dpkg';
import { finding } from '../updates/finding';
import { fail2banPolicy } from './policy';

export type Install =
  | { kind: 'installed'; how: string; evidence: Evidence[] }
  | { kind: 'incomplete'; how: string; evidence: Evidence[] }
  | { kind: 'removed'; evidence: Evidence[] }
  | { kind: 'absent'; evidence: Evidence[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

async function program(host: Host): Promise<string | null> {
  for (const p of fail2banPolicy.install.programs) {
    const st = await host.stat(p).catch(() => null);
    if (st?.kind === 'file') return p;
  }
  return null;
}

export async function detectInstall(host: Host): Promise<Install> {
  const name = fail2banPolicy.install.package;
  const pkg = await lookupPackage(host, name);
  const prog = await program(host);
  const progEvidence: Evidence[] = prog ? [{ file: prog }] : [];
  if (pkg.kind === 'error') {
    // A corrupt dpkg database does not hide a program that is plainly there.
    if (prog) return { kind: 'installed', how: `${prog} is present (dpkg database unreadable)`, evidence: [...progEvidence, ...pkg.evidence] };
    return { kind: 'error', summary: pkg.summary, evidence: pkg.evidence };
  }
  if (pkg.kind === 'known') {
    const p = pkg.presence;
    switch (p.kind) {
      case 'installed':
        return { kind: 'installed', how: `package ${name} ${p.pkg.version ?? ''}`.trim(), evidence: pkg.evidence };
      case 'incomplete':
        return { kind: 'incomplete', how: `package ${name} is only partly installed (dpkg state "${p.pkg.status?.state}")`, evidence: pkg.evidence };
      case 'config-files':
        if (prog) return { kind: 'installed', how: `${prog} (the ${name} package was removed)`, evidence: [...progEvidence, ...pkg.evidence] };
        return { kind: 'removed', evidence: pkg.evidence };
      case 'absent':
        if (prog) return { kind: 'installed', how: `${prog} (not from a package)`, evidence: progEvidence };
        return { kind: 'absent', evidence: pkg.evidence };
    }
  }
  if (prog) return { kind: 'installed', how: `${prog} (no dpkg on this system)`, evidence: progEvidence };
  return { kind: 'absent', evidence: [] };
}

/** For every check but fail2ban.installed: a skip (or error) finding when fail2ban is not there, else null. */
export async function notInstalled(check: Check, host: Host): Promise<Finding | null> {
  const install = await detectInstall(host);
  switch (install.kind) {
    case 'installed':
    case 'incomplete':
      return null;
    case 'error':
      return finding(check, 'error', install.summary, install.evidence);
    case 'removed':
      return finding(check, 'skip', 'fail2ban is not installed (only its config files remain)');
    case 'absent':
      return finding(check, 'skip', 'fail2ban is not installed');
  }
}
