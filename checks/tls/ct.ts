// tls.cert.ct: a publicly trusted certificate carries enough embedded SCTs
// (Signed Certificate Timestamps, RFC 6962) for the browsers' Certificate
// Transparency policies, counted by distinct log. Without them Chrome and
// Safari reject the certificate outright, however valid it is otherwise.
//
// - Offline, from the certificate files (every certificate nginx serves or
//   certbot manages, like tls.cert.key). The CA embeds the SCTs; the admin
//   cannot add any, so a short count means "ask the CA / reissue".
// - "Publicly trusted" = the file's chain leads to a PUBLIC root of the
//   system trust store (under --root, the sysroot's): where the distribution
//   keeps its public roots apart (Debian: /usr/share/ca-certificates/mozilla),
//   only those count, so an admin's own CA added with update-ca-certificates
//   stays private; elsewhere every anchor of the bundle counts. Anything else
//   is a private CA, and CT does not apply: skipped, and the item says so. A
//   leaf-only file whose issuer is not an anchor itself also counts as "no
//   path" (the chain check reports that file as incomplete).
// - Thresholds per browser are data (assets/policy/tls.json `ct`). Log
//   OPERATORS (Chrome: at least two) and log states (qualified, usable …) need
//   a log list we do not ship: only distinct logs are counted, and the
//   summary of a passing check says so. SCTs sent in the TLS handshake or in
//   a stapled OCSP response are not looked at (rare with nginx; Chrome 148+
//   ignores the OCSP ones).

import type { X509Certificate } from 'node:crypto';
import type { Check, Item } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { distinctLogs, embeddedScts } from '../../src/parse/sct';
import { commonName, isSelfIssued, issued, parsePemBundle, readCertificates, subjectName, systemAnchors, validity } from './certs';
import { finding, fromItems, guardedCheck, item } from './finding';
import { inventoryGate, TLS_WATCH, tlsInventory, type CertRef } from './inventory';
import { tlsPolicy, type CtBrowserPolicy } from './policy';

const DAY = 86_400_000;

/** The trust anchor the chain (leaf first, any order) leads to, or null. */
export function anchorReached(chain: X509Certificate[], anchors: X509Certificate[]): X509Certificate | null {
  if (chain.length === 0) return null;
  const anchorFps = new Set(anchors.map((a) => a.fingerprint256));
  let top = chain[0];
  const used = new Set<X509Certificate>([top]);
  for (;;) {
    if (anchorFps.has(top.fingerprint256)) return top;
    const direct = anchors.find((a) => issued(top, a));
    if (direct) return direct;
    if (isSelfIssued(top)) return null;
    const next = chain.find((c) => !used.has(c) && issued(top, c));
    if (!next) return null;
    used.add(next);
    top = next;
  }
}

/** SCTs a browser wants for a certificate of this lifetime. */
export function requiredScts(policy: CtBrowserPolicy, lifetimeDays: number): number {
  const step = policy.minScts.find((s) => s.maxLifetimeDays === null || lifetimeDays <= s.maxLifetimeDays);
  return (step ?? policy.minScts[policy.minScts.length - 1]).scts;
}

export interface CtVerdict {
  status: 'pass' | 'fail';
  summary: string;
}

/** The verdict for `total` embedded SCTs from `logs` distinct logs on a certificate living `lifetimeDays`. */
export function judgeCt(total: number, logs: number, lifetimeDays: number, policies: CtBrowserPolicy[] = tlsPolicy.ct.policies): CtVerdict {
  const needs = policies.map((p) => ({ name: p.name, scts: requiredScts(p, lifetimeDays) }));
  const lifetime = `a ${Math.round(lifetimeDays)}-day lifetime`;
  const same = needs.every((n) => n.scts === needs[0].scts);
  const wants = same ? `${needs.map((n) => n.name).join(' and ')} need ${needs[0].scts} for ${lifetime}` : `${needs.map((n) => `${n.name} needs ${n.scts}`).join(', ')} for ${lifetime}`;
  const short = needs.filter((n) => logs < n.scts).map((n) => n.name);
  const counted =
    total === 0 ? 'no embedded SCT' : total === logs ? `${total} SCT${total === 1 ? '' : 's'} from ${logs} distinct log${logs === 1 ? '' : 's'}` : `${total} SCTs but from only ${logs} distinct log${logs === 1 ? '' : 's'}`;
  if (short.length === 0) return { status: 'pass', summary: `${counted} (${wants})` };
  return { status: 'fail', summary: `${counted}; ${wants}: ${short.join(' and ')} will reject it` };
}

