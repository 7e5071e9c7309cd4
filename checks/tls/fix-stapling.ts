// tls.stapling: `ssl_stapling on; ssl_stapling_verify on;` in each TLS server
// block whose certificate names an OCSP responder, and in no other: a
// certificate without an OCSP URL (every Let's Encrypt certificate since
// 2025-05-07) has nothing to staple, and nginx only warns '"ssl_stapling"
// ignored' — so never at http level, where it would reach those servers too.
// - The server's own ssl_stapling/ssl_stapling_verify off lines are switched
//   on; missing ones are added after its ssl_certificate_key (or at the top
//   of the block). An http-level "off" is overridden by the server's own line.
// - A resolver, when nginx needs one: the responder's host is a name (not an
//   IP literal) and neither the server nor http sets `resolver`. Without it
//   nginx resolves the name once, at start, and logs "no resolver defined"
//   on every refresh. The name servers come from the root's /etc/resolv.conf
//   (IPv6 ones bracketed, as nginx wants); none there → no resolver, and the
//   preview says so.
// Then nginx -t on a staged copy, reload, and the verify step re-probes
// (tls.ocsp must not fail).

import type { Fix, Plan, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseIPv4, parseIPv6 } from '../../src/parse/fail2ban-ipaddr';
import { resolveConfPath, type NginxDirective } from '../../src/parse/nginx-conf';
import { insertAfterStatement, insertAtBlockStart, replaceStatement, statement } from '../../src/parse/nginx-edit';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { issued, readCertificates } from './certs';
import { listSome, thrownMessage } from './finding';
import { STAPLING_FIX_ID } from './fix-ids';
import { EditSet, finishNginxPlan, loadNginxForFix, ownChild } from './nginx-fix';
import { tlsVhosts, type TlsVhost } from './nginx';
import { ocspUrls } from './ocsp';

const RESOLV_CONF = '/etc/resolv.conf';

/** 4, 6, or 0 when not an IP literal (node:net's isIP, which checks may not import). */
function isIP(text: string): 0 | 4 | 6 {
  if (parseIPv4(text) !== null) return 4;
  return text.includes(':') && parseIPv6(text) !== null ? 6 : 0;
}

/** nginx's `resolver` arguments from resolv.conf's nameserver lines (IPv6 in brackets; a link-local one with a zone id is skipped: nginx cannot use it). */
export function resolverArgs(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const addr = m[1];
    if (addr.includes('%')) continue;
    const kind = isIP(addr);
    if (kind === 4) out.push(addr);
    else if (kind === 6) out.push(`[${addr}]`);
  }
  return [...new Set(out)];
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return null;
  }
}

interface StaplingNeed {
  vhost: TlsVhost;
  urls: string[];
  /** The leaf's issuer is neither in the certificate file nor in ssl_trusted_certificate: nginx cannot staple. */
  noIssuer: boolean;
}

async function needOf(host: Host, vhost: TlsVhost): Promise<StaplingNeed | null> {
  const urls: string[] = [];
  let noIssuer = false;
  for (const pair of vhost.server.certificates) {
    const read = await readCertificates(host, resolveConfPath(pair.certificate.value));
    if (!read.ok) continue;
    const [leaf, ...rest] = read.certs;
    const u = ocspUrls(leaf);
    if (u.length === 0) continue;
    urls.push(...u);
    let extra: typeof rest = [];
    if (vhost.server.trustedCertificate) {
      const t = await readCertificates(host, resolveConfPath(vhost.server.trustedCertificate.value));
      if (t.ok) extra = t.certs;
    }
    if (![...rest, ...extra].some((c) => issued(leaf, c))) noIssuer = true;
  }
  return urls.length > 0 ? { vhost, urls: [...new Set(urls)], noIssuer } : null;
}

export const staplingFix: Fix = {
  id: STAPLING_FIX_ID,
  title: 'Staple OCSP responses where the certificate has an OCSP URL',
  area: 'tls',
  risk: 'safe',
  verifies: ['tls.ocsp'],
  async plan(host: Host, _ctx: RunContext): Promise<Plan> {
    const plan = emptyPlan(staplingFix);
    try {
      return await planStapling(host, plan);
    } catch (err) {
      return refuse(plan, `could not plan the change: ${thrownMessage(err)}`);
    }
  },
};

async function planStapling(host: Host, plan: Plan): Promise<Plan> {
  const loaded = await loadNginxForFix(host);
  if (!loaded.ok) return refuse(plan, loaded.why);
  const vhosts = tlsVhosts(loaded.model);
  if (vhosts.length === 0) return refuse(plan, 'nginx has no TLS server: nothing to staple');
  const http = loaded.model.httpDirective;
  const edits = new EditSet();
  const warnings: string[] = [];
  const changed: string[] = [];
  const noUrl: string[] = [];
  let resolvers: string[] | null = null;
  for (const vhost of vhosts) {
    const need = await needOf(host, vhost);
    if (!need) {
      noUrl.push(vhost.label);
      continue;
    }
    const server = vhost.server.directive;
    const text = loaded.texts.get(server.file) ?? '';
    const inserts: string[] = [];
    let replaced = false;
    for (const name of ['ssl_stapling', 'ssl_stapling_verify']) {
      const own = ownChild(server, name);
      const effective = own ?? ownChild(http, name);
      if (effective && (effective.args[0] ?? '').toLowerCase() === 'on') continue;
      if (own) {
        edits.add(own.file, replaceStatement(own, statement(name, ['on'])));
        replaced = true;
      } else inserts.push(statement(name, ['on']));
    }
    const names = need.urls.map(hostOf).filter((h): h is string => h !== null && isIP(h) === 0);
    if (names.length > 0 && !ownChild(server, 'resolver') && !ownChild(http, 'resolver')) {
      if (resolvers === null) resolvers = resolverArgs((await host.readText(RESOLV_CONF).catch(() => null)) ?? '');
      if (resolvers.length > 0) inserts.push(statement('resolver', resolvers));
      else warnings.push(`${vhost.label}: the OCSP responder ${names[0]} is a name and ${RESOLV_CONF} lists no name server: add a \`resolver\` by hand, or nginx resolves it only at start`);
    }
    if (need.noIssuer) warnings.push(`${vhost.label}: the issuer of the certificate is neither in its ssl_certificate file nor in ssl_trusted_certificate; nginx cannot staple until one holds it (use the full chain)`);
    if (inserts.length === 0 && !replaced) continue;
    changed.push(vhost.label);
    if (inserts.length > 0) {
      // After the server's own ssl_certificate_key, in the server's own file: where an admin looks for TLS settings.
      const keyLines = (server.block ?? []).filter((d: NginxDirective) => d.name === 'ssl_certificate_key' && !d.block && d.file === server.file);
      const anchor = keyLines.at(-1);
      edits.add(server.file, anchor ? insertAfterStatement(text, anchor, inserts) : insertAtBlockStart(text, server, inserts));
    }
  }
  if (edits.size === 0) {
    const why = noUrl.length === vhosts.length ? `no TLS vhost serves a certificate with an OCSP URL (${listSome(noUrl)}): there is nothing to staple` : 'every TLS vhost whose certificate has an OCSP URL already staples';
    return refuse(plan, `nothing to change: ${why}`);
  }
  warnings.unshift(`staples for ${listSome(changed)}`);
  if (noUrl.length > 0) warnings.push(`left alone (their certificates have no OCSP URL, nothing to staple): ${listSome(noUrl)}`);
  return finishNginxPlan(host, { ...plan, warnings }, loaded, edits.fileEdits(loaded.texts), 'it staples OCSP responses');
}
