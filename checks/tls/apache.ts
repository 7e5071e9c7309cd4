// Apache as the tls and web checks see it: /etc/apache2 parsed
// (src/parse/apache-conf.ts) and each <VirtualHost> mapped onto the same
// per-server shape nginx's servers have, so every tls.* and web.* check
// judges Apache vhosts with the same code, file:line evidence pointing at
// the Apache lines (SSLCertificateFile, SSLProtocol, Header …).
//
// Mapping notes:
// - a vhost speaks TLS when SSLEngine is on (its own, or the server config's);
// - its address list becomes its listens; a vhost without a port gets 443
//   when it speaks TLS and 80 otherwise (it matches every Listen port of its
//   address; those two are the ones a browser uses);
// - relative file paths resolve against ServerRoot (/etc/apache2);
// - SSLProtocol becomes the protocol list it enables (httpd's default "all
//   -SSLv3" when unset), with the line as written for evidence;
// - Header actions become the headers in effect (server config first, then
//   the vhost's: mod_headers' merge order; `unset` removes) — Apache has no
//   all-or-nothing inheritance trap, so nothing is "shadowed";
// - SSLUseStapling is server-config only: every vhost gets the one value;
// - the nginx config fixes never touch these (they load nginx's files only).

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { APACHE_MAIN_CONF, APACHE_PROTOCOLS_DEFAULT, APACHE_SERVER_ROOT, apacheModel, effectiveApacheHeaders, loadApacheConfig, type ApacheConfig, type ApacheModel, type ApacheProblem, type ApacheVhost } from '../../src/parse/apache-conf';
import { concreteNames, type NginxAddHeader, type NginxListen, type NginxModel, type NginxServer } from '../../src/parse/nginx-conf';
import { vhostLabel, type TlsVhost } from './nginx';

export type ApacheState =
  | { kind: 'absent'; why: string }
  | { kind: 'error'; problem: ApacheProblem; summary: string; evidence: Evidence[] }
  | { kind: 'ok'; config: ApacheConfig; model: ApacheModel; servers: NginxModel };

export async function loadApache(host: Host): Promise<ApacheState> {
  const st = await host.stat(APACHE_MAIN_CONF);
  if (!st) return { kind: 'absent', why: `no Apache (${APACHE_MAIN_CONF} does not exist)` };
  const config = await loadApacheConfig(host, APACHE_MAIN_CONF);
  if (config.errors.length > 0) {
    const problem = config.errors[0];
    return { kind: 'error', problem, summary: `Apache configuration is invalid: ${problem.message}`, evidence: [{ file: problem.file, line: problem.line || undefined, text: problem.message }] };
  }
  const model = apacheModel(config.directives);
  return { kind: 'ok', config, model, servers: { servers: model.vhosts.map((v) => asServer(v, model)), httpHeaders: [], http: null, httpDirective: null } };
}

function absolute(path: string): string {
  return path.startsWith('/') ? path : `${APACHE_SERVER_ROOT}/${path.replace(/^\.\//, '')}`;
}

export function asServer(v: ApacheVhost, model: ApacheModel): NginxServer {
  const tls = v.sslEngine?.value === true;
  const vhostText = `<VirtualHost ${v.addresses.map((a) => a.text).join(' ')}>`;
  const listens: NginxListen[] = v.addresses.map((a) => ({
    address: a.address,
    port: a.port ?? (tls ? 443 : 80),
    unix: null,
    ssl: tls,
    http2: false,
    defaultServer: false,
    text: vhostText,
    file: v.file,
    line: v.line,
  }));
  const headers: NginxAddHeader[] = effectiveApacheHeaders(v.headers)
    .filter((h) => h.value !== null)
    .map((h) => ({ name: h.name, value: h.value ?? '', always: h.always, level: h.level === 'server' ? 'http' : 'server', file: h.file, line: h.line }));
  const names = [...(v.serverName ? [v.serverName.value] : []), ...v.aliases];
  const protocol = v.protocol;
  return {
    file: v.file,
    line: v.line,
    directive: { name: 'VirtualHost', args: v.addresses.map((a) => a.text), file: v.file, line: v.line },
    listens,
    serverNames: names,
    serverNameAt: v.serverName ? { value: names, file: v.serverName.file, line: v.serverName.line, text: `ServerName ${v.serverName.value}${v.aliases.length > 0 ? ` (ServerAlias ${v.aliases.join(' ')})` : ''}` } : null,
    sslOn: null,
    tls,
    certificates: v.certificateFile
      ? [
          {
            certificate: { ...v.certificateFile, value: absolute(v.certificateFile.value), text: `SSLCertificateFile ${v.certificateFile.value}` },
            key: v.keyFile ? { ...v.keyFile, value: absolute(v.keyFile.value), text: `SSLCertificateKeyFile ${v.keyFile.value}` } : null,
          },
        ]
      : [],
    protocols: protocol
      ? { value: v.protocols, file: protocol.file, line: protocol.line, text: `SSLProtocol ${protocol.value.join(' ')}` }
      : { value: v.protocols, file: v.file, line: v.line, text: `SSLProtocol not set: httpd's default is ${APACHE_PROTOCOLS_DEFAULT.join(' ')}` },
    ciphers: v.cipherSuite,
    preferServerCiphers: null,
    sessionTickets: null,
    stapling: model.stapling ? { ...model.stapling, text: `SSLUseStapling ${model.stapling.value ? 'on' : 'off'}` } : null,
    staplingVerify: null,
    trustedCertificate: v.chainFile ? { ...v.chainFile, value: absolute(v.chainFile.value) } : null,
    headers: { from: headers.length > 0 ? 'server' : 'none', headers, shadowed: [] },
    locations: [],
    redirects: [],
  };
}

/** The TLS vhosts of Apache, as the tls checks' inventory holds them. */
export function apacheTlsVhosts(state: ApacheState): TlsVhost[] {
  if (state.kind !== 'ok') return [];
  return state.servers.servers
    .filter((s) => s.tls)
    .map((server) => {
      const tlsListens = server.listens.filter((l) => l.ssl);
      return { source: 'apache' as const, model: state.servers, server, label: vhostLabel(server, tlsListens), names: concreteNames(server), tlsListens };
    });
}
