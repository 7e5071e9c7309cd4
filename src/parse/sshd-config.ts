// sshd_config parser (sshd_config(5)), pure: text in, structure out.
//
// It mirrors what OpenSSH's sshd does (servconf.c, misc.c; behaviour checked
// against sshd 9.2p1 on Debian 12) rather than a tidy grammar, because what
// matters is what the daemon will believe:
// - a line is cut at the first NUL (C strings), trailing whitespace (CR of a
//   CRLF file included) is dropped, leading spaces and tabs are skipped;
// - the keyword ends at whitespace or at ONE '=' (`Key value`, `Key=value`,
//   `Key = value`); keywords are case-insensitive;
// - the arguments are split like sshd's argv_split: "…" and '…' quote,
//   backslash escapes a quote, a backslash or (unquoted) a space, and a '#' at
//   the START of an argument ends the line (`Port 22#x` keeps "22#x");
// - `Include` takes one or more glob patterns; relative ones are resolved
//   against /etc/ssh (sshd's compiled-in SSHDIR, whatever the main file's
//   location); a pattern that matches nothing is silently skipped, a match
//   that cannot be read is fatal; includes nest at most 16 deep;
// - `Match` starts a block that runs to the next Match or to the end of the
//   file it is in: a Match inside an included file ends with that file, and
//   an Include inside a Match puts the included lines in that Match;
// - for most keywords the FIRST value obtained wins (sshd_config(5)), so a
//   drop-in included at the top of the main file beats the main file's own
//   line. Match blocks are kept apart: they override the global values only
//   for the connections they match.
//
// I/O is injected (`ConfigSource`): the checks hand in the Host, tests hand in
// fixture trees. Nothing here throws; every problem has file:line.

import { followInclude, includeBudget, safeRead } from './config-include';

/** Lower-case alias → lower-case canonical keyword (sshd's keyword table, 9.2). */
export const SSHD_ALIASES: Readonly<Record<string, string>> = {
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  dsaauthentication: 'pubkeyauthentication',
  hostdsakey: 'hostkey',
  keepalive: 'tcpkeepalive',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
};

/** Keywords sshd accepts after a Match line (sshd_config(5), 9.2; plus their aliases and deprecated no-ops). */
export const SSHD_MATCH_KEYWORDS: ReadonlySet<string> = new Set(
  [
    'AcceptEnv', 'AllowAgentForwarding', 'AllowGroups', 'AllowStreamLocalForwarding', 'AllowTcpForwarding', 'AllowUsers',
    'AuthenticationMethods', 'AuthorizedKeysCommand', 'AuthorizedKeysCommandUser', 'AuthorizedKeysFile',
    'AuthorizedPrincipalsCommand', 'AuthorizedPrincipalsCommandUser', 'AuthorizedPrincipalsFile', 'Banner',
    'CASignatureAlgorithms', 'ChannelTimeout', 'ChrootDirectory', 'ClientAliveCountMax', 'ClientAliveInterval',
    'DenyGroups', 'DenyUsers', 'DisableForwarding', 'ExposeAuthInfo', 'ForceCommand', 'GatewayPorts',
    'GSSAPIAuthentication', 'HostbasedAcceptedAlgorithms', 'HostbasedAuthentication', 'HostbasedUsesNameFromPacketOnly',
    'IgnoreRhosts', 'Include', 'IPQoS', 'KbdInteractiveAuthentication', 'KerberosAuthentication', 'LogLevel',
    'LogVerbose', 'MaxAuthTries', 'MaxSessions', 'PasswordAuthentication', 'PermitEmptyPasswords', 'PermitListen',
    'PermitOpen', 'PermitRootLogin', 'PermitTTY', 'PermitTunnel', 'PermitUserRC', 'PubkeyAcceptedAlgorithms',
    'PubkeyAuthentication', 'PubkeyAuthOptions', 'RekeyLimit', 'RevokedKeys', 'RDomain', 'SetEnv',
    'StreamLocalBindMask', 'StreamLocalBindUnlink', 'TrustedUserCAKeys', 'UnusedConnectionTimeout',
    'X11DisplayOffset', 'X11Forwarding', 'X11UseLocalhost',
    // aliases and no-ops sshd also takes inside Match (SSHCFG_ALL in its table)
    'ChallengeResponseAuthentication', 'PubkeyAcceptedKeyTypes', 'HostbasedAcceptedKeyTypes',
    'RSAAuthentication', 'RhostsRSAAuthentication', 'AuthorizedKeysFile2',
    // added after 9.2 and allowed in Match
    'RefuseConnection',
  ].map((k) => k.toLowerCase()),
);

