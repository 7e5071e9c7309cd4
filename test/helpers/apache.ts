// A REAL Apache httpd (Debian's apache2) for tests, on 127.0.0.1 only, from a
// temp sysroot:
//   apache2 -d ROOT/etc/apache2 -f ROOT/etc/apache2/apache2.conf -DFOREGROUND
// The test writes ROOT/etc/apache2/apache2.conf: `Listen 127.0.0.1:PORT`,
// <VirtualHost 127.0.0.1:PORT>, and files named RELATIVELY
// (`SSLCertificateFile certs/x.pem`): httpd resolves them against its -d
// ServerRoot, hardtop against /etc/apache2 under the root, so both read the
// same file. The run-time files (PidFile, ErrorLog, DefaultRuntimeDir) go to
// a run dir outside the root: apacheBase() writes those lines, and the pid
// file is also copied to ROOT/var/run/apache2/apache2.pid when `root` is given
// (where hardtop's reload looks for it, as on Debian). Nothing under
// the real /etc/apache2, /var/log/apache2 or /run/apache2 is read or written
// (the config names every module by its absolute path and no Include).
//
// As root, httpd's children switch to www-data: the document root must be
// world-readable (the certificates and keys are read by the parent as root).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

const MODULES = '/usr/lib/apache2/modules';

export interface RunningApache {
  serverRoot: string;
  runDir: string;
  pid: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * The global part of a test's apache2.conf: modules (absolute paths), the
 * run-time files in `runDir`, the user children run as, a ServerName, and a
 * document root (`www`, relative to ServerRoot) everyone may read.
 */
export function apacheBase(runDir: string, ports: number[]): string {
  const modules = ['mpm_event', 'authz_core', 'dir', 'headers', 'alias', 'socache_shmcb', 'ssl'];
  return [
    ...modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    // Debian's own line: httpd expands the variable from its environment
    // (startApache sets it to RUN/apache2.pid); hardtop reads it as Debian's
    // envvars sets it, /var/run/apache2/apache2.pid under the root.
    'PidFile ${APACHE_PID_FILE}',
    `DefaultRuntimeDir ${runDir}`,
    `ErrorLog ${runDir}/error.log`,
    'LogLevel warn',
    'User www-data',
    'Group www-data',
    'ServerName localhost',
    `SSLSessionCache shmcb:${runDir}/ssl_scache(512000)`,
    ...ports.map((p) => `Listen 127.0.0.1:${p}`),
    'DocumentRoot www',
    '<Directory />',
    '  Require all granted',
    '</Directory>',
    '',
  ].join('\n');
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
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

function args(serverRoot: string): string[] {
  return ['-d', serverRoot, '-f', path.join(serverRoot, 'apache2.conf')];
}

/** `apache2 -t`: throws with httpd's own message when the config is bad. */
export function apacheTest(serverRoot: string, env: Record<string, string> = { ...ENV, APACHE_PID_FILE: '/nonexistent/apache2.pid' }): void {
  execFileSync('apache2', [...args(serverRoot), '-t'], { stdio: ['ignore', 'pipe', 'pipe'], env });
}

export async function startApache(t: { teardown(fn: () => void | Promise<void>): void }, opts: { serverRoot: string; runDir: string; ports: number[]; root?: string }): Promise<RunningApache> {
  const env = { ...ENV, APACHE_PID_FILE: path.join(opts.runDir, 'apache2.pid') };
  fs.mkdirSync(opts.runDir, { recursive: true });
  fs.mkdirSync(path.join(opts.serverRoot, 'www'), { recursive: true });
  try {
    apacheTest(opts.serverRoot, env);
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`apache2 -t failed: ${e.stderr?.toString() ?? String(err)}`);
  }
  const child: ChildProcess = spawn('apache2', [...args(opts.serverRoot), '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(opts.runDir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  // SIGTERM: httpd's parent kills its children and exits ("stop" without waiting for requests).
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    await Promise.race([exitedPromise, sleep(10_000)]);
    if (!exited) {
      child.kill('SIGKILL');
      await exitedPromise;
    }
  };
  t.teardown(stop);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new Error(`apache2 exited at start: ${stderr}\n${errorLog()}`);
    const open = await Promise.all(opts.ports.map(portOpen));
    if (open.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`apache2 did not open ports ${opts.ports.join(', ')} in 15 s: ${stderr}\n${errorLog()}`);
    }
    await sleep(50);
  }
  // httpd writes its pid file after it opens its ports: wait for it too.
  const ownPid = path.join(opts.runDir, 'apache2.pid');
  while (!fs.existsSync(ownPid) || fs.readFileSync(ownPid, 'utf8').trim() === '') {
    if (exited) throw new Error(`apache2 exited at start: ${stderr}\n${errorLog()}`);
    if (Date.now() > deadline) throw new Error(`apache2 wrote no pid file in 15 s: ${errorLog()}`);
    await sleep(20);
  }
  if (opts.root) {
    const pidFile = path.join(opts.root, 'var/run/apache2/apache2.pid');
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.copyFileSync(path.join(opts.runDir, 'apache2.pid'), pidFile);
  }
  return { serverRoot: opts.serverRoot, runDir: opts.runDir, pid: child.pid!, errorLog, stop };
}
