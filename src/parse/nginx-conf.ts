// nginx configuration: tokenizer, include expansion and the per-server model
// the tls and web checks need. Pure except loadNginxConfig, which reads only
// through the source it is given (the Host, so --root applies).
//
// The tokenizer mirrors nginx's own ngx_conf_read_token (src/core/ngx_conf_file.c)
// rather than a tidy grammar, because what matters is what nginx will believe:
// - a statement is words ending in `;` or `{`; `}` closes a block;
// - `#` starts a comment only at the start of a word (`a#b` is one word);
// - "…" and '…' quote, a backslash escapes the next character (\" \' \\ are
//   unescaped, \t \r \n become controls, any other pair is kept: regexes);
// - after a closing quote a space, `;` or `{` must follow;
// - `${name}` keeps its braces (a variable, not a block);
// - `}` does NOT end an unquoted word (`foo}` is a word), `;` and `{` do.
// nginx refuses to start on a syntax error, so the first one stops the file,
// with nginx's wording and file:line.
//
// Inheritance (what a server block really gets):
// - ssl_* directives set in `http` apply to every server that does not set
//   its own (ssl_certificate as a whole list: a server's own list replaces);
// - add_header is all or nothing per level: a level (http, server, location)
//   with any add_header of its own inherits NONE of its parent's. That rule
//   silently drops security headers and is why findings name both lines.

import type { ReadResult } from '../host/host';

// ---------------------------------------------------------------------------
// Syntax

export interface NginxDirective {
  name: string;
  /** Arguments, unquoted and unescaped. */
  args: string[];
  /** Host path of the file the directive is written in. */
  file: string;
  /** Line of the directive's name (1-based). */
  line: number;
  /** Present when the directive opens a block (`server { … }`). */
  block?: NginxDirective[];
  /**
   * Offsets in the file's text (what a fix edits): `start` at the name's first
   * character, `end` just after the `;` or `{` that ends the statement,
   * `blockEnd` at the block's closing `}`. Set by parseNginxConf; kept through
   * include splicing. (Argument offsets are found on demand, nginx-edit.ts
   * wordSpans: recording them for every word doubled the parse time of big files.)
   */
  start?: number;
  end?: number;
  blockEnd?: number;
}

