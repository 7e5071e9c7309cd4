// The web checks judge the response headers each TLS vhost really sends:
// GET / over loopback, SNI and Host = its server_name (so nginx picks that
// vhost, and whatever proxies behind it adds its own headers too). A header
// finding names the config line that sets the header, or — when nothing sets
// it — the server block that should, and, when nginx's add_header rule is the
// reason (a level with its own add_header inherits none of its parent's),
// both lines.

import type { Check, Evidence, Item, RunContext, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { headersForRoot, type EffectiveHeaders, type NginxAddHeader, type NginxServer } from '../../src/parse/nginx-conf';
import { fromItems, guardedCheck, item } from '../tls/finding';
import { TLS_WATCH } from '../tls/inventory';
import { liveSetup, vhostTargets } from '../tls/live';
import type { TlsCheckOptions } from '../tls/options';
import { fixesForNginx } from '../tls/nginx';
import { notRunText } from '../tls/probe';
import { webPolicy } from './policy';

export type Headers = Array<[string, string]>;

export function values(headers: Headers, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n === lower).map(([, v]) => v);
}

export interface Judgement {
  status: Status;
  summary: string;
}

export interface HeaderContext {
  server: NginxServer;
  httpStatus: number;
  config: EffectiveHeaders;
}

/** Config evidence for the given header names: the add_header lines in effect, or the block that should hold one. */
export function configEvidence(names: string[], ctx: HeaderContext): { evidence: Evidence[]; note: string } {
  const lower = names.map((n) => n.toLowerCase());
  const own = ctx.config.headers.filter((h) => lower.includes(h.name.toLowerCase()));
  if (own.length > 0) {
    const noAlways = own.filter((h) => !h.always);
    const note = noAlways.length > 0 && !webPolicy.alwaysStatuses.includes(ctx.httpStatus) ? ` (add_header without \`always\` is not sent with a ${ctx.httpStatus} response)` : '';
    return { evidence: own.map(addHeaderEvidence), note };
  }
  const hidden = ctx.config.shadowed.filter((h) => lower.includes(h.name.toLowerCase()));
  const blockEvidence: Evidence = { file: ctx.server.file, line: ctx.server.line, text: `no add_header ${names[0]} in this server block` };
  if (hidden.length > 0) {
    const shadower = ctx.config.headers[0];
    const note = ` (${hidden[0].file}:${hidden[0].line} sets it at ${hidden[0].level} level, but ${shadower ? `${shadower.file}:${shadower.line} adds its own add_header at ${shadower.level} level, and nginx then inherits none` : 'this level has its own add_header'})`;
    return { evidence: [...hidden.map(addHeaderEvidence), ...(shadower ? [addHeaderEvidence(shadower)] : []), blockEvidence], note };
  }
  return { evidence: [blockEvidence], note: '' };
}

function addHeaderEvidence(h: NginxAddHeader): Evidence {
  return { file: h.file, line: h.line, text: `add_header ${h.name} ${JSON.stringify(h.value)}${h.always ? ' always' : ''} (${h.level} level)` };
}

export interface HeaderCheckSpec {
  id: string;
  title: string;
  severity: Check['severity'];
  /** Header names whose config lines are evidence. */
  headers: string[];
  judge(headers: Headers, ctx: HeaderContext): Judgement;
  passSummary: string;
  /** Fix ids offered when the check does not pass. */
  fixes?: string[];
}

/** One web check: GET / per TLS vhost, judged by `spec.judge`. */
export function makeHeaderCheck(spec: HeaderCheckSpec, opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: spec.id,
    area: 'web',
    title: spec.title,
    severity: spec.severity,
    watch: TLS_WATCH,
    interval: 600,
    timeoutMs: 60_000,
    async run(host: Host, ctx: RunContext) {
      const setup = await liveSetup(check, host, ctx, opts.prober);
      if ('done' in setup) return setup.done;
      const items: Item[] = [];
      for (const vhost of setup.inv.vhosts) {
        const where = vhostTargets(vhost);
        if ('subject' in where) {
          items.push(where);
          continue;
        }
        const { target, label } = where.targets[0];
        const r = await setup.prober.httpGet({ ...target, tls: true });
        const probeEvidence: Evidence = { command: `GET https://${target.servername ?? target.address}/ via ${target.address}:${target.port}` };
        if (r.outcome !== 'response') {
          items.push(item(label, r.outcome === 'skipped' ? 'skip' : 'error', `GET / ${notRunText(r)}`, [probeEvidence, ...where.evidence]));
          continue;
        }
        const hctx: HeaderContext = { server: vhost.server, httpStatus: r.status, config: headersForRoot(vhost.server) };
        const verdict = spec.judge(r.headers, hctx);
        const cfg = configEvidence(spec.headers, hctx);
        const note = verdict.status === 'pass' ? '' : cfg.note;
        items.push(item(label, verdict.status, `${verdict.summary}${note}`, [{ ...probeEvidence, text: `HTTP ${r.status}` }, ...cfg.evidence]));
      }
      const fixes = (spec.fixes ?? []).flatMap((id) => fixesForNginx(setup.inv.vhosts, items, id));
      return fromItems(check, items, { emptySummary: 'no TLS vhost', passSummary: `${items.length} TLS vhost(s): ${spec.passSummary}`, fixes });
    },
  });
  return check;
}
