// The plain data that hardtop's network probes return (src/host/tls-probe.ts,
// src/host/http-probe.ts). Types only: checks may import these, the Host port
// will reference them, and nothing here opens a socket.
//
// Every probe talks to loopback only (127.0.0.0/8, ::1, or "localhost" when it
// resolves to nothing but loopback) and never throws: a refused address, an
// unreachable port, a handshake the server rejects and --no-network are all
// results, each with a sentence a finding can quote.

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Where to connect. `servername` is sent as SNI (and as Host for HTTP); it is never resolved. */
export interface ProbeTarget {
  /** An IP literal or "localhost"; anything that is not loopback is refused. */
  address: string;
  port: number;
  servername?: string;
}

export interface ProbeOptions {
  /** false under --no-network: the probe opens nothing and answers `skipped`. */
  network: boolean;
  /** Whole-probe deadline (connect + handshake + response head). Default 5000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Outcomes shared by every probe when it never got to talk to the server. */
export type ProbeNotRun =
  /** --no-network: nothing was opened. */
  | { outcome: 'skipped'; reason: string }
  /** The address is not loopback (or not a valid target): nothing was opened. */
  | { outcome: 'refused'; reason: string }
  /** Connection refused, reset before TLS, or timed out. */
  | { outcome: 'unreachable'; error: string; code?: string };

export interface NegotiatedCipher {
  /** OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256 */
  name: string;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
  standardName: string;
}

export interface TlsHandshakeOptions extends ProbeOptions {
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher string for TLS ≤ 1.2; the probe appends `:@SECLEVEL=0` so old suites can be offered. */
  ciphers?: string;
  /** Ask for a stapled OCSP response (status_request). */
  requestOCSP?: boolean;
  /** Extra trust anchors (PEM) for the reported verification result. */
  ca?: string[];
}

export type TlsHandshakeResult =
  | ProbeNotRun
  | {
      outcome: 'connected';
      protocol: string;
      cipher: NegotiatedCipher;
      /** Leaf first, PEM. In the order the server SENT them when `chainAsSent`. */
      chain: string[];
      /**
       * true: `chain` is exactly the server's Certificate message (read from the
       * TLS 1.2 handshake, which is cleartext). false: the server speaks only
       * TLS 1.3 (encrypted handshake), and `chain` is Node's view of it, which
       * re-orders the certificates and drops unrelated ones.
       */
      chainAsSent: boolean;
      /** DER of the stapled OCSP response, when requested and sent. */
      ocspResponse: Buffer | null;
      /** Whether the chain verified against Node's roots (+ `ca`); the probe never rejects. */
      authorized: boolean;
      authorizationError: string | null;
    }
  /** The server refused the handshake (alert, or closed the connection mid-handshake). */
  | { outcome: 'rejected'; error: string; code?: string }
  /** This machine's TLS library cannot make such an offer at all (SSLv3, RC4, 3DES …). */
  | { outcome: 'unsupported-locally'; error: string; code?: string };

/** One offer: a single protocol version and, optionally, a cipher string. */
export interface TlsOffer {
  version: TlsVersion;
  ciphers?: string;
}

export type TlsAcceptResult =
  | ProbeNotRun
  | { outcome: 'accepted'; protocol: string; cipher: NegotiatedCipher }
  | { outcome: 'rejected'; error: string; code?: string }
  | { outcome: 'unsupported-locally'; error: string; code?: string };

export interface HttpTarget extends ProbeTarget {
  /** https (TLS with SNI = servername) or plain http. */
  tls: boolean;
  /** Host header; defaults to servername. */
  host?: string;
  /** Default "/". */
  path?: string;
}

export interface HttpGetOptions extends ProbeOptions {
  /** Stop reading the body after this many bytes (default 16 KiB); only headers matter. */
  maxBodyBytes?: number;
}

export type HttpGetResult =
  | ProbeNotRun
  | {
      outcome: 'response';
      status: number;
      /** In the order received, duplicates kept, names lower-cased. */
      headers: Array<[string, string]>;
      /** TLS only: verification against Node's roots; the probe never rejects. */
      tlsAuthorized: boolean | null;
      tlsAuthorizationError: string | null;
    }
  /** TLS handshake or HTTP framing failed. */
  | { outcome: 'error'; error: string; code?: string };
