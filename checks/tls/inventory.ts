// What the tls checks look at: the TLS vhosts of nginx and Apache (apache.ts
// maps each <VirtualHost> onto nginx's per-server shape) and every certificate
// on disk that something serves or that certbot manages
// (/etc/letsencrypt/live/*). One certificate file is one item however many
// vhosts use it; a certbot lineage a vhost already points into is not listed twice.

import type { Check, Evidence, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { normaliseHostPath } from '../../src/host/host-paths';
import { resolveConfPath } from '../../src/parse/nginx-conf';
import { finding } from './finding';
import { apacheTlsVhosts, loadApache, type ApacheState } from './apache';
import { loadNginx, tlsVhosts, type NginxState, type TlsVhost } from './nginx';

export const LE_DIR = '/etc/letsencrypt';
export const LE_LIVE = `${LE_DIR}/live`;
export const LE_RENEWAL = `${LE_DIR}/renewal`;

export interface CertRef {
  /** Host path of the certificate file (relative ssl_certificate resolved against /etc/nginx). */
  path: string;
  keyPath: string | null;
  /** The config lines (or certbot lineage) that name it. */
  evidence: Evidence[];
  vhosts: TlsVhost[];
  /** certbot lineage name when the file is under /etc/letsencrypt/live/NAME/. */
  lineage: string | null;
}

export interface TlsInventory {
  nginx: NginxState;
  apache: ApacheState;
  vhosts: TlsVhost[];
  certs: CertRef[];
  letsencrypt: { present: boolean; lineages: string[] };
}

function normalised(path: string): string {
  try {
    return normaliseHostPath(path);
  } catch {
    return path; // a NUL byte: left as written; reading it fails with a clear reason
  }
}

function lineageOf(path: string): string | null {
  const m = /^\/etc\/letsencrypt\/live\/([^/]+)\//.exec(path);
  return m ? m[1] : null;
}

export async function letsencryptLineages(host: Host): Promise<{ present: boolean; lineages: string[] }> {
  const st = await host.stat(LE_DIR);
  if (!st || st.kind !== 'dir') return { present: false, lineages: [] };
  const names = (await host.list(LE_LIVE).catch(() => null)) ?? [];
  const lineages: string[] = [];
  for (const name of names) {
    const s = await host.stat(`${LE_LIVE}/${name}`).catch(() => null);
    if (s?.kind === 'dir') lineages.push(name);
  }
  return { present: true, lineages };
}

export async function tlsInventory(host: Host): Promise<TlsInventory> {
  const nginx = await loadNginx(host);
  const apache = await loadApache(host);
  const letsencrypt = await letsencryptLineages(host);
  const vhosts = [...(nginx.kind === 'ok' ? tlsVhosts(nginx.model) : []), ...apacheTlsVhosts(apache)];
  const byPath = new Map<string, CertRef>();
  for (const vhost of vhosts) {
    for (const pair of vhost.server.certificates) {
      // Lexically normalised: "../letsencrypt/live/x/…" (relative to /etc/nginx
      // or ServerRoot) is the certbot lineage's file, one item, not two.
      const path = normalised(resolveConfPath(pair.certificate.value));
      const keyPath = pair.key ? normalised(resolveConfPath(pair.key.value)) : null;
      let ref = byPath.get(path);
      if (!ref) {
        ref = { path, keyPath, evidence: [], vhosts: [], lineage: lineageOf(path) };
        byPath.set(path, ref);
      }
      ref.vhosts.push(vhost);
      ref.evidence.push({ file: pair.certificate.file, line: pair.certificate.line, text: pair.certificate.text ?? `ssl_certificate ${pair.certificate.value}` });
      if (pair.key) ref.evidence.push({ file: pair.key.file, line: pair.key.line, text: pair.key.text ?? `ssl_certificate_key ${pair.key.value}` });
    }
  }
  const usedLineages = new Set([...byPath.values()].map((r) => r.lineage).filter((l): l is string => l !== null));
  for (const name of letsencrypt.lineages) {
    if (usedLineages.has(name)) continue;
    const path = `${LE_LIVE}/${name}/fullchain.pem`;
    byPath.set(path, { path, keyPath: `${LE_LIVE}/${name}/privkey.pem`, evidence: [{ file: path, text: `certbot lineage ${name} (served by no nginx vhost)` }], vhosts: [], lineage: name });
  }
  return { nginx, apache, vhosts, certs: [...byPath.values()], letsencrypt };
}

/**
 * The finding for when there is nothing to judge, or null to go on:
 * error on an invalid nginx configuration (file:line), skip without nginx and
 * certbot, skip when neither has a certificate.
 */
export function inventoryGate(check: Check, inv: TlsInventory, need: 'certs' | 'vhosts'): Finding | null {
  if (inv.nginx.kind === 'error') return finding(check, 'error', inv.nginx.summary, inv.nginx.evidence);
  if (inv.apache.kind === 'error') return finding(check, 'error', inv.apache.summary, inv.apache.evidence);
  const noServer = inv.nginx.kind === 'absent' && inv.apache.kind === 'absent';
  const why = inv.nginx.kind === 'absent' ? `${inv.nginx.why}${inv.apache.kind === 'absent' ? ' and no Apache' : ''}` : '';
  if (need === 'vhosts') {
    if (noServer) return finding(check, 'skip', why);
    if (inv.vhosts.length === 0) {
      const servers = [inv.nginx.kind === 'ok' ? 'nginx has no TLS server (no `listen … ssl` and no `ssl on`)' : '', inv.apache.kind === 'ok' ? 'Apache has no <VirtualHost> with SSLEngine on' : ''].filter(Boolean);
      return finding(check, 'skip', servers.join('; '));
    }
    return null;
  }
  if (noServer && !inv.letsencrypt.present) return finding(check, 'skip', `${why}, and no ${LE_DIR}`);
  if (inv.certs.length === 0) return finding(check, 'skip', 'no certificate: no TLS server of nginx or Apache names one, and /etc/letsencrypt/live holds none');
  return null;
}

/** Watched paths shared by the tls checks: any edit to nginx or certbot's files re-runs them. */
export const TLS_WATCH = ['/etc/nginx/nginx.conf', '/etc/nginx/conf.d', '/etc/nginx/sites-enabled', '/etc/apache2/apache2.conf', '/etc/apache2/sites-enabled', '/etc/apache2/conf-enabled', '/etc/letsencrypt/live', '/etc/letsencrypt/renewal'];
