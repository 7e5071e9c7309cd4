// Private key files as ssh and ssh-keygen write them, pure: text in, facts out.
//
// What ssh.keys.user needs without ever decrypting anything (hardtop never
// tries a passphrase): the key's type and size, and whether the file is
// protected by a passphrase.
// - openssh-key-v1 (`BEGIN OPENSSH PRIVATE KEY`, ssh-keygen's format since
//   7.8): cipher and kdf names are in clear, cipher "none" means no
//   passphrase, "aes256-ctr" with kdf "bcrypt" means one; the public keys are
//   in clear too, so type, bits and fingerprint are known either way; the
//   comment is readable only when the key is not encrypted (PROTOCOL.key).
// - legacy PEM (`BEGIN RSA|DSA|EC PRIVATE KEY`): a `Proc-Type: 4,ENCRYPTED`
//   header means a passphrase; without it the DER is in clear and gives the
//   modulus or curve (RFC 8017 A.1.2, RFC 5915, OpenSSL's DSA layout).
// - PKCS#8 (`BEGIN PRIVATE KEY` in clear, `BEGIN ENCRYPTED PRIVATE KEY`
//   protected, RFC 5958): algorithm and size from the AlgorithmIdentifier.
// - PuTTY .ppk v2/v3: `Encryption: none` or a cipher; the public blob is in
//   clear.
// Nothing here throws, whatever the bytes.

import { decodeBase64Strict, describePublicKeyBlob, familyOf, magnitudeBits, readSafely, sha256Fingerprint, SshReader, type KeyFamily, type PublicKeyFacts } from './ssh-key-blob';

export type PrivateKeyFormat = 'openssh-key-v1' | 'pem-rsa' | 'pem-dsa' | 'pem-ec' | 'pkcs8' | 'pkcs8-encrypted' | 'putty';

export interface PrivateKeyPublicPart {
  /** SSH key type when known (`ssh-rsa`, `ecdsa-sha2-nistp256` …). */
  type: string | null;
  family: KeyFamily;
  bits: number | null;
  curve?: string;
  /** SHA256 fingerprint when the public key could be rebuilt from the file. */
  fingerprint: string | null;
  /** The full facts when the file holds the public blob (openssh-key-v1, PuTTY). */
  blob?: PublicKeyFacts;
}

export interface PrivateKeyFacts {
  format: PrivateKeyFormat;
  /** true: a passphrase protects it; false: whoever reads the file holds the key. */
  encrypted: boolean;
  /** openssh-key-v1 / PuTTY cipher, PEM DEK-Info algorithm. */
  cipher?: string;
  kdf?: string;
  /** bcrypt rounds of an openssh-key-v1 key (ssh-keygen's default is 16). */
  kdfRounds?: number;
  /** null when only the passphrase would tell (an encrypted PEM or PKCS#8 key). */
  key: PrivateKeyPublicPart | null;
  /** Readable when the key is not encrypted (openssh-key-v1) or from a PuTTY header. */
  comment?: string;
  /** openssh-key-v1 files may hold several keys; ssh uses the first. */
  keyCount: number;
}

export type PrivateKeyRead =
  | { kind: 'key'; facts: PrivateKeyFacts }
  /** Not a private key at all (a README, a known_hosts, a public key). */
  | { kind: 'not-a-key' }
  /** It says it is a private key, but its data cannot be read. */
  | { kind: 'malformed'; format: PrivateKeyFormat | 'pem'; problem: string };

const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** Cheap test: does the text announce a private key? */
export function looksLikePrivateKey(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text) || /^PuTTY-User-Key-File-\d+:/m.test(text);
}

export function parsePrivateKey(text: string): PrivateKeyRead {
  try {
    if (/^PuTTY-User-Key-File-\d+:/m.test(text)) return parsePutty(text);
    const block = firstPrivateKeyBlock(text);
    if (block === null) return { kind: 'not-a-key' };
    if (block.body === null) return { kind: 'malformed', format: 'pem', problem: `a BEGIN ${block.label} line without its END line` };
    const label = block.label;
    const { headers, body } = splitPemBody(block.body);
    const der = decodeBase64Loose(body);
    if (label === 'OPENSSH PRIVATE KEY') return parseOpenSshV1(der);
    if (label === 'ENCRYPTED PRIVATE KEY') return { kind: 'key', facts: { format: 'pkcs8-encrypted', encrypted: true, key: null, keyCount: 1 } };
    if (label === 'RSA PRIVATE KEY' || label === 'DSA PRIVATE KEY' || label === 'EC PRIVATE KEY') return parseLegacyPem(label, headers, der);
    if (label === 'PRIVATE KEY') return parsePkcs8(der);
    return { kind: 'malformed', format: 'pem', problem: `a "${label}" block, a format hardtop does not read` };
  } catch {
    return { kind: 'malformed', format: 'pem', problem: 'unreadable key data' };
  }
}

