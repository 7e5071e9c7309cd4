// Real OpenSSH for the ssh hardening tests, on loopback only.
//
// - sshRoot(): a throwaway sysroot (--root) holding an sshd configuration,
//   fresh host keys, a dpkg status that says openssh-server is installed, and
//   /etc/passwd, /etc/group and home directories with authorized_keys.
// - startSshd(): the machine's /usr/sbin/sshd serving THAT configuration on
//   127.0.0.1 and a free high port. sshd's config names absolute paths
//   (Include /etc/ssh/sshd_config.d/*.conf, HostKey /etc/ssh/…): so that it
//   reads the sysroot's files under the very same names hardtop sees, it runs
//   in a private mount namespace (unshare -m) where the sysroot's etc/ssh is
//   bind-mounted over /etc/ssh. The machine's real /etc/ssh and real sshd are
//   never touched: the bind mount exists only inside that namespace. Its
//   PidFile is inside the sysroot (<root>/run/sshd.pid), where hardtop's reload
//   (SIGHUP to the PidFile's pid) finds it.
// - testUser(): a real account (useradd -m, a password via chpasswd, a key
//   pair in a temp dir, authorized_keys in its home), removed with userdel -r.
//   The same account (passwd line, home, authorized_keys) is mirrored into
//   the sysroot, which is what hardtop's lockout guard reads.
// - keyLogin()/passwordLogin(): a real `ssh` client; passwords are given with
//   SSH_ASKPASS + SSH_ASKPASS_REQUIRE=force under setsid (no extra package).

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const canRunRealSshd =
  process.getuid?.() === 0 && fs.existsSync(SSHD) && fs.existsSync('/usr/bin/ssh') && fs.existsSync('/usr/bin/unshare') && spawnSync('/usr/bin/unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', 'mount --bind /tmp /tmp']).status === 0;

const DPKG_STATUS = `Package: openssh-server
Status: install ok installed
Priority: optional
Section: net
Architecture: amd64
Source: openssh
Version: 1:9.2p1-2+deb12u10
Description: secure shell (SSH) server, for secure access from remote machines

`;

export interface RootUser {
  name: string;
  uid: number;
  gid: number;
  /** Authorized public keys written to the sysroot's ~/.ssh/authorized_keys (none: no file). */
  keys?: string[];
  shell?: string;
  groups?: string[];
}

export interface SshRootOptions {
  /** The main sshd_config text. */
  config: string;
  /** Extra files under etc/ssh/sshd_config.d: name → text. */
  dropIns?: Record<string, string>;
  /** Host key types to generate (default ed25519 and rsa 3072). */
  hostKeys?: { type: string; bits?: number }[];
  users?: RootUser[];
  /** Write this loginuid to <root>/proc/self/loginuid (the admin's login, as the kernel would say). */
  loginuid?: number;
  /** <root>/proc/sys/kernel/random/boot_id */
  bootId?: string;
}

