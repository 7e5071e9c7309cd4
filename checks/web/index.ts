// The web area, in CHECKS.md order: response headers of each TLS vhost, read
// live over loopback (see live.ts). Fix: web.headers (fix-headers.ts), offered
// by every header check but web.csp (a CSP must be written for the site).

import type { Check, Fix } from '../../src/core/types';
import type { TlsCheckOptions } from '../tls/options';
import { judgeCsp, judgeFrameOptions, judgeHpkp, judgeHsts, judgeNosniff, judgeReferrerPolicy, judgeXssProtection } from './judges';
import { HEADERS_FIX_ID, headersFix } from './fix-headers';
import { makeHeaderCheck } from './live';
import { makeRedirectCheck } from './redirect';

export function makeWebChecks(opts: TlsCheckOptions = {}): Check[] {
  return [
    makeHeaderCheck({ id: 'web.hsts', title: 'HSTS with a long max-age', severity: 'high', headers: ['Strict-Transport-Security'], judge: judgeHsts, passSummary: 'HSTS max-age of a year or more', fixes: [HEADERS_FIX_ID] }, opts),
    makeHeaderCheck({ id: 'web.frame-options', title: 'Framing is restricted', severity: 'medium', headers: ['X-Frame-Options', 'Content-Security-Policy'], judge: judgeFrameOptions, passSummary: 'framing restricted', fixes: [HEADERS_FIX_ID] }, opts),
    makeHeaderCheck({ id: 'web.nosniff', title: 'X-Content-Type-Options nosniff', severity: 'medium', headers: ['X-Content-Type-Options'], judge: judgeNosniff, passSummary: 'nosniff sent', fixes: [HEADERS_FIX_ID] }, opts),
    makeHeaderCheck({ id: 'web.csp', title: 'A Content-Security-Policy restricts scripts', severity: 'medium', headers: ['Content-Security-Policy'], judge: judgeCsp, passSummary: 'a CSP restricts scripts' }, opts),
    makeHeaderCheck({ id: 'web.xss-protection', title: 'No legacy X-XSS-Protection filter', severity: 'low', headers: ['X-XSS-Protection'], judge: judgeXssProtection, passSummary: 'no X-XSS-Protection "1"', fixes: [HEADERS_FIX_ID] }, opts),
    makeHeaderCheck({ id: 'web.hpkp', title: 'No Public-Key-Pins', severity: 'medium', headers: ['Public-Key-Pins', 'Public-Key-Pins-Report-Only'], judge: judgeHpkp, passSummary: 'no Public-Key-Pins', fixes: [HEADERS_FIX_ID] }, opts),
    makeRedirectCheck(opts),
    makeHeaderCheck({ id: 'web.referrer-policy', title: 'Referrer-Policy does not leak URLs', severity: 'low', headers: ['Referrer-Policy'], judge: judgeReferrerPolicy, passSummary: 'a Referrer-Policy that keeps URLs private', fixes: [HEADERS_FIX_ID] }, opts),
  ];
}

export const checks: Check[] = makeWebChecks();

export const fixes: Fix[] = [headersFix];