/**
 * Every keyword some OpenSSH sshd knows (9.2's sshd_config(5), the Debian
 * additions, the deprecated and unsupported ones it still recognises, and
 * keywords added up to 10.5). A keyword outside this list is one sshd may
 * reject outright ("Bad configuration option").
 */
export const SSHD_KNOWN_KEYWORDS: ReadonlySet<string> = new Set(
  [
    'AcceptEnv', 'AddressFamily', 'AllowAgentForwarding', 'AllowGroups', 'AllowStreamLocalForwarding', 'AllowTcpForwarding',
    'AllowUsers', 'AuthenticationMethods', 'AuthorizedKeysCommand', 'AuthorizedKeysCommandUser', 'AuthorizedKeysFile',
    'AuthorizedPrincipalsCommand', 'AuthorizedPrincipalsCommandUser', 'AuthorizedPrincipalsFile', 'Banner',
    'CASignatureAlgorithms', 'ChannelTimeout', 'ChrootDirectory', 'Ciphers', 'ClientAliveCountMax', 'ClientAliveInterval',
    'Compression', 'DebianBanner', 'DenyGroups', 'DenyUsers', 'DisableForwarding', 'ExposeAuthInfo', 'FingerprintHash',
    'ForceCommand', 'GatewayPorts', 'GSSAPIAuthentication', 'GSSAPICleanupCredentials', 'GSSAPIKeyExchange',
    'GSSAPIStrictAcceptorCheck', 'GSSAPIStoreCredentialsOnRekey', 'GSSAPIKexAlgorithms', 'HostbasedAcceptedAlgorithms',
    'HostbasedAuthentication', 'HostbasedUsesNameFromPacketOnly', 'HostCertificate', 'HostKey', 'HostKeyAgent',
    'HostKeyAlgorithms', 'IgnoreRhosts', 'IgnoreUserKnownHosts', 'Include', 'IPQoS', 'KbdInteractiveAuthentication',
    'KerberosAuthentication', 'KerberosGetAFSToken', 'KerberosOrLocalPasswd', 'KerberosTicketCleanup', 'KexAlgorithms',
    'ListenAddress', 'LoginGraceTime', 'LogLevel', 'LogVerbose', 'MACs', 'Match', 'MaxAuthTries', 'MaxSessions',
    'MaxStartups', 'ModuliFile', 'PasswordAuthentication', 'PermitEmptyPasswords', 'PermitListen', 'PermitOpen',
    'PermitRootLogin', 'PermitTTY', 'PermitTunnel', 'PermitUserEnvironment', 'PermitUserRC', 'PerSourceMaxStartups',
    'PerSourceNetBlockSize', 'PidFile', 'Port', 'PrintLastLog', 'PrintMotd', 'PubkeyAcceptedAlgorithms',
    'PubkeyAuthOptions', 'PubkeyAuthentication', 'RDomain', 'RekeyLimit', 'RequiredRSASize', 'RevokedKeys',
    'SecurityKeyProvider', 'SetEnv', 'StreamLocalBindMask', 'StreamLocalBindUnlink', 'StrictModes', 'Subsystem',
    'SyslogFacility', 'TCPKeepAlive', 'TrustedUserCAKeys', 'UnusedConnectionTimeout', 'UseDNS', 'UsePAM',
    'VersionAddendum', 'X11DisplayOffset', 'X11Forwarding', 'X11UseLocalhost', 'XAuthLocation',
    // aliases
    'ChallengeResponseAuthentication', 'SKeyAuthentication', 'DSAAuthentication', 'HostDSAKey', 'KeepAlive',
    'PubkeyAcceptedKeyTypes', 'HostbasedAcceptedKeyTypes',
    // recognised but deprecated, ignored or unsupported in 9.2
    'Protocol', 'UsePrivilegeSeparation', 'RSAAuthentication', 'RhostsRSAAuthentication', 'RhostsAuthentication',
    'ServerKeyBits', 'KeyRegenerationInterval', 'UseLogin', 'VerifyReverseMapping', 'ReverseMappingCheck',
    'AuthorizedKeysFile2', 'KerberosTgtPassing', 'AFSTokenPassing', 'CheckMail', 'PAMAuthenticationViaKbdInt',
    // added after 9.2
    'PerSourcePenalties', 'PerSourcePenaltyExemptList', 'RefuseConnection', 'SshdSessionPath', 'SshdAuthPath',
  ].map((k) => k.toLowerCase()),
);

