// nginx's error log, for one thing only: why nginx staples nothing. nginx
// fetches OCSP responses itself and, when the responder is unreachable or the
// status is not good, logs it and staples nothing — from outside that is just
// "no staple". Its lines carry the certificate file (ngx_event_openssl_stapling.c):
//
//   2026/11/28 23:01:49 [error] 9931#9931: certificate status "revoked" in the
//     OCSP response while requesting certificate status, responder: 127.0.0.1,
//     peer: 127.0.0.1:43415, certificate: "/etc/nginx/certs/x.pem"
//   … [error] …: connect() failed (111: Connection refused) while requesting
//     certificate status, responder: …, peer: …, certificate: "…"
//
// Pure: text in, entries out; never throws. Lines that are not about OCSP
// fetches (and a first line cut by reading a tail) are ignored.

export interface OcspFetchError {
  /** 1-based line number within the text given (add the caller's offset). */
  line: number;
  /** nginx's timestamp, local time of the server, as written: YYYY/MM/DD HH:MM:SS. */
  time: string;
  level: string;
  /** The certificate file as nginx opened it (a real path). */
  certificate: string;
  /** What the responder said, when it answered with a status that is not good. */
  status: 'revoked' | 'unknown' | null;
  /** nginx's message before "while requesting certificate status" (control characters removed). */
  message: string;
}

// No "*N " after "pid#tid: ": nginx writes a connection number on every line
// about a client's request, and never on a stapling fetch (it belongs to no
// connection). A client can put "while requesting certificate status …" in a
// URI that nginx then logs; such a line always has the number, so it is ignored.
const LINE = /^(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d) \[([a-z]+)\] \d+#\d+: (?!\*\d)(.*?),? while requesting certificate status, responder: [^,]*, peer: [^,]*, certificate: "([^"]*)"/;
const STATUS = /^certificate status "(revoked|unknown)" in the OCSP response$/;

export function parseOcspFetchErrors(text: string): OcspFetchError[] {
  const out: OcspFetchError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (!raw.includes('while requesting certificate status')) continue;
    const m = LINE.exec(raw);
    if (!m) continue;
    const message = m[3].replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
    const s = STATUS.exec(message);
    out.push({ line: i + 1, time: m[1], level: m[2], certificate: m[4], status: s ? (s[1] as 'revoked' | 'unknown') : null, message });
  }
  return out;
}

/** nginx's local timestamp as a Date in this process's time zone (the same machine's, on a live run); null when malformed. */
export function nginxLogTime(time: string): Date | null {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(time);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(d.getTime()) ? null : d;
}
