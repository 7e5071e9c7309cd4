// Which nginx the configuration is for, and the compiled-in defaults that
// follow from it (ssl_protocols' default changed in 1.23.4; nginx rotates
// session ticket keys itself from 1.23.2).
//
// On the running system the version comes from `nginx -v`. Under --root the
// sysroot's own dpkg database says which package is installed: running this
// machine's nginx would leak the real system into a report about DIR.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { packagePresence, parseDpkgStatus } from '../../src/parse/dpkg-status';
import { tlsPolicy } from './policy';

export interface NginxVersion {
  /** "1.22.1", or null when unknown. */
  version: string | null;
  evidence: Evidence;
}

const DPKG_STATUS = '/var/lib/dpkg/status';

export async function nginxVersion(host: Host): Promise<NginxVersion> {
  if (host.root === '/') {
    const r = await host.exec('nginx', ['-v'], { timeoutMs: 5000 }).catch(() => null);
    const m = r ? /nginx\/(\d+\.\d+\.\d+)/.exec(`${r.stderr}\n${r.stdout}`) : null;
    if (m) return { version: m[1], evidence: { command: 'nginx -v', text: `nginx/${m[1]}` } };
  }
  const status = await host.read(DPKG_STATUS, { maxBytes: 64 * 1024 * 1024 });
  if (status.ok) {
    const parsed = parseDpkgStatus(status.text);
    for (const name of tlsPolicy.nginx.packages) {
      const p = packagePresence(parsed, name);
      if (p.kind === 'installed' && p.pkg.version) {
        const upstream = /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(p.pkg.version);
        if (upstream) return { version: upstream[1], evidence: { file: DPKG_STATUS, line: p.pkg.line, text: `${name} ${p.pkg.version}` } };
      }
    }
  }
  return { version: null, evidence: { text: 'nginx version unknown (no `nginx -v` on this root, no nginx package in its dpkg database)' } };
}

/** Compare dotted numeric versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** nginx's default ssl_protocols for a version; null version: the oldest (most permissive) default, said so. */
export function defaultProtocols(version: string | null): string[] {
  for (const entry of tlsPolicy.nginx.protocolDefaults) {
    if (entry.before === null) return entry.protocols;
    if (version === null || compareVersions(version, entry.before) < 0) return entry.protocols;
  }
  return [];
}

/** Whether this nginx rotates session ticket keys itself (else tickets should be off). */
export function rotatesTicketKeys(version: string | null): boolean | null {
  if (version === null) return null;
  return compareVersions(version, tlsPolicy.nginx.ticketKeyRotationFrom) >= 0;
}
