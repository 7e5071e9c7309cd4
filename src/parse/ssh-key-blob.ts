// SSH public key blobs (RFC 4253 §6.6, RFC 5656, RFC 8709, OpenSSH's
// PROTOCOL.certkeys and PROTOCOL.u2f), pure: bytes in, facts out.
//
// What the key checks need from a key without running ssh-keygen: its type,
// its family (what the policy judges), its size (RSA modulus bits, EC curve),
// its SHA256 fingerprint as `ssh-keygen -l` prints it, and for an OpenSSH
// certificate the key inside it and a few certificate fields. A blob written
// by a user is untrusted: every length is checked, nothing here throws, and a
// truncated or inconsistent blob is a problem with a reason.

import { createHash } from 'node:crypto';

export type KeyFamily = 'rsa' | 'dsa' | 'ecdsa' | 'ed25519' | 'sk-ecdsa' | 'sk-ed25519' | 'xmss' | 'mldsa-ed25519' | 'unknown';

export interface CertificateFacts {
  /** 1 user, 2 host. */
  certType: number;
  serial: bigint;
  keyId: string;
  principals: string[];
  /** Seconds since the epoch; 0 = always, 2^64-1 = forever. */
  validAfter: bigint;
  validBefore: bigint;
  /** The CA key's type (the signature key inside the certificate). */
  signedBy: string;
}

export interface PublicKeyFacts {
  /** The type string inside the blob: `ssh-ed25519`, `ssh-rsa-cert-v01@openssh.com` … */
  type: string;
  /** For a certificate, the type of the key it certifies (`ssh-rsa`); otherwise `type`. */
  keyType: string;
  family: KeyFamily;
  /** RSA/DSA modulus bits, EC curve bits, 256 for Ed25519; null when unknown. */
  bits: number | null;
  /** `nistp256` … for ECDSA keys. */
  curve?: string;
  /** `ssh:` (or what a FIDO key was registered for) for security keys. */
  application?: string;
  certificate?: CertificateFacts;
  /** `SHA256:…` exactly as ssh-keygen -l prints it. */
  fingerprint: string;
}

export type BlobRead = { ok: true; key: PublicKeyFacts } | { ok: false; problem: string };

/** Key type names OpenSSH reads in authorized_keys and .pub files (sshkey.c keytypes[]; certificates included). */
export const PLAIN_KEY_TYPES: readonly string[] = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ssh-ed25519@openssh.com',
  'ssh-xmss@openssh.com',
  'ssh-mldsa44-ed25519@openssh.com',
];

const CERT_SUFFIX = '-cert-v01@openssh.com';

/** `ssh-rsa-cert-v01@openssh.com` → `ssh-rsa`; `sk-ssh-ed25519-cert-v01@openssh.com` → `sk-ssh-ed25519@openssh.com`. */
export function certifiedType(type: string): string | null {
  if (!type.endsWith(CERT_SUFFIX)) return null;
  const base = type.slice(0, -CERT_SUFFIX.length);
  return PLAIN_KEY_TYPES.includes(base) ? base : PLAIN_KEY_TYPES.includes(`${base}@openssh.com`) ? `${base}@openssh.com` : null;
}

export function isKnownKeyType(type: string): boolean {
  return PLAIN_KEY_TYPES.includes(type) || certifiedType(type) !== null;
}

export function familyOf(plainType: string): KeyFamily {
  if (plainType === 'ssh-rsa') return 'rsa';
  if (plainType === 'ssh-dss') return 'dsa';
  if (plainType.startsWith('ecdsa-sha2-')) return 'ecdsa';
  if (plainType === 'ssh-ed25519') return 'ed25519';
  if (plainType.startsWith('sk-ecdsa-')) return 'sk-ecdsa';
  if (plainType.startsWith('sk-ssh-ed25519')) return 'sk-ed25519';
  if (plainType.startsWith('ssh-xmss')) return 'xmss';
  if (plainType.startsWith('ssh-mldsa44-ed25519')) return 'mldsa-ed25519';
  return 'unknown';
}

const CURVE_BITS: Readonly<Record<string, number>> = { nistp256: 256, nistp384: 384, nistp521: 521 };

class Truncated extends Error {}

/** A bounds-checked reader of the SSH wire format (uint32 lengths, big-endian). */
export class SshReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.off;
  }
  get offset(): number {
    return this.off;
  }
  u8(): number {
    if (this.off + 1 > this.buf.length) throw new Truncated();
    return this.buf[this.off++];
  }
  u32(): number {
    if (this.off + 4 > this.buf.length) throw new Truncated();
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    if (this.off + 8 > this.buf.length) throw new Truncated();
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (n > this.remaining) throw new Truncated();
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
}

/** Runs `fn` on a reader; a read past the end (or any other surprise in untrusted bytes) becomes `null`, never an exception. */
export function readSafely<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Bit length of an SSH mpint / DER INTEGER magnitude (big-endian, leading zero bytes ignored). */
export function magnitudeBits(b: Buffer): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]));
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

interface KeyFields {
  bits: number | null;
  curve?: string;
  application?: string;
  problem?: string;
}

