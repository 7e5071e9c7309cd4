// The key inventory the ssh.keys.* checks judge: every account's authorized
// keys (AuthorizedKeysFile from the effective server configuration) and the
// private keys in every home's ~/.ssh (plus IdentityFile paths the user's
// ssh config names). Reads go through readMaybeUntrusted: nothing below a
// home directory is followed, opened as a FIFO/device, or read past a cap.

import type { Evidence, RunContext } from '../../src/core/types';
import type { FileStat, Host } from '../../src/host/host';
import { isAtOrBelow, normaliseHostPath } from '../../src/host/host-paths';
import { parseAuthorizedKeys, type AuthorizedKey, type AuthorizedKeysProblem } from '../../src/parse/authorized-keys';
import { parsePrivateKey, type PrivateKeyFacts, type PrivateKeyPublicPart } from '../../src/parse/openssh-private-key';
import type { PasswdAccount } from '../../src/parse/passwd';
import { loadSshConfig, type SshConfig } from '../../src/parse/ssh-config';
import { firstGlobal, loadSshdConfig } from '../../src/parse/sshd-config';
import { keyLabel } from '../../src/parse/ssh-key-blob';
import { userKeyPolicy } from './client-policy';
import { accountsByHome, homeOf, isRefusal, readMaybeUntrusted, refusalText, untrustedHomeFor, type FileRead } from './keys-accounts';
import { describeValue, hostSource, loadServerState, SSHD_CONFIG } from './server-config';

export const DEFAULT_AUTHORIZED_KEYS_FILE = '.ssh/authorized_keys .ssh/authorized_keys2';

// ---------------------------------------------------------------------------
// Where sshd looks for authorized keys

export interface AuthorizedKeysSetting {
  /** Patterns as sshd has them (tokens not expanded), each with where it came from. */
  patterns: { pattern: string; from: string }[];
  /** AuthorizedKeysCommand, when one is set: keys it returns are not inventoried. */
  command: string | null;
  /** StrictModes (default yes): sshd ignores key files others can write. */
  strictModes: boolean;
  /** A sentence about the server when it matters (absent, broken). */
  note: string | null;
  evidence: Evidence[];
}

export async function authorizedKeysSetting(host: Host, ctx: RunContext): Promise<AuthorizedKeysSetting> {
  const state = await loadServerState(host, ctx);
  const split = (v: string) => v.split(/\s+/).filter((p) => p !== '');
  if (state.kind === 'ok') {
    const c = state.config;
    const v = c.get('authorizedkeysfile');
    const from = v ? describeValue('AuthorizedKeysFile', v) : `AuthorizedKeysFile not set: default ${DEFAULT_AUTHORIZED_KEYS_FILE}`;
    const patterns = split(v?.value ?? DEFAULT_AUTHORIZED_KEYS_FILE).map((pattern) => ({ pattern, from }));
    // A Match block may name other files for some connections: read those too.
    for (const o of c.overrides('authorizedkeysfile')) {
      for (const pattern of split(o.value)) {
        if (!patterns.some((p) => p.pattern === pattern)) patterns.push({ pattern, from: `${o.block.text} (${o.directive.file}:${o.directive.line})` });
      }
    }
    const cmd = c.get('authorizedkeyscommand')?.value ?? 'none';
    const evidence: Evidence[] = [v?.origin.kind === 'line' ? { file: v.origin.directive.file, line: v.origin.directive.line, text: v.origin.directive.text } : { file: SSHD_CONFIG, text: from }];
    evidence.push(c.via === 'sshd -T' ? { ...c.source, text: `authorizedkeysfile ${v?.value ?? ''}`.trim() } : c.source);
    return { patterns, command: cmd.toLowerCase() === 'none' ? null : cmd, strictModes: (c.get('strictmodes')?.value ?? 'yes') !== 'no', note: null, evidence };
  }
  if (state.kind === 'absent') {
    const patterns = split(DEFAULT_AUTHORIZED_KEYS_FILE).map((pattern) => ({ pattern, from: 'sshd default (no SSH server installed)' }));
    return { patterns, command: null, strictModes: true, note: 'no SSH server is installed: these keys grant nothing until one is', evidence: state.presence.evidence };
  }
  // sshd refuses its configuration: hardtop's own parse still says which files an admin meant.
  const parsed = await loadSshdConfig(SSHD_CONFIG, hostSource(host)).catch(() => null);
  const d = parsed ? firstGlobal(parsed, 'authorizedkeysfile') : undefined;
  const from = d ? `AuthorizedKeysFile ${d.args.join(' ')} (${d.file}:${d.line})` : `default ${DEFAULT_AUTHORIZED_KEYS_FILE}`;
  const patterns = (d ? d.args : split(DEFAULT_AUTHORIZED_KEYS_FILE)).map((pattern) => ({ pattern, from }));
  return { patterns, command: null, strictModes: true, note: `the SSH server's configuration is broken (${state.summary})`, evidence: state.evidence };
}

