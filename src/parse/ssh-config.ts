// ssh_config parser (ssh_config(5)), pure: text in, structure out.
//
// It mirrors what OpenSSH's ssh does (readconf.c; behaviour checked against
// ssh 9.2p1 on Debian 12) because what matters is what the client believes:
// - lines are tokenised exactly as sshd_config lines (the same strdelim and
//   argv_split: `Key value`, `Key=value`, quotes, a '#' at the start of an
//   argument ends the line), so sshd-config.ts's tokenizer is reused;
// - keywords are case-insensitive; an unknown keyword is fatal for ssh ("Bad
//   configuration option") unless an earlier IgnoreUnknown pattern names it;
// - `Host p1 p2 !p3` starts a block for the hosts matching a pattern and no
//   negated one; `Match …` starts a block for its criteria; a block runs to
//   the next Host or Match or to the end of the file it is in;
// - `Include` takes globs: `~` is the home of the user running ssh, a
//   relative pattern is taken from ~/.ssh in a user's config and from
//   /etc/ssh in the system one; no match is silently nothing, an unreadable
//   file is skipped (ssh's fopen failure), nesting stops at 16 (fatal). An
//   included file starts in the including line's block: its lines apply only
//   when that block does, and a Host in it ends with the file;
// - for each option the FIRST value obtained wins, reading ~/.ssh/config
//   before /etc/ssh/ssh_config. So the value "every host" gets is the first
//   one set outside any host-specific block; an earlier host-specific line
//   overrides it for those hosts; a later one never takes effect.
// Nothing here throws; every problem has file:line.

import { followInclude, includeBudget, safeRead } from './config-include';
import { tokenizeSshdLine, type ConfigSource, type SourceRead } from './sshd-config';
import { sshdPattern } from './sshd-match';

/** Lower-case alias → lower-case canonical keyword (readconf.c keywords[], 9.2, Debian's included). */
export const SSH_ALIASES: Readonly<Record<string, string>> = {
  dsaauthentication: 'pubkeyauthentication',
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  tisauthentication: 'kbdinteractiveauthentication',
  identityfile2: 'identityfile',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedkeytypes: 'hostbasedacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
  smartcarddevice: 'pkcs11provider',
  keepalive: 'tcpkeepalive',
  protocolkeepalives: 'serveraliveinterval',
  setuptimeout: 'connecttimeout',
};

/**
 * Every keyword some OpenSSH ssh knows: ssh_config(5) of 9.2 (Debian's GSSAPI
 * keywords included), the aliases, the deprecated and unsupported ones
 * readconf.c still recognises, and keywords added up to 10.x.
 */
export const SSH_KNOWN_KEYWORDS: ReadonlySet<string> = new Set(
  [
    'Host', 'Match', 'AddKeysToAgent', 'AddressFamily', 'BatchMode', 'BindAddress', 'BindInterface', 'CanonicalDomains',
    'CanonicalizeFallbackLocal', 'CanonicalizeHostname', 'CanonicalizeMaxDots', 'CanonicalizePermittedCNAMEs',
    'CASignatureAlgorithms', 'CertificateFile', 'CheckHostIP', 'Ciphers', 'ClearAllForwardings', 'Compression',
    'ConnectionAttempts', 'ConnectTimeout', 'ControlMaster', 'ControlPath', 'ControlPersist', 'DynamicForward',
    'EnableEscapeCommandline', 'EnableSSHKeysign', 'EscapeChar', 'ExitOnForwardFailure', 'FingerprintHash',
    'ForkAfterAuthentication', 'ForwardAgent', 'ForwardX11', 'ForwardX11Timeout', 'ForwardX11Trusted', 'GatewayPorts',
    'GlobalKnownHostsFile', 'GSSAPIAuthentication', 'GSSAPIClientIdentity', 'GSSAPIDelegateCredentials',
    'GSSAPIKeyExchange', 'GSSAPIRenewalForcesRekey', 'GSSAPIServerIdentity', 'GSSAPITrustDns', 'GSSAPIKexAlgorithms',
    'HashKnownHosts', 'HostbasedAcceptedAlgorithms', 'HostbasedAuthentication', 'HostKeyAlgorithms', 'HostKeyAlias',
    'Hostname', 'IdentitiesOnly', 'IdentityAgent', 'IdentityFile', 'IgnoreUnknown', 'Include', 'IPQoS',
    'KbdInteractiveAuthentication', 'KbdInteractiveDevices', 'KexAlgorithms', 'KnownHostsCommand', 'LocalCommand',
    'LocalForward', 'LogLevel', 'LogVerbose', 'MACs', 'NoHostAuthenticationForLocalhost', 'NumberOfPasswordPrompts',
    'PasswordAuthentication', 'PermitLocalCommand', 'PermitRemoteOpen', 'PKCS11Provider', 'Port',
    'PreferredAuthentications', 'ProxyCommand', 'ProxyJump', 'ProxyUseFdpass', 'PubkeyAcceptedAlgorithms',
    'PubkeyAuthentication', 'RekeyLimit', 'RemoteCommand', 'RemoteForward', 'RequestTTY', 'RequiredRSASize',
    'RevokedHostKeys', 'SecurityKeyProvider', 'SendEnv', 'ServerAliveCountMax', 'ServerAliveInterval', 'SessionType',
    'SetEnv', 'StdinNull', 'StreamLocalBindMask', 'StreamLocalBindUnlink', 'StrictHostKeyChecking', 'SyslogFacility',
    'TCPKeepAlive', 'Tunnel', 'TunnelDevice', 'UpdateHostKeys', 'User', 'UserKnownHostsFile', 'VerifyHostKeyDNS',
    'VisualHostKey', 'XAuthLocation',
    // deprecated, ignored or unsupported in 9.2 (readconf.c), and Debian's UseBlacklistedKeys
    'Protocol', 'Cipher', 'FallBackToRsh', 'GlobalKnownHostsFile2', 'RhostsAuthentication', 'UserKnownHostsFile2',
    'UseRoaming', 'UseRsh', 'UsePrivilegedPort', 'UseBlacklistedKeys', 'AFSTokenPassing', 'KerberosAuthentication',
    'KerberosTgtPassing', 'RSAAuthentication', 'RhostsRSAAuthentication', 'CompressionLevel',
    // added after 9.2
    'Tag', 'ChannelTimeout', 'ObscureKeystrokeTiming', 'RefuseConnection', 'WarnWeakCrypto', 'VersionAddendum',
  ]
    .map((k) => k.toLowerCase())
    .concat(Object.keys(SSH_ALIASES)),
);