/** The criteria a Match line may use (sshd_config(5)); `All` stands alone. */
const MATCH_CRITERIA = new Set(['user', 'group', 'host', 'localaddress', 'localport', 'rdomain', 'address']);

/** sshd's SERVCONF_MAX_DEPTH: deeper Include nesting is fatal. */
export const SSHD_MAX_INCLUDE_DEPTH = 16;
/**
 * Work limits (config-include.ts): sshd only stops at 16 levels, so a file
 * that includes itself twice is 2^16 parses. Far above any real
 * configuration's drop-ins; past them hardtop stops and says so (fatal).
 */
export const SSHD_MAX_FILE_LOADS = 1024;
export const SSHD_MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/** sshd's SSHDIR on every distribution we know: relative Include patterns are resolved here. */
export const SSHD_CONFIG_DIR = '/etc/ssh';

export interface SshdDirective {
  /** Canonical lower-case keyword (aliases resolved): `kbdinteractiveauthentication`. */
  key: string;
  /** The keyword as written: `ChallengeResponseAuthentication`. */
  keyword: string;
  /** Arguments after unquoting. */
  args: string[];
  file: string;
  line: number;
  /** The line as written, trimmed (for evidence). */
  text: string;
  /** Index into `matches`, or null in the global section. */
  match: number | null;
}

export interface SshdMatchBlock {
  index: number;
  /** The Match arguments: ['User', 'bob', 'Address', '10.0.0.0/8'] or ['All']. */
  criteria: string[];
  /** `Match All`: it applies to every connection (sshd -T shows it even without -C). */
  all: boolean;
  file: string;
  line: number;
  text: string;
  directives: SshdDirective[];
}

export interface SshdInclude {
  file: string;
  line: number;
  /** Patterns as written. */
  patterns: string[];
  /** Absolute patterns (relative ones joined to /etc/ssh). */
  resolved: string[];
  /** Files matched, in the order sshd reads them. */
  matched: string[];
  match: number | null;
}

export type SshdProblemKind =
  /** sshd refuses the line: no argument, bad quotes, bad Match, keyword not allowed in Match. */
  | 'syntax'
  /** A file sshd would have to read cannot be read (fatal for sshd too). */
  | 'io'
  /** Include nesting deeper than sshd allows (fatal), e.g. a loop. */
  | 'include-depth'
  /** A keyword hardtop does not know; sshd may reject it (judged by the checks). */
  | 'unknown-keyword';

export interface SshdProblem {
  kind: SshdProblemKind;
  file: string;
  line: number;
  message: string;
  /** sshd would refuse to start because of it. */
  fatal: boolean;
}

export interface SshdConfigFile {
  path: string;
  text: string;
}

export interface SshdConfig {
  main: string;
  /** Every file read, in reading order, with its text (a file included twice appears once). */
  files: SshdConfigFile[];
  /** Every directive in reading order (global and Match), Include and Match lines excluded. */
  directives: SshdDirective[];
  matches: SshdMatchBlock[];
  includes: SshdInclude[];
  problems: SshdProblem[];
}

export type SourceRead =
  | { ok: true; text: string }
  /** `missing`: no such file (a dangling link too); `not-a-file`: a directory, which sshd skips. */
  | { ok: false; reason: 'missing' | 'not-a-file' | 'other'; message: string };

export interface ConfigSource {
  read(path: string): Promise<SourceRead>;
  /** Sorted matches of an absolute glob pattern (nothing when nothing matches). */
  glob(pattern: string): Promise<string[]>;
}

// ---------------------------------------------------------------------------
// One line

export type SshdLine =
  | { kind: 'empty' }
  | { kind: 'directive'; keyword: string; args: string[] }
  | { kind: 'error'; keyword?: string; message: string };

const TRAILING_SPACE = new Set([' ', '\t', '\r', '\n', '\f']);

