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
}

export function webPolicyProblems(p: WebPolicy): string[] {
  const problems: string[] = [];
  if (!(p.hsts.failBelowSeconds > 0 && p.hsts.warnBelowSeconds >= p.hsts.failBelowSeconds)) problems.push('hsts: 0 < failBelowSeconds ≤ warnBelowSeconds');
  if (!(p.hsts.recommendedSeconds >= p.hsts.warnBelowSeconds)) problems.push('hsts.recommendedSeconds must be ≥ warnBelowSeconds');
  if (p.referrerPolicy.good.some((v) => p.referrerPolicy.leaky.includes(v))) problems.push('referrerPolicy: a value cannot be both good and leaky');
  if (p.redirectCodes.some((c) => c < 300 || c > 399)) problems.push('redirectCodes must be 3xx');
  return problems;
}

export const webPolicy = raw as WebPolicy;
