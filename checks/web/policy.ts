// Web header policy from assets/policy/web.json (policy is data, not code).

import raw from '../../assets/policy/web.json';

export interface WebPolicy {
  source: string;
  hsts: { failBelowSeconds: number; warnBelowSeconds: number; recommendedSeconds: number; recommended: string };
  frameOptions: { good: string[] };
  csp: { unsafeScriptSources: string[]; neutralisedByNonceOrHash: string[]; recommendedDirectives: string[] };
  xssProtection: { acceptable: string[] };
  hpkpHeaders: string[];
  referrerPolicy: { good: string[]; leaky: string[]; recommended: string };
  /** Statuses nginx adds add_header to without `always`. */
  alwaysStatuses: number[];
  redirectCodes: number[];
  /** What the web.headers fix writes (fix-headers.ts). */
  headersFix: { why: string; snippet: string; headers: Array<[string, string]>; remove: string[] };
}

export function webPolicyProblems(p: WebPolicy): string[] {
  const problems: string[] = [];
  if (!(p.hsts.failBelowSeconds > 0 && p.hsts.warnBelowSeconds >= p.hsts.failBelowSeconds)) problems.push('hsts: 0 < failBelowSeconds ≤ warnBelowSeconds');
  if (!(p.hsts.recommendedSeconds >= p.hsts.warnBelowSeconds)) problems.push('hsts.recommendedSeconds must be ≥ warnBelowSeconds');
  if (p.referrerPolicy.good.some((v) => p.referrerPolicy.leaky.includes(v))) problems.push('referrerPolicy: a value cannot be both good and leaky');
  if (p.redirectCodes.some((c) => c < 300 || c > 399)) problems.push('redirectCodes must be 3xx');
  if (!p.headersFix.snippet.startsWith('/etc/nginx/')) problems.push('headersFix.snippet must be under /etc/nginx (it is included by a path relative to it)');
  const hsts = p.headersFix.headers.find(([n]) => n.toLowerCase() === 'strict-transport-security');
  const age = hsts ? Number(/max-age=(\d+)/.exec(hsts[1])?.[1] ?? 0) : 0;
  if (age < p.hsts.warnBelowSeconds) problems.push('headersFix: its Strict-Transport-Security must pass web.hsts');
  return problems;
}

export const webPolicy = raw as WebPolicy;
