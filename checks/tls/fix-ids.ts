// Fix ids of the tls area (CHECKS.md "Fix ids"), in one place so that checks
// can offer a fix without importing it (the fix imports the checks' helpers).

export const RENEW_FIX_ID = 'tls.renew';
export const PROTOCOLS_FIX_ID = 'tls.protocols';
export const STAPLING_FIX_ID = 'tls.stapling';
