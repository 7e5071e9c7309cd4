// certbot's own view of its lineages: `certbot certificates`, parsed
// (src/parse/certbot-certificates.ts). What it adds to reading the renewal
// confs ourselves: certbot's verdict — a renewal configuration it finds
// invalid is one it SKIPS on every renewal (the certificate then expires
// silently), and "INVALID: TEST_CERT" marks a staging certificate.
//
// How it is run, and when not:
// - `certbot certificates --config-dir ROOT/etc/letsencrypt --work-dir TMP
//   --logs-dir TMP`: the work and logs dirs are a private temp dir, so
//   nothing lasting is written (certbot holds a lock file in the config dir
//   while it runs and removes it — what its own timer does too).
// - Only where the certbot program is on this machine, and only where what
//   it reads stays inside --root: a renewal conf names absolute paths
//   (cert = /etc/letsencrypt/live/…), which certbot opens as they are — under
//   --root they would be THIS machine's files, so a conf naming a path
//   outside the root means "not run", and the renewal check says so.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseCertbotCertificates, type CertbotCertificates, type CertbotLineage } from '../../src/parse/certbot-certificates';
import { LE_DIR } from './inventory';
import type { RenewalConf } from './renewal';

export const CERTBOT_CERTIFICATES_SHOWN = 'certbot certificates';

export type CertbotView =
  | { ran: true; byName: Map<string, CertbotLineage>; invalid: Set<string>; evidence: Evidence }
  | { ran: false; why: string };

/** The first absolute path a conf names outside the root, or null. */
function pathOutsideRoot(conf: RenewalConf, root: string): string | null {
  if (root === '/') return null;
  for (const [key, { value, line }] of conf.values) {
    for (const part of value.split(',').map((s) => s.trim())) {
      if (part.startsWith('/') && part !== root && !part.startsWith(`${root}/`)) return `${key} = ${part} (${conf.file}:${line})`;
    }
  }
  return null;
}

/** A real path certbot printed → the host path (under --root, the root taken off). */
function hostPathOf(host: Host, printed: string): string {
  if (host.root !== '/' && printed.startsWith(`${host.root}/`)) return printed.slice(host.root.length);
  return printed;
}

export async function certbotView(host: Host, confs: RenewalConf[], signal?: AbortSignal): Promise<CertbotView> {
  if ((await host.which('certbot')) === null) return { ran: false, why: 'the certbot program is not on this machine' };
  for (const conf of confs) {
    const outside = pathOutsideRoot(conf, host.root);
    if (outside) return { ran: false, why: `${outside} is outside ${host.root}: certbot would read this machine's files` };
  }
  const tmp = await host.makeTempDir('certbot-certificates-');
  try {
    const r = await host.exec('certbot', ['certificates', '--config-dir', host.realPath(LE_DIR), '--work-dir', tmp.path, '--logs-dir', tmp.path], { timeoutMs: 60_000, signal });
    if (r.exitCode !== 0) {
      const why = r.timedOut ? 'timed out' : r.spawnError ?? `exited ${r.exitCode ?? r.signal}: ${(r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 200)}`;
      return { ran: false, why: `certbot certificates ${why}` };
    }
    const parsed: CertbotCertificates = parseCertbotCertificates(r.stdout);
    return {
      ran: true,
      byName: new Map(parsed.lineages.map((l) => [l.name, l])),
      invalid: new Set(parsed.invalid.map((p) => hostPathOf(host, p))),
      evidence: { command: CERTBOT_CERTIFICATES_SHOWN },
    };
  } finally {
    await tmp.dispose();
  }
}
