// Debian's `pebble` (Let's Encrypt's ACME test server) for tests, on
// 127.0.0.1 only: its ACME and management listeners are bound to loopback
// ports chosen now, its HTTPS certificate is a throwaway one for IP
// 127.0.0.1 (clients trust it through REQUESTS_CA_BUNDLE, nothing else),
// challenge validation is off (PEBBLE_VA_ALWAYS_VALID=1: no connection back
// to any port), nonces are never rejected at random (PEBBLE_WFE_NONCEREJECT=0),
// and its DNS server is a loopback port where nothing answers.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort } from './nginx';

export interface RunningPebble {
  /** ACME directory URL. */
  directory: string;
  /** PEM of pebble's HTTPS certificate: REQUESTS_CA_BUNDLE for certbot. */
  caBundle: string;
  log(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startPebble(t: { teardown(fn: () => void | Promise<void>): void }, dir: string): Promise<RunningPebble> {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'pebble-https.pem');
  const key = path.join(dir, 'pebble-https.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '2', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', OPENSSL_CONF: '/dev/null' } },
  );
  const [acme, management, http01, tlsalpn, dns] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const config = path.join(dir, 'pebble.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acme}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: cert,
        privateKey: key,
        httpPort: http01,
        tlsPort: tlsalpn,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const logFile = path.join(dir, 'pebble.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dns}`], {
    stdio: ['ignore', out, out],
    env: { PATH: '/usr/bin:/bin', PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_VA_NOSLEEP: '1' },
  });
  fs.closeSync(out);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const log = () => fs.readFileSync(logFile, 'utf8');
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exitedPromise, sleep(5000)]);
    if (!exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
  };
  t.teardown(stop);
  const deadline = Date.now() + 15_000;
  while (!(await portOpen(acme))) {
    if (exited) throw new Error(`pebble exited at start: ${log()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pebble did not listen on 127.0.0.1:${acme}: ${log()}`);
    }
    await sleep(50);
  }
  return { directory: `https://127.0.0.1:${acme}/dir`, caBundle: cert, log, stop };
}
