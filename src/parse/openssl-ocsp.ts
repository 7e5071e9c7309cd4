// What `openssl ocsp -respin RESP -issuer ISSUER -cert LEAF -CAfile ISSUER
// -partial_chain` says about a stapled OCSP response (OpenSSL 3.0 wording):
//
//   stdout  LEAF: good                          (or revoked / unknown)
//           \tThis Update: Nov 28 20:33:03 2026 GMT
//           \tNext Update: Nov 29 20:33:03 2026 GMT
//           \tReason: keyCompromise             (revoked only)
//           \tRevocation Time: Nov 27 20:33:15 2026 GMT
//           LEAF: ERROR: No Status found.        (the response is about another certificate)
//           Responder Error: trylater (3)        (a response without status data)
//   stderr  Response verify OK | Response Verify Failure (+ OpenSSL's error lines)
//           Error reading OCSP response          (not DER / truncated)
//
// The verdict (is this good enough?) is the check's; this only reads.

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

export type OcspReading =
  | {
      kind: 'status';
      status: OcspCertStatus;
      thisUpdate: Date | null;
      /** null: the response has no nextUpdate (RFC 6960: newer information is always available). */
      nextUpdate: Date | null;
      reason: string | null;
      revokedAt: Date | null;
      /** Signed by the certificate's issuer or a responder it authorised. */
      verified: boolean;
      /** OpenSSL's first error line when verification failed. */
      verifyError: string | null;
    }
  /** A successful response, but with no status for this certificate. */
  | { kind: 'no-status'; verified: boolean }
  /** responseStatus other than successful: tryLater, internalError, unauthorized … */
  | { kind: 'responder-error'; responseStatus: string }
  /** Not an OCSP response at all (malformed or truncated). */
  | { kind: 'unreadable'; detail: string };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** OpenSSL's GeneralizedTime print form "Nov 28 20:33:03 2026 GMT" (day padded with a space). */
export function parseOpensslDate(text: string): Date | null {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? (\d{4}) GMT$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) return null;
  const [day, h, min, s, y] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  const d = new Date(Date.UTC(y, month, day, h, min, s));
  // Reject rollovers ("Feb 31"): the fields must survive the round trip.
  if (d.getUTCDate() !== day || d.getUTCHours() !== h || d.getUTCMinutes() !== min || d.getUTCSeconds() !== s) return null;
  return d;
}

function firstLine(text: string, pattern: RegExp): RegExpExecArray | null {
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    if (m) return m;
  }
  return null;
}

/**
 * The reason of OpenSSL 3's first error line,
 * `<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:<data>`:
 * the data when it says "Verify error: …" (the certificate problem), else the reason.
 */
export function opensslErrorReason(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => /^[0-9A-F]+:error:/.test(l.trim()));
  if (!line) return null;
  const detail = /Verify error:\s*(.+)$/.exec(line);
  if (detail) return detail[1].trim().slice(0, 200);
  const fields = line.trim().split(':');
  return (fields[5] ?? '').trim().slice(0, 200) || null;
}

/** Read openssl's answer. `certLabel` is the -cert argument as given (openssl echoes it). */
export function parseOpensslOcsp(stdout: string, stderr: string, certLabel: string): OcspReading {
  const responderError = firstLine(stdout + '\n' + stderr, /^Responder Error: (\S+)/);
  if (responderError) return { kind: 'responder-error', responseStatus: responderError[1] };
  const verifiedOk = /^Response verify OK\s*$/m.test(stderr);
  const verifyFailed = /^Response Verify Failure\s*$/m.test(stderr);
  const lines = stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith(`${certLabel}: `));
  if (head === -1) {
    const why = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('WARNING')) ?? 'no output';
    return { kind: 'unreadable', detail: why.slice(0, 200) };
  }
  const statusText = lines[head].slice(certLabel.length + 2).trim();
  const verified = verifiedOk && !verifyFailed;
  if (statusText.startsWith('ERROR:')) return { kind: 'no-status', verified };
  if (statusText !== 'good' && statusText !== 'revoked' && statusText !== 'unknown') {
    return { kind: 'unreadable', detail: `unexpected status "${statusText.slice(0, 60)}"` };
  }
  const fields = new Map<string, string>();
  for (const line of lines.slice(head + 1)) {
    const m = /^\t([A-Za-z ]+): (.*)$/.exec(line);
    if (!m) break;
    fields.set(m[1], m[2]);
  }
  const date = (name: string) => {
    const v = fields.get(name);
    return v === undefined ? null : parseOpensslDate(v);
  };
  const verifyError = verified ? null : opensslErrorReason(stderr) ?? (verifyFailed ? 'signature not verified' : 'no verification result');
  return {
    kind: 'status',
    status: statusText,
    thisUpdate: date('This Update'),
    nextUpdate: date('Next Update'),
    reason: fields.get('Reason') ?? null,
    revokedAt: date('Revocation Time'),
    verified,
    verifyError,
  };
}