/** sshd's expand_authorized_keys: %% %h %u %U, then a relative path is taken from the home directory. */
export function expandAuthorizedKeysPattern(pattern: string, account: Pick<PasswdAccount, 'name' | 'uid' | 'home'>): { path: string } | { problem: string } | null {
  if (pattern.toLowerCase() === 'none') return null;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = pattern[++i];
    if (t === '%') out += '%';
    else if (t === 'h') out += account.home;
    else if (t === 'u') out += account.name;
    else if (t === 'U') out += String(account.uid);
    else return { problem: `AuthorizedKeysFile ${pattern}: unknown token %${t ?? ''} (sshd refuses it)` };
  }
  if (out.startsWith('/')) return { path: normaliseHostPath(out) };
  const home = homeOf(account);
  if (home === null) return { problem: `${account.name} has no absolute home directory ("${account.home}"): ${pattern} cannot be found` };
  return { path: normaliseHostPath(`${home}/${out}`) };
}

// ---------------------------------------------------------------------------
// Authorized keys per account

export interface KeyFileState {
  path: string;
  /** The setting that named it. */
  from: string;
  read: FileRead;
  entries: AuthorizedKey[];
  problems: AuthorizedKeysProblem[];
  /** Set when sshd would ignore the whole file (StrictModes) or anyone else could add keys. */
  modeProblem?: { status: 'warn' | 'fail'; why: string };
}

export interface AccountKeys {
  account: PasswdAccount;
  files: KeyFileState[];
  /** Pattern problems (unknown %-token, no home). */
  notes: string[];
}

/** Read each account's authorized keys files (a file shared by accounts is read once). */
export async function inventoryAuthorizedKeys(host: Host, accounts: readonly PasswdAccount[], setting: AuthorizedKeysSetting): Promise<AccountKeys[]> {
  const homes = [...accountsByHome(accounts).keys()];
  const reads = new Map<string, Promise<FileRead>>();
  const out: AccountKeys[] = [];
  for (const account of accounts) {
    const ak: AccountKeys = { account, files: [], notes: [] };
    const seen = new Set<string>();
    for (const { pattern, from } of setting.patterns) {
      const x = expandAuthorizedKeysPattern(pattern, account);
      if (x === null) continue;
      if ('problem' in x) {
        if (!ak.notes.includes(x.problem)) ak.notes.push(x.problem);
        continue;
      }
      if (seen.has(x.path)) continue;
      seen.add(x.path);
      const home = homeOf(account);
      const below = home !== null && isAtOrBelow(x.path, home) ? home : untrustedHomeFor(x.path, homes);
      let pending = reads.get(x.path);
      if (!pending) {
        pending = readMaybeUntrusted(host, x.path, below);
        reads.set(x.path, pending);
      }
      const read = await pending;
      if (!read.ok && read.reason === 'missing') continue;
      const state: KeyFileState = { path: x.path, from, read, entries: [], problems: [] };
      if (read.ok) {
        const parsed = parseAuthorizedKeys(read.text, x.path);
        state.entries = parsed.entries;
        state.problems = parsed.problems;
        state.modeProblem = modeProblem(read.stat, account, setting.strictModes);
      }
      ak.files.push(state);
    }
    out.push(ak);
  }
  return out;
}

