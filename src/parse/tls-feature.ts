// The TLS Feature extension (RFC 7633), better known as OCSP Must-Staple:
//   id-pe-tlsfeature 1.3.6.1.5.5.7.1.24, Features ::= SEQUENCE OF INTEGER
// A certificate listing status_request (5) tells clients to reject a
// handshake that comes without a stapled OCSP response — so a server that
// does not staple breaks its own site for Firefox users.

import { certificateExtensions, childrenOf, readTlv, smallInteger, TAG } from './der';

export const TLS_FEATURE_OID = '1.3.6.1.5.5.7.1.24';
const STATUS_REQUEST = 5;

/** true: Must-Staple; false: no such feature; null: the certificate or the extension does not decode. */
export function mustStaple(certDer: Uint8Array): boolean | null {
  const exts = certificateExtensions(certDer);
  if (!exts) return null;
  const ext = exts.find((e) => e.oid === TLS_FEATURE_OID);
  if (!ext) return false;
  const seq = readTlv(ext.value, 0);
  if (!seq || seq.cls !== 'universal' || seq.number !== TAG.SEQUENCE || seq.end !== ext.value.length) return null;
  const items = childrenOf(ext.value, seq);
  if (!items) return null;
  const features = items.map((i) => smallInteger(ext.value, i));
  if (features.some((f) => f === null)) return null;
  return features.includes(STATUS_REQUEST);
}
