// Apache httpd configuration (Debian's /etc/apache2 layout): tokenizer,
// Include/IncludeOptional expansion and the per-<VirtualHost> model the tls
// and web checks need. Pure except loadApacheConfig, which reads only through
// the source it is given (the Host, so --root applies). Never throws for bad
// input: what httpd would refuse lands in `errors` with file:line.
//
// Syntax as httpd reads it (server/config.c, server/util.c ap_getword_conf):
// - one directive per logical line; a backslash as the LAST character joins
//   the next line; `#` starts a comment only as the first non-blank character
//   (a `#` later on the line is part of an argument);
// - arguments split on white space; "…" or '…' quote, and inside them a
//   backslash escapes the quote character or a backslash; outside quotes
//   `\\` is one backslash; an unterminated quote runs to the end of the line;
// - `<Name args>` opens a section, `</Name>` closes it (names are
//   case-insensitive); a mismatch, a stray close or an unclosed section is
//   an error, as httpd refuses to start on one.
// Include semantics (core.c): relative paths resolve against ServerRoot
// (/etc/apache2 on Debian, or the last ServerRoot line); wildcards in any
// component, matches in alphabetical order; a directory includes every file
// below it; `Include` fails when a wildcard matches nothing or a file is
// missing, `IncludeOptional` ignores both.
// Model: <IfModule> is evaluated against the modules LoadModule'd so far
// (plus the ones Debian compiles in); <IfDefine> against Define lines (an
// undefined name is false, as for httpd started without -D; noted in
// `assumed`); <If>/<IfVersion> are not evaluated and count as true (we would
// rather look at a vhost too many than miss one), also noted.

import type { ReadResult } from '../host/host';

export interface ApacheDirective {
  /** As written (httpd compares case-insensitively: use `key`). */
  name: string;
  /** Lower-cased name; a section's key is "<virtualhost". */
  key: string;
  args: string[];
  file: string;
  line: number;
  /** Present when the directive is a section (`<VirtualHost …>`): its contents. */
  section?: ApacheDirective[];
}

export interface ApacheProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedApacheFile {
  file: string;
  directives: ApacheDirective[];
  errors: ApacheProblem[];
}

/** Split one logical line into words, as ap_getword_conf does. */
export function apacheWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const q = text[i];
    let out = '';
    if (q === '"' || q === "'") {
      i++;
      while (i < n && text[i] !== q) {
        if (text[i] === '\\' && i + 1 < n && (text[i + 1] === q || text[i + 1] === '\\')) {
          out += text[i + 1];
          i += 2;
        } else out += text[i++];
      }
      if (i < n) i++; // the closing quote
    } else {
      while (i < n && !/\s/.test(text[i])) {
        if (text[i] === '\\' && text[i + 1] === '\\') {
          out += '\\';
          i += 2;
        } else out += text[i++];
      }
    }
    words.push(out);
  }
  return words;
}

interface LogicalLine {
  text: string;
  line: number;
}

function logicalLines(text: string): LogicalLine[] {
  const raw = text.split('\n');
  const out: LogicalLine[] = [];
  let acc = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i].replace(/\r$/, '');
    if (acc === '') start = i + 1;
    if (l.endsWith('\\')) {
      acc += `${l.slice(0, -1)} `;
      continue;
    }
    acc += l;
    out.push({ text: acc, line: start });
    acc = '';
  }
  if (acc !== '') out.push({ text: acc, line: start });
  return out;
}

