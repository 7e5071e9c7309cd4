// Which key did THIS ssh session log in with? ssh.remove-authorized-key must
// never remove it (the admin would cut the branch they sit on).
//
// - SSH_CONNECTION (ours, or a parent's: sudo drops it) names the client
//   address and port;
// - ExposeAuthInfo's SSH_USER_AUTH file, when sshd offers it and the
//   environment still has it, names the key itself;
// - otherwise sshd's log line for that address and port: "Accepted publickey
//   for USER from ADDR port PORT ssh2: TYPE SHA256:…" in /var/log/auth.log or
//   /var/log/secure (the end of each, bounded), or the journal (on / only).
// Logs are untrusted text: src/parse/sshd-accepted.ts matches strictly.

import type { Host } from '../../src/host/host';
import { currentSession } from '../../src/fix/confirm-session';
import { decodeBase64Strict, describePublicKeyBlob } from '../../src/parse/ssh-key-blob';
import { loginOfConnection, parseAcceptedLogins, parseExposedAuthInfo, parseSshConnection } from '../../src/parse/sshd-accepted';
import { rotatePolicy } from './rotate-policy';

export type SessionLogin =
  | { kind: 'not-ssh' }
  /** user: null when only ExposeAuthInfo told (it names the key, not the account). */
  | { kind: 'key'; user: string | null; fingerprints: string[]; via: string }
  /** Logged in over SSH, but not with a key we can name (a password, or no log line found). */
  | { kind: 'unknown'; why: string; connection: string };

async function fromExposedAuthInfo(host: Host): Promise<string[] | null> {
  const path = host.env('SSH_USER_AUTH')?.trim();
  if (!path || !path.startsWith('/')) return null;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const r = await host.read(path, { untrustedBelow: dir, maxBytes: 64 * 1024 }).catch(() => null);
  if (!r?.ok) return null;
  const fps: string[] = [];
  for (const k of parseExposedAuthInfo(r.text)) {
    const blob = decodeBase64Strict(k.base64);
    const d = blob ? describePublicKeyBlob(blob, k.type) : null;
    if (d?.ok) fps.push(d.key.fingerprint);
  }
  return fps.length > 0 ? fps : null;
}

async function logTail(host: Host, file: string): Promise<string | null> {
  const st = await host.stat(file).catch(() => null);
  if (st?.kind !== 'file') return null;
  const r = await host.exec('tail', ['-c', String(rotatePolicy.authLogs.tailBytes), '--', host.realPath(file)], {
    timeoutMs: 15_000,
    maxOutputBytes: rotatePolicy.authLogs.tailBytes + 1024,
  });
  return r.exitCode === 0 ? r.stdout : null;
}

export async function sessionLogin(host: Host): Promise<SessionLogin> {
  const session = await currentSession(host);
  const conn = parseSshConnection(session.sshConnection);
  if (!conn) return { kind: 'not-ssh' };
  const connection = `${conn.addr} port ${conn.port}`;

  const exposed = await fromExposedAuthInfo(host);
  if (exposed) return { kind: 'key', user: null, fingerprints: exposed, via: 'ExposeAuthInfo (SSH_USER_AUTH)' };

  const looked: string[] = [];
  for (const file of rotatePolicy.authLogs.files) {
    const text = await logTail(host, file);
    if (text === null) continue;
    looked.push(file);
    const login = loginOfConnection(parseAcceptedLogins(text), conn);
    if (login) return { kind: 'key', user: login.user, fingerprints: [login.fingerprint], via: `${file} ("Accepted publickey for ${login.user} from ${connection}")` };
  }
  if (host.root === '/') {
    const j = await host.exec('journalctl', ['-q', '--no-pager', '-o', 'cat', '-n', String(rotatePolicy.authLogs.journalLines), '-t', 'sshd', '-t', 'sshd-session'], {
      timeoutMs: 20_000,
      maxOutputBytes: rotatePolicy.authLogs.tailBytes,
    });
    if (j.exitCode === 0) {
      looked.push('the journal');
      const login = loginOfConnection(parseAcceptedLogins(j.stdout), conn);
      if (login) return { kind: 'key', user: login.user, fingerprints: [login.fingerprint], via: `the journal ("Accepted publickey for ${login.user} from ${connection}")` };
    }
  }
  const where = looked.length > 0 ? `no "Accepted publickey" line for ${connection} in ${looked.join(', ')}` : `no sshd log found (${rotatePolicy.authLogs.files.join(', ')})`;
  return { kind: 'unknown', why: `${where}; ExposeAuthInfo is not available`, connection };
}

/**
 * The recent end of sshd's log, for questions about logins in general (which
 * clients logged in since a host key rotation began): each auth log file
 * (bounded tail), and the journal on the live system. Never throws.
 */
export async function recentSshdLog(host: Host): Promise<{ texts: { where: string; text: string }[] }> {
  const texts: { where: string; text: string }[] = [];
  for (const file of rotatePolicy.authLogs.files) {
    const text = await logTail(host, file).catch(() => null);
    if (text !== null) texts.push({ where: file, text });
  }
  if (host.root === '/') {
    const j = await host
      .exec('journalctl', ['-q', '--no-pager', '-o', 'short-iso', '-n', String(rotatePolicy.authLogs.journalLines), '-t', 'sshd', '-t', 'sshd-session'], {
        timeoutMs: 20_000,
        maxOutputBytes: rotatePolicy.authLogs.tailBytes,
      })
      .catch(() => null);
    if (j?.exitCode === 0) texts.push({ where: 'the journal', text: j.stdout });
  }
  return { texts };
}
