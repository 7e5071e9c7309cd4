// Is an SSH server installed in this root? Asked of the root itself (its dpkg
// database, its sshd binary), never of the machine hardtop runs on, so that
// --root DIR is judged by DIR.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { DPKG_STATUS, lookupPackage } from '../updates/dpkg';
import { thrownMessage } from '../updates/finding';

export const SERVER_PACKAGE = 'openssh-server';
/** Where distributions put sshd. */
export const SSHD_BINARIES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'];

export type ServerPresence =
  | { kind: 'installed'; summary: string; evidence: Evidence[]; version?: string }
  | { kind: 'absent'; summary: string; evidence: Evidence[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

export async function detectServer(host: Host): Promise<ServerPresence> {
  let binary: string | null = null;
  for (const p of SSHD_BINARIES) {
    try {
      const st = await host.stat(p);
      if (st?.kind === 'file') {
        binary = p;
        break;
      }
    } catch {
      // unreadable: try the next place
    }
  }

  const lookup = await lookupPackage(host, SERVER_PACKAGE).catch((err) => ({ kind: 'error' as const, summary: thrownMessage(err), evidence: [{ file: DPKG_STATUS }] }));
  if (lookup.kind === 'known') {
    const p = lookup.presence;
    if (p.kind === 'installed' || p.kind === 'incomplete') {
      const version = p.pkg.version;
      const partly = p.kind === 'incomplete' ? ` (only partly installed: dpkg state "${p.pkg.status?.state}")` : '';
      return { kind: 'installed', summary: `${SERVER_PACKAGE} ${version ?? '(no version)'} is installed${partly}`, evidence: lookup.evidence, version };
    }
    if (binary) return { kind: 'installed', summary: `sshd is installed at ${binary} (not from a package)`, evidence: [{ file: binary }] };
    const why = p.kind === 'config-files' ? `${SERVER_PACKAGE} was removed (only its config files remain)` : `${SERVER_PACKAGE} is not installed`;
    return { kind: 'absent', summary: `no SSH server: ${why}`, evidence: lookup.evidence };
  }
  if (binary) return { kind: 'installed', summary: `sshd is installed at ${binary}`, evidence: [{ file: binary }] };
  if (lookup.kind === 'error') return { kind: 'error', summary: lookup.summary, evidence: lookup.evidence };
  return { kind: 'absent', summary: `no SSH server: no sshd in ${SSHD_BINARIES.join(', ')} and no dpkg database`, evidence: [] };
}