/** The key-specific fields of `plainType`, as they follow the type (or the nonce, in a certificate). */
function readKeyFields(r: SshReader, plainType: string): KeyFields {
  switch (familyOf(plainType)) {
    case 'rsa': {
      r.bytes(); // e
      const n = r.bytes();
      return { bits: magnitudeBits(n) };
    }
    case 'dsa': {
      const p = r.bytes();
      r.bytes(); // q
      r.bytes(); // g
      r.bytes(); // y
      return { bits: magnitudeBits(p) };
    }
    case 'ecdsa':
    case 'sk-ecdsa': {
      const curve = r.string();
      r.bytes(); // Q
      const expected = plainType.replace(/^sk-/, '').replace(/^ecdsa-sha2-/, '').replace(/@openssh\.com$/, '');
      const application = plainType.startsWith('sk-') ? r.string() : undefined;
      if (curve !== expected) return { bits: CURVE_BITS[curve] ?? null, curve, application, problem: `the key is on curve ${curve} but its type says ${expected}` };
      return { bits: CURVE_BITS[curve] ?? null, curve, application };
    }
    case 'ed25519':
    case 'sk-ed25519': {
      const pk = r.bytes();
      const application = plainType.startsWith('sk-') ? r.string() : undefined;
      if (pk.length !== 32) return { bits: null, application, problem: `an Ed25519 public key of ${pk.length} bytes (32 expected)` };
      return { bits: 256, application };
    }
    case 'xmss':
      r.string(); // parameter set name
      r.bytes(); // public key
      return { bits: null };
    default:
      return { bits: null };
  }
}

/**
 * Facts about a public key blob. `expectType`, when given, is the type the
 * line around the blob claims: OpenSSH refuses a line whose blob says
 * otherwise, so do we.
 */
export function describePublicKeyBlob(blob: Buffer, expectType?: string): BlobRead {
  const out = readSafely((): BlobRead => {
    const r = new SshReader(blob);
    const type = r.string();
    if (expectType !== undefined && type !== expectType) return { ok: false, problem: `the key data is ${printable(type)} but the line says ${printable(expectType)}` };
    const base = certifiedType(type);
    const plainType = base ?? type;
    if (!isKnownKeyType(type) && type.endsWith(CERT_SUFFIX)) return { ok: false, problem: `unknown certificate type ${printable(type)}` };
    let certificate: CertificateFacts | undefined;
    if (base !== null) r.bytes(); // nonce
    const fieldsStart = r.offset;
    const fields = readKeyFields(r, plainType);
    const fieldsEnd = r.offset;
    if (fields.problem) return { ok: false, problem: fields.problem };
    if (base !== null) {
      const serial = r.u64();
      const certType = r.u32();
      const keyId = r.string();
      const principals: string[] = [];
      const pr = new SshReader(r.bytes());
      while (pr.remaining > 0) principals.push(pr.string());
      const validAfter = r.u64();
      const validBefore = r.u64();
      r.bytes(); // critical options
      r.bytes(); // extensions
      r.bytes(); // reserved
      const signatureKey = r.bytes();
      const signedBy = signatureKey.length >= 4 ? (readSafely(() => new SshReader(signatureKey).string()) ?? '?') : '?';
      certificate = { certType, serial, keyId, principals, validAfter, validBefore, signedBy };
    }
    const key: PublicKeyFacts = {
      type,
      keyType: plainType,
      family: familyOf(plainType),
      bits: fields.bits,
      // ssh-keygen -l fingerprints a certificate by the key it certifies (sshkey_fingerprint: force_plain).
      fingerprint: sha256Fingerprint(base !== null ? Buffer.concat([sshString(Buffer.from(plainType, 'latin1')), blob.subarray(fieldsStart, fieldsEnd)]) : blob),
    };
    if (fields.curve !== undefined) key.curve = fields.curve;
    if (fields.application !== undefined) key.application = fields.application;
    if (certificate) key.certificate = certificate;
    return { ok: true, key };
  });
  return out ?? { ok: false, problem: 'the key data is truncated' };
}

/** Base64 as OpenSSH writes it (no whitespace, optional padding); null when it is not. */
export function decodeBase64Strict(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 === 1 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** A short, printable rendering of a type name read from untrusted bytes. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f-\xff]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

/** "RSA 3072", "ECDSA P-256", "Ed25519", "ECDSA-SK P-256", "DSA 1024" — the way an admin says it. */
export function keyLabel(k: Pick<PublicKeyFacts, 'family' | 'bits' | 'curve' | 'certificate' | 'keyType'>): string {
  const curve = k.curve ? ` P-${CURVE_BITS[k.curve] ?? k.curve}` : '';
  const base: Record<KeyFamily, string> = {
    rsa: `RSA ${k.bits ?? '?'}`,
    dsa: `DSA ${k.bits ?? '?'}`,
    ecdsa: `ECDSA${curve}`,
    ed25519: 'Ed25519',
    'sk-ecdsa': `ECDSA-SK${curve}`,
    'sk-ed25519': 'Ed25519-SK',
    xmss: 'XMSS',
    'mldsa-ed25519': 'ML-DSA-44+Ed25519',
    unknown: k.keyType,
  };
  return `${base[k.family]}${k.certificate ? ' certificate' : ''}`;
}
