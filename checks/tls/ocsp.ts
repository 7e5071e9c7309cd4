// tls.ocsp: where the certificate names an OCSP responder (AIA extension), the
// server staples a GOOD, current response signed by the right responder; where
// it names none — every Let's Encrypt certificate since 2025-05-07 — there is
// nothing to staple: pass, and an `ssl_stapling on` is reported as needless
// (nginx logs '"ssl_stapling" ignored, no OCSP responder URL').
//
// Live (a loopback handshake per TLS vhost, SNI = its first name, with
// status_request): the stapled DER comes from src/host/tls-probe.ts and is
// decoded by `openssl ocsp` (ocsp-decode.ts). nginx fetches a response lazily
// — the first handshake after a start or reload usually gets none — so when
// nothing is stapled and ssl_stapling is on, the probe asks once more after
// `ocsp.stapleRetryMs` (one pause for all such vhosts). Verdicts (judgeStaple):
//   good, signed by the issuer or its delegate, thisUpdate ≤ now ≤ nextUpdate → pass
//   revoked, unknown, expired, not yet valid, wrongly signed, about another
//   certificate, a non-successful response, undecodable → fail
//   nothing stapled → warn (clients ask the CA themselves: slower, and the CA
//   learns who visits); fail for a Must-Staple certificate (RFC 7633:
//   Firefox refuses the site); fail when nginx's error log says its own
//   fetch got "revoked"/"unknown" for this certificate (ocsp-log.ts), and
//   a failed fetch's reason (responder down) is named in the warn.
// Offline (--no-network, --root): judged from the files and the config: no
// OCSP URL → pass; URL with ssl_stapling off → warn/fail as above (decidable
// without a probe); URL with ssl_stapling on → info, "not probed".

