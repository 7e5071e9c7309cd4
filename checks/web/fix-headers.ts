// web.headers: one snippet of security headers (assets/policy/web.json
// headersFix: HSTS, nosniff, X-Frame-Options, Referrer-Policy, each with
// `always` so error pages carry them too), included where nginx's add_header
// inheritance makes it take effect. The rule (ngx_http_headers_module): a
// level — http, server, location, if-in-location — with ANY add_header of
// its own inherits NONE of its parent's. So, for every TLS server:
// - the server block gets the include when it has add_header lines of its
//   own, or when http has none (nothing to shadow); otherwise (http has some,
//   the server none) the http block gets it, so the server keeps inheriting
//   all of http's;
// - every location or `if` inside it, at any depth, with add_header lines
//   of its own gets the include too (else it would drop the snippet).
// At a level that gets the include, its own add_header lines for the same
// headers are removed (two HSTS or X-Frame-Options headers: browsers take
// the first, or treat conflicting ones as invalid); the preview names each.
// Everywhere: Public-Key-Pins(-Report-Only) lines are removed (a stale pin
// can lock clients out) and X-XSS-Protection lines other than "0" (the
// filter is gone from browsers and "1" can create leaks).
// The include is relative (snippets/…): nginx resolves it against its conf
// dir, as hardtop does against /etc/nginx. Then nginx -t on a staged copy,
// reload, and the verify step fetches GET / of every TLS vhost again.

