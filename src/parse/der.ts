// A tiny DER walker: enough ASN.1 to find an X.509 extension by OID and read
// simple values, for what Node's X509Certificate does not decode (the
// embedded SCT list, the TLS Feature "must-staple" extension).
//
// Certificates reach us from disk and from the network: every read is
// bounds-checked against the enclosing element, nothing here throws, and a
// malformed input gives null. Only definite lengths are accepted (DER has no
// indefinite form); length fields longer than 4 bytes are refused (nothing we
// read is anywhere near 4 GiB).

export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** One DER element (tag, length, value) as offsets into the buffer it was read from. */
export interface Tlv {
  cls: TagClass;
  constructed: boolean;
  /** Tag number within its class (SEQUENCE is universal 16, [3] is context 3). */
  number: number;
  /** Offset of the identifier octet. */
  start: number;
  /** First byte of the contents. */
  contentStart: number;
  /** One past the last byte of the contents (and of the element). */
  end: number;
}

const CLASSES: TagClass[] = ['universal', 'application', 'context', 'private'];

/** Universal tag numbers used here. */
export const TAG = { BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, ENUMERATED: 10, SEQUENCE: 16, SET: 17 } as const;

/** The element that starts at `offset`, which must end at or before `limit`; null when malformed. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv | null {
  const end0 = Math.min(limit, buf.length);
  if (!Number.isInteger(offset) || offset < 0 || offset >= end0) return null;
  let p = offset;
  const id = buf[p++];
  const cls = CLASSES[id >> 6];
  const constructed = (id & 0x20) !== 0;
  let number = id & 0x1f;
  if (number === 0x1f) {
    // High tag number form: base-128, at most 4 octets (no real tag needs more).
    number = 0;
    for (let i = 0; ; i++) {
      if (p >= end0 || i >= 4) return null;
      const b = buf[p++];
      number = number * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= end0) return null;
  const first = buf[p++];
  let length: number;
  if (first < 0x80) length = first;
  else {
    const count = first & 0x7f;
    if (count === 0 || count > 4) return null; // indefinite form, or absurdly long
    if (p + count > end0) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[p++];
  }
  const end = p + length;
  if (end > end0) return null;
  return { cls, constructed, number, start: offset, contentStart: p, end };
}

/** The element at `offset` only if it has the expected universal tag. */
function expectUniversal(buf: Uint8Array, offset: number, limit: number, number: number): Tlv | null {
  const t = readTlv(buf, offset, limit);
  return t && t.cls === 'universal' && t.number === number ? t : null;
}

/** The elements inside a constructed element, in order; null when any is malformed. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] | null {
  if (!parent.constructed) return null;
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const child = readTlv(buf, p, parent.end);
    if (!child) return null;
    out.push(child);
    p = child.end;
  }
  return out;
}

export function contentOf(buf: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(buf.subarray(tlv.contentStart, tlv.end));
}

/** Dotted form of an OBJECT IDENTIFIER's contents ("1.3.6.1.4.1.11129.2.4.2"); null when malformed. */
export function decodeOid(bytes: Uint8Array): string | null {
  if (bytes.length === 0 || bytes.length > 128) return null;
  const arcs: number[] = [];
  let value = 0;
  let inArc = false;
  for (const b of bytes) {
    if (!inArc && b === 0x80) return null; // a leading 0x80 is not minimal
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return null;
    inArc = (b & 0x80) !== 0;
    if (!inArc) {
      arcs.push(value);
      value = 0;
    }
  }
  if (inArc) return null; // the last arc never ended
  const first = arcs[0];
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

export interface X509Extension {
  oid: string;
  critical: boolean;
  /** The contents of extnValue (the DER of the extension's own structure). */
  value: Buffer;
}

/**
 * The extensions of a DER certificate:
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { …, [3] EXPLICIT SEQUENCE OF Extension }, … }
 *   Extension   ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 * [] for a certificate without extensions (v1); null when malformed.
 */
export function certificateExtensions(der: Uint8Array): X509Extension[] | null {
  const cert = expectUniversal(der, 0, der.length, TAG.SEQUENCE);
  if (!cert || cert.end !== der.length) return null;
  const tbs = expectUniversal(der, cert.contentStart, cert.end, TAG.SEQUENCE);
  if (!tbs) return null;
  const fields = childrenOf(der, tbs);
  if (!fields) return null;
  const wrapper = fields.find((f) => f.cls === 'context' && f.number === 3 && f.constructed);
  if (!wrapper) return [];
  const list = expectUniversal(der, wrapper.contentStart, wrapper.end, TAG.SEQUENCE);
  if (!list || list.end !== wrapper.end) return null;
  const entries = childrenOf(der, list);
  if (!entries) return null;
  const out: X509Extension[] = [];
  for (const entry of entries) {
    if (entry.cls !== 'universal' || entry.number !== TAG.SEQUENCE) return null;
    const parts = childrenOf(der, entry);
    if (!parts || parts.length < 2 || parts.length > 3) return null;
    const [idTlv, maybeCritical, maybeValue] = parts;
    if (idTlv.cls !== 'universal' || idTlv.number !== TAG.OID) return null;
    const oid = decodeOid(contentOf(der, idTlv));
    if (!oid) return null;
    let critical = false;
    let valueTlv = maybeCritical;
    if (parts.length === 3) {
      if (maybeCritical.cls !== 'universal' || maybeCritical.number !== TAG.BOOLEAN || maybeCritical.end - maybeCritical.contentStart !== 1) return null;
      critical = der[maybeCritical.contentStart] !== 0;
      valueTlv = maybeValue;
    }
    if (valueTlv.cls !== 'universal' || valueTlv.number !== TAG.OCTET_STRING || valueTlv.constructed) return null;
    out.push({ oid, critical, value: contentOf(der, valueTlv) });
  }
  return out;
}

/** The contents of a DER OCTET STRING that must fill `bytes` exactly; null otherwise. */
export function octetStringContents(bytes: Uint8Array): Buffer | null {
  const t = expectUniversal(bytes, 0, bytes.length, TAG.OCTET_STRING);
  if (!t || t.constructed || t.end !== bytes.length) return null;
  return contentOf(bytes, t);
}

/** A small non-negative DER INTEGER (≤ 2^48); null when it is not one. */
export function smallInteger(buf: Uint8Array, tlv: Tlv): number | null {
  if (tlv.cls !== 'universal' || tlv.number !== TAG.INTEGER || tlv.constructed) return null;
  const len = tlv.end - tlv.contentStart;
  if (len === 0 || len > 6) return null;
  if (buf[tlv.contentStart] & 0x80) return null; // negative
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) v = v * 256 + buf[i];
  return v;
}