/** Tokenise one line as sshd's process_server_config_line does. */
export function tokenizeSshdLine(raw: string): SshdLine {
  let line = raw;
  const nul = line.indexOf('\0');
  if (nul !== -1) line = line.slice(0, nul);
  let end = line.length;
  while (end > 0 && TRAILING_SPACE.has(line[end - 1])) end--;
  line = line.slice(0, end);

  // strdelim twice at most: a line starting with whitespace (or '=') yields an empty first token.
  let cut = strdelim(line);
  if (cut !== null && cut.token === '' && cut.rest !== null) cut = strdelim(cut.rest);
  // An unclosed quote in the keyword makes strdelim give up: sshd skips the line.
  if (cut === null || cut.token === '' || cut.token.startsWith('#')) return { kind: 'empty' };
  const keyword = cut.token;
  const rest = cut.rest;
  if (rest === null || rest === '') return { kind: 'error', keyword, message: `no argument after keyword "${clipWord(keyword)}"` };
  const args = splitArgs(rest);
  if (args === null) return { kind: 'error', keyword, message: 'invalid quotes' };
  if (args.length === 0) return { kind: 'error', keyword, message: `no argument after keyword "${clipWord(keyword)}"` };
  return { kind: 'directive', keyword, args };
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

/**
 * misc.c strdelim(): the next token, ending at whitespace, a quote or one
 * '='; a quote at the delimiter opens a quoted run that ends the token at the
 * closing quote. `rest` is null when the token ran to the end of the line;
 * the whole result is null on an unclosed quote.
 */
function strdelim(s: string): { token: string; rest: string | null } | null {
  let i = 0;
  while (i < s.length && !isSpace(s[i]) && s[i] !== '"' && s[i] !== '=') i++;
  if (i === s.length) return { token: s, rest: null };
  if (s[i] === '"') {
    const close = s.indexOf('"', i + 1);
    if (close === -1) return null;
    return { token: s.slice(0, i) + s.slice(i + 1, close), rest: s.slice(skipSpace(s, close + 1)) };
  }
  const sawEquals = s[i] === '=';
  let j = skipSpace(s, i + 1);
  if (!sawEquals && s[j] === '=') j = skipSpace(s, j + 1);
  return { token: s.slice(0, i), rest: s.slice(j) };
}

/** misc.c argv_split(…, terminate_on_comment=1). null on an unclosed quote. */
function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let arg = '';
    let quote: string | null = null;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') {
        const next = s[i + 1];
        if (next === "'" || next === '"' || next === '\\' || (quote === null && next === ' ')) {
          i++;
          arg += next;
        } else {
          arg += c; // an unrecognised escape stays as written
        }
      } else if (quote === null && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === null && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== null && c === quote) {
        quote = null;
      } else {
        arg += c;
      }
    }
    if (quote !== null) return null;
    out.push(arg);
  }
  return out;
}

export function canonicalKey(keyword: string): string {
  const lower = keyword.toLowerCase();
  return SSHD_ALIASES[lower] ?? lower;
}

/** `Match` criteria check (match.c match_cfg_line): null when sshd accepts them. */
export function matchCriteriaProblem(args: string[]): string | null {
  if (args.length === 1 && args[0].toLowerCase() === 'all') return null;
  for (let i = 0; i < args.length; i++) {
    const name = args[i].toLowerCase();
    if (name === 'all') return "'all' cannot be combined with other Match attributes";
    if (!MATCH_CRITERIA.has(name)) return `Bad Match condition: unsupported attribute "${clipWord(args[i])}"`;
    if (i + 1 >= args.length) return `Bad Match condition: "${clipWord(args[i])}" needs an argument`;
    i++;
  }
  return null;
}

// ---------------------------------------------------------------------------
// A whole configuration, Includes followed

export interface LoadOptions {
  /** Where relative Include patterns are resolved (default /etc/ssh). */
  configDir?: string;
}

/**
 * Read `main` and everything it includes, as sshd would. Never throws: a
 * source that throws or fails becomes a problem with the Include's file:line.
 */
