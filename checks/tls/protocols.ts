// tls.protocols: the live listener refuses TLS 1.0 and 1.1 and accepts TLS
// 1.3. Each version is offered alone over loopback with the vhost's SNI (the
// probe lowers its own security level so it CAN offer TLS 1.0/1.1 — OpenSSL
// 3 refuses to at its default level). SSLv2/SSLv3 cannot be spoken by this
// OpenSSL at all: they are judged from ssl_protocols and the summary says
// "not probed". Without live probes (--no-network, --root, no probes), the
// whole judgement comes from the config — ssl_protocols, or nginx's
// compiled-in default for the installed version — and the summary says so.
// A missing TLS 1.3 is a warn (weaker, not broken); an old protocol is a fail.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { NginxServer } from '../../src/parse/nginx-conf';
import { fromItems, guardedCheck, item, listSome } from './finding';
import { PROTOCOLS_FIX_ID } from './fix-ids';
import { inventoryGate, TLS_WATCH, tlsInventory } from './inventory';
import { vhostTargets } from './live';
import { fixesForNginx, type TlsVhost } from './nginx';
import { defaultProtocols, nginxVersion, type NginxVersion } from './nginx-version';
import { tlsPolicy, isTlsVersion } from './policy';
import { chooseProber, notRunText, type TlsProber } from './probe';
import type { TlsCheckOptions } from './options';

const NAMES: Record<string, string> = { SSLv2: 'SSLv2', SSLv3: 'SSLv3', TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3' };
const pretty = (v: string) => NAMES[v] ?? v;

export interface ConfiguredProtocols {
  protocols: string[];
  evidence: Evidence;
  fromDefault: boolean;
}

export function configuredProtocols(server: NginxServer, version: NginxVersion): ConfiguredProtocols {
  if (server.protocols) {
    return { protocols: server.protocols.value, evidence: { file: server.protocols.file, line: server.protocols.line, text: server.protocols.text ?? `ssl_protocols ${server.protocols.value.join(' ')}` }, fromDefault: false };
  }
  const protocols = defaultProtocols(version.version);
  const which = version.version ? `nginx ${version.version}` : 'nginx of unknown version (assuming the older default)';
  return { protocols, evidence: { ...version.evidence, text: `ssl_protocols not set: ${which} defaults to ${protocols.join(' ')}` }, fromDefault: true };
}

function judge(accepted: string[], refused: string[], notes: string[], verb: 'accepts' | 'enables' = 'accepts'): { status: Status; summary: string } {
  const bad = accepted.filter((v) => tlsPolicy.protocols.forbidden.includes(v));
  const missing = tlsPolicy.protocols.wanted.filter((v) => !accepted.includes(v));
  const parts = [`${verb} ${accepted.map(pretty).join(', ') || 'nothing'}`];
  if (refused.length > 0) parts.push(`refuses ${refused.map(pretty).join(', ')}`);
  parts.push(...notes);
  if (bad.length > 0) return { status: 'fail', summary: `${parts.join('; ')} (${bad.map(pretty).join(', ')} must be off)` };
  if (missing.length > 0) return { status: 'warn', summary: `${parts.join('; ')} (no ${missing.map(pretty).join(', ')})` };
  return { status: 'pass', summary: parts.join('; ') };
}

/** Versions no probe can test here (SSLv2/3): judged from the config. */
function unprobeable(configured: ConfiguredProtocols): string[] {
  return configured.protocols.filter((v) => !isTlsVersion(v));
}

async function liveItem(prober: TlsProber, vhost: TlsVhost, configured: ConfiguredProtocols): Promise<Item> {
  const where = vhostTargets(vhost);
  if ('subject' in where) return where;
  const { target, label } = where.targets[0];
  const accepted: string[] = [];
  const refused: string[] = [];
  const notes: string[] = [];
  for (const v of tlsPolicy.protocols.probe) {
    if (!isTlsVersion(v)) continue;
    const r = await prober.accepts(target, { version: v });
    if (r.outcome === 'accepted') accepted.push(v);
    else if (r.outcome === 'rejected') refused.push(v);
    else if (r.outcome === 'unsupported-locally') {
      notes.push(`${pretty(v)} not probed (this OpenSSL cannot offer it), ${configured.protocols.includes(v) ? 'enabled' : 'not enabled'} in the config`);
      if (configured.protocols.includes(v)) accepted.push(v);
    } else return item(label, r.outcome === 'skipped' ? 'skip' : 'error', `probe ${notRunText(r)}`, [...where.evidence, configured.evidence]);
  }
  for (const v of unprobeable(configured)) {
    notes.push(`${pretty(v)} enabled in the config (not probed: this OpenSSL cannot speak it)`);
    accepted.push(v);
  }
  const verdict = judge(accepted, refused, notes);
  return item(label, verdict.status, verdict.summary, [{ command: `TLS handshakes ${target.address}:${target.port} SNI ${target.servername ?? '(none)'}, one per version` }, configured.evidence, ...where.evidence]);
}

function configItem(vhost: TlsVhost, configured: ConfiguredProtocols, why: string): Item {
  const verdict = judge(configured.protocols, [], [], 'enables');
  return item(vhost.label, verdict.status, `${verdict.summary} — from the config (${why})`, [configured.evidence, { file: vhost.server.file, line: vhost.server.line, text: 'server {' }]);
}

export function makeProtocolsCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'tls.protocols',
    area: 'tls',
    title: 'Only TLS 1.2 and 1.3 are accepted',
    severity: 'high',
    watch: TLS_WATCH,
    interval: 3600,
    timeoutMs: 60_000,
    async run(host: Host, ctx) {
      const inv = await tlsInventory(host);
      const gate = inventoryGate(check, inv, 'vhosts');
      if (gate) return gate;
      const version = await nginxVersion(host);
      const choice = chooseProber(host, ctx, opts.prober);
      const items: Item[] = [];
      for (const vhost of inv.vhosts) {
        const configured = configuredProtocols(vhost.server, version);
        items.push(choice.prober ? await liveItem(choice.prober, vhost, configured) : configItem(vhost, configured, choice.skip));
      }
      const allPass = items.every((i) => i.status === 'pass');
      return fromItems(check, items, {
        emptySummary: 'no TLS vhost',
        // tls.protocols edits nginx and Apache alike (apache-fix.ts).
        fixes: fixesForNginx(inv.vhosts, items, PROTOCOLS_FIX_ID, ['nginx', 'apache']),
        passSummary: allPass ? `${items.length} TLS vhost(s): ${listSome([...new Set(items.map((i) => i.summary))], 2)}` : undefined,
      });
    },
  });
  return check;
}