export function tempDir(t: { teardown(fn: () => void): void }, prefix: string): string {
  // mkdtemp under the real /tmp: root-owned 0700, a path sshd accepts.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

/** Build a sysroot for ssh hardening. */
export function sshRoot(t: { teardown(fn: () => void): void }, opts: SshRootOptions): string {
  const root = path.join(tempDir(t, 'hardtop-sshroot-'), 'root');
  fs.mkdirSync(path.join(root, 'etc/ssh/sshd_config.d'), { recursive: true });
  fs.chmodSync(root, 0o755);
  write(path.join(root, 'etc/ssh/sshd_config'), opts.config);
  for (const [name, text] of Object.entries(opts.dropIns ?? {})) write(path.join(root, 'etc/ssh/sshd_config.d', name), text);
  for (const k of opts.hostKeys ?? [{ type: 'ed25519' }, { type: 'rsa', bits: 3072 }]) {
    const file = path.join(root, `etc/ssh/ssh_host_${k.type}_key`);
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', k.type, ...(k.bits ? ['-b', String(k.bits)] : []), '-N', '', '-C', 'root@hardtop-test', '-f', file]);
  }
  write(path.join(root, 'var/lib/dpkg/status'), DPKG_STATUS);
  fs.mkdirSync(path.join(root, 'run'), { recursive: true });
  fs.mkdirSync(path.join(root, 'root'), { recursive: true, mode: 0o700 });

  const users: RootUser[] = [{ name: 'root', uid: 0, gid: 0, shell: '/bin/bash' }, { name: 'daemon', uid: 1, gid: 1, shell: '/usr/sbin/nologin' }, ...(opts.users ?? [])];
  const passwd = users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.name}:${u.uid === 0 ? '/root' : u.uid < 1000 ? '/usr/sbin' : `/home/${u.name}`}:${u.shell ?? '/bin/bash'}`);
  write(path.join(root, 'etc/passwd'), `${passwd.join('\n')}\n`);
  const groupNames = new Set<string>();
  for (const u of users) for (const g of u.groups ?? []) groupNames.add(g);
  const groupLines = users.map((u) => `${u.name}:x:${u.gid}:`);
  let gid = 27;
  for (const g of groupNames) {
    const members = users.filter((u) => u.groups?.includes(g)).map((u) => u.name);
    groupLines.push(`${g}:x:${gid++}:${members.join(',')}`);
  }
  write(path.join(root, 'etc/group'), `${groupLines.join('\n')}\n`);
  for (const u of users) {
    if (!u.keys) continue;
    const home = path.join(root, u.uid === 0 ? 'root' : `home/${u.name}`);
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    write(path.join(home, '.ssh/authorized_keys'), `${u.keys.join('\n')}\n`, 0o600);
    for (const p of [home, path.join(home, '.ssh'), path.join(home, '.ssh/authorized_keys')]) fs.chownSync(p, u.uid, u.gid);
    fs.chmodSync(home, 0o750);
    fs.chmodSync(path.join(home, '.ssh'), 0o700);
  }
  if (opts.loginuid !== undefined) write(path.join(root, 'proc/self/loginuid'), String(opts.loginuid));
  if (opts.bootId !== undefined) write(path.join(root, 'proc/sys/kernel/random/boot_id'), `${opts.bootId}\n`);
  return root;
}

/** A Debian-like main file: Include first, then the settings the test wants weak. */
export function weakConfig(port: number, extra = ''): string {
  return `# test sshd (hardtop)
Include /etc/ssh/sshd_config.d/*.conf
Port ${port}
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_rsa_key
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
MACs hmac-sha1,hmac-sha2-256,hmac-sha2-256-etm@openssh.com
Ciphers aes128-cbc,aes128-ctr,chacha20-poly1305@openssh.com
${extra}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface RunningSshd {
  pid: number;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  /**
   * Homes (host paths, e.g. /home/NAME of a testUser) that sshd should read
   * from the sysroot too: <root>/home/NAME is bind-mounted over /home/NAME in
   * sshd's namespace, so the authorized_keys hardtop edits under --root is the
   * one sshd checks. The real home must exist (useradd -m made it).
   */
  bindHomes?: string[];
}

