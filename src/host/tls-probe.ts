// TLS probes of this machine's own listeners, over loopback only.
//
// tlsHandshake: one handshake as a normal client would make it (SNI, any
// protocol this OpenSSL can speak), reporting the negotiated protocol and
// cipher, the certificate chain, a stapled OCSP response and whether the chain
// verified (the probe never rejects a certificate: judging it is the checks' job).
//
// The chain "as sent" matters (tls.cert.chain: intermediates in order), and
// Node cannot give it: getPeerCertificate(true) rebuilds the chain by issuer,
// re-ordering it and dropping strays. So the probe records the raw bytes the
// server sends and reads its Certificate message, which TLS 1.2 sends in the
// clear. When the first handshake negotiates TLS 1.3 (encrypted), a second one
// capped at TLS 1.2 reads the chain; a TLS 1.3-only server gets Node's view,
// flagged `chainAsSent: false`.
//
// tlsAccepts: does the server accept one protocol version (and, optionally,
// one cipher string)? Offers carry `@SECLEVEL=0`: OpenSSL 3 refuses to even
// offer TLS 1.0/1.1 or weak suites at its default level, and a probe must be
// able to offer what a bad client would. What this OpenSSL cannot offer at
// all (SSLv3, RC4, 3DES) comes back `unsupported-locally`, never as "refused".