/** Match criteria ssh knows (ssh_config(5), up to 10.x). */
const MATCH_CRITERIA = new Set(['all', 'canonical', 'final', 'exec', 'localnetwork', 'host', 'originalhost', 'tagged', 'user', 'localuser', 'version', 'sessiontype', 'command']);
const MATCH_NO_ARGUMENT = new Set(['all', 'canonical', 'final']);

/** readconf.c READCONF_MAX_DEPTH. */
export const SSH_MAX_INCLUDE_DEPTH = 16;
export const SSH_SYSTEM_DIR = '/etc/ssh';
/**
 * Work limits: ssh itself only stops at 16 levels, so a file that includes
 * itself twice is 2^16 parses for ssh — and a user can write one. hardtop
 * stops at a fixed number of file loads and bytes, and says so (fatal, as
 * the depth limit is for ssh).
 */
export const SSH_MAX_FILE_LOADS = 256;
export const SSH_MAX_TOTAL_BYTES = 32 * 1024 * 1024;

export interface SshConfigBlock {
  index: number;
  kind: 'host' | 'match';
  /** Host patterns or Match criteria as written. */
  args: string[];
  /** Applies to every destination: `Host *` (maybe with exceptions), `Match all`. */
  universal: boolean;
  /** `Host * !bastion`: the hosts a universal block leaves out. */
  except: string[];
  file: string;
  line: number;
  text: string;
}

export interface SshConfigDirective {
  /** Canonical lower-case keyword (aliases resolved). */
  key: string;
  keyword: string;
  args: string[];
  file: string;
  line: number;
  text: string;
  /** Blocks that must all apply for this line to count (the Include's, then its own). */
  conditions: number[];
}

export interface SshConfigInclude {
  file: string;
  line: number;
  patterns: string[];
  /** Absolute patterns after ~ and relative resolution (unresolvable ones left out). */
  resolved: string[];
  matched: string[];
  conditions: number[];
}

export type SshConfigProblemKind =
  /** ssh refuses the line (no argument, bad quotes, bad Host/Match). */
  | 'syntax'
  /** A keyword ssh does not know (and no IgnoreUnknown covers): ssh stops with "Bad configuration option". */
  | 'unknown-keyword'
  /** Includes nested deeper than ssh allows (a loop): fatal. */
  | 'include-depth'
  /** An Include target that exists but cannot be read: ssh skips it. */
  | 'io'
  /** An Include whose path depends on who runs ssh (`~` in the system file). */
  | 'per-user';

export interface SshConfigProblem {
  kind: SshConfigProblemKind;
  file: string;
  line: number;
  message: string;
  /** ssh stops on it (for every user who reads this file). */
  fatal: boolean;
}

export interface SshConfig {
  main: string;
  kind: 'system' | 'user';
  /** Every file read, in reading order. */
  files: { path: string; text: string }[];
  directives: SshConfigDirective[];
  blocks: SshConfigBlock[];
  includes: SshConfigInclude[];
  problems: SshConfigProblem[];
  /** The main file does not exist (ssh's built-in defaults apply). */
  missing: boolean;
}

