// Signed Certificate Timestamps embedded in a certificate (RFC 6962 §3.3).
//
// The X.509 extension 1.3.6.1.4.1.11129.2.4.2 holds an OCTET STRING whose
// contents are a TLS-encoded (not DER) SignedCertificateTimestampList:
//
//   opaque SerializedSCT<1..2^16-1>;
//   struct { SerializedSCT sct_list<1..2^16-1>; } SignedCertificateTimestampList;
//
//   struct {
//     Version sct_version;            (1 byte, v1 = 0)
//     LogID id;                       (32 bytes: SHA-256 of the log's key)
//     uint64 timestamp;               (ms since the epoch)
//     CtExtensions extensions;        (opaque<0..2^16-1>)
//     digitally-signed struct { … };  (hash 1, signature 1, opaque<0..2^16-1>)
//   } SignedCertificateTimestamp;
//
// We count SCTs and their logs; we do not verify their signatures (that needs
// the logs' public keys, i.e. a log list we do not ship). Nothing throws:
// malformed input gives null.

import { certificateExtensions, octetStringContents } from './der';

export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

export interface Sct {
  version: number;
  /** The log's id, hex (64 characters for v1). */
  logId: string;
  /** Milliseconds since the epoch, as the log stamped it. */
  timestamp: number;
  hashAlgorithm: number;
  signatureAlgorithm: number;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

/** One SerializedSCT's bytes → the SCT, or null. Unknown versions keep only what v1 defines. */
export function parseSct(b: Uint8Array): Sct | null {
  // v1 minimum: 1 + 32 + 8 + 2 (extensions length) + 1 + 1 + 2 (signature length)
  if (b.length < 47) return null;
  const version = b[0];
  if (version !== 0) return null; // only v1 exists for embedded SCTs
  const logId = Buffer.from(b.subarray(1, 33)).toString('hex');
  let timestamp = 0;
  for (let i = 33; i < 41; i++) timestamp = timestamp * 256 + b[i];
  let p = 41;
  const extLen = u16(b, p);
  p += 2 + extLen;
  if (p + 4 > b.length) return null;
  const hashAlgorithm = b[p];
  const signatureAlgorithm = b[p + 1];
  const sigLen = u16(b, p + 2);
  p += 4 + sigLen;
  if (p !== b.length) return null;
  return { version, logId, timestamp, hashAlgorithm, signatureAlgorithm };
}

/** A TLS-encoded SignedCertificateTimestampList → its SCTs (at least one), or null. */
export function parseSctList(b: Uint8Array): Sct[] | null {
  if (b.length < 2) return null;
  const total = u16(b, 0);
  if (total + 2 !== b.length || total === 0) return null;
  const out: Sct[] = [];
  for (let p = 2; p < b.length; ) {
    if (p + 2 > b.length) return null;
    const len = u16(b, p);
    p += 2;
    if (len === 0 || p + len > b.length) return null;
    const sct = parseSct(b.subarray(p, p + len));
    if (!sct) return null;
    out.push(sct);
    p += len;
  }
  return out;
}

export type EmbeddedScts =
  | { kind: 'absent' }
  | { kind: 'ok'; scts: Sct[] }
  /** The certificate or its SCT extension does not decode. */
  | { kind: 'malformed'; why: string };

/** The SCTs embedded in a DER certificate. */
export function embeddedScts(certDer: Uint8Array): EmbeddedScts {
  const exts = certificateExtensions(certDer);
  if (!exts) return { kind: 'malformed', why: 'the certificate\'s extensions do not decode' };
  const ext = exts.find((e) => e.oid === SCT_LIST_OID);
  if (!ext) return { kind: 'absent' };
  const inner = octetStringContents(ext.value);
  if (!inner) return { kind: 'malformed', why: 'the SCT list extension is not an OCTET STRING' };
  const scts = parseSctList(inner);
  if (!scts) return { kind: 'malformed', why: 'the SCT list does not decode' };
  return { kind: 'ok', scts };
}

/** The distinct log ids among SCTs, in first-seen order. */
export function distinctLogs(scts: readonly Sct[]): string[] {
  return [...new Set(scts.map((s) => s.logId))];
}
