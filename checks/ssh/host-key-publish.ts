// What an admin hands out after a host key rotation, pure: a known_hosts line
// (for /etc/ssh/ssh_known_hosts or configuration management) and the SSHFP
// records for DNS (RFC 4255, 6594, 7479), the same as `ssh-keygen -r HOST -f
// KEY.pub` prints (a test compares them).

import { createHash } from 'node:crypto';
import { describePublicKeyBlob, decodeBase64Strict } from '../../src/parse/ssh-key-blob';

/** SSHFP algorithm numbers (IANA "SSHFP RR Types for public key algorithms"). */
const SSHFP_ALGORITHM: Readonly<Record<string, number>> = {
  'ssh-rsa': 1,
  'ssh-dss': 2,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'ssh-ed25519': 4,
};

export interface PublicKeyLine {
  type: string;
  base64: string;
  blob: Buffer;
  fingerprint: string;
  bits: number | null;
}

/** A `.pub` file's first key line, checked (the type named must be the type inside). */
export function readPublicKeyLine(text: string): PublicKeyLine | null {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (!line) return null;
  const [type, b64] = line.split(/\s+/);
  const blob = b64 ? decodeBase64Strict(b64) : null;
  if (!blob) return null;
  const d = describePublicKeyBlob(blob, type);
  if (!d.ok) return null;
  return { type, base64: b64, blob, fingerprint: d.key.fingerprint, bits: d.key.bits };
}

/** known_hosts names a non-standard port as "[host]:port". */
export function knownHostsName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

export function knownHostsLine(hostname: string, port: number, key: PublicKeyLine): string {
  return `${knownHostsName(hostname, port)} ${key.type} ${key.base64}`;
}

/** `HOST IN SSHFP ALG 1 SHA1` and `HOST IN SSHFP ALG 2 SHA256`, as ssh-keygen -r prints them; none for types SSHFP has no number for. */
export function sshfpRecords(hostname: string, key: PublicKeyLine): string[] {
  const alg = SSHFP_ALGORITHM[key.type];
  if (alg === undefined) return [];
  const sha1 = createHash('sha1').update(key.blob).digest('hex');
  const sha256 = createHash('sha256').update(key.blob).digest('hex');
  return [`${hostname} IN SSHFP ${alg} 1 ${sha1}`, `${hostname} IN SSHFP ${alg} 2 ${sha256}`];
}