export interface SshLoadOptions {
  kind: 'system' | 'user';
  /** Home of the user whose view this is: `~` and (user file) relative Includes. */
  home?: string;
  /** `~name/…` in an Include. */
  homeOf?: (user: string) => string | null;
  /** Relative Includes of the system file (ssh's SSHDIR). */
  systemDir?: string;
}

// ---------------------------------------------------------------------------

export function canonicalSshKey(keyword: string): string {
  const lower = keyword.toLowerCase();
  return SSH_ALIASES[lower] ?? lower;
}

/**
 * ssh's match_pattern: `*` and `?` wildcards, case-insensitive (host names,
 * keywords). Patterns come from users' files: matched with the two-pointer
 * method (back up to the last `*` only), never a backtracking RegExp, so
 * "*a*a*a*b" against a long name stays O(pattern × name).
 */
export function sshPatternMatch(pattern: string, name: string): boolean {
  return sshdPattern(pattern.toLowerCase(), name.toLowerCase());
}

function hostBlockShape(args: string[]): { universal: boolean; except: string[] } {
  const except = args.filter((a) => a.startsWith('!')).map((a) => a.slice(1));
  const universal = args.some((a) => a === '*');
  return { universal, except: universal ? except : [] };
}

function matchProblem(args: string[]): { problem: string | null; universal: boolean } {
  const lower = args.map((a) => a.toLowerCase());
  // `Match all` and `Match final all` apply to every destination; `canonical all` only after canonicalisation.
  const universal = lower.join(' ') === 'all' || lower.join(' ') === 'final all';
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i].replace(/^!/, '');
    if (!MATCH_CRITERIA.has(name)) return { problem: `Unsupported Match attribute ${clip(args[i])}`, universal: false };
    if (name === 'all' && i !== lower.length - 1) return { problem: "Match all must appear alone or after canonical/final, last", universal: false };
    if (!MATCH_NO_ARGUMENT.has(name)) {
      if (i + 1 >= lower.length) return { problem: `Missing Match criteria for ${clip(args[i])}`, universal: false };
      i++;
    }
  }
  return { problem: null, universal };
}

/**
 * Read `main` and its Includes as ssh would for one user (or, for the system
 * file without `home`, as any user would, leaving `~` Includes unresolved).
 */
export async function loadSshConfig(main: string, source: ConfigSource, opts: SshLoadOptions): Promise<SshConfig> {
  const cfg: SshConfig = { main, kind: opts.kind, files: [], directives: [], blocks: [], includes: [], problems: [], missing: false };
  const systemDir = (opts.systemDir ?? SSH_SYSTEM_DIR).replace(/\/+$/, '');
  const ignoreUnknown: string[] = [];
  const budget = includeBudget(SSH_MAX_FILE_LOADS, SSH_MAX_TOTAL_BYTES);
  const read = (path: string): Promise<SourceRead> => safeRead(source, path);
  const problem = (kind: SshConfigProblemKind, file: string, line: number, message: string, fatal: boolean) => {
    cfg.problems.push({ kind, file, line, message, fatal });
  };

  const resolveInclude = (pattern: string): { path: string } | { unresolved: string } => {
    if (pattern.startsWith('~')) {
      const slash = pattern.indexOf('/');
      const who = pattern.slice(1, slash === -1 ? undefined : slash);
      const rest = slash === -1 ? '' : pattern.slice(slash);
      const home = who === '' ? opts.home : opts.homeOf?.(who) ?? null;
      if (home === undefined || home === null) return { unresolved: who === '' ? 'depends on the user running ssh' : `no home known for ${who}` };
      return { path: `${home.replace(/\/+$/, '')}${rest}` };
    }
    if (pattern.startsWith('/')) return { path: pattern };
    if (opts.kind === 'user') {
      if (opts.home === undefined) return { unresolved: 'relative to the home of the user running ssh' };
      return { path: `${opts.home.replace(/\/+$/, '')}/.ssh/${pattern}` };
    }
    return { path: `${systemDir}/${pattern}` };
  };

  const parseFile = async (file: string, text: string, depth: number, inherited: number[]): Promise<void> => {
    if (!cfg.files.some((f) => f.path === file)) cfg.files.push({ path: file, text });
    let own: number | null = null; // a Host/Match here ends with this file
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const lineNo = n + 1;
      const tok = tokenizeSshdLine(lines[n]);
      if (tok.kind === 'empty') continue;
      const shown = displayLine(lines[n]);
      if (tok.kind === 'error') {
        problem('syntax', file, lineNo, tok.message, true);
        continue;
      }
      const conditions = own === null ? inherited : [...inherited, own];
      const key = canonicalSshKey(tok.keyword);
      if (key === 'host' || key === 'match') {
        let universal: boolean;
        let except: string[] = [];
        if (key === 'host') {
          ({ universal, except } = hostBlockShape(tok.args));
        } else {
          const m = matchProblem(tok.args);
          if (m.problem) problem('syntax', file, lineNo, m.problem, true);
          universal = m.universal;
        }
        const block: SshConfigBlock = { index: cfg.blocks.length, kind: key, args: tok.args, universal, except, file, line: lineNo, text: shown };
        cfg.blocks.push(block);
        own = block.index;
        continue;
      }
      if (key === 'include') {
        await include(file, lineNo, tok.args, depth, conditions);
        continue;
      }
      if (!SSH_KNOWN_KEYWORDS.has(key) && !SSH_KNOWN_KEYWORDS.has(tok.keyword.toLowerCase())) {
        if (!ignoreUnknown.some((p) => sshPatternMatch(p, tok.keyword))) {
          problem('unknown-keyword', file, lineNo, `Bad configuration option: ${clip(tok.keyword)}`, true);
        }
        continue;
      }
      if (key === 'ignoreunknown') {
        for (const a of tok.args) for (const p of a.split(',')) if (p !== '') ignoreUnknown.push(p);
      }
      cfg.directives.push({ key, keyword: tok.keyword, args: tok.args, file, line: lineNo, text: shown, conditions });
    }
  };

  const include = async (file: string, line: number, patterns: string[], depth: number, conditions: number[]) => {
    const inc: SshConfigInclude = { file, line, patterns, resolved: [], matched: [], conditions };
    cfg.includes.push(inc);
    await followInclude(patterns, depth, {
      source,
      maxDepth: SSH_MAX_INCLUDE_DEPTH,
      budget,
      resolve: resolveInclude,
      // ssh skips what it cannot open (a directory too); a refused read is still worth a word.
      unreadable: (r) => (r.reason === 'not-a-file' || r.reason === 'missing' ? null : { fatal: false }),
      globFatal: false,
      problem: (kind, message, fatal) => problem(kind, file, line, message, fatal),
      parse: (target, text) => parseFile(target, text, depth + 1, conditions),
      record: inc,
    });
  };

  const r = await read(main);
  if (!r.ok) {
    if (r.reason === 'missing') cfg.missing = true;
    else problem('io', main, 0, r.message, false);
    return cfg;
  }
  await parseFile(main, r.text, 0, []);
  return cfg;
}

