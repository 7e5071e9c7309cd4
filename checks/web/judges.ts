// Pure judgements of response headers (web.* table of CHECKS.md), with the
// thresholds and value lists of assets/policy/web.json. Header values are
// untrusted text: they are quoted, shortened, and never interpreted beyond parsing.

import { webPolicy } from './policy';
import { values, type Headers, type Judgement } from './live';

function quote(v: string, max = 80): string {
  const s = v.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}

// ---------------------------------------------------------------------------
// HSTS

export function judgeHsts(headers: Headers): Judgement {
  const all = values(headers, 'strict-transport-security');
  if (all.length === 0) return { status: 'fail', summary: `no Strict-Transport-Security (send ${webPolicy.hsts.recommended})` };
  const first = all[0];
  const m = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(first);
  const extra = all.length > 1 ? `; ${all.length} HSTS headers sent, browsers use the first` : '';
  if (!m) return { status: 'fail', summary: `Strict-Transport-Security ${quote(first)} has no valid max-age${extra}` };
  const age = Number(m[1]);
  const flags = [/includesubdomains/i.test(first) ? 'includeSubDomains' : null, /preload/i.test(first) ? 'preload' : null].filter(Boolean).join(', ');
  const described = `max-age=${age} (${(age / 86400).toFixed(0)} days)${flags ? `, ${flags}` : ''}${extra}`;
  if (age < webPolicy.hsts.failBelowSeconds) return { status: 'fail', summary: `HSTS ${described}: below ${webPolicy.hsts.failBelowSeconds} s (6 months)` };
  if (age < webPolicy.hsts.warnBelowSeconds) return { status: 'warn', summary: `HSTS ${described}: below ${webPolicy.hsts.warnBelowSeconds} s (1 year); ${webPolicy.hsts.recommendedSeconds} recommended` };
  return { status: 'pass', summary: `HSTS ${described}` };
}

// ---------------------------------------------------------------------------
// CSP

export interface CspDirectives {
  [name: string]: string[];
}

/** A policy as browsers parse it: directives split by ";", the first of a name wins. */
export function parseCsp(policy: string): CspDirectives {
  const out: CspDirectives = {};
  for (const part of policy.split(';')) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const name = tokens[0].toLowerCase();
    if (!(name in out)) out[name] = tokens.slice(1);
  }
  return out;
}

function enforcedPolicies(headers: Headers): CspDirectives[] {
  // Several CSP headers (or a comma-joined one) are ALL enforced.
  return values(headers, 'content-security-policy').flatMap((v) => v.split(',')).map(parseCsp);
}

/** script-src, else default-src (CSP's fallback), else null: scripts unrestricted. */
function scriptSources(p: CspDirectives): string[] | null {
  return p['script-src'] ?? p['default-src'] ?? null;
}