import type { X509Certificate } from 'node:crypto';
import type { Check, Evidence, Item, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { OcspReading } from '../../src/parse/openssl-ocsp';
import { resolveConfPath, type Located } from '../../src/parse/nginx-conf';
import { mustStaple } from '../../src/parse/tls-feature';
import { issued, parsePemBundle, readCertificates, subjectName, systemAnchors } from './certs';
import { fromItems, guardedCheck, item, listSome } from './finding';
import { STAPLING_FIX_ID } from './fix-ids';
import { inventoryGate, TLS_WATCH, tlsInventory } from './inventory';
import { vhostTargets } from './live';
import { fixesForNginx, type TlsVhost } from './nginx';
import { decodeStaple, OPENSSL_OCSP_SHOWN, type StapleDecode } from './ocsp-decode';
import { OcspLogReader } from './ocsp-log';
import type { TlsCheckOptions } from './options';
import { tlsPolicy } from './policy';
import { chooseProber, notRunText, type ProbeTarget, type TlsProber } from './probe';

/** The OCSP responder URLs of a certificate's Authority Information Access extension. */
export function ocspUrls(cert: X509Certificate): string[] {
  const text = cert.infoAccess ?? '';
  const out: string[] = [];
  for (const m of text.matchAll(/^OCSP - URI:(.+)$/gm)) out.push(m[1].trim().replace(/^"(.*)"$/, '$1'));
  return out;
}

function when(d: Date): string {
  return Number.isNaN(d.getTime()) ? 'an unreadable time' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface StapleVerdict {
  status: 'pass' | 'warn' | 'fail' | 'error';
  summary: string;
}

/** The verdict on a decoded stapled response at `now` (clock skew allowed either way). */
export function judgeStaple(r: StapleDecode, now: Date, skewSeconds = tlsPolicy.ocsp.clockSkewSeconds): StapleVerdict {
  switch (r.kind) {
    case 'tool-error':
      return { status: 'error', summary: r.why };
    case 'unreadable':
      return { status: 'fail', summary: `the stapled OCSP response does not decode (${r.detail}): clients ignore it` };
    case 'responder-error':
      return { status: 'fail', summary: `the stapled OCSP response carries no status (the responder answered "${r.responseStatus}"): clients ignore it` };
    case 'no-status':
      return { status: 'fail', summary: 'the stapled OCSP response is about another certificate (no status for this one): a stale ssl_stapling_file or cache?' };
    case 'status':
      return judgeStatus(r, now, skewSeconds);
  }
}

function judgeStatus(r: Extract<OcspReading, { kind: 'status' }>, now: Date, skewSeconds: number): StapleVerdict {
  if (!r.verified) return { status: 'fail', summary: `the stapled OCSP response is not signed by the certificate's issuer or a responder it authorised (openssl: ${r.verifyError ?? 'not verified'})` };
  if (r.status === 'revoked') {
    const reason = r.reason ? `, reason ${r.reason}` : '';
    const at = r.revokedAt ? ` on ${when(r.revokedAt)}` : '';
    return { status: 'fail', summary: `REVOKED${at}${reason} (stapled OCSP response): browsers that check refuse it; replace the certificate` };
  }
  if (r.status === 'unknown') return { status: 'fail', summary: 'the stapled OCSP response says "unknown": the responder does not know this certificate' };
  const skew = skewSeconds * 1000;
  if (r.nextUpdate && r.nextUpdate.getTime() + skew < now.getTime()) {
    return { status: 'fail', summary: `good, but the stapled response expired on ${when(r.nextUpdate)} (nextUpdate): clients reject a stale response` };
  }
  if (r.thisUpdate && r.thisUpdate.getTime() - skew > now.getTime()) {
    return { status: 'fail', summary: `good, but the stapled response is not valid before ${when(r.thisUpdate)} (thisUpdate in the future: a clock is wrong)` };
  }
  const updated = r.thisUpdate ? `updated ${when(r.thisUpdate)}` : 'no thisUpdate';
  const until = r.nextUpdate ? `valid until ${when(r.nextUpdate)}` : 'no nextUpdate';
  return { status: 'pass', summary: `stapled OCSP response: good, ${updated}, ${until}` };
}

function staplingEvidence(stapling: Located<boolean> | null): Evidence[] {
  return stapling ? [{ file: stapling.file, line: stapling.line, text: stapling.text ?? `ssl_stapling ${stapling.value ? 'on' : 'off'}` }] : [];
}

/** The server's own words: an Apache vhost is told about SSLUseStapling, never nginx's directive. */
function staplingWords(vhost: TlsVhost): { directive: string; server: string; remove: string } {
  return vhost.source === 'apache'
    ? { directive: 'SSLUseStapling', server: 'Apache', remove: 'remove it, and SSLStaplingCache if nothing else staples' }
    : { directive: 'ssl_stapling', server: 'nginx', remove: 'remove it, with ssl_stapling_verify' };
}

/** No OCSP URL: pass; a `ssl_stapling on` (Apache: SSLUseStapling on) is named as needless. */
function noUrlItem(label: string, leafName: string, vhost: TlsVhost, evidence: Evidence[], how: string): Item {
  const stapling = vhost.server.stapling;
  const w = staplingWords(vhost);
  const needless = stapling?.value
    ? `; ${w.directive} on (${stapling.file}:${stapling.line}) is needless: ${w.server} ignores it for this certificate (${w.remove})`
    : '';
  return item(label, 'pass', `${leafName} has no OCSP URL (revocation by CRL): nothing to staple${needless}${how}`, [...staplingEvidence(stapling), ...evidence]);
}

/** Nothing stapled although the certificate has an OCSP URL. */
function noStapleItem(label: string, leafName: string, vhost: TlsVhost, must: boolean, evidence: Evidence[], configOnly: boolean): Item {
  const stapling = vhost.server.stapling;
  const w = staplingWords(vhost);
  const why = stapling?.value
    ? `${w.directive} is on, but ${w.server} sent no OCSP response (it got no good one from the responder: unreachable, or the status is not good; see ${w.server}'s error log)`
    : stapling
      ? `${w.directive} off (${stapling.file}:${stapling.line})`
      : `${w.directive} is not set (off)`;
  const impact = must ? ': the certificate is Must-Staple, so Firefox refuses the site' : ': clients ask the CA themselves (slower, and the CA learns who visits)';
  const lead = configOnly ? `${leafName} has an OCSP URL, but ` : `no stapled OCSP response for ${leafName}: `;
  return item(label, must ? 'fail' : 'warn', `${lead}${why}${impact}`, [...staplingEvidence(stapling), ...evidence]);
}

/**
 * nginx staples nothing: its error log may say why (ocsp-log.ts). A responder
 * that answered "revoked"/"unknown" for THIS certificate since it was written
 * fails; a failed fetch keeps the warn and names nginx's reason.
 */
async function withLoggedReason(plain: Item, vhost: TlsVhost, leafName: string, logs: OcspLogReader): Promise<Item> {
  for (const pair of vhost.server.certificates) {
    const logged = await logs.lastFor(resolveConfPath(pair.certificate.value));
    if (!logged) continue;
    const where = `${logged.evidence.file}${logged.evidence.line ? `:${logged.evidence.line}` : ''}, ${logged.entry.time}`;
    if (logged.entry.status) {
      const what = logged.entry.status === 'revoked' ? `REVOKED: the OCSP responder told nginx ${leafName} is revoked` : `the OCSP responder told nginx it does not know ${leafName} (status "unknown")`;
      return item(plain.subject, 'fail', `${what} (${where}); nginx staples nothing, and clients that check refuse the certificate: replace it`, [logged.evidence, ...plain.evidence]);
    }
    return item(plain.subject, plain.status, `${plain.summary}; nginx's last fetch: ${logged.entry.message} (${where})`, [logged.evidence, ...plain.evidence]);
  }
  return plain;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

async function anchorsFor(host: Host, vhost: TlsVhost, base: X509Certificate[]): Promise<X509Certificate[]> {
  const trusted = vhost.server.trustedCertificate;
  if (!trusted) return base;
  const read = await readCertificates(host, resolveConfPath(trusted.value));
  return read.ok ? [...base, ...read.certs] : base;
}

type Connected = Extract<Awaited<ReturnType<TlsProber['handshake']>>, { outcome: 'connected' }>;

/** A vhost after its first handshake: an item already, or what judging the staple needs. */
type FirstLook =
  | { done: Item }
  | { vhost: TlsVhost; label: string; target: ProbeTarget; r: Connected; leaf: X509Certificate; leafName: string; evidence: Evidence[] };

async function firstLook(prober: TlsProber, vhost: TlsVhost): Promise<FirstLook> {
  const where = vhostTargets(vhost);
  if ('subject' in where) return { done: where };
  const { target, label } = where.targets[0];
  const r = await prober.handshake(target, { requestOCSP: true });
  if (r.outcome !== 'connected') return { done: item(label, r.outcome === 'skipped' ? 'skip' : 'error', `handshake ${notRunText(r)}`, where.evidence) };
  const leaf = parsePemBundle(r.chain[0] ?? '').certs[0];
  if (!leaf) return { done: item(label, 'error', 'the server sent no certificate', where.evidence) };
  const evidence: Evidence[] = [{ command: `TLS handshake ${target.address}:${target.port} SNI ${target.servername ?? '(none)'} with status_request` }, ...where.evidence];
  const leafName = `"${subjectName(leaf)}"`;
  const urls = ocspUrls(leaf);
  if (urls.length === 0) return { done: noUrlItem(label, leafName, vhost, evidence, '') };
  evidence.unshift({ text: `OCSP URL ${urls.join(', ')}` });
  return { vhost, label, target, r, leaf, leafName, evidence };
}

/** nginx fetches a response on the first handshake that asks and staples it from then on: ask once more, after one pause for all. */
async function retryUnstapled(prober: TlsProber, looks: FirstLook[], signal: AbortSignal): Promise<void> {
  const waiting = looks.filter((l): l is Exclude<FirstLook, { done: Item }> => !('done' in l) && !l.r.ocspResponse && l.vhost.server.stapling?.value === true);
  if (waiting.length === 0 || tlsPolicy.ocsp.stapleRetryMs <= 0) return;
  await sleep(tlsPolicy.ocsp.stapleRetryMs, signal);
  for (const look of waiting) {
    const again = await prober.handshake(look.target, { requestOCSP: true });
    if (again.outcome === 'connected' && again.ocspResponse) look.r = again;
  }
}

async function judgeLook(host: Host, ctx: RunContext, look: FirstLook, anchors: X509Certificate[], logs: OcspLogReader): Promise<Item> {
  if ('done' in look) return look.done;
  const { vhost, label, r, leaf, leafName, evidence } = look;
  const must = mustStaple(leaf.raw) === true;
  const staple = r.ocspResponse;
  if (!staple) {
    const plain = noStapleItem(label, leafName, vhost, must, evidence, false);
    if (vhost.source !== 'nginx' || !vhost.server.stapling?.value) return plain;
    return withLoggedReason(plain, vhost, leafName, logs);
  }
  const chain = r.chain.flatMap((pem) => parsePemBundle(pem).certs);
  const issuer = chain.slice(1).find((c) => issued(leaf, c)) ?? anchors.find((a) => issued(leaf, a));
  if (!issuer) {
    return item(label, 'error', `a response is stapled, but the issuer of ${leafName} is neither sent nor a trust anchor, so it cannot be checked (see tls.cert.chain)`, evidence);
  }
  const decoded = await decodeStaple(host, staple, leaf, issuer, ctx.signal);
  const verdict = judgeStaple(decoded, ctx.now);
  return item(label, verdict.status, `${verdict.summary}${must ? ' (Must-Staple certificate)' : ''}`, [{ command: OPENSSL_OCSP_SHOWN, text: `${staple.length} bytes stapled` }, ...evidence]);
}

async function offlineItem(host: Host, vhost: TlsVhost, why: string): Promise<Item> {
  const evidence: Evidence[] = vhost.server.certificates.map((p) => ({ file: p.certificate.file, line: p.certificate.line, text: p.certificate.text ?? `ssl_certificate ${p.certificate.value}` }));
  const leaves: X509Certificate[] = [];
  const problems: string[] = [];
  for (const pair of vhost.server.certificates) {
    const read = await readCertificates(host, resolveConfPath(pair.certificate.value));
    if (read.ok) leaves.push(read.certs[0]);
    else problems.push(read.why);
  }
  if (leaves.length === 0) return item(vhost.label, problems.some((p) => p.includes('variable')) ? 'info' : 'error', problems.join('; ') || 'no ssl_certificate', evidence);
  const withUrl = leaves.filter((l) => ocspUrls(l).length > 0);
  const names = listSome(leaves.map((l) => `"${subjectName(l)}"`), 2);
  const how = ` — from the files (${why})`;
  if (withUrl.length === 0) return noUrlItem(vhost.label, names, vhost, evidence, how);
  const leafName = `"${subjectName(withUrl[0])}"`;
  evidence.unshift({ text: `OCSP URL ${ocspUrls(withUrl[0]).join(', ')}` });
  if (!vhost.server.stapling?.value) {
    const noStaple = noStapleItem(vhost.label, leafName, vhost, withUrl.some((l) => mustStaple(l.raw) === true), evidence, true);
    return { ...noStaple, summary: `${noStaple.summary}${how}` };
  }
  const s = vhost.server.stapling;
  return item(vhost.label, 'info', `${leafName} has an OCSP URL and ${staplingWords(vhost).directive} is on (${s.file}:${s.line}); the stapled response was not probed (${why})`, [...staplingEvidence(s), ...evidence]);
}

export function makeOcspCheck(opts: TlsCheckOptions = {}): Check {
  const check: Check = guardedCheck({
    id: 'tls.ocsp',
    area: 'tls',
    title: 'OCSP stapling where the certificate has an OCSP URL',
    severity: 'medium',
    watch: TLS_WATCH,
    interval: 3600,
    timeoutMs: 60_000,
    async run(host, ctx) {
      const inv = await tlsInventory(host);
      const gate = inventoryGate(check, inv, 'vhosts');
      if (gate) return gate;
      const choice = chooseProber(host, ctx, opts.prober);
      const items: Item[] = [];
      if (choice.prober) {
        const base = (await systemAnchors(host)).certs;
        if (opts.extraAnchors) base.push(...opts.extraAnchors.flatMap((p) => parsePemBundle(p).certs));
        const looks: FirstLook[] = [];
        for (const vhost of inv.vhosts) looks.push(await firstLook(choice.prober, vhost));
        await retryUnstapled(choice.prober, looks, ctx.signal);
        const logs = new OcspLogReader(host, inv.nginx.kind === 'ok' ? inv.nginx.config : null);
        for (const [i, look] of looks.entries()) items.push(await judgeLook(host, ctx, look, await anchorsFor(host, inv.vhosts[i], base), logs));
      } else {
        for (const vhost of inv.vhosts) items.push(await offlineItem(host, vhost, choice.skip));
      }
      const good = items.filter((i) => i.summary.startsWith('stapled OCSP response: good')).length;
      const noUrl = items.filter((i) => i.summary.includes('has no OCSP URL')).length;
      const needless = items.filter((i) => i.summary.includes('is needless')).length;
      const skipped = items.filter((i) => i.status === 'skip').length;
      const parts = [good > 0 ? `${good} staple a good OCSP response` : '', noUrl > 0 ? `${noUrl} serve a certificate without an OCSP URL (nothing to staple)` : ''].filter(Boolean);
      // The fix only turns stapling on: offered when an item lacks a staple, not for a revoked certificate.
      const unstapled = items.map((i) => ({ status: i.summary.includes('ssl_stapling') ? i.status : 'pass' }));
      return fromItems(check, items, {
        emptySummary: 'no TLS vhost',
        fixes: fixesForNginx(inv.vhosts, unstapled, STAPLING_FIX_ID),
        passSummary: `${good + noUrl} TLS vhost(s): ${parts.join(', ')}${needless > 0 ? `; stapling on is needless in ${needless}` : ''}${skipped > 0 ? `; ${skipped} not probed` : ''}`,
      });
    },
  });
  return check;
}