export interface NginxProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedNginxFile {
  file: string;
  directives: NginxDirective[];
  /** nginx would refuse the file; parsing stopped at the first one. */
  errors: NginxProblem[];
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

/** nginx's unescaping of a finished word (ngx_conf_read_token's copy loop). */
function unescapeWord(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1];
      if (n === '"' || n === "'" || n === '\\') {
        out += n;
        i++;
        continue;
      }
      if (n === 't' || n === 'r' || n === 'n') {
        out += n === 't' ? '\t' : n === 'r' ? '\r' : '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

function quoteChar(c: string): string {
  return c === '\n' ? 'end of line' : `"${c}"`;
}

export function parseNginxConf(text: string, file: string): ParsedNginxFile {
  const root: NginxDirective[] = [];
  const stack: NginxDirective[][] = [root];
  /** The line of each open block's directive, for "unexpected end of file". */
  const openLines: number[] = [];
  const openNames: string[] = [];
  const errors: NginxProblem[] = [];
  /** The directives whose blocks are open, to set blockEnd. */
  const openDirectives: NginxDirective[] = [];
  let words: string[] = [];
  let firstStart = 0;
  let firstLine = 0;
  let line = 1;
  const fail = (message: string, at = line, hint = ''): ParsedNginxFile => {
    errors.push({ file, line: at, message: `${message} in ${file}:${at}${hint}` });
    return { file, directives: root, errors };
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (SPACE.has(c)) {
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === ';' || c === '{') {
      if (words.length === 0) return fail(`unexpected "${c}"`);
      const directive: NginxDirective = { name: words[0], args: words.slice(1), file, line: firstLine, start: firstStart, end: i + 1 };
      stack[stack.length - 1].push(directive);
      if (c === '{') {
        directive.block = [];
        stack.push(directive.block);
        openDirectives.push(directive);
        openLines.push(firstLine);
        openNames.push(words.join(' '));
      }
      words = [];
      i++;
      continue;
    }
    if (c === '}') {
      if (words.length > 0) return fail('unexpected "}"');
      if (stack.length === 1) return fail('unexpected "}"');
      stack.pop();
      const closed = openDirectives.pop();
      if (closed) closed.blockEnd = i;
      openLines.pop();
      openNames.pop();
      i++;
      continue;
    }
    // A word: quoted or plain.
    if (words.length === 0) {
      firstLine = line;
      firstStart = i;
    }
    if (c === '"' || c === "'") {
      const quote = c;
      let j = i + 1;
      let raw = '';
      let closed = false;
      while (j < n) {
        const d = text[j];
        if (d === '\\' && j + 1 < n) {
          raw += d + text[j + 1];
          if (text[j + 1] === '\n') line++;
          j += 2;
          continue;
        }
        if (d === quote) {
          closed = true;
          j++;
          break;
        }
        if (d === '\n') line++;
        raw += d;
        j++;
      }
      if (!closed) return fail('unexpected end of file, expecting ";" or "}"');
      words.push(unescapeWord(raw));
      // nginx: after a closing quote, only a space, ";", "{" or ")" may follow
      // (a ")" then starts the next word: `if ($a = "b")` has the word ")").
      const next = text[j];
      if (next !== undefined && !SPACE.has(next) && next !== ';' && next !== '{' && next !== ')') {
        return fail(`unexpected ${quoteChar(next)}`);
      }
      i = j;
      continue;
    }
    let j = i;
    let raw = '';
    let variable = false;
    while (j < n) {
      const d = text[j];
      if (d === '{' && variable) {
        // "${": a variable's brace, part of the word (its "}" never ends a word anyway).
        raw += d;
        j++;
        variable = false;
        continue;
      }
      variable = false;
      if (d === '\\' && j + 1 < n) {
        raw += d + text[j + 1];
        if (text[j + 1] === '\n') line++;
        j += 2;
        continue;
      }
      if (d === '$') variable = true;
      if (SPACE.has(d) || d === ';' || d === '{') break;
      raw += d;
      j++;
    }
    words.push(unescapeWord(raw));
    i = j;
  }
  // nginx reports both at the end of the file; the hint says where the open statement or block began.
  if (words.length > 0) return fail('unexpected end of file, expecting ";" or "}"', line, ` (the statement at line ${firstLine} is not terminated)`);
  if (stack.length > 1) return fail('unexpected end of file, expecting "}"', line, ` (the block "${openNames[openNames.length - 1]}" at line ${openLines[openLines.length - 1]} is never closed)`);
  return { file, directives: root, errors };
}

// ---------------------------------------------------------------------------
// Loading with include (through the Host)

export interface NginxConfigSource {
  read(path: string): Promise<ReadResult>;
  glob(pattern: string): Promise<string[]>;
}

export interface NginxConfig {
  main: string;
  /** The whole configuration with every include spliced in where it stood. */
  directives: NginxDirective[];
  /** Every file read, in order. */
  files: string[];
  /** What would make nginx refuse the configuration (syntax, unreadable include), with file:line. */
  errors: NginxProblem[];
}

export const NGINX_MAIN_CONF = '/etc/nginx/nginx.conf';
/** Debian/RHEL --conf-path is /etc/nginx/nginx.conf: relative paths resolve against its directory. */
export const NGINX_CONF_PREFIX = '/etc/nginx';
const MAX_INCLUDE_DEPTH = 16;

export function resolveConfPath(path: string, prefix = NGINX_CONF_PREFIX): string {
  if (path.startsWith('/')) return path;
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}

function hasGlobMagic(path: string): boolean {
  return /[*?[]/.test(path.replace(/\\./g, ''));
}

function readFailureText(path: string, r: Extract<ReadResult, { ok: false }>): string {
  const why: Record<typeof r.reason, string> = {
    missing: 'No such file or directory',
    denied: 'Permission denied',
    'not-a-file': 'not a regular file',
    symlink: 'refused to follow a symlink',
    'too-large': 'file too large',
    io: 'I/O error',
  };
  return `open() "${path}" failed (${why[r.reason]})`;
}

/**
 * Read nginx.conf and every file it includes, as nginx would (include globs
 * expand sorted, a glob that matches nothing is fine, a plain path that is
 * missing is an error). Never throws for bad input: problems land in `errors`.
 */
export async function loadNginxConfig(source: NginxConfigSource, main = NGINX_MAIN_CONF, prefix = NGINX_CONF_PREFIX): Promise<NginxConfig> {
  const files: string[] = [];
  const errors: NginxProblem[] = [];

  const expand = async (directives: NginxDirective[], chain: string[]): Promise<NginxDirective[]> => {
    const out: NginxDirective[] = [];
    for (const d of directives) {
      if (errors.length > 0) break; // nginx stops at the first error
      if (d.name !== 'include') {
        if (d.block) out.push({ ...d, block: await expand(d.block, chain) });
        else out.push(d);
        continue;
      }
      if (d.args.length !== 1 || d.block) {
        errors.push({ file: d.file, line: d.line, message: `invalid number of arguments in "include" directive in ${d.file}:${d.line}` });
        break;
      }
      const target = resolveConfPath(d.args[0], prefix);
      const paths = hasGlobMagic(target) ? await source.glob(target) : [target];
      for (const path of paths) {
        if (chain.includes(path) || chain.length >= MAX_INCLUDE_DEPTH) {
          errors.push({ file: d.file, line: d.line, message: `include loop: "${path}" includes itself (${d.file}:${d.line})` });
          break;
        }
        const included = await readAndParse(path, d);
        if (!included) break;
        out.push(...(await expand(included, [...chain, path])));
      }
    }
    return out;
  };

  const readAndParse = async (path: string, from: NginxDirective | null): Promise<NginxDirective[] | null> => {
    let r: ReadResult;
    try {
      r = await source.read(path);
    } catch (err) {
      r = { ok: false, reason: 'io', message: err instanceof Error ? err.message : String(err) };
    }
    if (!r.ok) {
      const at = from ?? { file: path, line: 0 };
      const where = from ? ` in ${from.file}:${from.line}` : '';
      errors.push({ file: at.file, line: at.line, message: `${readFailureText(path, r)}${where}` });
      return null;
    }
    files.push(path);
    const parsed = parseNginxConf(r.text, path);
    if (parsed.errors.length > 0) {
      errors.push(...parsed.errors);
      return null;
    }
    return parsed.directives;
  };

  const top = await readAndParse(main, null);
  const directives = top ? await expand(top, [main]) : [];
  return { main, directives, files, errors };
}

// ---------------------------------------------------------------------------
// The per-server model

/** A value with the line that set it. */
export interface Located<T> {
  value: T;
  file: string;
  line: number;
  /** The line as written, when it is not nginx's own directive (an Apache vhost mapped onto this model). */
  text?: string;
}

export interface NginxListen {
  /** null: every address ("listen 443", "*:443"). IPv6 without brackets ("::"). */
  address: string | null;
  port: number;
  /** unix:/path listeners: not reachable over IP. */
  unix: string | null;
  ssl: boolean;
  http2: boolean;
  defaultServer: boolean;
  /** As written, for evidence. */
  text: string;
  file: string;
  line: number;
  /** true when no listen directive exists and nginx's default (*:80) applies. */
  implicit?: boolean;
}

export interface NginxAddHeader {
  name: string;
  value: string;
  /** Without `always`, nginx adds the header only to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308. */
  always: boolean;
  level: 'http' | 'server' | 'location';
  file: string;
  line: number;
}

export interface EffectiveHeaders {
  /** Where the headers in effect come from. */
  from: 'http' | 'server' | 'location' | 'none';
  headers: NginxAddHeader[];
  /** Outer-level add_header lines that do NOT apply because this level has its own. */
  shadowed: NginxAddHeader[];
}

export interface NginxRedirect {
  code: number;
  target: string | null;
  directive: 'return' | 'rewrite';
  file: string;
  line: number;
}

export interface NginxLocation {
  /** "=", "^~", "~", "~*", "" (prefix) or "@" (named). */
  modifier: string;
  path: string;
  file: string;
  line: number;
  headers: EffectiveHeaders;
  redirects: NginxRedirect[];
}

export interface NginxCertificatePair {
  certificate: Located<string>;
  /** Paired by position with ssl_certificate, as nginx does; null when missing. */
  key: Located<string> | null;
}

export interface NginxServer {
  file: string;
  line: number;
  /** The `server { … }` directive itself (offsets and raw block, for fixes). */
  directive: NginxDirective;
  listens: NginxListen[];
  /** Names as written (may hold "_", "", "*.example.com", ".example.com", "~regex"). */
  serverNames: string[];
  serverNameAt: Located<string[]> | null;
  /** Legacy `ssl on;` (server or http level): every listen speaks TLS. */
  sslOn: Located<boolean> | null;
  /** Some listener speaks TLS (`listen … ssl`, or `ssl on`). */
  tls: boolean;
  certificates: NginxCertificatePair[];
  protocols: Located<string[]> | null;
  ciphers: Located<string> | null;
  preferServerCiphers: Located<boolean> | null;
  sessionTickets: Located<boolean> | null;
  stapling: Located<boolean> | null;
  staplingVerify: Located<boolean> | null;
  trustedCertificate: Located<string> | null;
  /** Headers in effect at server level (what a request no location matches gets). */
  headers: EffectiveHeaders;
  /** Top-level locations of the server. */
  locations: NginxLocation[];
  /** return/rewrite redirects at server level. */
  redirects: NginxRedirect[];
}

export interface NginxModel {
  servers: NginxServer[];
  /** http-level add_header lines (what servers without their own inherit). */
  httpHeaders: NginxAddHeader[];
  /** The `http` block, if any. */
  http: Located<true> | null;
  /** The `http { … }` directive itself (offsets and raw block, for fixes). */
  httpDirective: NginxDirective | null;
}

function first(block: NginxDirective[], name: string): NginxDirective | undefined {
  return block.find((d) => d.name === name && !d.block);
}

function located<T>(d: NginxDirective | undefined, value: (d: NginxDirective) => T): Located<T> | null {
  return d ? { value: value(d), file: d.file, line: d.line } : null;
}

function onOff(d: NginxDirective): boolean {
  return (d.args[0] ?? '').toLowerCase() === 'on';
}

/** Own directive, else the http-level one (nginx's merge for single-value directives). */
function inherited<T>(server: NginxDirective[], http: NginxDirective[], name: string, value: (d: NginxDirective) => T): Located<T> | null {
  return located(first(server, name) ?? first(http, name), value);
}

export function parseListen(d: NginxDirective): NginxListen {
  const spec = d.args[0] ?? '';
  const flags = d.args.slice(1).map((a) => a.toLowerCase());
  const base = {
    ssl: flags.includes('ssl'),
    http2: flags.includes('http2'),
    defaultServer: flags.includes('default_server') || flags.includes('default'),
    text: `listen ${d.args.join(' ')}`,
    file: d.file,
    line: d.line,
  };
  if (spec.startsWith('unix:')) return { ...base, address: null, port: 0, unix: spec.slice(5) };
  let address: string | null = null;
  let portText = '80';
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(spec);
  if (v6) {
    address = v6[1];
    portText = v6[2] ?? '80';
  } else if (/^\d+$/.test(spec)) {
    portText = spec;
  } else {
    const colon = spec.lastIndexOf(':');
    if (colon >= 0) {
      address = spec.slice(0, colon);
      portText = spec.slice(colon + 1);
    } else {
      address = spec;
    }
  }
  if (address === '*' || address === '') address = null;
  return { ...base, address, port: Number(portText), unix: null };
}

function addHeaders(block: NginxDirective[], level: NginxAddHeader['level']): NginxAddHeader[] {
  return block
    .filter((d) => d.name === 'add_header' && !d.block && d.args.length >= 2)
    .map((d) => ({ name: d.args[0], value: d.args[1], always: (d.args[2] ?? '').toLowerCase() === 'always', level, file: d.file, line: d.line }));
}

/** nginx's rule: a level with any add_header of its own inherits none of its parent's. */
function effective(own: NginxAddHeader[], parent: EffectiveHeaders, level: NginxAddHeader['level']): EffectiveHeaders {
  if (own.length === 0) return parent;
  return { from: level, headers: own, shadowed: [...parent.headers, ...parent.shadowed] };
}

function redirectsIn(block: NginxDirective[]): NginxRedirect[] {
  const out: NginxRedirect[] = [];
  for (const d of block) {
    if (d.block) continue;
    if (d.name === 'return' && d.args.length >= 1) {
      const code = /^\d{3}$/.test(d.args[0]) ? Number(d.args[0]) : 302;
      const target = /^\d{3}$/.test(d.args[0]) ? (d.args[1] ?? null) : d.args[0];
      if (code >= 300 && code < 400) out.push({ code, target, directive: 'return', file: d.file, line: d.line });
    }
    if (d.name === 'rewrite' && d.args.length >= 3) {
      const flag = d.args[2].toLowerCase();
      if (flag === 'permanent' || flag === 'redirect') out.push({ code: flag === 'permanent' ? 301 : 302, target: d.args[1], directive: 'rewrite', file: d.file, line: d.line });
    }
  }
  return out;
}

function serverModel(server: NginxDirective, http: NginxDirective[], httpHeaders: EffectiveHeaders): NginxServer {
  const block = server.block ?? [];
  const sslOnD = first(block, 'ssl') ?? first(http, 'ssl');
  const sslOn = sslOnD && onOff(sslOnD) ? { value: true, file: sslOnD.file, line: sslOnD.line } : null;
  let listens = block.filter((d) => d.name === 'listen' && !d.block).map(parseListen);
  if (listens.length === 0) {
    listens = [{ address: null, port: 80, unix: null, ssl: false, http2: false, defaultServer: false, text: 'listen *:80 (nginx default: no listen directive)', file: server.file, line: server.line, implicit: true }];
  }
  if (sslOn) listens = listens.map((l) => ({ ...l, ssl: true }));
  const namesD = block.filter((d) => d.name === 'server_name' && !d.block);
  const serverNames = namesD.flatMap((d) => d.args);
  const ownCerts = block.filter((d) => d.name === 'ssl_certificate' && !d.block);
  const certDs = ownCerts.length > 0 ? ownCerts : http.filter((d) => d.name === 'ssl_certificate' && !d.block);
  const keyBlock = ownCerts.length > 0 ? block : http;
  const keyDs = keyBlock.filter((d) => d.name === 'ssl_certificate_key' && !d.block);
  const certificates = certDs.map((c, i) => ({
    certificate: { value: c.args[0] ?? '', file: c.file, line: c.line },
    key: keyDs[i] ? { value: keyDs[i].args[0] ?? '', file: keyDs[i].file, line: keyDs[i].line } : null,
  }));
  const headers = effective(addHeaders(block, 'server'), httpHeaders, 'server');
  const locations: NginxLocation[] = block
    .filter((d) => d.name === 'location' && d.block)
    .map((d) => {
      const [a, b] = d.args;
      const hasModifier = b !== undefined;
      const modifier = hasModifier ? a : a?.startsWith('@') ? '@' : '';
      const path = hasModifier ? b : (a ?? '');
      return {
        modifier,
        path,
        file: d.file,
        line: d.line,
        headers: effective(addHeaders(d.block ?? [], 'location'), headers, 'location'),
        redirects: redirectsIn(d.block ?? []),
      };
    });
  return {
    file: server.file,
    line: server.line,
    directive: server,
    listens,
    serverNames,
    serverNameAt: namesD[0] ? { value: serverNames, file: namesD[0].file, line: namesD[0].line } : null,
    sslOn,
    tls: listens.some((l) => l.ssl),
    certificates,
    protocols: inherited(block, http, 'ssl_protocols', (d) => d.args),
    ciphers: inherited(block, http, 'ssl_ciphers', (d) => d.args[0] ?? ''),
    preferServerCiphers: inherited(block, http, 'ssl_prefer_server_ciphers', onOff),
    sessionTickets: inherited(block, http, 'ssl_session_tickets', onOff),
    stapling: inherited(block, http, 'ssl_stapling', onOff),
    staplingVerify: inherited(block, http, 'ssl_stapling_verify', onOff),
    trustedCertificate: inherited(block, http, 'ssl_trusted_certificate', (d) => d.args[0] ?? ''),
    headers,
    locations,
    redirects: redirectsIn(block),
  };
}

/** The http servers of a loaded configuration (stream/mail servers are not web vhosts). */
export function nginxModel(directives: NginxDirective[]): NginxModel {
  const httpD = directives.find((d) => d.name === 'http' && d.block);
  if (!httpD) return { servers: [], httpHeaders: [], http: null, httpDirective: null };
  const http = httpD.block ?? [];
  const httpHeaderList = addHeaders(http, 'http');
  const httpHeaders: EffectiveHeaders = { from: httpHeaderList.length > 0 ? 'http' : 'none', headers: httpHeaderList, shadowed: [] };
  const servers = http.filter((d) => d.name === 'server' && d.block).map((s) => serverModel(s, http, httpHeaders));
  return { servers, httpHeaders: httpHeaderList, http: { value: true, file: httpD.file, line: httpD.line }, httpDirective: httpD };
}

/**
 * The location that answers GET / (nginx: an exact `= /` wins, else the
 * longest matching prefix — for "/" only "/" itself; regex locations are not
 * evaluated here). null: no location matches, the server level answers.
 */
export function locationForRoot(server: NginxServer): NginxLocation | null {
  return server.locations.find((l) => l.modifier === '=' && l.path === '/') ?? server.locations.find((l) => (l.modifier === '' || l.modifier === '^~') && l.path === '/') ?? null;
}

/** Headers a GET / gets from the configuration, with the level they come from. */
export function headersForRoot(server: NginxServer): EffectiveHeaders {
  return locationForRoot(server)?.headers ?? server.headers;
}

/** Redirects configured for GET /: server-level ones run first (rewrite phase before location matching). */
export function redirectsForRoot(server: NginxServer): NginxRedirect[] {
  return [...server.redirects, ...(locationForRoot(server)?.redirects ?? [])];
}

/** Usable DNS names of a server for SNI/Host: no "_", no "", no regex; ".x" means x. */
export function concreteNames(server: NginxServer): string[] {
  const out: string[] = [];
  for (const raw of server.serverNames) {
    if (raw === '' || raw === '_' || raw.startsWith('~') || raw.includes('$')) continue;
    const name = raw.startsWith('.') ? raw.slice(1) : raw;
    if (name.includes('*')) continue;
    if (!out.includes(name.toLowerCase())) out.push(name.toLowerCase());
  }
  return out;
}