export async function loadSshdConfig(main: string, source: ConfigSource, opts: LoadOptions = {}): Promise<SshdConfig> {
  const configDir = opts.configDir ?? SSHD_CONFIG_DIR;
  const cfg: SshdConfig = { main, files: [], directives: [], matches: [], includes: [], problems: [] };
  const seen = new Set<string>();

  const read = (path: string): Promise<SourceRead> => safeRead(source, path);

  const problem = (kind: SshdProblemKind, file: string, line: number, message: string, fatal: boolean) => {
    cfg.problems.push({ kind, file, line, message, fatal });
  };

  const parseFile = async (file: string, text: string, depth: number, inherited: number | null): Promise<void> => {
    if (!seen.has(file)) {
      seen.add(file);
      cfg.files.push({ path: file, text });
    }
    let match = inherited; // a Match here ends with this file
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
      const key = canonicalKey(tok.keyword);
      if (key === 'match') {
        const bad = matchCriteriaProblem(tok.args);
        if (bad) problem('syntax', file, lineNo, bad, true);
        const block: SshdMatchBlock = {
          index: cfg.matches.length,
          criteria: tok.args,
          all: tok.args.length === 1 && tok.args[0].toLowerCase() === 'all',
          file,
          line: lineNo,
          text: shown,
          directives: [],
        };
        cfg.matches.push(block);
        match = block.index;
        continue;
      }
      if (match !== null && SSHD_KNOWN_KEYWORDS.has(key) && !SSHD_MATCH_KEYWORDS.has(tok.keyword.toLowerCase())) {
        problem('syntax', file, lineNo, `Directive '${clipWord(tok.keyword)}' is not allowed within a Match block`, true);
        continue;
      }
      if (key === 'include') {
        await include(file, lineNo, tok.args, depth, match);
        continue;
      }
      if (!SSHD_KNOWN_KEYWORDS.has(key)) {
        problem('unknown-keyword', file, lineNo, `unknown keyword "${clipWord(tok.keyword)}"`, false);
      }
      const d: SshdDirective = { key, keyword: tok.keyword, args: tok.args, file, line: lineNo, text: shown, match };
      cfg.directives.push(d);
      if (match !== null) cfg.matches[match].directives.push(d);
    }
  };

  const budget = includeBudget(SSHD_MAX_FILE_LOADS, SSHD_MAX_TOTAL_BYTES);
  const include = async (file: string, line: number, patterns: string[], depth: number, match: number | null) => {
    const inc: SshdInclude = { file, line, patterns, resolved: [], matched: [], match };
    cfg.includes.push(inc);
    await followInclude(patterns, depth, {
      source,
      maxDepth: SSHD_MAX_INCLUDE_DEPTH,
      budget,
      resolve: (pattern) => ({ path: pattern.startsWith('/') ? pattern : `${configDir.replace(/\/+$/, '')}/${pattern}` }),
      // sshd skips a directory matched by a glob, and dies on anything else it cannot read.
      unreadable: (r) => (r.reason === 'not-a-file' ? null : { fatal: true }),
      globFatal: true,
      problem: (kind, message, fatal) => problem(kind === 'per-user' ? 'io' : kind, file, line, message, fatal),
      parse: (target, text) => parseFile(target, text, depth + 1, match),
      record: inc,
    });
  };

  const r = await read(main);
  if (!r.ok) {
    problem('io', main, 0, r.message, true);
    return cfg;
  }
  await parseFile(main, r.text, 0, null);
  return cfg;
}

/**
 * A word from the file, as quoted in a problem message: a 1 MB "keyword" (a
 * binary or runaway file) must not become a 1 MB summary on the panel and in
 * every report.
 */
export function clipWord(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** The line for evidence: no NUL tail, no CR, trimmed. */
function displayLine(raw: string): string {
  const nul = raw.indexOf('\0');
  return (nul === -1 ? raw : raw.slice(0, nul)).replace(/\r/g, '').trim();
}

// ---------------------------------------------------------------------------
// Queries

/** First-value-wins in the global section (what sshd uses when no Match applies). */
export function firstGlobal(cfg: SshdConfig, key: string): SshdDirective | undefined {
  const k = canonicalKey(key);
  return cfg.directives.find((d) => d.match === null && d.key === k);
}

/** Every global directive for a multi-valued keyword (HostKey, Port, ListenAddress …), in order. */
export function allGlobal(cfg: SshdConfig, key: string): SshdDirective[] {
  const k = canonicalKey(key);
  return cfg.directives.filter((d) => d.match === null && d.key === k);
}

/**
 * The directive that gives the value every connection gets when no
 * connection-specific Match applies: the first `Match All` block that sets
 * it (Match values override the global ones), else the first global line.
 */
export function effectiveDirective(cfg: SshdConfig, key: string): SshdDirective | undefined {
  const k = canonicalKey(key);
  for (const block of cfg.matches) {
    if (!block.all) continue;
    const d = block.directives.find((x) => x.key === k);
    if (d) return d;
  }
  return firstGlobal(cfg, k);
}

/** Per Match block (All excluded), the first directive in it that sets `key`. */
export function matchOverrides(cfg: SshdConfig, key: string): { block: SshdMatchBlock; directive: SshdDirective }[] {
  const k = canonicalKey(key);
  const out: { block: SshdMatchBlock; directive: SshdDirective }[] = [];
  for (const block of cfg.matches) {
    if (block.all) continue;
    const d = block.directives.find((x) => x.key === k);
    if (d) out.push({ block, directive: d });
  }
  return out;
}
