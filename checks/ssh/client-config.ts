// The SSH client's configuration as the ssh.client.* checks see it:
// /etc/ssh/ssh_config with its Includes (trusted, root's), every account's
// ~/.ssh/config (untrusted: read without following links, FIFOs or huge
// files), and the algorithms ssh offers when nothing is set.
//
// ssh's compiled-in defaults come from `ssh -G -F none hardtop.invalid`: with
// `-F none` ssh reads no configuration at all (so no `Match exec` in a user's
// file is ever run, and the real /etc/ssh never leaks into a report about
// --root), and -G prints the options without connecting or resolving. When
// ssh cannot be run, the 9.2p1 defaults in assets/policy/ssh.json are used and
// the evidence says so.

import type { Evidence, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { PasswdAccount } from '../../src/parse/passwd';
import { loadSshConfig, type SshConfig, type SshConfigProblem } from '../../src/parse/ssh-config';
import { lookupPackage } from '../updates/dpkg';
import { thrownMessage } from '../updates/finding';
import { clientPolicy } from './client-policy';
import { accountsByHome, isRefusal, loadAccounts, readMaybeUntrusted, refusalText } from './keys-accounts';
import { untrustedSource } from './keys-inventory';
import { hostSource } from './server-config';

export const SSH_CONFIG = '/etc/ssh/ssh_config';
export const CLIENT_PACKAGE = 'openssh-client';
export const SSH_BINARIES = ['/usr/bin/ssh', '/usr/local/bin/ssh', '/bin/ssh'];
export const CLIENT_WATCH = ['/etc/ssh', '/etc/ssh/ssh_config.d', '/etc/passwd', '/var/lib/dpkg/status'];
export const CLIENT_INTERVAL = 3600;
export const CLIENT_TIMEOUT_MS = 30_000;
/** A name that can never resolve (RFC 6761), for `ssh -G`. */
const PROBE_HOST = 'hardtop.invalid';

export interface ClientDefaults {
  values: Record<string, string>;
  /** "OpenSSH_9.2p1" or the fallback's label. */
  label: string;
  source: Evidence;
}

export interface UserClientConfig {
  home: string;
  accounts: PasswdAccount[];
  path: string;
  /** Parsed when it could be read. */
  config?: SshConfig;
  /** The file could not be used: refused by hardtop, unreadable, or refused by ssh (owner/mode). */
  problem?: { status: 'warn' | 'error'; text: string };
}

export type ClientState =
  | { kind: 'absent'; summary: string; evidence: Evidence[] }
  /** ssh refuses the system-wide file: it will not run for anyone. */
  | { kind: 'broken'; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; system: SshConfig; users: UserClientConfig[]; defaults: ClientDefaults; presence: Evidence[]; accountsNote?: string };

// ---------------------------------------------------------------------------

const defaultsMemo = new WeakMap<Host, Promise<ClientDefaults | null>>();

/** `ssh -G` prints "key value" lines, keys in lower case. */
export function parseSshG(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (m && out[m[1].toLowerCase()] === undefined) out[m[1].toLowerCase()] = m[2];
  }
  return out;
}

async function askSsh(host: Host, ctx: RunContext): Promise<ClientDefaults | null> {
  const argv = ['-G', '-F', 'none', PROBE_HOST];
  const r = await host.exec('ssh', argv, { timeoutMs: 5000, signal: ctx.signal });
  if (r.exitCode !== 0 || r.truncated) return null;
  const values = parseSshG(r.stdout);
  if (values.kexalgorithms === undefined || values.macs === undefined) return null;
  const v = await host.exec('ssh', ['-V'], { timeoutMs: 5000, signal: ctx.signal });
  const version = /OpenSSH_[0-9][^\s,]*/.exec(`${v.stderr}\n${v.stdout}`)?.[0] ?? 'this ssh';
  return { values, label: version, source: { command: `ssh ${argv.join(' ')}`, text: `the compiled-in defaults of ${version} on the machine running hardtop` } };
}

export async function clientDefaults(host: Host, ctx: RunContext): Promise<ClientDefaults> {
  let pending = defaultsMemo.get(host);
  if (!pending) {
    pending = askSsh(host, ctx).catch(() => null);
    defaultsMemo.set(host, pending);
  }
  const got = await pending;
  if (got === null) {
    defaultsMemo.delete(host); // try again next run (a timeout, ssh installed later)
    const fb = clientPolicy.fallbackDefaults;
    return { values: { ...fb.values }, label: fb.version, source: { text: `ssh could not be asked for its defaults: those of ${fb.version} (assets/policy/ssh.json)` } };
  }
  return got;
}