export function parseApacheConf(text: string, file: string): ParsedApacheFile {
  const root: ApacheDirective[] = [];
  const stack: ApacheDirective[] = [];
  const errors: ApacheProblem[] = [];
  const fail = (line: number, message: string): ParsedApacheFile => {
    errors.push({ file, line, message: `${file}:${line}: ${message}` });
    return { file, directives: root, errors };
  };
  const into = () => (stack.length > 0 ? stack[stack.length - 1].section! : root);
  for (const { text: lineText, line } of logicalLines(text)) {
    const t = lineText.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('</')) {
      const m = /^<\/([^\s>]+)\s*>$/.exec(t);
      const name = (m?.[1] ?? t.slice(2).replace(/>.*$/, '')).toLowerCase();
      const open = stack[stack.length - 1];
      if (!open) return fail(line, `</${name}> without matching <${name}> section`);
      if (open.key !== `<${name}`) return fail(line, `Expected </${open.name.slice(1)}> but saw </${m?.[1] ?? name}>`);
      stack.pop();
      continue;
    }
    if (t.startsWith('<')) {
      if (!t.endsWith('>')) return fail(line, `${t.split(/\s/)[0]}> directive missing closing '>'`);
      const inner = t.slice(1, -1);
      const nameEnd = inner.search(/\s|$/);
      const name = inner.slice(0, nameEnd);
      if (name === '') return fail(line, 'a section with no name');
      const d: ApacheDirective = { name: `<${name}`, key: `<${name.toLowerCase()}`, args: apacheWords(inner.slice(nameEnd)), file, line, section: [] };
      into().push(d);
      stack.push(d);
      continue;
    }
    const words = apacheWords(t);
    into().push({ name: words[0], key: words[0].toLowerCase(), args: words.slice(1), file, line });
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    return fail(open.line, `${open.name}> was not closed.`);
  }
  return { file, directives: root, errors };
}

// ---------------------------------------------------------------------------
// Loading with Include (through the Host)

export interface ApacheConfigSource {
  read(path: string): Promise<ReadResult>;
  glob(pattern: string): Promise<string[]>;
}

export interface ApacheConfig {
  main: string;
  directives: ApacheDirective[];
  files: string[];
  errors: ApacheProblem[];
}

export const APACHE_MAIN_CONF = '/etc/apache2/apache2.conf';
/** Debian's compiled-in ServerRoot (HTTPD_ROOT). */
export const APACHE_SERVER_ROOT = '/etc/apache2';
const MAX_DEPTH = 16;

function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

function resolveAgainst(root: string, path: string): string {
  if (path.startsWith('/')) return path;
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`;
}

export async function loadApacheConfig(source: ApacheConfigSource, main = APACHE_MAIN_CONF, serverRoot = APACHE_SERVER_ROOT): Promise<ApacheConfig> {
  const files: string[] = [];
  const errors: ApacheProblem[] = [];
  let root = serverRoot;

  const readFile = async (path: string): Promise<ReadResult> => {
    try {
      return await source.read(path);
    } catch (err) {
      return { ok: false, reason: 'io', message: err instanceof Error ? err.message : String(err) };
    }
  };

  /** The files a path names: itself, or every file below it when it is a directory (sorted). */
  const filesOf = async (path: string, depth: number): Promise<Array<{ path: string; read: ReadResult }>> => {
    const read = await readFile(path);
    if (read.ok || read.reason !== 'not-a-file' || depth > MAX_DEPTH) return [{ path, read }];
    const out: Array<{ path: string; read: ReadResult }> = [];
    for (const child of await source.glob(`${path.replace(/\/+$/, '')}/*`)) out.push(...(await filesOf(child, depth + 1)));
    return out;
  };

  const expand = async (directives: ApacheDirective[], chain: string[]): Promise<ApacheDirective[]> => {
    const out: ApacheDirective[] = [];
    for (const d of directives) {
      if (errors.length > 0) break;
      if (d.key === 'serverroot' && d.args[0]) root = d.args[0].replace(/\/+$/, '') || '/';
      if (d.key !== 'include' && d.key !== 'includeoptional') {
        out.push(d.section ? { ...d, section: await expand(d.section, chain) } : d);
        continue;
      }
      const optional = d.key === 'includeoptional';
      if (d.args.length !== 1) {
        errors.push({ file: d.file, line: d.line, message: `${d.file}:${d.line}: ${d.name} takes one argument, Name of the config file to be included` });
        break;
      }
      const target = resolveAgainst(root, d.args[0]);
      let paths: string[];
      if (hasWildcard(target)) {
        paths = await source.glob(target);
        if (paths.length === 0 && !optional) {
          errors.push({ file: d.file, line: d.line, message: `${d.file}:${d.line}: No matches for the wildcard '${target.slice(target.lastIndexOf('/') + 1)}' in '${target.slice(0, target.lastIndexOf('/')) || '/'}', failing (use IncludeOptional if required)` });
          break;
        }
      } else paths = [target];
      for (const path of paths) {
        for (const f of await filesOf(path, chain.length)) {
          if (chain.includes(f.path) || chain.length >= MAX_DEPTH) {
            errors.push({ file: d.file, line: d.line, message: `${d.file}:${d.line}: include loop: ${f.path} includes itself` });
            break;
          }
          if (!f.read.ok) {
            if (optional && f.read.reason === 'missing') continue;
            errors.push({ file: d.file, line: d.line, message: `${d.file}:${d.line}: Could not open configuration file ${f.path}: ${f.read.message}` });
            break;
          }
          files.push(f.path);
          const parsed = parseApacheConf(f.read.text, f.path);
          if (parsed.errors.length > 0) {
            errors.push(...parsed.errors);
            break;
          }
          out.push(...(await expand(parsed.directives, [...chain, f.path])));
        }
        if (errors.length > 0) break;
      }
    }
    return out;
  };

  const top = await readFile(main);
  if (!top.ok) return { main, directives: [], files, errors: [{ file: main, line: 0, message: `Could not open configuration file ${main}: ${top.message}` }] };
  files.push(main);
  const parsed = parseApacheConf(top.text, main);
  if (parsed.errors.length > 0) return { main, directives: [], files, errors: parsed.errors };
  const directives = await expand(parsed.directives, [main]);
  return { main, directives, files, errors };
}

// ---------------------------------------------------------------------------
// The per-vhost model

export interface ApacheLocated<T> {
  value: T;
  file: string;
  line: number;
}

export interface ApacheAddress {
  /** null: every address ("*", "_default_"). IPv6 without brackets. */
  address: string | null;
  /** null: no port written (the vhost matches every port its address listens on). */
  port: number | null;
  text: string;
}

