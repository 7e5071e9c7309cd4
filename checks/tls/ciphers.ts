// tls.ciphers: for TLS 1.2 the listener offers only forward-secret AEAD
// suites (Mozilla intermediate 6.0: ECDHE with AES-GCM or ChaCha20). Every
// class of bad suite in assets/policy/tls.json is offered ALONE at TLS 1.2
// over loopback; a handshake that succeeds proves the server accepts that
// class. A class this OpenSSL cannot offer at all (RC4, 3DES, EXPORT are
// compiled out of OpenSSL 3) is judged from ssl_ciphers as written, and the
// summary says "not probed". Without live probes the whole judgement comes
// from ssl_ciphers as this machine's `openssl ciphers` expands it.
//
// Also judged against the installed nginx: session tickets with nginx older
// than 1.23.2 (it never rotates the ticket key, so one stolen key decrypts
// every session since the last restart), and ssl_prefer_server_ciphers on
// (Mozilla 6.0: off, because every remaining suite is strong; a note only).
// Apache vhosts are judged on their suites only (SSLSessionTickets is not
// judged yet).

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { NginxServer } from '../../src/parse/nginx-conf';
import { fromItems, guardedCheck, item, listSome, worst } from './finding';
import { inventoryGate, TLS_WATCH, tlsInventory } from './inventory';
import { vhostTargets } from './live';
import type { TlsVhost } from './nginx';
import { nginxVersion, rotatesTicketKeys, type NginxVersion } from './nginx-version';
import { tlsPolicy, type CipherClass } from './policy';
import { chooseProber, notRunText, type TlsProber } from './probe';
import type { TlsCheckOptions } from './options';

interface Found {
  cls: CipherClass;
  how: string;
}

export function configuredCiphers(server: NginxServer): { value: string; evidence: Evidence } {
  if (server.ciphers) return { value: server.ciphers.value, evidence: { file: server.ciphers.file, line: server.ciphers.line, text: `ssl_ciphers ${server.ciphers.value}` } };
  const value = tlsPolicy.nginx.defaultCiphers;
  return { value, evidence: { file: server.file, line: server.line, text: `ssl_ciphers not set: nginx defaults to ${value}` } };
}

/** Elements of a cipher string that switch suites ON ("!RC4" and "-RC4" do not). */
function positiveElements(cipherString: string): string[] {
  return cipherString
    .split(/[:,\s]+/)
    .filter((e) => e !== '' && !e.startsWith('!') && !e.startsWith('-') && !e.startsWith('@'))
    .map((e) => e.replace(/^\+/, ''));
}

/** Does the cipher string, as written, enable this class? (For what OpenSSL cannot expand.) */
export function configEnables(cls: CipherClass, cipherString: string): string[] {
  const re = new RegExp(cls.configPattern, 'i');
  return positiveElements(cipherString).filter((e) => e.split('+').some((part) => re.test(part)) || re.test(e));
}

/** The class of one `openssl ciphers -v` line, 'good', or null (TLS 1.3 / PSK / SRP: not served by nginx as TLS 1.2 suites). */
export function classifySuite(line: string): string | 'good' | null {
  const [name, version, ...fields] = line.trim().split(/\s+/);
  if (!name || !version || version === 'TLSv1.3') return null;
  const f = Object.fromEntries(fields.map((x) => x.split('=') as [string, string]));
  const kx = f.Kx ?? '';
  const au = f.Au ?? '';
  const enc = f.Enc ?? '';
  if (/PSK|SRP/.test(kx) || /PSK|SRP/.test(au)) return null;
  if (/^None/.test(enc) || au === 'None') return 'null';
  if (/^EXP/.test(name)) return 'export';
  if (/^RC4/.test(enc)) return 'rc4';
  if (/^3DES|^DES/.test(enc)) return '3des';
  if (kx === 'RSA') return 'static-rsa';
  const aead = /^(AESGCM|CHACHA20|AESCCM|ARIAGCM)/.test(enc);
  if (!aead) return 'cbc';
  if (kx === 'DH') return 'dhe';
  if (/^(AESCCM|ARIAGCM)/.test(enc)) return 'other-aead';
  return 'good';
}

