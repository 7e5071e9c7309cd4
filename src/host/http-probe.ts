// GET / from this machine's own web server, over loopback only, to read the
// response headers a vhost sends (web.* checks). The vhost is chosen the way
// a browser would choose it: SNI and Host = its server_name, while the TCP
// connection goes to the loopback address of its `listen`. Names are never
// resolved. The body is not wanted: reading stops after a small cap.

import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_PROBE_TIMEOUT_MS, gate } from './tls-probe';
import { sniName } from './loopback-target';
import type { HttpGetOptions, HttpGetResult, HttpTarget } from './probe-types';

const DEFAULT_MAX_BODY = 16 * 1024;

function oneLine(text: string): string {
  return text.split('\n').map((s) => s.trim()).filter(Boolean).join(' ').slice(0, 300);
}

/** rawHeaders is [name, value, name, value, …]; keep duplicates (two HSTS headers matter). */
function headerPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
}

export function httpGet(target: HttpTarget, opts: HttpGetOptions): Promise<HttpGetResult> {
  const g = gate(target, opts);
  if (!g.ok) return Promise.resolve(g.result);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const hostHeader = target.host ?? target.servername ?? g.ip;
  const defaultPort = target.tls ? 443 : 80;
  // As a browser sends it: the port only when it is not the scheme's default, an IPv6 literal in brackets.
  const hostName = isIP(hostHeader) === 6 ? `[${hostHeader}]` : hostHeader;
  const hostValue = target.port === defaultPort ? hostName : `${hostName}:${target.port}`;

  return new Promise<HttpGetResult>((resolve) => {
    let settled = false;
    let connected = false;
    const finish = (result: HttpGetResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(result);
    };
    const common: http.RequestOptions = {
      host: g.ip,
      family: g.family,
      port: target.port,
      method: 'GET',
      path: target.path ?? '/',
      agent: false,
      headers: { Host: hostValue, 'User-Agent': 'hardtop (loopback header check)', Accept: '*/*', Connection: 'close' },
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const socket = res.socket as TLSSocket | null;
      const isTls = target.tls && socket !== null && typeof socket.getPeerCertificate === 'function';
      const result: HttpGetResult = {
        outcome: 'response',
        status: res.statusCode ?? 0,
        headers: headerPairs(res.rawHeaders),
        tlsAuthorized: isTls ? socket!.authorized : null,
        tlsAuthorizationError: isTls && socket!.authorizationError ? String(socket!.authorizationError) : null,
      };
      // Headers are all we need; read a little of the body so the server is not cut mid-write, then stop.
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= maxBody) finish(result);
      });
      res.on('end', () => finish(result));
      res.on('error', () => finish(result));
      res.on('close', () => finish(result));
    };
    const req = target.tls
      ? https.request({ ...common, servername: sniName(target.servername), rejectUnauthorized: false }, onResponse)
      : http.request(common, onResponse);
    req.on('socket', (s) => s.on('connect', () => (connected = true)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const error = oneLine(err.message);
      const code = typeof err.code === 'string' ? err.code : undefined;
      finish(connected ? { outcome: 'error', error, code } : { outcome: 'unreachable', error, code });
    });
    const onAbort = (): void => finish({ outcome: 'unreachable', error: 'probe aborted' });
    const timer = setTimeout(
      () => finish(connected ? { outcome: 'error', error: `no response within ${timeoutMs} ms`, code: 'ETIMEDOUT' } : { outcome: 'unreachable', error: `timed out after ${timeoutMs} ms connecting`, code: 'ETIMEDOUT' }),
      timeoutMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
