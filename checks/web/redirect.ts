// web.https-redirect: where a TLS site's name is also answered over plain
// HTTP, the answer is a redirect to https on the same host. For each name of
// each TLS vhost, the plain-HTTP server nginx would pick for it (a server
// with that name on a plain listen, else the default server of port 80 —
// often Debian's welcome page, which then answers http://your-site/ with 200)
// is asked GET / over loopback with that Host.

import type { Check, Evidence, Item, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { redirectsForRoot, type NginxListen, type NginxModel, type NginxServer } from '../../src/parse/nginx-conf';
import { fromItems, guardedCheck, item } from '../tls/finding';
import { TLS_WATCH } from '../tls/inventory';
import { liveSetup } from '../tls/live';
import { isDefaultServer, listenEvidence, reach, serverEvidence } from '../tls/nginx';
import type { TlsCheckOptions } from '../tls/options';
import { notRunText } from '../tls/probe';
import { values } from './live';
import { webPolicy } from './policy';

/** nginx's name match: exact, "*.x" / ".x" wildcards (regex names are not evaluated). */
export function serverNameMatches(server: NginxServer, name: string): boolean {
  const n = name.toLowerCase();
  return server.serverNames.some((raw) => {
    const s = raw.toLowerCase();
    if (s === n) return true;
    if (s.startsWith('*.')) return n.endsWith(s.slice(1));
    if (s.startsWith('.')) return n === s.slice(1) || n.endsWith(s);
    if (s.endsWith('.*')) return n.startsWith(s.slice(0, -1));
    return false;
  });
}

function plainListens(server: NginxServer): NginxListen[] {
  return server.listens.filter((l) => !l.ssl);
}

/** The port a browser typing http://name/ reaches: 80 when nginx listens there, else its only plain port. */
export function mainPlainPort(model: NginxModel): number | null {
  const ports = [...new Set(model.servers.flatMap((s) => plainListens(s).filter((l) => !l.unix).map((l) => l.port)))].sort((a, b) => a - b);
  if (ports.includes(80)) return 80;
  return ports[0] ?? null;
}

/** The plain-HTTP server that answers `name`, and the listen it is reached on. */
export function plainServerFor(model: NginxModel, name: string): { server: NginxServer; listens: NginxListen[]; byDefault: boolean } | null {
  const named = model.servers.find((s) => plainListens(s).length > 0 && serverNameMatches(s, name));
  if (named) return { server: named, listens: plainListens(named), byDefault: false };
  const port = mainPlainPort(model);
  if (port === null) return null;
  const onPort = (s: NginxServer) => plainListens(s).filter((l) => l.port === port && !l.unix);
  const fallback = model.servers.find((s) => onPort(s).some((l) => isDefaultServer(s, l, model)));
  return fallback ? { server: fallback, listens: onPort(fallback), byDefault: true } : null;
}

export function judgeRedirect(name: string, status: number, location: string | undefined): { status: 'pass' | 'warn' | 'fail'; summary: string } {
  if (!webPolicy.redirectCodes.includes(status)) return { status: 'fail', summary: `http://${name}/ answers ${status} over plain HTTP instead of redirecting to https` };
  if (!location) return { status: 'fail', summary: `http://${name}/ answers ${status} without a Location` };
  let url: URL;
  try {
    url = new URL(location, `http://${name}/`);
  } catch {
    return { status: 'fail', summary: `http://${name}/ redirects to an unparsable Location ${JSON.stringify(location.slice(0, 80))}` };
  }
  if (url.protocol !== 'https:') return { status: 'fail', summary: `http://${name}/ redirects to ${url.protocol}//${url.host}, not https` };
  if (url.hostname.toLowerCase() !== name.toLowerCase()) return { status: 'warn', summary: `http://${name}/ redirects to https://${url.host} (another host)` };
  const kind = status === 301 || status === 308 ? 'permanent' : 'temporary';
  return { status: 'pass', summary: `http://${name}/ → ${status} (${kind}) https://${url.host}${url.pathname}` };
}

export function makeRedirectCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'web.https-redirect',
    area: 'web',
    title: 'Plain HTTP redirects to HTTPS',
    severity: 'medium',
    watch: TLS_WATCH,
    interval: 600,
    timeoutMs: 60_000,
    async run(host: Host, ctx: RunContext) {
      const setup = await liveSetup(check, host, ctx, opts.prober);
      if ('done' in setup) return setup.done;
      // Each name asked of the web server that serves it over TLS (nginx or Apache: its own servers answer plain HTTP).
      const names = new Map<string, NginxModel>();
      for (const v of setup.inv.vhosts) for (const n of v.names) if (!names.has(n)) names.set(n, v.model);
      const items: Item[] = [];
      for (const [name, model] of names) {
        const plain = plainServerFor(model, name);
        if (!plain) {
          items.push(item(`http://${name}/`, 'skip', 'no plain-HTTP server answers this name: nothing to redirect', []));
          continue;
        }
        const evidence: Evidence[] = [serverEvidence(plain.server), ...redirectsForRoot(plain.server).map((r) => ({ file: r.file, line: r.line, text: `${r.directive} ${r.code} ${r.target ?? ''}`.trim() }))];
        const r = reach(plain.listens);
        if (!r.ok) {
          items.push(item(`http://${name}/`, 'skip', `not probed: ${r.why}`, evidence));
          continue;
        }
        evidence.push(listenEvidence(r.listen));
        const res = await setup.prober.httpGet({ address: r.address, port: r.port, servername: name, tls: false });
        const probe: Evidence = { command: `GET http://${name}/ via ${r.address}:${r.port}` };
        if (res.outcome !== 'response') {
          items.push(item(`http://${name}/`, res.outcome === 'skipped' ? 'skip' : 'error', `GET / ${notRunText(res)}`, [probe, ...evidence]));
          continue;
        }
        const verdict = judgeRedirect(name, res.status, values(res.headers, 'location')[0]);
        const byDefault = plain.byDefault && verdict.status !== 'pass' ? ` (answered by the default server ${plain.server.file}:${plain.server.line}: no plain-HTTP server has this name)` : '';
        items.push(item(`http://${name}/`, verdict.status, `${verdict.summary}${byDefault}`, [{ ...probe, text: `HTTP ${res.status}` }, ...evidence]));
      }
      return fromItems(check, items, { emptySummary: 'no TLS vhost name', passSummary: `${items.filter((i) => i.status === 'pass').length} name(s): plain HTTP redirects to https on the same host` });
    },
  });
  return check;
}