interface Note {
  status: Status;
  text: string;
  evidence: Evidence;
}

function ticketsNote(server: NginxServer, version: NginxVersion): Note | null {
  const on = server.sessionTickets ? server.sessionTickets.value : true;
  const rotates = rotatesTicketKeys(version.version);
  const where: Evidence = server.sessionTickets
    ? { file: server.sessionTickets.file, line: server.sessionTickets.line, text: `ssl_session_tickets ${on ? 'on' : 'off'}` }
    : { file: server.file, line: server.line, text: 'ssl_session_tickets not set (default on)' };
  if (!on || rotates === true) return null;
  if (rotates === false) {
    return { status: 'warn', text: `session tickets on with nginx ${version.version}, which never rotates the ticket key (< ${tlsPolicy.nginx.ticketKeyRotationFrom}): set ssl_session_tickets off`, evidence: where };
  }
  return { status: 'info', text: 'session tickets on; nginx version unknown, so key rotation (1.23.2+) cannot be confirmed', evidence: where };
}

/** A note, not a verdict: with only strong suites enabled, who picks among them is a detail. */
function preferNote(server: NginxServer): Note | null {
  if (!server.preferServerCiphers?.value || tlsPolicy.intermediate.preferServerCiphers) return null;
  return { status: 'pass', text: 'ssl_prefer_server_ciphers on (Mozilla 6.0: off)', evidence: { file: server.preferServerCiphers.file, line: server.preferServerCiphers.line, text: 'ssl_prefer_server_ciphers on' } };
}

function notesFor(vhost: TlsVhost, version: NginxVersion): Note[] {
  // nginx's own directives and version: an Apache vhost (SSLSessionTickets,
  // SSLHonorCipherOrder) is judged on its suites only, never with nginx's wording.
  if (vhost.source !== 'nginx') return [];
  return [ticketsNote(vhost.server, version), preferNote(vhost.server)].filter((n): n is Note => n !== null);
}

function verdict(label: string, found: Found[], prefix: string, verb: 'accepts' | 'enables', extra: { status: Status; text: string }[], evidence: Evidence[]): Item {
  const statuses: Status[] = ['pass', ...found.map((f) => f.cls.verdict), ...extra.map((e) => e.status)];
  const parts: string[] = [];
  if (found.length > 0) parts.push(`${prefix}${verb} ${found.map((f) => `${f.cls.label} (${f.how})`).join(', ')}`);
  else parts.push(`${prefix}only forward-secret AEAD suites for TLS 1.2`);
  parts.push(...extra.map((e) => e.text));
  const why = found.map((f): Evidence => ({ text: `${f.cls.label}: ${f.cls.why}` }));
  return item(label, worst(statuses), parts.join('; '), [...evidence, ...why]);
}

async function liveItem(prober: TlsProber, vhost: TlsVhost, version: NginxVersion): Promise<Item> {
  const where = vhostTargets(vhost);
  if ('subject' in where) return where;
  const { target, label } = where.targets[0];
  const configured = configuredCiphers(vhost.server);
  const notes = notesFor(vhost, version);
  const extra = notes.map((n) => ({ status: n.status, text: n.text }));
  const evidence: Evidence[] = [{ command: `TLS 1.2 handshakes ${target.address}:${target.port} SNI ${target.servername ?? '(none)'}, one per cipher class` }, configured.evidence, ...notes.map((n) => n.evidence), ...where.evidence];
  const base = await prober.accepts(target, { version: 'TLSv1.2' });
  if (base.outcome === 'rejected') return item(label, worst(['pass', ...extra.map((e) => e.status)]), ['TLS 1.2 refused: TLS 1.3 only, whose suites are all AEAD', ...extra.map((e) => e.text)].join('; '), evidence);
  if (base.outcome !== 'accepted') return item(label, base.outcome === 'skipped' ? 'skip' : 'error', `probe ${notRunText(base)}`, evidence);
  const found: Found[] = [];
  for (const cls of tlsPolicy.cipherClasses) {
    const r = await prober.accepts(target, { version: 'TLSv1.2', ciphers: cls.offer });
    if (r.outcome === 'accepted') found.push({ cls, how: `accepted ${r.cipher.name}` });
    else if (r.outcome === 'unsupported-locally') {
      const hits = configEnables(cls, configured.value);
      if (hits.length > 0) found.push({ cls, how: `not probed: this OpenSSL cannot offer it; ssl_ciphers enables ${listSome(hits, 2)}` });
    } else if (r.outcome !== 'rejected') return item(label, r.outcome === 'skipped' ? 'skip' : 'error', `probe ${notRunText(r)}`, evidence);
  }
  return verdict(label, found, '', 'accepts', extra, evidence);
}

