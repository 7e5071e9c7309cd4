// Certificates and keys, offline: reading PEM files through the Host and
// judging them with Node's crypto (X509Certificate does parsing, dates, SANs,
// hostname matching, issuer checks and key matching; no extension decoding
// is needed for this slice).

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Host } from '../../src/host/host';
import { tlsPolicy } from './policy';

const PEM_CERT = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:TRUSTED )?CERTIFICATE-----/g;

export interface CertBundle {
  certs: X509Certificate[];
  /** PEM blocks that did not parse. */
  bad: number;
}

export function parsePemBundle(text: string): CertBundle {
  const certs: X509Certificate[] = [];
  let bad = 0;
  for (const m of text.match(PEM_CERT) ?? []) {
    try {
      certs.push(new X509Certificate(m.replace(/TRUSTED CERTIFICATE/g, 'CERTIFICATE')));
    } catch {
      bad++;
    }
  }
  return { certs, bad };
}

export type CertRead = { ok: true; certs: X509Certificate[] } | { ok: false; why: string };

function readWhy(reason: string): string {
  switch (reason) {
    case 'missing':
      return 'does not exist';
    case 'denied':
      return 'permission denied';
    case 'not-a-file':
      return 'not a regular file';
    case 'too-large':
      return 'too large';
    default:
      return 'cannot be read';
  }
}

/** The certificates of a PEM file (leaf first, as written). */
export async function readCertificates(host: Host, path: string): Promise<CertRead> {
  if (path.includes('$')) return { ok: false, why: `${path} holds a variable (chosen per request); not checked` };
  const r = await host.read(path, { maxBytes: 4 * 1024 * 1024 });
  if (!r.ok) return { ok: false, why: `${path} ${readWhy(r.reason)}` };
  const { certs, bad } = parsePemBundle(r.text);
  if (certs.length === 0) return { ok: false, why: bad > 0 ? `${path}: the certificate does not parse` : `${path} holds no PEM certificate` };
  return { ok: true, certs };
}

export type KeyRead = { ok: true; key: KeyObject } | { ok: false; why: string; encrypted?: boolean };

export async function readPrivateKey(host: Host, path: string): Promise<KeyRead> {
  if (path.includes('$')) return { ok: false, why: `${path} holds a variable; not checked` };
  if (path.startsWith('engine:') || path.startsWith('store:')) return { ok: false, why: `${path} is held by an OpenSSL engine/store; not checked` };
  const r = await host.read(path, { maxBytes: 1024 * 1024 });
  if (!r.ok) return { ok: false, why: `key ${path} ${readWhy(r.reason)}` };
  try {
    return { ok: true, key: createPrivateKey(r.text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/passphrase|encrypted|bad decrypt/i.test(message) || /ENCRYPTED/.test(r.text)) {
      return { ok: false, why: `key ${path} is passphrase-protected (ssl_password_file); the match is not checked`, encrypted: true };
    }
    return { ok: false, why: `key ${path} does not parse as a private key` };
  }
}

/** The CN of a certificate's subject (or issuer), else the whole first line. */
export function commonName(dn: string): string {
  const cn = dn.split('\n').find((l) => l.startsWith('CN='));
  return (cn ?? dn.split('\n')[0] ?? '').replace(/^CN=/, '');
}

export function subjectName(cert: X509Certificate): string {
  return commonName(cert.subject);
}

/** DNS names and IPs in the subjectAltName. */
export function sans(cert: X509Certificate): string[] {
  const text = cert.subjectAltName ?? '';
  const out: string[] = [];
  for (const part of text.split(/,\s*/)) {
    const m = /^(DNS|IP Address):(.*)$/.exec(part.trim());
    if (m) out.push(m[2].trim());
  }
  return out;
}

export function isSelfIssued(cert: X509Certificate): boolean {
  return cert.checkIssued(cert);
}

export function issued(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export function validity(cert: X509Certificate): { from: Date; to: Date } {
  return { from: new Date(cert.validFrom), to: new Date(cert.validTo) };
}

export function isoDay(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'an unreadable date' : d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// Keys

export interface KeyVerdict {
  status: 'pass' | 'warn' | 'fail';
  description: string;
}

export function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `RSA ${d.modulusLength ?? '?'}`;
    case 'ec':
      return `EC ${d.namedCurve ?? '?'}`;
    case 'dsa':
      return `DSA ${d.modulusLength ?? '?'}`;
    default:
      return key.asymmetricKeyType ? key.asymmetricKeyType.toUpperCase().replace('ED', 'Ed') : 'unknown key type';
  }
}

/** RSA ≥ 2048 (warn < 3072), EC on an allowed curve, Ed25519/Ed448; anything else fails. */
export function judgeKey(key: KeyObject): KeyVerdict {
  const { keys } = tlsPolicy;
  const description = describeKey(key);
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = d.modulusLength ?? 0;
      if (bits < keys.rsaMinBits) return { status: 'fail', description: `${description}: below ${keys.rsaMinBits} bits` };
      if (bits < keys.rsaWarnBelowBits) return { status: 'warn', description: `${description}: below the recommended ${keys.rsaWarnBelowBits} bits` };
      return { status: 'pass', description };
    }
    case 'ec':
      return keys.ecCurves.includes(d.namedCurve ?? '') ? { status: 'pass', description } : { status: 'fail', description: `${description}: not P-256 or stronger` };
    default:
      if (keys.okTypes.includes(key.asymmetricKeyType ?? '')) return { status: 'pass', description };
      return { status: 'fail', description: `${description}: not an accepted key type` };
  }
}