/** sshd's rule for a key file (auth.c secure_permissions, the file itself): owner root or the user, not writable by others. */
function modeProblem(st: FileStat, account: PasswdAccount, strictModes: boolean): KeyFileState['modeProblem'] {
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  let what: string | null = null;
  if (st.uid !== 0 && st.uid !== account.uid) what = `owned by uid ${st.uid}, not ${account.name}`;
  else if ((st.mode & 0o022) !== 0) what = `writable by ${(st.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${mode})`;
  if (what === null) return undefined;
  return strictModes
    ? { status: 'warn', why: `${what}: sshd ignores every key in it (StrictModes)` }
    : { status: 'fail', why: `${what}, and StrictModes is off: someone else can add a key that logs in as ${account.name}` };
}

export function fileRefusal(f: KeyFileState): string | null {
  return f.read.ok ? null : refusalText(f.read);
}

// ---------------------------------------------------------------------------
// Private keys in ~/.ssh (and where IdentityFile points)

/** Names in ~/.ssh that are never private keys. */
const NOT_KEYS = /^(authorized_keys2?|known_hosts2?|known_hosts\.old|config|environment|rc|.*\.pub|.*-cert\.pub|allowed_signers)$/;
/** Names that look like a key file: a refusal there is worth reporting. */
const KEYISH = /^(id_[a-z0-9_-]+|identity|.*\.(pem|key|ppk))$/i;

export interface PrivateKeyState {
  path: string;
  accounts: PasswdAccount[];
  home: string;
  /** Why it was looked at: "~/.ssh" or "IdentityFile (~/.ssh/config:3)". */
  from: string;
  stat?: FileStat;
  facts?: PrivateKeyFacts;
  /** Type and size from the .pub next to it, when the key file alone does not say. */
  publicFromPub?: PrivateKeyPublicPart;
  comment?: string;
  /** The file could not be read (refused, I/O) or is a malformed key. */
  problem?: { status: 'warn' | 'error'; text: string };
}

export async function inventoryPrivateKeys(host: Host, accounts: readonly PasswdAccount[]): Promise<PrivateKeyState[]> {
  const out: PrivateKeyState[] = [];
  const byHome = accountsByHome(accounts);
  for (const [home, owners] of byHome) {
    if (home === '/') continue; // not a user's tree; its /.ssh would be root's business
    const candidates = new Map<string, { from: string; keyish: boolean }>();
    const sshDir = `${home}/.ssh`;
    const dirStat = await host.lstat(sshDir).catch(() => null);
    if (dirStat?.kind === 'symlink') {
      out.push({ path: sshDir, accounts: owners, home, from: '~/.ssh', problem: { status: 'warn', text: 'refused: ~/.ssh is a symlink, not followed (its keys are not inspected)' } });
    } else if (dirStat?.kind === 'dir') {
      const names = (await host.list(sshDir).catch(() => null)) ?? [];
      for (const name of names) {
        if (NOT_KEYS.test(name)) continue;
        candidates.set(`${sshDir}/${name}`, { from: '~/.ssh', keyish: KEYISH.test(name) });
      }
    }
    for (const extra of await identityFiles(host, home, owners[0])) {
      if (!candidates.has(extra.path)) candidates.set(extra.path, { from: extra.from, keyish: true });
    }
    for (const [path, c] of candidates) {
      const st = await host.lstat(path).catch(() => null);
      if (st === null) continue;
      const base: PrivateKeyState = { path, accounts: owners, home, from: c.from };
      if (st.kind === 'dir' || st.kind === 'socket') continue; // ControlMaster sockets live here
      if (st.kind !== 'file') {
        if (c.keyish) out.push({ ...base, problem: { status: 'warn', text: `refused: ${st.kind === 'symlink' ? 'a symlink, not followed' : `a ${st.kind}, not a regular file`}` } });
        continue;
      }
      const read = await readMaybeUntrusted(host, path, home, userKeyPolicy.privateKeyMaxBytes);
      if (!read.ok) {
        if (read.reason === 'missing') continue;
        if (c.keyish || !isRefusal(read)) out.push({ ...base, problem: { status: isRefusal(read) ? 'warn' : 'error', text: refusalText(read) } });
        continue;
      }
      const parsed = parsePrivateKey(read.text);
      if (parsed.kind === 'not-a-key') continue;
      if (parsed.kind === 'malformed') {
        out.push({ ...base, stat: read.stat, problem: { status: 'error', text: `a ${parsed.format} private key hardtop cannot read: ${parsed.problem}` } });
        continue;
      }
      const state: PrivateKeyState = { ...base, stat: read.stat, facts: parsed.facts };
      if (parsed.facts.comment) state.comment = parsed.facts.comment;
      // The .pub says what an encrypted PEM hides, and carries the comment of an encrypted key.
      if (parsed.facts.key === null || state.comment === undefined) {
        const pub = await readMaybeUntrusted(host, `${path}.pub`, home, 64 * 1024);
        if (pub.ok) {
          const e = parseAuthorizedKeys(pub.text, `${path}.pub`).entries[0];
          if (e) {
            if (parsed.facts.key === null) {
              state.publicFromPub = { type: e.key.type, family: e.key.family, bits: e.key.bits, fingerprint: e.key.fingerprint, blob: e.key };
              if (e.key.curve !== undefined) state.publicFromPub.curve = e.key.curve;
            }
            if (state.comment === undefined && e.comment !== '') state.comment = e.comment;
          }
        }
      }
      out.push(state);
    }
  }
  return out;
}