// ---------------------------------------------------------------------------

async function clientPresence(host: Host): Promise<{ installed: boolean; evidence: Evidence[] }> {
  const pkg = await lookupPackage(host, CLIENT_PACKAGE).catch(() => null);
  if (pkg?.kind === 'known' && (pkg.presence.kind === 'installed' || pkg.presence.kind === 'incomplete')) return { installed: true, evidence: pkg.evidence };
  for (const p of SSH_BINARIES) {
    const st = await host.stat(p).catch(() => null);
    if (st?.kind === 'file') return { installed: true, evidence: [{ file: p }] };
  }
  return { installed: false, evidence: pkg?.kind === 'known' ? pkg.evidence : [] };
}

export function problemWhere(p: SshConfigProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}` : p.file;
}

function fatalOf(cfg: SshConfig): SshConfigProblem[] {
  return cfg.problems.filter((p) => p.fatal);
}

export async function loadClientState(host: Host, ctx: RunContext): Promise<ClientState> {
  const presence = await clientPresence(host);
  const system = await loadSshConfig(SSH_CONFIG, hostSource(host), { kind: 'system' });
  if (!presence.installed && system.missing) {
    return { kind: 'absent', summary: `no SSH client: ${CLIENT_PACKAGE} is not installed and there is no ${SSH_CONFIG}`, evidence: presence.evidence };
  }
  const unreadable = system.problems.find((p) => p.kind === 'io' && p.file === SSH_CONFIG && p.line === 0);
  if (unreadable) return { kind: 'broken', summary: `cannot read ${SSH_CONFIG}: ${unreadable.message}`, evidence: [{ file: SSH_CONFIG, text: unreadable.message }] };
  const fatal = fatalOf(system);
  if (fatal.length > 0) {
    const more = fatal.length > 1 ? ` (+${fatal.length - 1} more)` : '';
    return {
      kind: 'broken',
      summary: `ssh refuses its configuration: ${problemWhere(fatal[0])}: ${fatal[0].message}${more} (ssh will not run for anyone)`,
      evidence: fatal.map((p) => ({ file: p.file, line: p.line || undefined, text: p.message })),
    };
  }

  const defaults = await clientDefaults(host, ctx);
  const accounts = await loadAccounts(host);
  const users: UserClientConfig[] = [];
  let accountsNote: string | undefined;
  if (accounts.kind === 'ok') {
    const byHome = accountsByHome(accounts.accounts);
    const homes = [...byHome.keys()];
    for (const [home, owners] of byHome) {
      if (home === '/') continue;
      users.push(...(await loadUserConfig(host, home, owners, homes)));
    }
  } else {
    accountsNote = accounts.summary;
  }
  return { kind: 'ok', system, users, defaults, presence: presence.evidence, accountsNote };
}

async function loadUserConfig(host: Host, home: string, owners: PasswdAccount[], homes: string[]): Promise<UserClientConfig[]> {
  const path = `${home}/.ssh/config`;
  const read = await readMaybeUntrusted(host, path, home);
  if (!read.ok && read.reason === 'missing') return [];
  const base: UserClientConfig = { home, accounts: owners, path };
  if (!read.ok) return [{ ...base, problem: { status: isRefusal(read) ? 'warn' : 'error', text: refusalText(read) } }];
  // ssh's own rule for a user's config (readconf.c SSHCONF_CHECKPERM): fatal "Bad owner or permissions".
  const st = read.stat;
  if ((st.uid !== 0 && !owners.some((a) => a.uid === st.uid)) || (st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    return [{ ...base, problem: { status: 'warn', text: `ssh refuses to run for ${owners.map((a) => a.name).join(', ')}: Bad owner or permissions (uid ${st.uid}, mode ${mode})` } }];
  }
  // The text already read is the one parsed (no second open of a user's file).
  const untrusted = untrustedSource(host, home, homes);
  const source = {
    read: async (p: string) => (p === path ? { ok: true as const, text: read.text } : untrusted.read(p)),
    glob: untrusted.glob,
  };
  try {
    const config = await loadSshConfig(path, source, { kind: 'user', home });
    return [{ ...base, config }];
  } catch (err) {
    return [{ ...base, problem: { status: 'error', text: `cannot parse: ${thrownMessage(err)}` } }];
  }
}

export function userNames(u: UserClientConfig): string {
  return u.accounts.map((a) => a.name).join(', ');
}