// ---------------------------------------------------------------------------
// Trust anchors and chains

export interface Anchors {
  certs: X509Certificate[];
  /** Where they came from, for the summary. */
  sources: string[];
}

/** The system trust store (under --root: the sysroot's), first one found. */
export async function systemAnchors(host: Host): Promise<Anchors> {
  for (const path of tlsPolicy.trustStores) {
    const r = await host.read(path, { maxBytes: 16 * 1024 * 1024 });
    if (r.ok) return { certs: parsePemBundle(r.text).certs, sources: [path] };
  }
  return { certs: [], sources: [] };
}

export interface ChainVerdict {
  status: 'pass' | 'warn' | 'fail';
  summary: string;
}

/**
 * Does `chain` (leaf first, as served or as in the file) lead to a trust
 * anchor, with each certificate followed by its issuer? Judged:
 * - fail: an issuer missing (incomplete chain), a certificate before its
 *   issuer's issuer (out of order), untrusted root, an expired intermediate;
 * - warn: certificates sent that belong to no path (strays);
 * - pass otherwise (a root sent along is harmless and noted).
 * `ordered` false: the order is not known (Node's view of a TLS 1.3-only server).
 */
export function verifyChain(chain: X509Certificate[], anchors: X509Certificate[], now: Date, ordered = true): ChainVerdict {
  if (chain.length === 0) return { status: 'fail', summary: 'no certificate' };
  const path: X509Certificate[] = [chain[0]];
  const used = new Set<number>([0]);
  for (;;) {
    const top = path[path.length - 1];
    if (isSelfIssued(top)) break;
    const idx = chain.findIndex((c, i) => !used.has(i) && issued(top, c));
    if (idx === -1) break;
    used.add(idx);
    path.push(chain[idx]);
  }
  const top = path[path.length - 1];
  const anchorFps = new Set(anchors.map((a) => a.fingerprint256));
  let trustedBy: X509Certificate | null = null;
  if (anchorFps.has(top.fingerprint256)) trustedBy = top;
  else if (!isSelfIssued(top)) trustedBy = anchors.find((a) => issued(top, a)) ?? null;

  const notes: string[] = [];
  if (!trustedBy) {
    if (isSelfIssued(top)) return { status: 'fail', summary: path.length === 1 ? `self-signed certificate "${subjectName(top)}", not a trust anchor` : `root "${subjectName(top)}" is not a trust anchor` };
    return { status: 'fail', summary: `incomplete chain: the issuer "${commonName(top.issuer)}" of "${subjectName(top)}" is neither sent nor a trust anchor` };
  }
  if (ordered) {
    const outOfOrder = path.some((c, i) => chain[i] !== c);
    if (outOfOrder) {
      return { status: 'fail', summary: `intermediates out of order: sent ${chain.map(subjectName).map((n) => `"${n}"`).join(' → ')}, expected ${path.map(subjectName).map((n) => `"${n}"`).join(' → ')}` };
    }
  }
  for (const c of path.slice(1)) {
    if (c === trustedBy) continue;
    const { from, to } = validity(c);
    if (to.getTime() < now.getTime()) return { status: 'fail', summary: `intermediate "${subjectName(c)}" expired on ${isoDay(to)}` };
    if (from.getTime() > now.getTime()) return { status: 'fail', summary: `intermediate "${subjectName(c)}" is not valid before ${isoDay(from)}` };
  }
  const strays = chain.filter((_, i) => !used.has(i));
  if (strays.length > 0) {
    return { status: 'warn', summary: `verifies to "${subjectName(trustedBy)}", but ${strays.length} certificate(s) sent belong to no path: ${strays.map(subjectName).map((n) => `"${n}"`).join(', ')}` };
  }
  if (trustedBy === top && path.length > 1) notes.push('the root is sent too (harmless, unneeded)');
  const intermediates = path.length - 1 - (trustedBy === top && path.length > 1 ? 1 : 0);
  return { status: 'pass', summary: `verifies to "${subjectName(trustedBy)}" with ${intermediates} intermediate(s)${ordered ? ' in order' : ''}${notes.length ? `; ${notes.join('; ')}` : ''}` };
}

/**
 * Is `name` (a server_name) covered by the certificate's SANs? Browsers ignore
 * the subject CN, so it is never used. A wildcard server_name must be matched
 * by the same wildcard SAN; "example.com" is not covered by "*.example.com".
 */
export function coversName(cert: X509Certificate, name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('*.')) return sans(cert).some((s) => s.toLowerCase() === lower);
  if (/^[0-9.]+$/.test(lower) || lower.includes(':')) return cert.checkIP(lower) !== undefined;
  return cert.checkHost(lower, { subject: 'never' }) !== undefined;
}
