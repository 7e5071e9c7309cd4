// tls.cert.hostname: every server_name of a TLS vhost is covered by the
// subjectAltNames of each certificate it serves (browsers ignore the subject
// CN). Regex names and names with variables cannot be checked and are said so;
// "_" and "" are catch-alls, not names.

import type { Check, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { resolveConfPath } from '../../src/parse/nginx-conf';
import { coversName, readCertificates, sans } from './certs';
import { fromItems, guardedCheck, item, listSome, worst } from './finding';
import { inventoryGate, TLS_WATCH, tlsInventory } from './inventory';
import { serverEvidence, type TlsVhost } from './nginx';

/** The names a server_name list asks the certificate to cover (".x" means x and *.x). */
export function namesToCover(serverNames: string[]): { names: string[]; unchecked: string[] } {
  const names: string[] = [];
  const unchecked: string[] = [];
  for (const raw of serverNames) {
    if (raw === '' || raw === '_') continue;
    if (raw.startsWith('~') || raw.includes('$')) {
      unchecked.push(raw);
      continue;
    }
    const lower = raw.toLowerCase();
    const add = lower.startsWith('.') ? [lower.slice(1), `*${lower}`] : [lower];
    for (const n of add) if (!names.includes(n)) names.push(n);
  }
  return { names, unchecked };
}

async function vhostItem(host: Host, vhost: TlsVhost): Promise<Item> {
  const server = vhost.server;
  const evidence = [serverEvidence(server), ...(server.serverNameAt ? [{ file: server.serverNameAt.file, line: server.serverNameAt.line, text: server.serverNameAt.text ?? `server_name ${server.serverNameAt.value.join(' ')}` }] : [])];
  const { names, unchecked } = namesToCover(server.serverNames);
  if (server.certificates.length === 0) return item(vhost.label, 'error', 'TLS server without ssl_certificate (nginx refuses TLS handshakes on it)', evidence);
  if (names.length === 0) {
    return item(vhost.label, 'info', unchecked.length > 0 ? `only regex/variable names (${listSome(unchecked)}): not checked` : 'catch-all server (no server_name): nothing to cover', evidence);
  }
  const statuses: Status[] = [];
  const parts: string[] = [];
  for (const pair of server.certificates) {
    const path = resolveConfPath(pair.certificate.value);
    const certEvidence = { file: pair.certificate.file, line: pair.certificate.line, text: pair.certificate.text ?? `ssl_certificate ${pair.certificate.value}` };
    const read = await readCertificates(host, path);
    if (!read.ok) {
      statuses.push(path.includes('$') ? 'info' : 'error');
      parts.push(read.why);
      evidence.push(certEvidence);
      continue;
    }
    const missing = names.filter((n) => !coversName(read.certs[0], n));
    if (missing.length > 0) {
      statuses.push('fail');
      parts.push(`${path} does not cover ${listSome(missing, 4)} (its names: ${listSome(sans(read.certs[0]), 4) || 'none'})`);
      evidence.push(certEvidence);
    } else {
      statuses.push('pass');
      parts.push(`${path} covers ${listSome(names, 4)}`);
    }
  }
  if (unchecked.length > 0) parts.push(`not checked: ${listSome(unchecked)}`);
  return item(vhost.label, worst(statuses), parts.join('; '), evidence);
}

export const hostnameCheck: Check = guardedCheck({
  id: 'tls.cert.hostname',
  area: 'tls',
  title: 'Certificates cover every server name',
  severity: 'high',
  watch: TLS_WATCH,
  interval: 3600,
  async run(host) {
    const inv = await tlsInventory(host);
    const gate = inventoryGate(hostnameCheck, inv, 'vhosts');
    if (gate) return gate;
    const items = await Promise.all(inv.vhosts.map((v) => vhostItem(host, v)));
    return fromItems(hostnameCheck, items, { emptySummary: 'no TLS vhost', passSummary: `${items.length} TLS vhost(s): every server_name is covered` });
  },
});
