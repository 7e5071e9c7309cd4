// A REAL fail2ban-server for tests, on loopback-free, firewall-free terms:
// everything lives in a temp dir, the only action is fail2ban's `dummy`
// (it appends "+ip"/"-ip" to a file in that dir: no iptables, no nftables),
// and the watched log is one the test writes, with 127.x addresses only.
//
// The temp dir holds two views of one configuration:
//   <tmp>/root/          a sysroot, as hardtop sees it under --root: its
//                        etc/fail2ban names host paths (/run/fail2ban/…,
//                        /var/log/auth.log …);
//   <tmp>/server-etc/    what the server itself reads: the same files with
//                        every path prefixed by <tmp>/root, so the socket,
//                        database and logs the server writes land exactly
//                        where the sysroot view says they are.
// The server runs in the foreground (-f) as our own child process and is
// stopped in teardown: `fail2ban-client stop`, then SIGKILL of that pid only.

import * as child from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ServerOptions {
  maxretry?: number;
  findtime?: string;
  bantime?: string;
  /** Jails of the standard set (sshd, recidive) to leave out. */
  omitJails?: string[];
  /** Jails of the standard set to write with enabled = false (defined, as Debian ships them, but off). */
  disableJails?: string[];
  /** Extra text appended to the jail.conf of both views. */
  extraJailConf?: string;
}