export interface ApacheHeader {
  /** set, append, add, merge, setifempty, unset, edit, edit*, echo, note. */
  action: string;
  name: string;
  value: string | null;
  /** `Header always …`: also on error responses. */
  always: boolean;
  level: 'server' | 'vhost';
  file: string;
  line: number;
}

export interface ApacheVhost {
  file: string;
  line: number;
  addresses: ApacheAddress[];
  serverName: ApacheLocated<string> | null;
  aliases: string[];
  sslEngine: ApacheLocated<boolean> | null;
  certificateFile: ApacheLocated<string> | null;
  keyFile: ApacheLocated<string> | null;
  chainFile: ApacheLocated<string> | null;
  /** SSLProtocol as written; `protocols` is what it enables. */
  protocol: ApacheLocated<string[]> | null;
  protocols: string[];
  cipherSuite: ApacheLocated<string> | null;
  /** Header lines in effect: the server config's first, then the vhost's (mod_headers' merge order). */
  headers: ApacheHeader[];
}

export interface ApacheModel {
  vhosts: ApacheVhost[];
  listens: ApacheLocated<string>[];
  /** SSLUseStapling is server-config only: one value for every vhost. */
  stapling: ApacheLocated<boolean> | null;
  /** PidFile as written (Debian's: ${APACHE_PID_FILE}, from /etc/apache2/envvars), or null when unset. */
  pidFile: ApacheLocated<string> | null;
  /** Sections evaluated as true for want of knowing (IfDefine of an unknown variable …). */
  assumed: string[];
}

/** What `SSLProtocol all` means with OpenSSL 3 built without SSLv3 (Debian): data, so it can follow the library. */
export const APACHE_PROTOCOLS_ALL = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** httpd 2.4's default when SSLProtocol is not set: "all -SSLv3". */
export const APACHE_PROTOCOLS_DEFAULT = ['all', '-SSLv3'];
/** Modules Debian's apache2 compiles in (no LoadModule line): `<IfModule>` on them is true. */
const STATIC_MODULES = ['core', 'so', 'watchdog', 'http', 'log_config', 'logio', 'version', 'unixd'];

