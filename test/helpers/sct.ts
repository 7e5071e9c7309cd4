// Synthetic SCT lists (RFC 6962 §3.3) for tests: a test CA cannot get real
// SCTs from a log, so certificates carry a hand-built list in the extension
// 1.3.6.1.4.1.11129.2.4.2 (openssl: `1.3.6.1.4.1.11129.2.4.2 = DER:<hex>`).
// The signatures are filler: nothing in hardtop verifies them.

/** One v1 SCT whose 32-byte log id is `logByte` repeated. */
export function sct(logByte: number, timestamp = Date.UTC(2026, 10, 1), signatureBytes = 8): Buffer {
  const b = Buffer.alloc(1 + 32 + 8 + 2 + 2 + 2 + signatureBytes);
  let p = 0;
  b[p++] = 0; // v1
  b.fill(logByte, p, p + 32);
  p += 32;
  b.writeBigUInt64BE(BigInt(timestamp), p);
  p += 8;
  b.writeUInt16BE(0, p); // no extensions
  p += 2;
  b[p++] = 4; // sha256
  b[p++] = 3; // ecdsa
  b.writeUInt16BE(signatureBytes, p);
  p += 2;
  b.fill(0xab, p);
  return b;
}

/** The TLS-encoded SignedCertificateTimestampList of these SCTs. */
export function sctList(scts: Buffer[]): Buffer {
  const body = Buffer.concat(scts.map((s) => Buffer.concat([u16(s.length), s])));
  return Buffer.concat([u16(body.length), body]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A DER OCTET STRING around `content` (the extnValue contents of the SCT extension). */
export function octetString(content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([0x04]), len, content]);
}

/** An openssl extension line carrying SCTs from these logs (one SCT per entry; repeat a byte for duplicates). */
export function sctExtensionLine(logBytes: number[]): string {
  return `1.3.6.1.4.1.11129.2.4.2 = DER:${octetString(sctList(logBytes.map((b) => sct(b)))).toString('hex')}`;
}