function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

function displayLine(raw: string): string {
  const nul = raw.indexOf('\0');
  return (nul === -1 ? raw : raw.slice(0, nul)).replace(/\r/g, '').trim();
}

// ---------------------------------------------------------------------------
// Queries over the files one user's ssh reads, in its order (~/.ssh/config
// first, then /etc/ssh/ssh_config).

export interface SshView {
  configs: SshConfig[];
}

/** A directive counts for every destination when each of its blocks is universal. */
export function isUniversal(cfg: SshConfig, d: SshConfigDirective): boolean {
  return d.conditions.every((i) => cfg.blocks[i]?.universal === true);
}

export interface Located {
  config: SshConfig;
  directive: SshConfigDirective;
}

/** Every directive for `key`, in the order ssh reads them. */
export function allDirectives(view: SshView, key: string): Located[] {
  const k = canonicalSshKey(key);
  return view.configs.flatMap((config) => config.directives.filter((d) => d.key === k).map((directive) => ({ config, directive })));
}

/**
 * What an arbitrary destination gets for `key`: the first line that applies
 * to every host (first value wins); undefined when none sets it.
 */
export function universalValue(view: SshView, key: string): Located | undefined {
  return allDirectives(view, key).find((l) => isUniversal(l.config, l.directive));
}

/**
 * Host-specific lines that take effect for their hosts: those read before the
 * universal value (a later one is never used; returned as `shadowed`).
 */
export function hostOverrides(view: SshView, key: string): { effective: Located[]; shadowed: Located[] } {
  const all = allDirectives(view, key);
  const winner = all.findIndex((l) => isUniversal(l.config, l.directive));
  const specific = (l: Located, i: number) => !isUniversal(l.config, l.directive) && (winner === -1 || i < winner);
  return {
    effective: all.filter(specific),
    shadowed: winner === -1 ? [] : all.filter((l, i) => i > winner && !isUniversal(l.config, l.directive)),
  };
}

/** "Host legacy.example.com" / "Match host *.lan" — where a line applies. */
export function whereApplies(config: SshConfig, d: SshConfigDirective): string {
  const blocks = d.conditions.map((i) => config.blocks[i]).filter((b): b is SshConfigBlock => b !== undefined && !b.universal);
  if (blocks.length === 0) return 'every host';
  return blocks.map((b) => `${b.kind === 'host' ? 'Host' : 'Match'} ${b.args.join(' ')}`).join(' + ');
}