async function ctItem(host: Host, ref: CertRef, anchors: X509Certificate[], storeNames: string): Promise<Item> {
  const read = await readCertificates(host, ref.path);
  if (!read.ok) return item(ref.path, ref.path.includes('$') ? 'info' : 'error', read.why, ref.evidence);
  const leaf = read.certs[0];
  const name = `"${subjectName(leaf)}"`;
  const anchor = anchorReached(read.certs, anchors);
  if (!anchor) {
    return item(ref.path, 'skip', `${name}: not publicly trusted (its chain leads to no anchor of ${storeNames}): CT does not apply to a private CA`, [
      { file: ref.path, text: `issuer: ${commonName(leaf.issuer)}` },
      ...ref.evidence,
    ]);
  }
  const scts = embeddedScts(leaf.raw);
  if (scts.kind === 'malformed') return item(ref.path, 'error', `${name}: ${scts.why}`, [{ file: ref.path, text: scts.why }, ...ref.evidence]);
  const list = scts.kind === 'ok' ? scts.scts : [];
  const logs = distinctLogs(list);
  const { from, to } = validity(leaf);
  const verdict = judgeCt(list.length, logs.length, (to.getTime() - from.getTime()) / DAY);
  const evidence = [
    { file: ref.path, text: list.length > 0 ? `SCT logs: ${logs.map((l) => l.slice(0, 16)).join(', ')}` : 'no SCT list extension (1.3.6.1.4.1.11129.2.4.2)' },
    ...ref.evidence,
  ];
  return item(ref.path, verdict.status, `${name}: ${verdict.summary}`, evidence);
}

export interface PublicAnchors {
  certs: X509Certificate[];
  /** For summaries: where they came from. */
  described: string;
}

/** The public roots: the bundle's anchors that are also in a public-roots directory, when there is one. */
export async function publicAnchors(host: Host): Promise<PublicAnchors> {
  const store = await systemAnchors(host);
  for (const dir of tlsPolicy.ct.publicRootDirs) {
    const files = await host.glob(`${dir}/*.crt`);
    if (files.length === 0) continue;
    const roots: X509Certificate[] = [];
    for (const file of files) {
      const r = await host.read(file, { maxBytes: 1024 * 1024 });
      if (r.ok) roots.push(...parsePemBundle(r.text).certs);
    }
    if (store.certs.length === 0) return { certs: roots, described: `the public roots in ${dir}` };
    const fps = new Set(roots.map((c) => c.fingerprint256));
    return { certs: store.certs.filter((c) => fps.has(c.fingerprint256)), described: `the public roots of ${store.sources.join(', ')} (those also in ${dir})` };
  }
  return { certs: store.certs, described: store.sources.join(', ') };
}

export const ctCheck: Check = guardedCheck({
  id: 'tls.cert.ct',
  area: 'tls',
  title: 'Publicly trusted certificates carry enough SCTs',
  severity: 'medium',
  watch: TLS_WATCH,
  interval: 3600,
  async run(host) {
    const inv = await tlsInventory(host);
    const gate = inventoryGate(ctCheck, inv, 'certs');
    if (gate) return gate;
    // Only the system store decides "public": a CA the admin configured
    // (ssl_trusted_certificate) is private by definition.
    const store = await publicAnchors(host);
    if (store.certs.length === 0) {
      return finding(ctCheck, 'error', `no trust store to tell publicly trusted certificates from private ones (none of ${tlsPolicy.trustStores.join(', ')} is readable, or it holds no public root)`);
    }
    const items = await Promise.all(inv.certs.map((ref) => ctItem(host, ref, store.certs, store.described)));
    const judged = items.filter((i) => i.status === 'pass').length;
    return fromItems(ctCheck, items, {
      emptySummary: 'no certificate',
      passSummary: `${judged} publicly trusted certificate(s) carry enough SCTs for ${tlsPolicy.ct.policies.map((p) => p.name).join(' and ')} (counted by distinct log; log operators are not checked)${items.length > judged ? `; ${items.length - judged} from a private CA (CT does not apply)` : ''}`,
    });
  },
});