import { Duplex } from 'node:stream';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { checkLoopback, checkPort, sniName } from './loopback-target';
import type { ProbeOptions, ProbeTarget, TlsAcceptResult, TlsHandshakeOptions, TlsHandshakeResult, TlsOffer, TlsVersion } from './probe-types';

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/** Error codes that mean "this client could not make the offer", not "the server said no". */
const LOCAL_ERROR_CODES = new Set(['ERR_SSL_NO_CIPHER_MATCH', 'ERR_TLS_INVALID_PROTOCOL_VERSION', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE']);

function oneLine(text: string): string {
  return text.split('\n').map((s) => s.trim()).filter(Boolean).join(' ').slice(0, 300);
}

function errorText(err: unknown): { error: string; code?: string } {
  const e = err as { message?: string; code?: string };
  return { error: oneLine(e?.message ?? String(err)), code: typeof e?.code === 'string' ? e.code : undefined };
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The certificates of the server's Certificate handshake message, in the order
 * sent, read from the raw bytes the server sent (TLS ≤ 1.2, where the message
 * is cleartext). null when there is none before the first ChangeCipherSpec
 * (TLS 1.3) or the bytes are truncated.
 */
export function certificatesFromHandshakeBytes(bytes: Buffer): Buffer[] | null {
  const fragments: Buffer[] = [];
  for (let off = 0; off + 5 <= bytes.length; ) {
    const type = bytes[off];
    const length = bytes.readUInt16BE(off + 3);
    if (off + 5 + length > bytes.length) break;
    if (type === 20 || type === 23) break; // ChangeCipherSpec / application data: encryption starts
    if (type === 22) fragments.push(bytes.subarray(off + 5, off + 5 + length));
    off += 5 + length;
  }
  const handshake = Buffer.concat(fragments);
  for (let off = 0; off + 4 <= handshake.length; ) {
    const type = handshake[off];
    const length = handshake.readUIntBE(off + 1, 3);
    if (off + 4 + length > handshake.length) return null;
    if (type === 11) {
      const body = handshake.subarray(off + 4, off + 4 + length);
      if (body.length < 3) return null;
      const listLength = body.readUIntBE(0, 3);
      const certs: Buffer[] = [];
      for (let p = 3; p + 3 <= 3 + listLength && p + 3 <= body.length; ) {
        const certLength = body.readUIntBE(p, 3);
        if (p + 3 + certLength > body.length) return null;
        certs.push(Buffer.from(body.subarray(p + 3, p + 3 + certLength)));
        p += 3 + certLength;
      }
      return certs;
    }
    off += 4 + length;
  }
  return null;
}

/**
 * A transparent pipe around the TCP socket that keeps a copy of what the
 * server sent during the handshake. tls.connect() over a net.Socket takes its
 * handle away from JS; over a generic Duplex it reads through us.
 */
class RecordingWire extends Duplex {
  readonly received: Buffer[] = [];
  private receivedBytes = 0;
  connected = false;

  constructor(private readonly raw: net.Socket) {
    super();
    raw.on('connect', () => {
      this.connected = true;
    });
    raw.on('data', (chunk: Buffer) => {
      // Keep at most 256 KiB: a certificate chain is far smaller; a babbling server is cut off.
      if (this.receivedBytes < 256 * 1024) {
        this.received.push(chunk);
        this.receivedBytes += chunk.length;
      }
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (err) => this.destroy(err));
    raw.on('close', () => {
      if (!this.destroyed) this.push(null);
    });
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.raw.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.raw.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.raw.destroy();
    cb(err);
  }

  bytes(): Buffer {
    return Buffer.concat(this.received);
  }
}

interface Connected {
  socket: tls.TLSSocket;
  wire: RecordingWire;
  ocsp: Buffer | null;
}

type ConnectOutcome =
  | { ok: true; value: Connected }
  | { ok: false; result: Extract<TlsHandshakeResult, { outcome: 'unreachable' | 'rejected' | 'unsupported-locally' }> };

interface ConnectSpec {
  ip: string;
  family: 4 | 6;
  port: number;
  servername: string | undefined;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ciphers?: string;
  requestOCSP?: boolean;
  ca?: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

function secureContextFor(spec: ConnectSpec): tls.SecureContext | { error: string; code?: string } {
  try {
    return tls.createSecureContext({
      minVersion: spec.minVersion ?? 'TLSv1',
      maxVersion: spec.maxVersion ?? 'TLSv1.3',
      // SECLEVEL=0: observe what the server serves, weak or not, instead of failing on our side.
      ciphers: `${spec.ciphers ?? tls.DEFAULT_CIPHERS}:@SECLEVEL=0`,
      ...(spec.ca ? { ca: spec.ca } : {}),
    });
  } catch (err) {
    return errorText(err);
  }
}

/** One TLS connection, up to the end of the handshake. The caller ends the socket. */
function connectTls(spec: ConnectSpec): Promise<ConnectOutcome> {
  const context = secureContextFor(spec);
  if ('error' in context) return Promise.resolve({ ok: false, result: { outcome: 'unsupported-locally', ...context } });

  return new Promise<ConnectOutcome>((resolve) => {
    let settled = false;
    const raw = net.connect({ host: spec.ip, port: spec.port, family: spec.family });
    const wire = new RecordingWire(raw);
    let ocsp: Buffer | null = null;
    // requestOCSP is a TLSSocket option that tls.connect passes through (missing from @types/node's ConnectionOptions).
    const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
      socket: wire,
      servername: spec.servername,
      secureContext: context,
      rejectUnauthorized: false,
      requestOCSP: spec.requestOCSP ?? false,
    };
    const socket = tls.connect(options);

    const finish = (outcome: ConnectOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (!outcome.ok) socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish({ ok: false, result: { outcome: 'unreachable', error: 'probe aborted' } });
    const timer = setTimeout(() => {
      const stage = wire.connected ? 'during the TLS handshake' : 'connecting';
      finish({ ok: false, result: { outcome: 'unreachable', error: `timed out after ${spec.timeoutMs} ms ${stage}`, code: 'ETIMEDOUT' } });
    }, spec.timeoutMs);
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    // Emitted with null when OCSP was requested and the server stapled nothing.
    socket.on('OCSPResponse', (response: Buffer | null) => {
      if (response && response.length > 0) ocsp = Buffer.from(response);
    });
    socket.once('secureConnect', () => finish({ ok: true, value: { socket, wire, ocsp } }));
    socket.on('error', (err) => {
      const e = errorText(err);
      if (e.code && LOCAL_ERROR_CODES.has(e.code)) finish({ ok: false, result: { outcome: 'unsupported-locally', ...e } });
      else if (!wire.connected) finish({ ok: false, result: { outcome: 'unreachable', ...e } });
      else finish({ ok: false, result: { outcome: 'rejected', ...e } });
    });
    socket.on('close', () => finish({ ok: false, result: { outcome: wire.connected ? 'rejected' : 'unreachable', error: 'connection closed before the TLS handshake completed' } }));
    wire.on('error', () => {
      /* reported through the TLS socket */
    });
  });
}

/** Node's re-built chain (leaf first), from getPeerCertificate(true). */
function nodeChain(socket: tls.TLSSocket): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(derToPem(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

function close(c: Connected): void {
  c.socket.end();
  c.socket.destroy();
}

type Gate = { ok: true; ip: string; family: 4 | 6 } | { ok: false; result: Extract<TlsHandshakeResult, { outcome: 'skipped' | 'refused' }> };

/** --no-network and the loopback rule, before anything is opened. */
export function gate(target: ProbeTarget, opts: ProbeOptions): Gate {
  if (!opts.network) return { ok: false, result: { outcome: 'skipped', reason: 'skipped: --no-network' } };
  const portProblem = checkPort(target.port);
  if (portProblem) return { ok: false, result: { outcome: 'refused', reason: portProblem } };
  const lo = checkLoopback(target.address);
  if (!lo.ok) return { ok: false, result: { outcome: 'refused', reason: lo.reason } };
  return { ok: true, ip: lo.ip, family: lo.family };
}

export async function tlsHandshake(target: ProbeTarget, opts: TlsHandshakeOptions): Promise<TlsHandshakeResult> {
  const g = gate(target, opts);
  if (!g.ok) return g.result;
  const spec: ConnectSpec = {
    ip: g.ip,
    family: g.family,
    port: target.port,
    servername: sniName(target.servername),
    minVersion: opts.minVersion,
    maxVersion: opts.maxVersion,
    ciphers: opts.ciphers,
    requestOCSP: opts.requestOCSP,
    ca: opts.ca,
    timeoutMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    signal: opts.signal,
  };
  const first = await connectTls(spec);
  if (!first.ok) return first.result;
  const { socket, wire, ocsp } = first.value;
  const protocol = socket.getProtocol() ?? 'unknown';
  const cipher = socket.getCipher();
  const authorized = socket.authorized;
  const authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
  let sent = certificatesFromHandshakeBytes(wire.bytes());
  const fallback = nodeChain(socket);
  close(first.value);

  if (!sent && protocol === 'TLSv1.3' && spec.maxVersion === undefined) {
    // Encrypted certificate message: read the chain from a TLS 1.2 handshake instead, if the server speaks it.
    const second = await connectTls({ ...spec, maxVersion: 'TLSv1.2', minVersion: 'TLSv1.2', requestOCSP: false });
    if (second.ok) {
      sent = certificatesFromHandshakeBytes(second.value.wire.bytes());
      close(second.value);
    }
  }
  return {
    outcome: 'connected',
    protocol,
    cipher: { name: cipher?.name ?? 'unknown', standardName: cipher?.standardName ?? 'unknown' },
    chain: sent ? sent.map(derToPem) : fallback,
    chainAsSent: sent !== null,
    ocspResponse: ocsp,
    authorized,
    authorizationError,
  };
}

/** Does the server accept exactly this protocol version (and cipher string)? */
export async function tlsAccepts(target: ProbeTarget, offer: TlsOffer, opts: ProbeOptions): Promise<TlsAcceptResult> {
  const g = gate(target, opts);
  if (!g.ok) return g.result;
  const connected = await connectTls({
    ip: g.ip,
    family: g.family,
    port: target.port,
    servername: sniName(target.servername),
    minVersion: offer.version,
    maxVersion: offer.version,
    ciphers: offer.ciphers,
    timeoutMs: opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    signal: opts.signal,
  });
  if (!connected.ok) return connected.result;
  const { socket } = connected.value;
  const cipher = socket.getCipher();
  const result: TlsAcceptResult = {
    outcome: 'accepted',
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: { name: cipher?.name ?? 'unknown', standardName: cipher?.standardName ?? 'unknown' },
  };
  close(connected.value);
  return result;
}
