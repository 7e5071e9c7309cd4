// nginx as the tls and web checks see it: the loaded configuration, its TLS
// vhosts, and where each vhost can be reached over loopback.
//
// Which port a live probe uses: the vhost's own `listen` lines, in order; the
// first TLS one (plain ones for the HTTP redirect check) that loopback can
// reach. A wildcard listen ("443", "*:443", "0.0.0.0:443") is probed at
// 127.0.0.1, "[::]:443" at ::1, a loopback address as written. A listen bound
// to another address (192.0.2.10:443) or a unix socket is not probed: the
// project talks to nothing but loopback, so the item says so instead.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { concreteNames, loadNginxConfig, NGINX_MAIN_CONF, nginxModel, type NginxConfig, type NginxListen, type NginxModel, type NginxProblem, type NginxServer } from '../../src/parse/nginx-conf';

export type NginxState =
  | { kind: 'absent'; why: string }
  | { kind: 'error'; problem: NginxProblem; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; config: NginxConfig; model: NginxModel };

export async function loadNginx(host: Host): Promise<NginxState> {
  const st = await host.stat(NGINX_MAIN_CONF);
  if (!st) return { kind: 'absent', why: `no nginx (${NGINX_MAIN_CONF} does not exist)` };
  const config = await loadNginxConfig(host, NGINX_MAIN_CONF);
  if (config.errors.length > 0) {
    const problem = config.errors[0];
    return {
      kind: 'error',
      problem,
      summary: `nginx configuration is invalid: ${problem.message}`,
      evidence: [{ file: problem.file, line: problem.line || undefined, text: problem.message }],
    };
  }
  return { kind: 'ok', config, model: nginxModel(config.directives) };
}

export interface TlsVhost {
  /** Which web server's configuration this vhost comes from (Apache vhosts are mapped onto the nginx model: apache.ts). */
  source: 'nginx' | 'apache';
  /** The servers it shares sockets with: who is the default server of a port, who answers plain HTTP. */
  model: NginxModel;
  server: NginxServer;
  /** "site.test:443", or "_:443" for a server without a usable name. */
  label: string;
  /** Concrete names (SNI/Host candidates). */
  names: string[];
  tlsListens: NginxListen[];
}

function firstPort(listens: NginxListen[]): string {
  const l = listens.find((x) => !x.unix);
  return l ? String(l.port) : 'unix';
}

export function vhostLabel(server: NginxServer, listens: NginxListen[]): string {
  const names = concreteNames(server);
  return `${names[0] ?? server.serverNames[0] ?? '_'}:${firstPort(listens)}`;
}

export function tlsVhosts(model: NginxModel): TlsVhost[] {
  return model.servers
    .filter((s) => s.tls)
    .map((server) => {
      const tlsListens = server.listens.filter((l) => l.ssl);
      return { source: 'nginx' as const, model, server, label: vhostLabel(server, tlsListens), names: concreteNames(server), tlsListens };
    });
}

/** Evidence pointing at a server block. */
export function serverEvidence(server: NginxServer, text?: string): Evidence {
  // An Apache vhost mapped onto this model (apache.ts) is shown in Apache's words.
  if (server.directive.name === 'VirtualHost') return { file: server.file, line: server.line, text: text ?? `<VirtualHost ${server.directive.args.join(' ')}> ServerName ${server.serverNames[0] ?? '(none)'}` };
  const names = server.serverNames.length > 0 ? server.serverNames.join(' ') : '(no server_name)';
  return { file: server.file, line: server.line, text: text ?? `server { server_name ${names}; }` };
}

export function listenEvidence(l: NginxListen): Evidence {
  return { file: l.file, line: l.line, text: l.text };
}

// ---------------------------------------------------------------------------
// Reaching a listener over loopback

export type Reach = { ok: true; address: string; port: number; listen: NginxListen } | { ok: false; why: string; listen?: NginxListen };

function isLoopbackLiteral(address: string): boolean {
  const a = address.toLowerCase();
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) || a === '::1' || a === 'localhost' || /^::ffff:127\./.test(a);
}

/** Where a probe of this listen goes, or why it cannot be probed. */
export function loopbackFor(listen: NginxListen): Reach {
  if (listen.unix) return { ok: false, why: `listens on unix:${listen.unix}, not on an IP port`, listen };
  if (!(listen.port >= 1 && listen.port <= 65535)) return { ok: false, why: `invalid port in "${listen.text}"`, listen };
  if (listen.address === null || listen.address === '0.0.0.0') return { ok: true, address: '127.0.0.1', port: listen.port, listen };
  if (listen.address === '::' || listen.address === '0:0:0:0:0:0:0:0') return { ok: true, address: '::1', port: listen.port, listen };
  if (isLoopbackLiteral(listen.address)) return { ok: true, address: listen.address === 'localhost' ? '127.0.0.1' : listen.address, port: listen.port, listen };
  return { ok: false, why: `listens on ${listen.address}:${listen.port} only, which is not loopback (only loopback is probed)`, listen };
}

/** The first listen of the list that loopback reaches. */
export function reach(listens: NginxListen[]): Reach {
  let firstWhy: Reach | null = null;
  for (const l of listens) {
    const r = loopbackFor(l);
    if (r.ok) return r;
    firstWhy ??= r;
  }
  return firstWhy ?? { ok: false, why: 'no listen directive to probe' };
}

function sameSocket(a: NginxListen, b: NginxListen): boolean {
  return a.port === b.port && (a.address ?? '*') === (b.address ?? '*') && a.unix === b.unix;
}

/** nginx's default server for a listen socket: the one marked default_server, else the first. */
export function isDefaultServer(server: NginxServer, listen: NginxListen, model: NginxModel): boolean {
  const sharing = model.servers.filter((s) => s.listens.some((l) => sameSocket(l, listen)));
  const marked = sharing.find((s) => s.listens.some((l) => sameSocket(l, listen) && l.defaultServer));
  return (marked ?? sharing[0]) === server;
}

export interface SniChoice {
  /** undefined: no SNI (the default server answers). */
  servername: string | undefined;
  label: string;
}

/**
 * The names to send as SNI/Host for a vhost: each concrete server_name; a
 * server without one is reached without SNI only if it is the default server
 * of that socket (otherwise another server would answer, and we would judge
 * the wrong one).
 */
export function sniChoices(vhost: { server: NginxServer; names: string[] }, listen: NginxListen, model: NginxModel): SniChoice[] | { why: string } {
  if (vhost.names.length > 0) return vhost.names.map((n) => ({ servername: n, label: `${n}:${listen.port}` }));
  if (isDefaultServer(vhost.server, listen, model)) return [{ servername: undefined, label: `(default server):${listen.port}` }];
  return { why: 'no concrete server_name to send as SNI, and not the default server of its port' };
}

/**
 * Offer a config fix when a vhost it can edit does not pass (items are in the
 * vhosts' order, one each). Most fixes edit nginx's files only (`sources`
 * defaults to nginx); tls.protocols edits Apache's too.
 */
export function fixesForNginx(vhosts: TlsVhost[], items: Array<{ status: string }>, fixId: string, sources: ReadonlyArray<TlsVhost['source']> = ['nginx']): string[] {
  return vhosts.some((v, i) => sources.includes(v.source) && (items[i]?.status === 'warn' || items[i]?.status === 'fail')) ? [fixId] : [];
}