/** The protocols an SSLProtocol line enables (mod_ssl's ssl_cmd_protocol_parse). */
export function apacheProtocols(args: string[], all = APACHE_PROTOCOLS_ALL): string[] {
  let set: string[] = [];
  for (const raw of args) {
    const action = raw[0] === '+' || raw[0] === '-' ? raw[0] : '';
    const name = raw.slice(action.length);
    const lower = name.toLowerCase();
    const these = lower === 'all' ? all : ['sslv2', 'sslv3', 'tlsv1', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'].includes(lower) ? [lower === 'sslv2' ? 'SSLv2' : lower === 'sslv3' ? 'SSLv3' : `TLSv${lower.slice(4)}`] : [];
    if (action === '-') set = set.filter((p) => !these.includes(p));
    else if (action === '+') set = [...set, ...these.filter((p) => !set.includes(p))];
    else set = [...these];
  }
  const order = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return order.filter((p) => set.includes(p));
}

export function parseApacheAddress(text: string): ApacheAddress {
  const v6 = /^\[([^\]]*)\](?::(\d+|\*))?$/.exec(text);
  let address: string | null;
  let port: string | undefined;
  if (v6) [address, port] = [v6[1], v6[2]];
  else {
    const colon = text.lastIndexOf(':');
    [address, port] = colon >= 0 ? [text.slice(0, colon), text.slice(colon + 1)] : [text, undefined];
  }
  if (address === '*' || address === '_default_' || address === '') address = null;
  return { address, port: port === undefined || port === '*' ? null : Number(port), text };
}

function located<T>(d: ApacheDirective | undefined, value: (d: ApacheDirective) => T): ApacheLocated<T> | null {
  return d ? { value: value(d), file: d.file, line: d.line } : null;
}

function parseHeader(d: ApacheDirective, level: ApacheHeader['level']): ApacheHeader | null {
  const args = [...d.args];
  let always = false;
  if (args[0] && ['always', 'onsuccess'].includes(args[0].toLowerCase())) always = args.shift()!.toLowerCase() === 'always';
  const action = (args.shift() ?? '').toLowerCase();
  const name = args.shift();
  if (!action || !name) return null;
  const value = ['unset', 'echo'].includes(action) ? null : (args.shift() ?? null);
  return { action, name, value, always, level, file: d.file, line: d.line };
}

/** The directives in effect at one level: conditional sections flattened where they hold; other sections kept out. */
function flatten(directives: ApacheDirective[], state: { modules: Set<string>; defines: Set<string>; assumed: string[] }): ApacheDirective[] {
  const out: ApacheDirective[] = [];
  for (const d of directives) {
    if (d.key === 'loadmodule' && d.args[0]) {
      state.modules.add(d.args[0].replace(/_module$/, ''));
      const so = /(?:^|\/)mod_([^/]+)\.so$/.exec(d.args[1] ?? '');
      if (so) state.modules.add(so[1]);
    }
    if (d.key === 'define' && d.args[0]) state.defines.add(d.args[0]);
    if (d.key === 'undefine' && d.args[0]) state.defines.delete(d.args[0]);
    if (!d.section) {
      out.push(d);
      continue;
    }
    if (d.key === '<ifmodule' || d.key === '<ifdefine') {
      const arg = d.args[0] ?? '';
      const negate = arg.startsWith('!');
      const name = negate ? arg.slice(1) : arg;
      let holds: boolean;
      if (d.key === '<ifmodule') holds = state.modules.has(name.replace(/^mod_/, '').replace(/\.c$/, '').replace(/_module$/, ''));
      else {
        holds = state.defines.has(name);
        if (!holds && !negate) state.assumed.push(`${d.name} ${arg}> (${d.file}:${d.line}): not defined here, assumed false`);
      }
      if (negate ? !holds : holds) out.push(...flatten(d.section ?? [], state));
      continue;
    }
    if (d.key === '<ifversion' || d.key === '<if' || d.key === '<elseif' || d.key === '<else') {
      state.assumed.push(`${d.name} ${d.args.join(' ')}> (${d.file}:${d.line}): not evaluated, assumed true`);
      out.push(...flatten(d.section ?? [], state));
      continue;
    }
    out.push(d); // VirtualHost, Directory, Location …: kept as sections
  }
  return out;
}

