// Fix ids of the tls area (CHECKS.md "Fix ids"), in one place so that checks
// can offer a fix without importing it (the fix imports the checks' helpers).

export const RENEW_FIX_ID = 'tls.renew';
export const PROTOCOLS_FIX_ID = 'tls.protocols';
export const STAPLING_FIX_ID = 'tls.stapling';

/** tls.renew's --arg naming one certbot lineage. */
export const CERT_NAME_ARG = 'cert-name';
/** certbot's own lineage-name rule is looser; we refuse anything that could read as an option or a path. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The fix that renews this one lineage (Item.fix on its tls.cert.expiry and
 * tls.renewal items: the dashboard's f on a selected certificate), or
 * undefined for a name hardtop would not pass to certbot.
 */
export function renewItemFix(lineage: string): { id: string; args: Record<string, string> } | undefined {
  return SAFE_NAME.test(lineage) ? { id: RENEW_FIX_ID, args: { [CERT_NAME_ARG]: lineage } } : undefined;
}