export interface ClientResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Fail2banServer {
  /** The sysroot: pass it as `root` to createLocalHost. */
  root: string;
  /** Real path of the server's socket (inside the sysroot). */
  socket: string;
  /** Real path of the server's own config dir. */
  serverConf: string;
  /** Real path of the auth.log the sshd jail watches. */
  authLog: string;
  /** Real path of fail2ban's own log. */
  fail2banLog: string;
  /** fail2ban-client against this server. */
  client(args: string[], timeoutMs?: number): Promise<ClientResult>;
  /** Appends `count` sshd "Failed password" lines from `ip` (127.x or a documentation range only). */
  failLogins(ip: string, count: number, user?: string): void;
  /** Polls `pred` until true (default 20 s). */
  waitFor(what: string, pred: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>;
  /** Waits until `ip` is in the jail's banned list. */
  waitForBan(jail: string, ip: string): Promise<void>;
  /** Waits until fail2ban's log shows `count` "Found ip" lines for the jail. */
  waitForFound(jail: string, ip: string, count: number): Promise<void>;
  stop(): Promise<void>;
}

const SAFE_ADDRESS = /^(127\.\d+\.\d+\.\d+|192\.0\.2\.\d+|198\.51\.100\.\d+|203\.0\.113\.\d+|2001:db8:[0-9a-f:]*|::1)$/i;

function fail2banConf(P: (p: string) => string): string {
  return `# fail2ban.conf of a test server (hardtop test/helpers/fail2ban-server.ts)
[Definition]
loglevel = INFO
logtarget = ${P('/var/log/fail2ban.log')}
syslogsocket = auto
allowipv6 = auto
socket = ${P('/run/fail2ban/fail2ban.sock')}
pidfile = ${P('/run/fail2ban/fail2ban.pid')}
dbfile = ${P('/var/lib/fail2ban/fail2ban.sqlite3')}
dbpurgeage = 1d
`;
}

function jailConf(P: (p: string) => string, o: ServerOptions): string {
  const jail = (name: string, text: string) => (o.omitJails?.includes(name) ? '' : text.replace('enabled = true', `enabled = ${o.disableJails?.includes(name) ? 'false' : 'true'}`));
  return `# jail.conf of a test server: banaction dummy only (touches no firewall)
[DEFAULT]
bantime = ${o.bantime ?? '1h'}
findtime = ${o.findtime ?? '10m'}
maxretry = ${o.maxretry ?? 3}
# 127.x must be bannable in tests: do not exempt the machine's own addresses.
ignoreself = false
backend = polling
usedns = no
banaction = dummy
action = dummy[target="${P('/run/fail2ban/fail2ban.dummy')}"]

${jail(
    'sshd',
    `
[sshd]
enabled = true
mode = normal
filter = sshd[mode=%(mode)s]
port = ssh
logpath = ${P('/var/log/auth.log')}
`,
  )}${jail(
    'recidive',
    `
[recidive]
enabled = true
filter = recidive
logpath = ${P('/var/log/fail2ban.log')}
bantime = 1w
findtime = 1d
`,
  )}${o.extraJailConf ?? ''}`;
}

const DPKG_STATUS = `Package: fail2ban
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 2129
Maintainer: Debian Python Team <team+python@tracker.debian.org>
Architecture: all
Version: 1.0.2-2
Description: ban hosts that cause multiple authentication errors

`;

function copyFromSystem(rel: string, dests: string[]): void {
  const src = path.join('/etc/fail2ban', rel);
  if (!fs.existsSync(src)) throw new Error(`${src} is missing: the fail2ban package must be installed for these tests`);
  for (const d of dests) {
    fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
    fs.copyFileSync(src, path.join(d, rel));
  }
}

function runClient(args: string[], timeoutMs: number): Promise<ClientResult> {
  return new Promise((resolve) => {
    child.execFile('fail2ban-client', args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function isoNow(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
}

export async function startFail2banServer(t: { teardown(fn: () => Promise<void> | void): void }, opts: ServerOptions = {}): Promise<Fail2banServer> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hardtop-f2b-'));
  const root = path.join(base, 'root');
  const serverConf = path.join(base, 'server-etc');
  const hostConf = path.join(root, 'etc/fail2ban');
  const P = (p: string) => root + p;
  for (const d of ['run/fail2ban', 'var/log', 'var/lib/fail2ban', 'var/lib/dpkg', 'etc/fail2ban/jail.d']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.mkdirSync(serverConf, { recursive: true });

  fs.writeFileSync(path.join(hostConf, 'fail2ban.conf'), fail2banConf((p) => p));
  fs.writeFileSync(path.join(hostConf, 'jail.conf'), jailConf((p) => p, opts));
  fs.writeFileSync(path.join(serverConf, 'fail2ban.conf'), fail2banConf(P));
  fs.writeFileSync(path.join(serverConf, 'jail.conf'), jailConf(P, opts));
  for (const rel of ['filter.d/sshd.conf', 'filter.d/common.conf', 'filter.d/recidive.conf', 'action.d/dummy.conf']) copyFromSystem(rel, [hostConf, serverConf]);
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), DPKG_STATUS);
  const authLog = P('/var/log/auth.log');
  fs.writeFileSync(authLog, '');
  // recidive watches fail2ban's own log: fail2ban refuses to start when a jail's log is missing.
  fs.writeFileSync(P('/var/log/fail2ban.log'), '');

  const socket = P('/run/fail2ban/fail2ban.sock');
  const pidfile = P('/run/fail2ban/fail2ban.pid');
  let output = '';
  const proc = child.spawn('fail2ban-server', ['-f', '-c', serverConf, '-s', socket, '-p', pidfile], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let stopped = false;

  const client = (args: string[], timeoutMs = 10000) => runClient(['-c', serverConf, '-s', socket, ...args], timeoutMs);

  const waitFor = async (what: string, pred: () => Promise<boolean> | boolean, timeoutMs = 20000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await pred()) return;
      if (proc.exitCode !== null) throw new Error(`fail2ban-server exited while waiting for ${what}:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; server output:\n${output}`);
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (proc.exitCode === null) {
      await client(['stop'], 10000);
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 8000)))]);
      clearTimeout(timer);
      if (!killed && proc.pid !== undefined) {
        proc.kill('SIGKILL');
        await exited;
      }
    }
    fs.rmSync(base, { recursive: true, force: true });
  };
  t.teardown(stop);

  await waitFor('the server to answer ping', async () => (await client(['ping'], 3000)).stdout.includes('pong'));

  const fail2banLog = P('/var/log/fail2ban.log');
  const server: Fail2banServer = {
    root,
    socket,
    serverConf,
    authLog,
    fail2banLog,
    client,
    failLogins(ip, count, user = 'root') {
      if (!SAFE_ADDRESS.test(ip)) throw new Error(`refusing ${ip}: test logs use loopback or documentation addresses only`);
      let lines = '';
      for (let i = 0; i < count; i++) lines += `${isoNow()} testhost sshd[${4000 + i}]: Failed password for ${user} from ${ip} port ${50000 + i} ssh2\n`;
      fs.appendFileSync(authLog, lines);
    },
    waitFor,
    async waitForBan(jail, ip) {
      await waitFor(`${ip} banned in ${jail}`, async () => {
        const r = await client(['get', jail, 'banip']);
        return r.stdout.split(/\s+/).includes(ip);
      });
    },
    async waitForFound(jail, ip, count) {
      const needle = `[${jail}] Found ${ip} `;
      await waitFor(`${count} failures of ${ip} in ${jail}`, () => {
        const text = fs.existsSync(fail2banLog) ? fs.readFileSync(fail2banLog, 'utf8') : '';
        return text.split('\n').filter((l) => l.includes(needle)).length >= count;
      });
    },
    stop,
  };
  return server;
}
