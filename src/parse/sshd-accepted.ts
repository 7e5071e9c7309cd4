// sshd's "Accepted publickey" log lines, pure: which key a login used.
//
// sshd (auth.c auth_log, OpenSSH 7.x–10.x) logs a successful key login as
//   Accepted publickey for USER from ADDR port PORT ssh2: ED25519 SHA256:…
// and for a certificate
//   Accepted publickey for USER from ADDR port PORT ssh2: ED25519-CERT SHA256:… ID … (serial N) CA ED25519 SHA256:…
// in /var/log/auth.log (Debian, Ubuntu), /var/log/secure (RHEL) or the
// journal, after a syslog or journal prefix that varies (and since 9.8 the
// process may be called sshd-session). Only the part from "Accepted" on is
// read. A log line is untrusted text (the user name is chosen by whoever
// connects): every field is matched strictly, nothing here throws, and a
// line that does not match is skipped.

export interface AcceptedKeyLogin {
  user: string;
  addr: string;
  port: number;
  /** As sshd prints it: ED25519, RSA, ECDSA, ED25519-CERT … */
  keyType: string;
  /** The key's (for a certificate: the certified key's) SHA256 fingerprint. */
  fingerprint: string;
  /** 1-based line number in the text. */
  line: number;
}

// The line must BE sshd's: "Accepted" right after sshd's own syslog prefix
// (traditional or ISO timestamp, host, sshd[PID] or sshd-session[PID]), or at
// the very start (journalctl -o cat). A client chooses the user name that
// sshd writes into other lines ("Invalid user NAME from …"), so text that
// merely CONTAINS an "Accepted publickey …" is never taken for one.
const PREFIX = String.raw`(?:(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) \S+ sshd(?:-session)?\[\d+\]: )?`;
const ACCEPTED = new RegExp(
  `^${PREFIX}Accepted publickey for ([^\\s\\x00-\\x1f\\x7f]{1,64}) from (\\S{1,64}) port (\\d{1,5}) ssh2: ([A-Z0-9-]{2,40}) (SHA256:[A-Za-z0-9+/]{43})(?: ID .*)?$`,
);

export function parseAcceptedLogins(text: string): AcceptedKeyLogin[] {
  const out: AcceptedKeyLogin[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    // Cheap pre-test keeps this linear on a big log of other lines.
    if (raw.length > 4096 || !raw.includes('Accepted publickey')) continue;
    const m = ACCEPTED.exec(raw);
    if (!m) continue;
    const port = Number(m[3]);
    if (port < 1 || port > 65535) continue;
    out.push({ user: m[1], addr: m[2], port, keyType: m[4], fingerprint: m[5], line: i + 1 });
  }
  return out;
}

/** SSH_CONNECTION is "CLIENT_ADDR CLIENT_PORT SERVER_ADDR SERVER_PORT". */
export function parseSshConnection(value: string | null | undefined): { addr: string; port: number } | null {
  const f = (value ?? '').trim().split(/\s+/);
  if (f.length !== 4 || !/^\d{1,5}$/.test(f[1])) return null;
  return { addr: f[0], port: Number(f[1]) };
}

/**
 * The login of this SSH connection: the LAST matching line (a client port is
 * reused over time; the newest line for it is this connection's).
 */
export function loginOfConnection(logins: readonly AcceptedKeyLogin[], conn: { addr: string; port: number }): AcceptedKeyLogin | null {
  for (let i = logins.length - 1; i >= 0; i--) {
    const l = logins[i];
    if (l.port === conn.port && sameAddr(l.addr, conn.addr)) return l;
  }
  return null;
}

/** sshd logs IPv4-mapped addresses without the ::ffff: prefix SSH_CONNECTION may carry. */
function sameAddr(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return norm(a) === norm(b);
}

/**
 * ExposeAuthInfo's file (SSH_USER_AUTH): one line per method used, e.g.
 * "publickey ssh-ed25519 AAAA…". The key blobs of the publickey lines.
 */
export function parseExposedAuthInfo(text: string): { type: string; base64: string }[] {
  const out: { type: string; base64: string }[] = [];
  for (const raw of text.split('\n')) {
    const m = /^publickey ([A-Za-z0-9@.+-]{3,80}) ([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(raw.trim());
    if (m) out.push({ type: m[1], base64: m[2] });
  }
  return out;
}
