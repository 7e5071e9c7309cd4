// What a host key is (type, bits, SHA256 fingerprint), read from its files
// without running anything: the `.pub` half (one "type base64 comment"
// line), else the public key stored in clear in the header of an
// openssh-key-v1 private key, else (legacy PEM keys) the private key through
// Node's crypto for type and size only. Pure except for the hash.

import { createHash, createPrivateKey } from 'node:crypto';

export interface KeyInfo {
  /** SSH key type: ssh-ed25519, ssh-rsa, ssh-dss, ecdsa-sha2-nistp256, sk-… */
  type: string;
  bits: number | null;
  /** "SHA256:…" as ssh-keygen -l prints it; null when only a PEM private key was there. */
  fingerprint: string | null;
  comment: string;
}

export type KeyRead = { ok: true; key: KeyInfo } | { ok: false; problem: string };

class Reader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    if (this.off + 4 > this.buf.length) throw new Error('truncated');
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.off + n > this.buf.length) throw new Error('truncated');
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
}

/** Bit length of an SSH mpint (big-endian, maybe a leading 0x00). */
function mpintBits(b: Buffer): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
}

const CURVE_BITS: Record<string, number> = { nistp256: 256, nistp384: 384, nistp521: 521 };

/** Type and size from a public key blob (RFC 4253 §6.6 and its successors). */
export function describeBlob(blob: Buffer): { type: string; bits: number | null } {
  const r = new Reader(blob);
  const type = r.string();
  if (type === 'ssh-rsa') {
    r.bytes(); // e
    return { type, bits: mpintBits(r.bytes()) };
  }
  if (type === 'ssh-dss') return { type, bits: mpintBits(r.bytes()) }; // p
  if (type.startsWith('ecdsa-sha2-') || type.startsWith('sk-ecdsa-sha2-')) return { type, bits: CURVE_BITS[r.string()] ?? null };
  if (type === 'ssh-ed25519' || type.startsWith('sk-ssh-ed25519')) return { type, bits: 256 };
  return { type, bits: null };
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A `.pub` file: "type base64 [comment]" (options are not allowed in a host key's .pub). */
export function parsePublicKeyLine(text: string): KeyRead {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (!line) return { ok: false, problem: 'empty public key file' };
  const [type, b64, ...rest] = line.split(/\s+/);
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { ok: false, problem: 'not a "type base64 comment" public key line' };
  try {
    const blob = Buffer.from(b64, 'base64');
    const d = describeBlob(blob);
    if (d.type !== type) return { ok: false, problem: `the key says ${d.type} but the line says ${type}` };
    return { ok: true, key: { type: d.type, bits: d.bits, fingerprint: fingerprint(blob), comment: rest.join(' ') } };
  } catch {
    return { ok: false, problem: 'the key data is truncated' };
  }
}

const OPENSSH_V1 = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/;
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** The public half of a private key file, without any passphrase. */
export function parsePrivateKeyFile(text: string): KeyRead {
  const m = OPENSSH_V1.exec(text);
  if (m) {
    try {
      const raw = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
      if (!raw.subarray(0, MAGIC.length).equals(MAGIC)) return { ok: false, problem: 'not an openssh-key-v1 file' };
      const r = new Reader(raw.subarray(MAGIC.length));
      r.string(); // cipher
      r.string(); // kdf
      r.bytes(); // kdf options
      const n = r.u32();
      if (n < 1) return { ok: false, problem: 'the key file holds no key' };
      const blob = r.bytes();
      const d = describeBlob(blob);
      return { ok: true, key: { type: d.type, bits: d.bits, fingerprint: fingerprint(blob), comment: '' } };
    } catch {
      return { ok: false, problem: 'the openssh-key-v1 data is truncated' };
    }
  }
  if (/-----BEGIN (RSA|DSA|EC) PRIVATE KEY-----/.test(text) && !/ENCRYPTED/.test(text)) {
    try {
      const k = createPrivateKey(text);
      const details = k.asymmetricKeyDetails ?? {};
      const type = k.asymmetricKeyType === 'rsa' ? 'ssh-rsa' : k.asymmetricKeyType === 'dsa' ? 'ssh-dss' : k.asymmetricKeyType === 'ec' ? `ecdsa-sha2-${curveName(details.namedCurve)}` : String(k.asymmetricKeyType);
      const bits = details.modulusLength ?? (details.namedCurve ? (CURVE_BITS[curveName(details.namedCurve)] ?? null) : null);
      return { ok: true, key: { type, bits, fingerprint: null, comment: '' } };
    } catch {
      return { ok: false, problem: 'an unreadable PEM private key' };
    }
  }
  return { ok: false, problem: 'not a private key format hardtop reads' };
}

function curveName(named: string | undefined): string {
  return named === 'prime256v1' ? 'nistp256' : named === 'secp384r1' ? 'nistp384' : named === 'secp521r1' ? 'nistp521' : String(named);
}