function hasNonceOrHash(sources: string[]): boolean {
  return sources.some((s) => /^'(nonce-|sha256-|sha384-|sha512-)/i.test(s));
}

/** What a policy lets scripts do that it should not, or [] when it is strict. */
function scriptWeaknesses(p: CspDirectives): string[] {
  const sources = scriptSources(p);
  if (!sources) return ['no script-src or default-src (scripts are unrestricted)'];
  const lower = sources.map((s) => s.toLowerCase());
  const out: string[] = [];
  // 'unsafe-inline' is ignored by browsers when a nonce or hash is present (CSP 2+); 'unsafe-eval' never is.
  if (lower.includes("'unsafe-inline'") && !hasNonceOrHash(sources)) out.push("'unsafe-inline' without a nonce or hash");
  if (lower.includes("'unsafe-eval'")) out.push("'unsafe-eval'");
  // With 'strict-dynamic' and a nonce/hash, browsers ignore host and scheme sources (the strict-CSP fallback pattern).
  const strictDynamic = lower.includes("'strict-dynamic'") && hasNonceOrHash(sources);
  const wild = sources.filter((s) => ['*', 'http:', 'https:', 'data:'].includes(s.toLowerCase()));
  if (wild.length > 0 && !strictDynamic) out.push(`a wildcard source (${wild.join(' ')})`);
  return out;
}

export function judgeCsp(headers: Headers): Judgement {
  const policies = enforcedPolicies(headers);
  if (policies.length === 0) {
    const reportOnly = values(headers, 'content-security-policy-report-only');
    return reportOnly.length > 0
      ? { status: 'fail', summary: 'only Content-Security-Policy-Report-Only: it reports, it enforces nothing' }
      : { status: 'fail', summary: 'no Content-Security-Policy' };
  }
  // All policies apply: scripts are restricted as well as the strictest one restricts them.
  const weaknessesPer = policies.map(scriptWeaknesses);
  const strict = weaknessesPer.some((w) => w.length === 0);
  const missing = webPolicy.csp.recommendedDirectives.filter((d) => !policies.some((p) => d in p));
  const missingText = missing.length > 0 ? `; missing ${missing.join(', ')}` : '';
  if (!strict) {
    const weak = [...new Set(weaknessesPer.flat())];
    return { status: 'warn', summary: `CSP allows ${weak.join(', ')} in scripts${missingText}` };
  }
  return { status: 'pass', summary: `CSP restricts scripts${missingText}` };
}

// ---------------------------------------------------------------------------
// Clickjacking

export function judgeFrameOptions(headers: Headers): Judgement {
  const ancestors = enforcedPolicies(headers).find((p) => 'frame-ancestors' in p);
  if (ancestors) return { status: 'pass', summary: `CSP frame-ancestors ${ancestors['frame-ancestors'].join(' ') || "(empty = 'none')"}` };
  const xfo = values(headers, 'x-frame-options');
  if (xfo.length === 0) return { status: 'fail', summary: "neither X-Frame-Options nor CSP frame-ancestors: the site can be framed (clickjacking); add frame-ancestors 'self'" };
  const v = xfo[0].trim().toUpperCase();
  if (webPolicy.frameOptions.good.includes(v)) return { status: 'pass', summary: `X-Frame-Options ${v} (CSP frame-ancestors is the modern form)` };
  if (v.startsWith('ALLOW-FROM')) return { status: 'fail', summary: `X-Frame-Options ${quote(xfo[0])}: ALLOW-FROM is ignored by every current browser` };
  return { status: 'fail', summary: `X-Frame-Options ${quote(xfo[0])} is not DENY or SAMEORIGIN` };
}

// ---------------------------------------------------------------------------
// The simple ones

export function judgeNosniff(headers: Headers): Judgement {
  const v = values(headers, 'x-content-type-options');
  if (v.length === 0) return { status: 'fail', summary: 'no X-Content-Type-Options: nosniff' };
  return v[0].trim().toLowerCase() === 'nosniff' ? { status: 'pass', summary: 'X-Content-Type-Options nosniff' } : { status: 'fail', summary: `X-Content-Type-Options ${quote(v[0])} is not nosniff` };
}

export function judgeXssProtection(headers: Headers): Judgement {
  const v = values(headers, 'x-xss-protection');
  if (v.length === 0) return { status: 'pass', summary: 'no X-XSS-Protection (the browser filter is gone; nothing to send)' };
  const value = v[0].trim();
  if (webPolicy.xssProtection.acceptable.includes(value)) return { status: 'pass', summary: `X-XSS-Protection ${value}` };
  return { status: 'info', summary: `X-XSS-Protection ${quote(value)}: browsers removed the filter and "1" can create leaks; send "0" or drop it` };
}

export function judgeHpkp(headers: Headers): Judgement {
  const present = webPolicy.hpkpHeaders.filter((h) => values(headers, h).length > 0);
  if (present.length === 0) return { status: 'pass', summary: 'no Public-Key-Pins' };
  return { status: 'fail', summary: `${present.map((h) => (h === 'public-key-pins' ? 'Public-Key-Pins' : 'Public-Key-Pins-Report-Only')).join(' and ')} sent: HPKP is removed from browsers, and a stale pin can lock clients out; remove it` };
}

export function judgeReferrerPolicy(headers: Headers): Judgement {
  const v = values(headers, 'referrer-policy');
  if (v.length === 0) return { status: 'warn', summary: `no Referrer-Policy (browsers default to strict-origin-when-cross-origin; set ${webPolicy.referrerPolicy.recommended} to be sure)` };
  // Browsers take the LAST token they understand (fallbacks come first).
  const tokens = v.flatMap((x) => x.split(',')).map((t) => t.trim().toLowerCase()).filter(Boolean);
  const known = tokens.filter((t) => webPolicy.referrerPolicy.good.includes(t) || webPolicy.referrerPolicy.leaky.includes(t));
  const effective = known.at(-1);
  if (!effective) return { status: 'warn', summary: `Referrer-Policy ${quote(v.join(', '))} holds no value browsers know` };
  if (webPolicy.referrerPolicy.leaky.includes(effective)) return { status: 'fail', summary: `Referrer-Policy ${effective} sends full URLs to other origins` };
  return { status: 'pass', summary: `Referrer-Policy ${effective}` };
}
