// OCSP for tests, made by the real `openssl ocsp` from the test CA's own
// index, with no listener of openssl's anywhere:
//
// - ocspResponse(): a DER response made offline (request → responder mode
//   with -reqin/-respout), for nginx's `ssl_stapling_file`. That is how the
//   tests get responses nginx would never fetch and staple itself (revoked,
//   signed by the wrong key, about another certificate, soon stale).
// - startOcspResponder(): a real responder for nginx's own stapling fetch.
//   `openssl ocsp -port N` would listen on EVERY interface (STACK-NOTES), so a
//   tiny Node HTTP server bound to 127.0.0.1 takes each request (nginx sends
//   GET /<base64 DER>; POST is accepted too) and answers it by running
//   `openssl ocsp -index … -reqin … -respout …` once.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { daysFromNow, type Issued, type TestCa } from './test-ca';

const ENV = { PATH: '/usr/bin:/bin', OPENSSL_CONF: '/dev/null' };

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
}

/** openssl's index.txt date form: YYMMDDHHMMSSZ. */
function indexDate(days: number): string {
  return daysFromNow(days).slice(2);
}

export interface IndexEntry {
  issued: Issued;
  revoked?: { reason: string };
}

/** An `openssl ca` index naming each certificate valid or revoked (revoked a day ago). */
export function writeIndex(file: string, entries: IndexEntry[]): void {
  const lines = entries.map(({ issued, revoked }) => {
    const subject = `/CN=${path.basename(issued.cert, '.pem')}`;
    return revoked
      ? `R\t${indexDate(90)}\t${indexDate(-1)},${revoked.reason}\t${issued.serial}\tunknown\t${subject}`
      : `V\t${indexDate(90)}\t\t${issued.serial}\tunknown\t${subject}`;
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export interface ResponseOptions {
  /** What the request asks about. */
  cert: Issued;
  index: string;
  /** nextUpdate = now + this many days (default 1). */
  ndays?: number;
  /** Sign with another key and certificate than the issuer's (default: the intermediate CA). */
  signer?: { cert: string; key: string };
}

/** A DER OCSP response for `cert` (issued by the test CA's intermediate), made offline. */
export function ocspResponse(ca: TestCa, opts: ResponseOptions): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-ocsp-'));
  try {
    const req = path.join(dir, 'req.der');
    const resp = path.join(dir, 'resp.der');
    openssl(['ocsp', '-issuer', ca.intermediateCert, '-cert', opts.cert.cert, '-no_nonce', '-reqout', req]);
    const signer = opts.signer ?? { cert: ca.intermediateCert, key: intermediateKey(ca) };
    openssl(['ocsp', '-index', opts.index, '-CA', ca.intermediateCert, '-rsigner', signer.cert, '-rkey', signer.key, '-reqin', req, '-respout', resp, '-ndays', String(opts.ndays ?? 1)]);
    return fs.readFileSync(resp);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function intermediateKey(ca: TestCa): string {
  return path.join(ca.dir, 'intermediate', 'intermediate.key');
}

export interface RunningResponder {
  url: string;
  /** Requests answered so far. */
  requests(): number;
  stop(): Promise<void>;
}

/** A loopback-only OCSP responder over the CA index `index` (the intermediate signs). */
export async function startOcspResponder(ca: TestCa, index: string): Promise<RunningResponder> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-ocspd-'));
  let answered = 0;
  const answer = (der: Buffer): Buffer => {
    const n = answered++;
    const req = path.join(work, `req${n}.der`);
    const resp = path.join(work, `resp${n}.der`);
    fs.writeFileSync(req, der);
    openssl(['ocsp', '-index', index, '-CA', ca.intermediateCert, '-rsigner', ca.intermediateCert, '-rkey', intermediateKey(ca), '-reqin', req, '-respout', resp, '-ndays', '1']);
    return fs.readFileSync(resp);
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        const der = request.method === 'POST' ? Buffer.concat(chunks) : Buffer.from(decodeURIComponent((request.url ?? '/').slice(1)), 'base64');
        const body = answer(der);
        response.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': body.length });
        response.end(body);
      } catch {
        response.writeHead(400);
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => answered,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          fs.rmSync(work, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