// ---------------------------------------------------------------------------
// openssh-key-v1 (PROTOCOL.key)

function parseOpenSshV1(raw: Buffer | null): PrivateKeyRead {
  if (raw === null || !raw.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return { kind: 'malformed', format: 'openssh-key-v1', problem: 'not an openssh-key-v1 file (bad magic)' };
  const r = readSafely(() => {
    const rd = new SshReader(raw.subarray(OPENSSH_MAGIC.length));
    const cipher = rd.string();
    const kdf = rd.string();
    const kdfOptions = rd.bytes();
    const n = rd.u32();
    const publics: Buffer[] = [];
    for (let i = 0; i < n && i < 64; i++) publics.push(rd.bytes());
    const privateSection = rd.bytes();
    return { cipher, kdf, kdfOptions, n, publics, privateSection };
  });
  if (r === null) return { kind: 'malformed', format: 'openssh-key-v1', problem: 'the openssh-key-v1 data is truncated' };
  if (r.n < 1) return { kind: 'malformed', format: 'openssh-key-v1', problem: 'the key file holds no key' };
  const encrypted = r.cipher !== 'none';
  if (!encrypted && r.kdf !== 'none') return { kind: 'malformed', format: 'openssh-key-v1', problem: `cipher "none" with kdf "${printable(r.kdf)}"` };
  if (encrypted && r.kdf === 'none') return { kind: 'malformed', format: 'openssh-key-v1', problem: `cipher "${printable(r.cipher)}" without a kdf` };
  const d = describePublicKeyBlob(r.publics[0]);
  if (!d.ok) return { kind: 'malformed', format: 'openssh-key-v1', problem: `its public key: ${d.problem}` };
  const facts: PrivateKeyFacts = {
    format: 'openssh-key-v1',
    encrypted,
    cipher: printable(r.cipher),
    kdf: printable(r.kdf),
    key: fromBlob(d.key),
    keyCount: r.n,
  };
  if (r.kdf === 'bcrypt') {
    const rounds = readSafely(() => {
      const k = new SshReader(r.kdfOptions);
      k.bytes(); // salt
      return k.u32();
    });
    if (rounds !== null) facts.kdfRounds = rounds;
  }
  if (!encrypted) {
    const comment = clearComment(r.privateSection, d.key.type);
    if (comment !== null) facts.comment = comment;
  }
  return { kind: 'key', facts };
}

function fromBlob(k: PublicKeyFacts): PrivateKeyPublicPart {
  const part: PrivateKeyPublicPart = { type: k.type, family: k.family, bits: k.bits, fingerprint: k.fingerprint, blob: k };
  if (k.curve !== undefined) part.curve = k.curve;
  return part;
}

/** The comment of the first key in a private section stored in clear (cipher "none"). */
function clearComment(section: Buffer, type: string): string | null {
  return readSafely(() => {
    const r = new SshReader(section);
    const check1 = r.u32();
    const check2 = r.u32();
    if (check1 !== check2) return null;
    if (r.string() !== type) return null;
    const fields: Record<string, number> = { rsa: 6, dsa: 5, ecdsa: 3, ed25519: 2 };
    const fam = familyOf(type);
    if (fam in fields) {
      for (let i = 0; i < fields[fam]; i++) r.bytes();
    } else if (fam === 'sk-ecdsa' || fam === 'sk-ed25519') {
      if (fam === 'sk-ecdsa') r.bytes(); // curve
      r.bytes(); // public key
      r.bytes(); // application
      r.u8(); // flags
      r.bytes(); // key handle
      r.bytes(); // reserved
    } else {
      return null;
    }
    return r.string();
  });
}

// ---------------------------------------------------------------------------
// PEM

/**
 * The first `-----BEGIN … PRIVATE KEY-----` block: its label and the text up
 * to its END line (null when there is none). A scan with indexOf, not a
 * backtracking regex, so a file of a million BEGIN lines stays linear.
 */
function firstPrivateKeyBlock(text: string): { label: string; body: string | null } | null {
  const BEGIN = '-----BEGIN ';
  let at = text.indexOf(BEGIN);
  while (at !== -1) {
    const labelStart = at + BEGIN.length;
    const labelEnd = text.indexOf('-----', labelStart);
    if (labelEnd === -1) return null;
    const label = text.slice(labelStart, labelEnd);
    if (/^[A-Z0-9 ]{1,64}$/.test(label) && label.endsWith('PRIVATE KEY')) {
      const bodyStart = labelEnd + 5;
      const endAt = text.indexOf(`-----END ${label}-----`, bodyStart);
      return { label, body: endAt === -1 ? null : text.slice(bodyStart, endAt) };
    }
    at = text.indexOf(BEGIN, labelStart);
  }
  return null;
}

function splitPemBody(body: string): { headers: Map<string, string>; body: string } {
  const headers = new Map<string, string>();
  const lines = body.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: …") end at a blank line.
  if (lines.some((l) => /^[A-Za-z-]+:/.test(l))) {
    for (; i < lines.length; i++) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(lines[i]);
      if (!m) break;
      headers.set(m[1].toLowerCase(), m[2].trim());
    }
    while (i < lines.length && lines[i].trim() === '') i++;
  }
  return { headers, body: lines.slice(i).join('') };
}

