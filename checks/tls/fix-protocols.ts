// tls.protocols: `ssl_protocols TLSv1.2 TLSv1.3;` (assets/policy/tls.json
// protocols.recommended) where it takes effect for every TLS vhost that
// accepts an old protocol or lacks TLS 1.3:
// - the vhost's server block sets its own ssl_protocols → that line;
// - it inherits the http block's → that line (every server inheriting it
//   gets the good value too);
// - nothing sets it (nginx's compiled-in default, TLS 1.0/1.1 included before
//   1.23.4) → a new line at the top of the http block.
// A line in a file certbot owns (/etc/letsencrypt/options-ssl-nginx.conf) is
// edited like any other, with a warning: certbot stops updating that file.
// Then nginx -t on a staged copy, reload, and the verify step re-probes the
// live listeners (tls.protocols must pass). Apache vhosts get
// `SSLProtocol -all +TLSv1.2 +TLSv1.3` the same way (apache-fix.ts:
// apache2ctl configtest on a staged copy, graceful restart).

import type { Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { NginxDirective } from '../../src/parse/nginx-conf';
import { insertAtBlockStart, replaceStatement } from '../../src/parse/nginx-edit';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { thrownMessage } from './finding';
import { PROTOCOLS_FIX_ID } from './fix-ids';
import { certbotOwned, EditSet, finishNginxPlan, loadNginxForFix, ownChild } from './nginx-fix';
import { tlsVhosts } from './nginx';
import { nginxVersion } from './nginx-version';
import { tlsPolicy } from './policy';
import { planApacheProtocols } from './apache-fix';
import { configuredProtocols } from './protocols';

/** The protocols a configuration line should name (from the policy's recommended statement). */
export function recommendedProtocols(): string[] {
  return tlsPolicy.protocols.recommended.replace(/;\s*$/, '').split(/\s+/).slice(1);
}

export function protocolsAreGood(protocols: string[]): boolean {
  return !protocols.some((p) => tlsPolicy.protocols.forbidden.includes(p)) && tlsPolicy.protocols.wanted.every((p) => protocols.includes(p));
}

export const protocolsFix: Fix = {
  id: PROTOCOLS_FIX_ID,
  title: `Accept only TLS 1.2 and 1.3 (${tlsPolicy.protocols.recommended})`,
  area: 'tls',
  risk: 'disruptive',
  verifies: ['tls.protocols'],
  async plan(host: Host, _ctx: RunContext): Promise<Plan> {
    const plan = emptyPlan(protocolsFix);
    try {
      return await planProtocols(host, plan);
    } catch (err) {
      return refuse(plan, `could not plan the change: ${thrownMessage(err)}`);
    }
  },
};

type Part = { plan: Plan; changed: string[] } | { refused: string } | null;

async function planProtocols(host: Host, plan: Plan): Promise<Plan> {
  const n = await nginxProtocols(host, plan);
  if (n && 'refused' in n) return refuse(plan, n.refused);
  let current = n ? n.plan : plan;
  const changed = n ? [...n.changed] : [];
  const a = await planApacheProtocols(host, current, protocolsAreGood);
  if (a && 'refused' in a) return refuse(current, a.refused);
  if (a) {
    current = a.plan;
    changed.push(...a.changed);
  }
  if (changed.length === 0) {
    const nginx = await host.stat('/etc/nginx/nginx.conf');
    const apache = await host.stat('/etc/apache2/apache2.conf');
    if (!nginx && !apache) return refuse(plan, 'no nginx (/etc/nginx/nginx.conf does not exist) and no Apache: nothing to change');
    return refuse(plan, `nothing to change: every TLS vhost already has ${recommendedProtocols().join(' ')} (or better)`);
  }
  return { ...current, warnings: [...current.warnings, `affects ${changed.join(', ')}: clients that speak only TLS 1.0/1.1 (very old Android, Java 7, IE on Windows 7) can no longer connect`] };
}

/** The nginx half: null when there is no nginx or nothing of nginx's to change. */
async function nginxProtocols(host: Host, plan: Plan): Promise<Part> {
  const loaded = await loadNginxForFix(host);
  if (!loaded.ok) return loaded.why.startsWith('no nginx') ? null : { refused: loaded.why };
  const vhosts = tlsVhosts(loaded.model);
  if (vhosts.length === 0) return null;
  const version = await nginxVersion(host);
  const statement = tlsPolicy.protocols.recommended;
  const edits = new EditSet();
  const warnings: string[] = [];
  const changed: string[] = [];
  const http = loaded.model.httpDirective;
  let httpInsert = false;
  for (const vhost of vhosts) {
    const configured = configuredProtocols(vhost.server, version);
    if (protocolsAreGood(configured.protocols)) continue;
    changed.push(vhost.label);
    const line: NginxDirective | undefined = ownChild(vhost.server.directive, 'ssl_protocols') ?? ownChild(http, 'ssl_protocols');
    if (line) {
      edits.add(line.file, replaceStatement(line, statement));
      if (certbotOwned(line.file)) warnings.push(`${line.file}:${line.line} belongs to certbot: after this edit certbot no longer updates that file`);
    } else if (http && !httpInsert) {
      httpInsert = true;
      edits.add(http.file, insertAtBlockStart(loaded.texts.get(http.file) ?? '', http, [statement]));
    }
  }
  if (changed.length === 0) return null;
  if (edits.size === 0) return { refused: 'no http block to put ssl_protocols in' };
  const fileEdits = edits.fileEdits(loaded.texts);
  const done = await finishNginxPlan(host, { ...plan, warnings: [...plan.warnings, ...warnings] }, loaded, fileEdits, 'it accepts only TLS 1.2 and 1.3');
  if (done.guard && !done.guard.ok) return { refused: done.guard.reason };
  return { plan: done, changed };
}
