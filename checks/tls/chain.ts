// tls.cert.chain: the chain a vhost serves verifies to a trust anchor with
// the intermediates in order. Anchors: the system trust store (under --root,
// the sysroot's), the vhost's ssl_trusted_certificate (a CA the admin
// configured) and any extra anchors the caller gives.
//
// Live when probes can run (the chain as the server SENT it; see
// src/host/tls-probe.ts for how the order is read). Otherwise — --no-network,
// --root, no probes — the chain in the certificate FILE is judged, and the
// summary says so: a missing intermediate in fullchain.pem is the same
// mistake whether or not we can connect. certbot lineages no vhost serves
// are judged from their fullchain.pem.

import type { X509Certificate } from 'node:crypto';
import type { Check, Item } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { resolveConfPath } from '../../src/parse/nginx-conf';
import { parsePemBundle, readCertificates, systemAnchors, verifyChain, type Anchors } from './certs';
import { finding, fromItems, guardedCheck, item } from './finding';
import { inventoryGate, TLS_WATCH, tlsInventory } from './inventory';
import { vhostTargets } from './live';
import type { TlsVhost } from './nginx';
import { tlsPolicy } from './policy';
import { chooseProber, notRunText, type TlsProber } from './probe';
import type { TlsCheckOptions } from './options';

async function anchorsFor(host: Host, base: Anchors, vhost: TlsVhost | null): Promise<X509Certificate[]> {
  const out = [...base.certs];
  const trusted = vhost?.server.trustedCertificate;
  if (trusted) {
    const read = await readCertificates(host, resolveConfPath(trusted.value));
    if (read.ok) out.push(...read.certs);
  }
  return out;
}

async function fileChainItem(host: Host, subject: string, path: string, anchors: X509Certificate[], now: Date, note: string, evidence: Item['evidence']): Promise<Item> {
  const read = await readCertificates(host, path);
  if (!read.ok) return item(subject, path.includes('$') ? 'info' : 'error', read.why, evidence);
  const verdict = verifyChain(read.certs, anchors, now, true);
  const suffix = read.certs.length === 1 && verdict.status !== 'pass' ? ` (${path} holds the leaf only: nginx sends no intermediate)` : '';
  return item(subject, verdict.status, `${verdict.summary}${suffix}${note}`, [{ file: path, text: `${read.certs.length} certificate(s) in the file` }, ...evidence]);
}

async function liveItem(prober: TlsProber, vhost: TlsVhost, anchors: X509Certificate[], now: Date): Promise<Item> {
  const where = vhostTargets(vhost);
  if ('subject' in where) return where;
  const { target, label } = where.targets[0];
  const r = await prober.handshake(target);
  if (r.outcome !== 'connected') return item(label, r.outcome === 'skipped' ? 'skip' : 'error', `handshake ${notRunText(r)}`, where.evidence);
  const chain = r.chain.flatMap((pem) => parsePemBundle(pem).certs);
  const verdict = verifyChain(chain, anchors, now, r.chainAsSent);
  const how = r.chainAsSent ? `${chain.length} certificate(s) served` : `${chain.length} certificate(s), order unknown (TLS 1.3 only server: the handshake is encrypted)`;
  return item(label, verdict.status, `${verdict.summary} (${how})`, [
    { command: `TLS handshake ${target.address}:${target.port} SNI ${target.servername ?? '(none)'}`, text: how },
    ...where.evidence,
  ]);
}

export function makeChainCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'tls.cert.chain',
    area: 'tls',
    title: 'Certificate chains verify, intermediates in order',
    severity: 'high',
    watch: TLS_WATCH,
    interval: 3600,
    timeoutMs: 60_000,
    async run(host, ctx) {
      const inv = await tlsInventory(host);
      const gate = inventoryGate(check, inv, 'certs');
      if (gate) return gate;
      const base = await systemAnchors(host);
      if (opts.extraAnchors) {
        base.certs.push(...opts.extraAnchors.flatMap((p) => parsePemBundle(p).certs));
        base.sources.push('extra anchors');
      }
      if (base.certs.length === 0) {
        return finding(check, 'error', `no trust store to verify against (none of ${tlsPolicy.trustStores.join(', ')} is readable): is ca-certificates installed?`);
      }
      const choice = chooseProber(host, ctx, opts.prober);
      const items: Item[] = [];
      for (const vhost of inv.vhosts) {
        const anchors = await anchorsFor(host, base, vhost);
        if (choice.prober) {
          items.push(await liveItem(choice.prober, vhost, anchors, ctx.now));
          continue;
        }
        const pair = vhost.server.certificates[0];
        if (!pair) {
          items.push(item(vhost.label, 'error', 'TLS server without ssl_certificate', []));
          continue;
        }
        const evidence = [{ file: pair.certificate.file, line: pair.certificate.line, text: pair.certificate.text ?? `ssl_certificate ${pair.certificate.value}` }];
        items.push(await fileChainItem(host, vhost.label, resolveConfPath(pair.certificate.value), anchors, ctx.now, `; from the file (${choice.skip ?? 'not probed'})`, evidence));
      }
      for (const ref of inv.certs.filter((c) => c.vhosts.length === 0)) {
        items.push(await fileChainItem(host, ref.path, ref.path, base.certs, ctx.now, '', ref.evidence));
      }
      return fromItems(check, items, { emptySummary: 'no certificate', passSummary: `${items.length} chain(s) verify to ${base.sources.join(' + ')}, intermediates in order` });
    },
  });
  return check;
}
