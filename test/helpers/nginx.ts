// A REAL nginx for tests, on 127.0.0.1 only, from a temp prefix:
//   nginx -p PREFIX/ -c PREFIX/nginx.conf -e RUN/err.log -g 'daemon off; pid RUN/pid; error_log RUN/err.log notice;'
// The test writes nginx.conf (listen 127.0.0.1:PORT …) and its certificates;
// the helper checks it with `nginx -t`, starts it, waits until every port
// accepts connections, and stops it in teardown. Nothing under the real
// /etc/nginx, /var/log/nginx or /var/lib/nginx is used: the config must set
// the temp paths (httpTempPaths) and `access_log off`.
//
// Also: a prober built straight from src/host's probe functions, which is
// what the checks get in tests until the Host carries the probe methods.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TlsProber } from '../../checks/tls/probe';
import { httpGet } from '../../src/host/http-probe';
import { tlsAccepts, tlsHandshake } from '../../src/host/tls-probe';

export interface RunningNginx {
  prefix: string;
  runDir: string;
  pid: number;
  errorLog(): string;
  /** SIGHUP, then wait until the master has started new workers. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Directives for the http block: temp files in the run dir, no access log under /var/log. */
export function httpTempPaths(runDir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${runDir}/${k};`).join('\n  ') + '\n  access_log off;';
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nginxArgs(prefix: string, runDir: string): string[] {
  const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return ['-p', p, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(runDir, 'err.log'), '-g', `daemon off; pid ${runDir}/pid; error_log ${runDir}/err.log notice;`];
}

/** `nginx -t` on the prefix: throws with nginx's own message when the config is bad. */
export function nginxTest(prefix: string, runDir: string): void {
  execFileSync('nginx', ['-t', ...nginxArgs(prefix, runDir)], { stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startNginx(t: { teardown(fn: () => void | Promise<void>): void }, opts: { prefix: string; runDir: string; ports: number[] }): Promise<RunningNginx> {
  fs.mkdirSync(opts.runDir, { recursive: true });
  try {
    nginxTest(opts.prefix, opts.runDir);
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`nginx -t failed: ${e.stderr?.toString() ?? String(err)}`);
  }
  const child: ChildProcess = spawn('nginx', nginxArgs(opts.prefix, opts.runDir), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(opts.runDir, 'err.log'), 'utf8');
    } catch {
      return '';
    }
  };
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
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`nginx exited at start: ${stderr}\n${errorLog()}`);
    const open = await Promise.all(opts.ports.map(portOpen));
    if (open.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not open ports ${opts.ports.join(', ')} in 10 s: ${errorLog()}`);
    }
    await sleep(50);
  }
  return {
    prefix: opts.prefix,
    runDir: opts.runDir,
    pid: child.pid!,
    errorLog,
    async reload() {
      nginxTest(opts.prefix, opts.runDir);
      const before = (errorLog().match(/reconfiguring/g) ?? []).length;
      process.kill(child.pid!, 'SIGHUP');
      const until = Date.now() + 10_000;
      while ((errorLog().match(/reconfiguring/g) ?? []).length <= before) {
        if (Date.now() > until) throw new Error(`nginx did not reload: ${errorLog()}`);
        await sleep(50);
      }
      // The new workers take a moment after "reconfiguring"; old ones finish their connections.
      await sleep(300);
    },
    stop,
  };
}

/** The probe functions of src/host as a TlsProber (network on, short timeouts). */
export function realProber(timeoutMs = 3000): TlsProber {
  return {
    handshake: (target, opts) => tlsHandshake(target, { ...opts, network: true, timeoutMs }),
    accepts: (target, offer) => tlsAccepts(target, offer, { network: true, timeoutMs }),
    httpGet: (target) => httpGet(target, { network: true, timeoutMs }),
  };
}

/**
 * A temp sysroot whose nginx is also REALLY running: ROOT/etc/nginx is both
 * what the checks read (createLocalHost({ root })) and nginx's prefix. The
 * config must name its files relatively (`ssl_certificate certs/x.pem`): nginx
 * resolves them against the prefix, hardtop against /etc/nginx under the root,
 * so both see the same file. ROOT/etc/ssl/certs/ca-certificates.crt holds the
 * test CA's root: the sysroot's trust store.
 */
export interface LiveRoot {
  dir: string;
  root: string;
  prefix: string;
  runDir: string;
  /** Host path → real path under the root. */
  real(hostPath: string): string;
}

export function makeLiveRoot(dir: string, trustedRootPem: string): LiveRoot {
  const root = path.join(dir, 'root');
  const prefix = path.join(root, 'etc/nginx');
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(path.join(prefix, 'certs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc/ssl/certs'), { recursive: true });
  fs.mkdirSync(runDir, { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/ssl/certs/ca-certificates.crt'), trustedRootPem);
  return { dir, root, prefix, runDir, real: (p) => path.join(root, p) };
}
