// Decoding a stapled OCSP response with the openssl CLI (Node cannot decode
// OCSP, and no ASN.1 library is a dependency yet): the DER, the leaf and its
// issuer go to a private staging dir (host.makeTempDir, in /tmp, never under
// --root), and
//
//   openssl ocsp -respin resp.der -issuer issuer.pem -cert leaf.pem -CAfile issuer.pem -partial_chain
//
// says the status for THIS certificate (a response about another one has
// none), its thisUpdate/nextUpdate, and whether the response is signed by the
// issuer or by a responder the issuer authorised (id-kp-OCSPSigning).
// `-CAfile issuer -partial_chain` makes the issuer the trust anchor for that
// question only: whether the issuer itself is trusted is tls.cert.chain's job.
// No network: -respin reads a file; nothing is sent to any responder.

import type { X509Certificate } from 'node:crypto';
import type { Host } from '../../src/host/host';
import { parseOpensslOcsp, type OcspReading } from '../../src/parse/openssl-ocsp';
import { thrownMessage } from './finding';

export type StapleDecode = OcspReading | { kind: 'tool-error'; why: string };

export const OPENSSL_OCSP_SHOWN = 'openssl ocsp -respin <stapled response> -issuer <issuer> -cert <leaf> -CAfile <issuer> -partial_chain';

export async function decodeStaple(host: Host, response: Buffer, leaf: X509Certificate, issuer: X509Certificate, signal?: AbortSignal): Promise<StapleDecode> {
  let stage: { path: string; dispose(): Promise<void> } | null = null;
  try {
    stage = await host.makeTempDir('ocsp');
    const resp = `${stage.path}/response.der`;
    const leafFile = `${stage.path}/leaf.pem`;
    const issuerFile = `${stage.path}/issuer.pem`;
    await host.writeReal(resp, response);
    await host.writeReal(leafFile, leaf.toString());
    await host.writeReal(issuerFile, issuer.toString());
    const r = await host.exec('openssl', ['ocsp', '-respin', resp, '-issuer', issuerFile, '-cert', leafFile, '-CAfile', issuerFile, '-partial_chain'], {
      timeoutMs: 10_000,
      maxOutputBytes: 256 * 1024,
      signal,
    });
    if (r.spawnError) return { kind: 'tool-error', why: `openssl is needed to decode the stapled OCSP response: ${r.spawnError}` };
    if (r.timedOut) return { kind: 'tool-error', why: 'openssl ocsp timed out decoding the stapled response' };
    return parseOpensslOcsp(r.stdout, r.stderr, leafFile);
  } catch (err) {
    return { kind: 'tool-error', why: `could not stage the stapled response for openssl: ${thrownMessage(err)}` };
  } finally {
    await stage?.dispose().catch(() => undefined);
  }
}