type Expansion = { ok: true; classes: Map<string, string[]> } | { ok: false; why: string };

/** How this machine's OpenSSL expands a cipher string, by class. */
async function expand(host: Host, cipherString: string): Promise<Expansion> {
  const r = await host.exec('openssl', ['ciphers', '-v', cipherString], { timeoutMs: 5000 }).catch(() => null);
  if (!r || r.spawnError) return { ok: false, why: 'no openssl command to expand ssl_ciphers' };
  if (r.exitCode !== 0) return { ok: false, why: `openssl rejects ssl_ciphers "${cipherString}" (nginx would refuse it too)` };
  const classes = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const cls = classifySuite(line);
    if (!cls || cls === 'good') continue;
    classes.set(cls, [...(classes.get(cls) ?? []), line.trim().split(/\s+/)[0]]);
  }
  return { ok: true, classes };
}

async function configItem(host: Host, vhost: TlsVhost, version: NginxVersion, why: string): Promise<Item> {
  const configured = configuredCiphers(vhost.server);
  const notes = notesFor(vhost, version);
  const extra = notes.map((n) => ({ status: n.status, text: n.text }));
  const evidence = [configured.evidence, ...notes.map((n) => n.evidence), { command: `openssl ciphers -v '${configured.value}'` }];
  const expansion = await expand(host, configured.value);
  if (!expansion.ok && /rejects/.test(expansion.why)) return item(vhost.label, 'error', expansion.why, evidence);
  const found: Found[] = [];
  for (const cls of tlsPolicy.cipherClasses) {
    const listed = expansion.ok ? (expansion.classes.get(cls.id) ?? []) : [];
    if (listed.length > 0) found.push({ cls, how: listed.length === 1 ? listed[0] : `${listed.length} suites, e.g. ${listed[0]}` });
    else {
      const hits = configEnables(cls, configured.value);
      if (hits.length > 0 && (!expansion.ok || ['rc4', '3des', 'export'].includes(cls.id))) found.push({ cls, how: `as written: ${listSome(hits, 2)}` });
    }
  }
  return verdict(vhost.label, found, `from the config (${why}): `, 'enables', extra, evidence);
}

export function makeCiphersCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'tls.ciphers',
    area: 'tls',
    title: 'Only forward-secret AEAD cipher suites',
    severity: 'medium',
    watch: TLS_WATCH,
    interval: 3600,
    timeoutMs: 90_000,
    async run(host, ctx) {
      const inv = await tlsInventory(host);
      const gate = inventoryGate(check, inv, 'vhosts');
      if (gate) return gate;
      const version = await nginxVersion(host);
      const choice = chooseProber(host, ctx, opts.prober);
      const items: Item[] = [];
      for (const vhost of inv.vhosts) {
        items.push(choice.prober ? await liveItem(choice.prober, vhost, version) : await configItem(host, vhost, version, choice.skip));
      }
      return fromItems(check, items, { emptySummary: 'no TLS vhost', passSummary: items.every((i) => i.status === 'pass') ? `${items.length} TLS vhost(s): only forward-secret AEAD suites for TLS 1.2` : undefined });
    },
  });
  return check;
}