import type { FileEdit, Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { NGINX_CONF_PREFIX, type NginxDirective } from '../../src/parse/nginx-conf';
import { insertAtBlockStart, removeStatement, statement, walkDirectives } from '../../src/parse/nginx-edit';
import { listSome, thrownMessage } from '../tls/finding';
import { EditSet, finishNginxPlan, loadNginxForFix } from '../tls/nginx-fix';
import { tlsVhosts } from '../tls/nginx';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { webPolicy } from './policy';

export const HEADERS_FIX_ID = 'web.headers';

/** The snippet's host path: the policy's (Debian's /etc/nginx/snippets), or /etc/nginx itself when that dir does not exist. */
export async function snippetPath(host: Host): Promise<string> {
  const wanted = webPolicy.headersFix.snippet;
  const dir = wanted.slice(0, wanted.lastIndexOf('/'));
  const st = await host.stat(dir).catch(() => null);
  return st?.kind === 'dir' ? wanted : `${NGINX_CONF_PREFIX}/${wanted.slice(wanted.lastIndexOf('/') + 1)}`;
}

export function snippetText(): string {
  const lines = [
    '# Security headers, written by hardtop (fix web.headers).',
    '# Included in each block that has add_header lines of its own: nginx gives',
    "# such a block none of its parent's. `always`: error pages get them too.",
    ...webPolicy.headersFix.headers.map(([name, value]) => `add_header ${name} "${value}" always;`),
  ];
  return `${lines.join('\n')}\n`;
}

const SNIPPET_NAMES = new Set(webPolicy.headersFix.headers.map(([n]) => n.toLowerCase()));

function isAddHeader(d: NginxDirective): boolean {
  return d.name === 'add_header' && !d.block && d.args.length >= 2;
}

/** A header line that must go wherever it is. */
function harmful(d: NginxDirective): boolean {
  const name = (d.args[0] ?? '').toLowerCase();
  if (webPolicy.headersFix.remove.includes(name)) return true;
  return name === 'x-xss-protection' && !webPolicy.xssProtection.acceptable.includes((d.args[1] ?? '').trim());
}

export const headersFix: Fix = {
  id: HEADERS_FIX_ID,
  title: 'Send the security headers (HSTS, nosniff, frame options, Referrer-Policy) from every TLS vhost',
  area: 'web',
  risk: 'disruptive',
  verifies: ['web.hsts', 'web.frame-options', 'web.nosniff', 'web.xss-protection', 'web.hpkp', 'web.referrer-policy'],
  async plan(host: Host, _ctx: RunContext): Promise<Plan> {
    const plan = emptyPlan(headersFix);
    try {
      return await planHeaders(host, plan);
    } catch (err) {
      return refuse(plan, `could not plan the change: ${thrownMessage(err)}`);
    }
  },
};

async function planHeaders(host: Host, plan: Plan): Promise<Plan> {
  const loaded = await loadNginxForFix(host);
  if (!loaded.ok) return refuse(plan, loaded.why);
  const vhosts = tlsVhosts(loaded.model);
  if (vhosts.length === 0) return refuse(plan, 'nginx has no TLS server: no HTTPS response to add headers to');
  const http = loaded.model.httpDirective;
  if (!http) return refuse(plan, 'nginx has no http block');
  const snippet = await snippetPath(host);
  const includeArg = snippet.slice(NGINX_CONF_PREFIX.length + 1);
  // In the loaded tree includes are spliced in: the snippet shows as lines whose file is the snippet.
  const includesSnippet = (b: NginxDirective) => (b.block ?? []).some((d) => d.file === snippet);
  const hasHeaders = (b: NginxDirective) => (b.block ?? []).some(isAddHeader);

  const targets: NginxDirective[] = [];
  const addTarget = (b: NginxDirective) => {
    if (!targets.includes(b)) targets.push(b);
  };
  for (const vhost of vhosts) {
    const server = vhost.server.directive;
    addTarget(hasHeaders(server) || !hasHeaders(http) ? server : http);
    walkDirectives(server.block ?? [], (d) => {
      if ((d.name === 'location' || d.name === 'if') && d.block && hasHeaders(d)) addTarget(d);
    });
  }

  const edits = new EditSet();
  const notes: string[] = [];
  const where: string[] = [];
  const removeLine = (d: NginxDirective, why: string) => {
    edits.add(d.file, removeStatement(loaded.texts.get(d.file) ?? '', d));
    notes.push(`${d.file}:${d.line}: add_header ${d.args[0]} "${d.args[1]}" removed (${why})`);
  };
  for (const t of targets) {
    const label = t.name === 'http' ? 'http' : t.name === 'server' ? `server ${t.file}:${t.line}` : `${t.name} ${t.args.join(' ')} ${t.file}:${t.line}`;
    if (!includesSnippet(t)) {
      edits.add(t.file, insertAtBlockStart(loaded.texts.get(t.file) ?? '', t, [statement('include', [includeArg])]));
      where.push(label);
    }
    for (const d of t.block ?? []) {
      if (!isAddHeader(d) || d.file === snippet || harmful(d)) continue;
      if (SNIPPET_NAMES.has(d.args[0].toLowerCase())) removeLine(d, 'the snippet sets it here');
    }
  }
  walkDirectives(http.block ?? [], (d) => {
    if (isAddHeader(d) && d.file !== snippet && harmful(d)) removeLine(d, d.args[0].toLowerCase() === 'x-xss-protection' ? 'the browser filter is gone; "1" can create leaks' : 'HPKP is removed from browsers; a stale pin locks clients out');
  });

  const current = await host.readText(snippet).catch(() => null);
  const fileEdits: FileEdit[] = [];
  const text = snippetText();
  if (current !== text) fileEdits.push({ path: snippet, before: current, after: text, mode: 0o644 });
  fileEdits.push(...edits.fileEdits(loaded.texts));
  if (fileEdits.length === 0) return refuse(plan, `nothing to change: every TLS vhost already includes ${snippet} wherever it takes effect`);
  const warnings = [
    ...(where.length > 0 ? [`include ${includeArg} in: ${listSome(where, 6)}`] : []),
    ...notes,
    `HSTS max-age=${/max-age=(\d+)/.exec(webPolicy.headersFix.headers.find(([n]) => n === 'Strict-Transport-Security')?.[1] ?? '')?.[1] ?? '?'}: browsers will refuse plain HTTP to these names for that long; includeSubDomains and preload are left to you`,
  ];
  if (current !== null && current !== text) warnings.push(`${snippet} exists and is rewritten with hardtop's snippet`);
  return finishNginxPlan(host, { ...plan, warnings }, loaded, fileEdits, 'it sends the security headers');
}
