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
// At each such level, the admin's own lines are judged with the web checks'
// own judges (judges.ts), on that level's add_header lines — exactly what
// nginx sends from it:
// - a line that passes its check stays, byte for byte (an HSTS with preload
//   must never be swapped for a weaker one: dropping preload makes the domain
//   eligible for removal from the preload list);
// - a line that fails is removed, and its header written anew;
// - a missing header is written: with the value of the nearest enclosing
//   level that sets it and passes (a location that inherits nothing then sends
//   what its server does), else the policy's.
// A level with no passing line of its own and only policy values to write
// gets the shared snippet's include (one place to change them later);
// otherwise the missing/failing headers are written into it as add_header
// lines (the snippet cannot carry per-level values, and including it next to
// a passing line would send the header twice). For the same reason, such a
// level that already includes the snippet loses that include (written in its
// own block; reached through another include, the plan is refused): a warn-band
// HSTS with preload must become the policy's max-age WITH preload, sent once,
// not the snippet's plain max-age first. The preview names every line
// kept, removed and written.
// Everywhere: Public-Key-Pins(-Report-Only) lines are removed (a stale pin
// can lock clients out) and X-XSS-Protection lines other than "0" (the
// filter is gone from browsers and "1" can create leaks).
// The include is relative (snippets/…): nginx resolves it against its conf
// dir, as hardtop does against /etc/nginx. Then nginx -t on a staged copy,
// reload, and the verify step fetches GET / of every TLS vhost again.