function lastOf(block: ApacheDirective[], key: string): ApacheDirective | undefined {
  // httpd: a later single-value directive overrides an earlier one at the same level.
  return [...block].reverse().find((d) => d.key === key && !d.section);
}

export function apacheModel(directives: ApacheDirective[]): ApacheModel {
  const state = { modules: new Set(STATIC_MODULES), defines: new Set<string>(), assumed: [] as string[] };
  const top = flatten(directives, state);
  const serverHeaders = top.filter((d) => d.key === 'header').map((d) => parseHeader(d, 'server')).filter((h): h is ApacheHeader => h !== null);
  const vhosts: ApacheVhost[] = [];
  for (const v of top.filter((d) => d.key === '<virtualhost')) {
    const block = flatten(v.section ?? [], state);
    const own = (key: string) => lastOf(block, key) ?? lastOf(top, key);
    const protocol = located(own('sslprotocol'), (d) => d.args);
    const nameD = lastOf(block, 'servername');
    vhosts.push({
      file: v.file,
      line: v.line,
      addresses: v.args.map(parseApacheAddress),
      serverName: located(nameD, (d) => (d.args[0] ?? '').replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '')),
      aliases: block.filter((d) => d.key === 'serveralias').flatMap((d) => d.args),
      sslEngine: located(own('sslengine'), (d) => (d.args[0] ?? '').toLowerCase() === 'on'),
      certificateFile: located(own('sslcertificatefile'), (d) => d.args[0] ?? ''),
      keyFile: located(own('sslcertificatekeyfile'), (d) => d.args[0] ?? ''),
      chainFile: located(own('sslcertificatechainfile'), (d) => d.args[0] ?? ''),
      protocol,
      protocols: apacheProtocols(protocol?.value ?? APACHE_PROTOCOLS_DEFAULT),
      cipherSuite: located(own('sslciphersuite'), (d) => d.args[d.args.length - 1] ?? ''),
      headers: [...serverHeaders, ...block.filter((d) => d.key === 'header').map((d) => parseHeader(d, 'vhost')).filter((h): h is ApacheHeader => h !== null)],
    });
  }
  return {
    vhosts,
    listens: top.filter((d) => d.key === 'listen').map((d) => ({ value: d.args.join(' '), file: d.file, line: d.line })),
    stapling: located(lastOf(top, 'sslusestapling'), (d) => (d.args[0] ?? '').toLowerCase() === 'on'),
    pidFile: located(lastOf(top, 'pidfile'), (d) => d.args[0] ?? ''),
    assumed: state.assumed,
  };
}

/** Headers a response gets after every action in order (set replaces, unset removes, add/append/merge accumulate). */
export function effectiveApacheHeaders(headers: ApacheHeader[]): ApacheHeader[] {
  let out: ApacheHeader[] = [];
  for (const h of headers) {
    const same = (x: ApacheHeader) => x.name.toLowerCase() === h.name.toLowerCase();
    if (h.action === 'unset') out = out.filter((x) => !same(x));
    else if (h.action === 'set') out = [...out.filter((x) => !same(x)), h];
    else if (h.action === 'setifempty') {
      if (!out.some(same)) out.push(h);
    } else if (['add', 'append', 'merge'].includes(h.action)) out.push(h);
  }
  return out;
}

/** Names of a vhost for SNI/Host: ServerName then ServerAlias, no wildcards. */
export function apacheNames(v: ApacheVhost): string[] {
  const all = [v.serverName?.value ?? '', ...v.aliases].map((n) => n.toLowerCase()).filter((n) => n !== '' && !n.includes('*') && !n.includes('?'));
  return [...new Set(all)];
}