function decodeBase64Loose(text: string): Buffer | null {
  return decodeBase64Strict(text.replace(/\s+/g, ''));
}

function parseLegacyPem(label: string, headers: Map<string, string>, der: Buffer | null): PrivateKeyRead {
  const format: PrivateKeyFormat = label.startsWith('RSA') ? 'pem-rsa' : label.startsWith('DSA') ? 'pem-dsa' : 'pem-ec';
  const procType = headers.get('proc-type') ?? '';
  if (/ENCRYPTED/i.test(procType)) {
    const dek = headers.get('dek-info')?.split(',')[0];
    const facts: PrivateKeyFacts = { format, encrypted: true, key: null, keyCount: 1 };
    if (dek) facts.cipher = printable(dek);
    return { kind: 'key', facts };
  }
  if (der === null) return { kind: 'malformed', format, problem: 'the key data is not valid base64' };
  const key = format === 'pem-rsa' ? rsaFromDer(der) : format === 'pem-dsa' ? dsaFromDer(der) : ecFromDer(der, null);
  if (key === null) return { kind: 'malformed', format, problem: `the ${label} data is not valid DER` };
  return { kind: 'key', facts: { format, encrypted: false, key, keyCount: 1 } };
}

/** RSAPrivateKey ::= SEQUENCE { version, n, e, d, … } */
function rsaFromDer(der: Buffer): PrivateKeyPublicPart | null {
  const seq = derChildren(der);
  if (seq === null || seq.length < 3 || seq[1].tag !== 0x02 || seq[2].tag !== 0x02) return null;
  const n = seq[1].content;
  const e = seq[2].content;
  return { type: 'ssh-rsa', family: 'rsa', bits: magnitudeBits(n), fingerprint: sha256Fingerprint(sshBlob('ssh-rsa', e, n)) };
}

/** OpenSSL's DSAPrivateKey ::= SEQUENCE { version, p, q, g, y, x } */
function dsaFromDer(der: Buffer): PrivateKeyPublicPart | null {
  const seq = derChildren(der);
  if (seq === null || seq.length < 6 || seq.slice(1, 5).some((c) => c.tag !== 0x02)) return null;
  const [, p, q, g, y] = seq.map((c) => c.content);
  return { type: 'ssh-dss', family: 'dsa', bits: magnitudeBits(p), fingerprint: sha256Fingerprint(sshBlob('ssh-dss', p, q, g, y)) };
}

const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  '1.2.840.10045.3.1.7': { name: 'nistp256', bits: 256 },
  '1.3.132.0.34': { name: 'nistp384', bits: 384 },
  '1.3.132.0.35': { name: 'nistp521', bits: 521 },
};

/** ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] curve OID, [1] public BIT STRING } */
function ecFromDer(der: Buffer, curveOid: string | null): PrivateKeyPublicPart | null {
  const seq = derChildren(der);
  if (seq === null || seq.length < 2 || seq[0].tag !== 0x02 || seq[1].tag !== 0x04) return null;
  let oid = curveOid;
  let point: Buffer | null = null;
  for (const c of seq.slice(2)) {
    if (c.tag === 0xa0) {
      const inner = derRead(c.content, 0);
      if (inner?.tag === 0x06) oid = decodeOid(inner.content);
    } else if (c.tag === 0xa1) {
      const inner = derRead(c.content, 0);
      if (inner?.tag === 0x03 && inner.content.length > 1) point = inner.content.subarray(1);
    }
  }
  const curve = oid !== null ? CURVES[oid] : undefined;
  if (!curve) return { type: null, family: 'ecdsa', bits: null, fingerprint: null };
  const type = `ecdsa-sha2-${curve.name}`;
  const fingerprint = point ? sha256Fingerprint(sshBlob(type, Buffer.from(curve.name, 'latin1'), point)) : null;
  return { type, family: 'ecdsa', bits: curve.bits, curve: curve.name, fingerprint };
}

/** PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier { OID, params }, privateKey OCTET STRING, … } */
function parsePkcs8(der: Buffer | null): PrivateKeyRead {
  const bad: PrivateKeyRead = { kind: 'malformed', format: 'pkcs8', problem: 'the PRIVATE KEY data is not valid PKCS#8' };
  if (der === null) return bad;
  const seq = derChildren(der);
  if (seq === null || seq.length < 3 || seq[1].tag !== 0x30 || seq[2].tag !== 0x04) return bad;
  const alg = derChildren(seq[1].encoded);
  if (alg === null || alg.length < 1 || alg[0].tag !== 0x06) return bad;
  const oid = decodeOid(alg[0].content);
  const inner = seq[2].content;
  let key: PrivateKeyPublicPart | null;
  switch (oid) {
    case '1.2.840.113549.1.1.1': // rsaEncryption
      key = rsaFromDer(inner);
      break;
    case '1.2.840.10045.2.1': // id-ecPublicKey
      key = ecFromDer(inner, alg[1]?.tag === 0x06 ? decodeOid(alg[1].content) : null);
      break;
    case '1.3.101.112': // id-Ed25519
      key = { type: 'ssh-ed25519', family: 'ed25519', bits: 256, fingerprint: null };
      break;
    case '1.2.840.10040.4.1': {
      // id-dsa: the parameters hold p, q, g
      const params = alg[1]?.tag === 0x30 ? derChildren(alg[1].encoded) : null;
      key = { type: 'ssh-dss', family: 'dsa', bits: params?.[0]?.tag === 0x02 ? magnitudeBits(params[0].content) : null, fingerprint: null };
      break;
    }
    default:
      key = { type: null, family: 'unknown', bits: null, fingerprint: null };
  }
  if (key === null) return bad;
  return { kind: 'key', facts: { format: 'pkcs8', encrypted: false, key, keyCount: 1 } };
}

// ---------------------------------------------------------------------------
// PuTTY .ppk (v2 and v3)

function parsePutty(text: string): PrivateKeyRead {
  const lines = text.split(/\r?\n/);
  const header = new Map<string, string>();
  let publicB64 = '';
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(lines[i]);
    if (!m) continue;
    header.set(m[1].toLowerCase(), m[2]);
    if (m[1].toLowerCase() === 'public-lines') {
      const count = Math.min(Number.parseInt(m[2], 10) || 0, 1000);
      publicB64 = lines.slice(i + 1, i + 1 + count).join('');
      i += count;
    }
  }
  const encryption = header.get('encryption');
  if (encryption === undefined) return { kind: 'malformed', format: 'putty', problem: 'a PuTTY key without an Encryption line' };
  const blob = decodeBase64Loose(publicB64);
  const d = blob ? describePublicKeyBlob(blob) : null;
  const facts: PrivateKeyFacts = {
    format: 'putty',
    encrypted: encryption !== 'none',
    cipher: printable(encryption),
    key: d?.ok ? fromBlob(d.key) : null,
    keyCount: 1,
  };
  const comment = header.get('comment');
  if (comment !== undefined) facts.comment = comment;
  return { kind: 'key', facts };
}

// ---------------------------------------------------------------------------
// A little DER (X.690): definite lengths only, as keys use.

interface Der {
  tag: number;
  content: Buffer;
  /** The whole TLV. */
  encoded: Buffer;
  end: number;
}

function derRead(buf: Buffer, at: number): Der | null {
  if (at + 2 > buf.length) return null;
  const tag = buf[at];
  let len = buf[at + 1];
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > buf.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i];
    off += n;
  }
  if (off + len > buf.length) return null;
  return { tag, content: buf.subarray(off, off + len), encoded: buf.subarray(at, off + len), end: off + len };
}

/** The children of a SEQUENCE at the start of `der`. */
function derChildren(der: Buffer): Der[] | null {
  const outer = derRead(der, 0);
  if (outer === null || outer.tag !== 0x30) return null;
  const out: Der[] = [];
  let at = 0;
  while (at < outer.content.length && out.length < 64) {
    const c = derRead(outer.content, at);
    if (c === null) return null;
    out.push(c);
    at = c.end;
  }
  return out;
}

function decodeOid(b: Buffer): string {
  if (b.length === 0) return '';
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** An SSH public key blob: string type, then each part as an SSH string (DER INTEGER contents are valid mpints). */
function sshBlob(type: string, ...parts: Buffer[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of [Buffer.from(type, 'latin1'), ...parts]) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(p.length);
    chunks.push(len, p);
  }
  return Buffer.concat(chunks);
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f-\xff]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 37)}...` : clean;
}

/** "no passphrase", "passphrase (aes256-ctr, bcrypt 16 rounds)" … */
export function describeProtection(f: PrivateKeyFacts): string {
  if (!f.encrypted) return 'no passphrase';
  const how = [f.cipher, f.kdf && f.kdf !== 'none' ? `${f.kdf}${f.kdfRounds !== undefined ? ` ${f.kdfRounds} rounds` : ''}` : undefined].filter((x) => x !== undefined && x !== '');
  return how.length > 0 ? `passphrase (${how.join(', ')})` : 'passphrase';
}