import type { FileEdit, Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { NGINX_CONF_PREFIX, parseNginxConf, resolveConfPath, type NginxDirective } from '../../src/parse/nginx-conf';
import { insertAtBlockStart, removeStatement, statement, walkDirectives } from '../../src/parse/nginx-edit';
import { listSome, thrownMessage } from '../tls/finding';
import { EditSet, finishNginxPlan, loadNginxForFix } from '../tls/nginx-fix';
import { tlsVhosts } from '../tls/nginx';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { judgeFrameOptions, judgeHsts, judgeNosniff, judgeReferrerPolicy } from './judges';
import type { Headers, Judgement } from './live';
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

/** The web check that judges each header the fix writes: a line that passes it is the admin's and stays. */
const JUDGED: Record<string, { check: string; judge: (h: Headers) => Judgement }> = {
  'strict-transport-security': { check: 'web.hsts', judge: judgeHsts },
  'x-content-type-options': { check: 'web.nosniff', judge: judgeNosniff },
  'x-frame-options': { check: 'web.frame-options', judge: judgeFrameOptions },
  'referrer-policy': { check: 'web.referrer-policy', judge: judgeReferrerPolicy },
};

/** What one level (http, server, location, if) must get for one header the fix writes. */
type HeaderPlan =
  | { kind: 'keep'; line: NginxDirective; check: string }
  | { kind: 'covered' }
  | { kind: 'write'; name: string; value: string; failing: NginxDirective[] };

/** A level's own add_header lines (the snippet's excluded: hardtop rewrites it), in order. */
function ownLines(level: NginxDirective, snippet: string): NginxDirective[] {
  return (level.block ?? []).filter((d) => isAddHeader(d) && d.file !== snippet && !harmful(d));
}

/**
 * The `include` statements of the snippet written directly in a level's block,
 * from its file's own text (the loaded tree has includes spliced away). One
 * reached through another included file is not among them.
 */
function snippetIncludes(text: string, level: NginxDirective, snippet: string): NginxDirective[] {
  let raw: NginxDirective | undefined;
  walkDirectives(parseNginxConf(text, level.file).directives, (d) => {
    if (!raw && d.block && d.name === level.name && d.start === level.start) raw = d;
  });
  return (raw?.block ?? []).filter((d) => d.name === 'include' && d.args.length === 1 && resolveConfPath(d.args[0]) === snippet);
}

function asHeaders(lines: NginxDirective[]): Headers {
  return lines.map((d) => [d.args[0].toLowerCase(), d.args[1]]);
}

/** Whether the level's own lines pass the check that judges `name` (a header without a judge passes when present). */
function levelPasses(lines: NginxDirective[], name: string): boolean {
  const judged = JUDGED[name];
  if (!judged) return lines.some((d) => d.args[0].toLowerCase() === name);
  return judged.judge(asHeaders(lines)).status === 'pass';
}

/**
 * The admin's value for a header nearest in scope: the first line of the
 * nearest ancestor level that sets it and passes. A location that inherits
 * nothing (its own add_header) then sends what its server does, not a weaker default.
 */
function inheritedValue(name: string, ancestors: NginxDirective[], snippet: string): string | null {
  for (const level of [...ancestors].reverse()) {
    const lines = ownLines(level, snippet);
    const line = lines.find((d) => d.args[0].toLowerCase() === name);
    // A variable value is the admin's per-request choice: carried as it is (nginx expands it in quotes too).
    if (line && (line.args[1].includes('$') || levelPasses(lines, name))) return line.args[1];
  }
  return null;
}

/** The policy's value; for a failing HSTS line (too short a max-age), its includeSubDomains and preload carried over. */
function replacementValue(name: string, policyValue: string, failing: NginxDirective[]): string {
  if (name !== 'strict-transport-security' || failing.length === 0) return policyValue;
  const old = failing[0].args[1] ?? '';
  const flags = ['includeSubDomains', 'preload'].filter((f) => new RegExp(`(^|;)\\s*${f}\\s*(;|$)`, 'i').test(old) && !new RegExp(f, 'i').test(policyValue));
  return [policyValue, ...flags].join('; ');
}

function planLevel(level: NginxDirective, ancestors: NginxDirective[], snippet: string): HeaderPlan[] {
  const lines = ownLines(level, snippet);
  return webPolicy.headersFix.headers.map(([policyName, policyValue]): HeaderPlan => {
    const name = policyName.toLowerCase();
    const named = lines.filter((d) => d.args[0].toLowerCase() === name);
    // A value built from variables ($hsts from a map) is known only per request: never overwritten on a guess.
    const variable = named.find((d) => d.args[1].includes('$'));
    if (variable) return { kind: 'keep', line: variable, check: 'nothing hardtop can judge here: its value holds a variable' };
    if (levelPasses(lines, name)) return named.length > 0 ? { kind: 'keep', line: named[0], check: JUDGED[name]?.check ?? 'present' } : { kind: 'covered' };
    const value = inheritedValue(name, ancestors, snippet) ?? replacementValue(name, policyValue, named);
    return { kind: 'write', name: policyName, value, failing: named };
  });
}

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

  // Each level that must carry the headers, with its enclosing levels (outermost first).
  const targets: Array<{ level: NginxDirective; ancestors: NginxDirective[] }> = [];
  const addTarget = (level: NginxDirective, ancestors: NginxDirective[]) => {
    if (!targets.some((t) => t.level === level)) targets.push({ level, ancestors });
  };
  for (const vhost of vhosts) {
    const server = vhost.server.directive;
    if (hasHeaders(server) || !hasHeaders(http)) addTarget(server, [http]);
    else addTarget(http, []);
    walkDirectives(server.block ?? [], (d, parents) => {
      if ((d.name === 'location' || d.name === 'if') && d.block && hasHeaders(d)) addTarget(d, [http, server, ...parents]);
    });
  }

  const edits = new EditSet();
  const notes: string[] = [];
  const where: string[] = [];
  const written: string[] = [];
  let snippetUsed = false;
  const removeLine = (d: NginxDirective, why: string) => {
    edits.add(d.file, removeStatement(loaded.texts.get(d.file) ?? '', d));
    notes.push(`${d.file}:${d.line}: add_header ${d.args[0]} "${d.args[1]}" removed (${why})`);
  };
  for (const { level: t, ancestors } of targets) {
    const label = t.name === 'http' ? 'http' : t.name === 'server' ? `server ${t.file}:${t.line}` : `${t.name} ${t.args.join(' ')} ${t.file}:${t.line}`;
    const plans = planLevel(t, ancestors, snippet);
    for (const p of plans) if (p.kind === 'keep') notes.push(`${p.line.file}:${p.line.line}: add_header ${p.line.args[0]} "${p.line.args[1]}" kept (${p.check.startsWith('web.') ? `it passes ${p.check}` : p.check})`);
    const writes = plans.filter((p): p is Extract<HeaderPlan, { kind: 'write' }> => p.kind === 'write');
    if (writes.length === 0 && !includesSnippet(t)) continue;
    // The shared snippet only where it changes nothing the admin set well: no passing line of
    // theirs at this level, and every value to write is the policy's (nothing inherited or carried over).
    const policyValues = new Map(webPolicy.headersFix.headers);
    const snippetFits = plans.every((p) => p.kind !== 'keep') && writes.every((w) => policyValues.get(w.name) === w.value);
    if (snippetFits) {
      snippetUsed = true;
      if (!includesSnippet(t)) {
        edits.add(t.file, insertAtBlockStart(loaded.texts.get(t.file) ?? '', t, [statement('include', [includeArg])]));
        where.push(label);
      }
      for (const w of writes) for (const d of w.failing) removeLine(d, `it fails ${JUDGED[w.name.toLowerCase()]?.check ?? 'its check'}; the snippet sets it here`);
      continue;
    }
    if (includesSnippet(t)) {
      // The snippet cannot stay here: nginx would send its header AND the admin's (or the
      // carried-over) one, and browsers use the first — the snippet's plain max-age, without
      // includeSubDomains/preload. So the include goes, and this level gets its headers written out.
      const includes = snippetIncludes(loaded.texts.get(t.file) ?? '', t, snippet);
      if (includes.length === 0) throw new Error(`${label} gets ${snippet} through another include: hardtop cannot take it out without changing what that file gives other blocks; remove it there, then run the fix again`);
      for (const d of includes) {
        edits.add(t.file, removeStatement(loaded.texts.get(t.file) ?? '', d));
        notes.push(`${d.file}:${d.line}: include ${d.args[0]} removed (this level keeps or needs values of its own: with the snippet too, nginx would send each header twice)`);
      }
      if (writes.length === 0) continue;
    }
    // This level keeps lines of the admin's: the missing or failing headers are written into it directly.
    const lines = writes.map((w) => statement('add_header', [w.name, w.value, 'always']));
    edits.add(t.file, insertAtBlockStart(loaded.texts.get(t.file) ?? '', t, lines));
    written.push(`${label}: ${writes.map((w) => `${w.name} "${w.value}"`).join(', ')}`);
    for (const w of writes) for (const d of w.failing) removeLine(d, `it fails ${JUDGED[w.name.toLowerCase()]?.check ?? 'its check'}; replaced by ${w.name} "${w.value}"`);
  }
  walkDirectives(http.block ?? [], (d) => {
    if (isAddHeader(d) && d.file !== snippet && harmful(d)) removeLine(d, d.args[0].toLowerCase() === 'x-xss-protection' ? 'the browser filter is gone; "1" can create leaks' : 'HPKP is removed from browsers; a stale pin locks clients out');
  });

  const current = await host.readText(snippet).catch(() => null);
  const fileEdits: FileEdit[] = [];
  const text = snippetText();
  if (snippetUsed && current !== text) fileEdits.push({ path: snippet, before: current, after: text, mode: 0o644 });
  fileEdits.push(...edits.fileEdits(loaded.texts));
  if (fileEdits.length === 0) return refuse(plan, `nothing to change: every TLS vhost already sends the security headers wherever they take effect (its own passing lines, or ${snippet})`);
  const policyHsts = webPolicy.headersFix.headers.find(([n]) => n === 'Strict-Transport-Security')?.[1] ?? '';
  const warnings = [
    ...(where.length > 0 ? [`include ${includeArg} in: ${listSome(where, 6)}`] : []),
    ...written.map((w) => `add_header lines written in ${w}`),
    ...notes,
    `HSTS max-age=${/max-age=(\d+)/.exec(policyHsts)?.[1] ?? '?'} where hardtop writes it: browsers will refuse plain HTTP to these names for that long; includeSubDomains and preload are added only where the admin already had them`,
  ];
  if (snippetUsed && current !== null && current !== text) warnings.push(`${snippet} exists and is rewritten with hardtop's snippet`);
  return finishNginxPlan(host, { ...plan, warnings }, loaded, fileEdits, 'it sends the security headers');
}