/** IdentityFile lines of the user's ~/.ssh/config that point inside the home (tokens ~ %d %u %% only). */
async function identityFiles(host: Host, home: string, account: PasswdAccount): Promise<{ path: string; from: string }[]> {
  // loadSshConfig never throws; a refused config simply names no IdentityFile.
  const cfg: SshConfig = await loadSshConfig(`${home}/.ssh/config`, untrustedSource(host, home), { kind: 'user', home });
  const out: { path: string; from: string }[] = [];
  for (const d of cfg.directives) {
    if (d.key !== 'identityfile' || d.args.length === 0) continue;
    const p = expandIdentityFile(d.args[0], home, account);
    if (p === null || !isAtOrBelow(p, home)) continue;
    out.push({ path: p, from: `IdentityFile (${d.file}:${d.line})` });
  }
  return out;
}

export function expandIdentityFile(raw: string, home: string, account: PasswdAccount): string | null {
  let s = raw;
  if (s === '~' || s.startsWith('~/')) s = home + s.slice(1);
  if (!s.startsWith('/') || s.includes('${')) return null;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const t = s[++i];
    if (t === '%') out += '%';
    else if (t === 'd') out += home;
    else if (t === 'u') out += account.name;
    else return null; // per-destination tokens (%h, %r …): no single file
  }
  return normaliseHostPath(out);
}

/** A ConfigSource whose reads below `home` are untrusted (for a user's ssh config and its Includes). */
export function untrustedSource(host: Host, home: string | null, homes: readonly string[] = []): Parameters<typeof loadSshConfig>[1] {
  return {
    async read(path) {
      const below = home !== null && isAtOrBelow(normaliseHostPath(path), home) ? home : untrustedHomeFor(normaliseHostPath(path), homes);
      const r = await readMaybeUntrusted(host, path, below);
      if (r.ok) return { ok: true, text: r.text };
      return { ok: false, reason: r.reason === 'missing' ? 'missing' : r.reason === 'not-a-file' ? 'not-a-file' : 'other', message: refusalText(r) };
    },
    glob: (pattern) => host.glob(pattern),
  };
}

/** "Ed25519", "RSA 2048" … for a private key's public part, whether or not it holds the blob. */
export function partLabel(part: PrivateKeyPublicPart): string {
  return part.blob ? keyLabel(part.blob) : keyLabel({ family: part.family, bits: part.bits, curve: part.curve, keyType: part.type ?? '?' });
}

export function keyPart(s: PrivateKeyState): PrivateKeyPublicPart | null {
  return s.facts?.key ?? s.publicFromPub ?? null;
}