/** sshd on 127.0.0.1:port reading <root>/etc/ssh as /etc/ssh (see the header). */
export async function startSshd(t: { teardown(fn: () => void | Promise<void>): void }, root: string, port: number, opts: StartSshdOptions = {}): Promise<RunningSshd> {
  if (!fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privsep dir
  const pidFile = path.join(root, 'run/sshd.pid');
  // The homes come as positional parameters, never spliced into the script.
  const script = 'root=$1; pid=$2; shift 2; mount --bind "$root/etc/ssh" /etc/ssh || exit 1; for h in "$@"; do mount --bind "$root$h" "$h" || exit 1; done; exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config -o "PidFile=$pid"';
  let log = '';
  const child: ChildProcess = spawn('/usr/bin/unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'sh', root, pidFile, ...(opts.bindHomes ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (log += String(d)));
  child.stderr!.on('data', (d) => (log += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  t.teardown(stop);
  const deadline = Date.now() + 15_000;
  while (!(await portOpen(port)) || !fs.existsSync(pidFile)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start on 127.0.0.1:${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: child.pid!, port, log: () => log, stop };
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  password: string;
  /** Private key file (its .pub next to it). */
  key: string;
  publicKey: string;
}

/** A real throwaway account with a password and a key; userdel -r in teardown. */
export function testUser(t: { teardown(fn: () => void): void }): TestUser {
  const name = `htt${process.pid % 100000}${Math.floor(Math.random() * 1000)}`.slice(0, 16);
  const password = `pw-${Math.random().toString(36).slice(2)}-X9`;
  execFileSync('/usr/sbin/useradd', ['-m', '-s', '/bin/sh', name]);
  t.teardown(() => {
    spawnSync('/usr/bin/pkill', ['-KILL', '-u', name]);
    spawnSync('/usr/sbin/userdel', ['-r', '-f', name]);
  });
  execFileSync('/usr/sbin/chpasswd', { input: `${name}:${password}\n` });
  const dir = tempDir(t, 'hardtop-userkey-');
  const key = path.join(dir, 'id_ed25519');
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@hardtop-test`, '-f', key]);
  const publicKey = fs.readFileSync(`${key}.pub`, 'utf8').trim();
  const uid = Number(execFileSync('/usr/bin/id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('/usr/bin/id', ['-g', name], { encoding: 'utf8' }).trim());
  const home = `/home/${name}`;
  fs.mkdirSync(`${home}/.ssh`, { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${home}/.ssh/authorized_keys`, `${publicKey}\n`, { mode: 0o600 });
  for (const p of [`${home}/.ssh`, `${home}/.ssh/authorized_keys`]) fs.chownSync(p, uid, gid);
  return { name, uid, gid, password, key, publicKey };
}

const CLIENT_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10', '-F', '/dev/null'];

export interface LoginResult {
  ok: boolean;
  code: number | null;
  stderr: string;
}

function runSsh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<LoginResult> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/setsid', ['-w', '/usr/bin/ssh', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', ...env } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && stdout.includes('hardtop-login-ok'), code, stderr });
    });
  });
}

/** A real key login as `user` (BatchMode: never asks anything). Retries briefly: a reload re-opens the listener. */
export async function keyLogin(user: TestUser, port: number): Promise<LoginResult> {
  let last: LoginResult = { ok: false, code: null, stderr: '' };
  for (let i = 0; i < 5; i++) {
    last = await runSsh([...CLIENT_OPTS, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', user.key, '-p', String(port), `${user.name}@127.0.0.1`, 'echo hardtop-login-ok']);
    if (last.ok || !/Connection refused|Connection reset|closed by remote/.test(last.stderr)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

/** A real password login (no key offered): SSH_ASKPASS answers with the password. */
export async function passwordLogin(t: { teardown(fn: () => void): void }, user: TestUser, port: number): Promise<LoginResult> {
  const dir = tempDir(t, 'hardtop-askpass-');
  const askpass = path.join(dir, 'askpass');
  fs.writeFileSync(askpass, `#!/bin/sh\necho '${user.password}'\n`, { mode: 0o700 });
  let last: LoginResult = { ok: false, code: null, stderr: '' };
  for (let i = 0; i < 5; i++) {
    last = await runSsh(
      [...CLIENT_OPTS, '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive', '-o', 'NumberOfPasswordPrompts=1', '-p', String(port), `${user.name}@127.0.0.1`, 'echo hardtop-login-ok'],
      { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
    );
    if (last.ok || !/Connection refused|Connection reset|closed by remote/.test(last.stderr)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}
