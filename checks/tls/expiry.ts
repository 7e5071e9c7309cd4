// tls.cert.expiry: every certificate on disk that nginx serves or certbot
// manages, judged by days left AND by the share of its lifetime left —
// certificates are getting short (200 → 100 → 47 days; 6-day ACME profiles),
// so "30 days left" means nothing on its own: a third of the lifetime is what
// certbot itself renews at. The 7-day fail line is CHECKS.md's contract and
// applies to every lifetime: a 6-day certificate is always under it (see
// docs/notes: a contract change is proposed, not made here).

import type { Check, Item } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { isoDay, readCertificates, subjectName, validity } from './certs';
import { fromItems, guardedCheck, item } from './finding';
import { inventoryGate, LE_RENEWAL, TLS_WATCH, tlsInventory, type CertRef } from './inventory';
import { tlsPolicy } from './policy';
import { RENEW_FIX_ID, renewItemFix } from './fix-ids';

const DAY = 86_400_000;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function judgeExpiry(from: Date, to: Date, now: Date): { status: 'pass' | 'warn' | 'fail'; summary: string } {
  const { failDays, warnLifetimeDivisor } = tlsPolicy.expiry;
  const lifetimeMs = to.getTime() - from.getTime();
  const lifetimeDays = Math.max(0, Math.round(lifetimeMs / DAY));
  const leftMs = to.getTime() - now.getTime();
  const leftDays = Math.floor(leftMs / DAY);
  if (leftMs <= 0) return { status: 'fail', summary: `expired on ${isoDay(to)} (${plural(Math.ceil(-leftMs / DAY), 'day')} ago)` };
  if (from.getTime() > now.getTime()) return { status: 'fail', summary: `not valid before ${isoDay(from)}` };
  const left = leftDays >= 1 ? plural(leftDays, 'day') : plural(Math.floor(leftMs / 3_600_000), 'hour');
  if (leftDays <= failDays) return { status: 'fail', summary: `expires in ${left} (${isoDay(to)})` };
  // Integer arithmetic: "exactly a third left" must not depend on how 1/3 rounds.
  if (leftMs * warnLifetimeDivisor <= lifetimeMs) {
    return { status: 'warn', summary: `${left} left of a ${lifetimeDays}-day lifetime (1/${warnLifetimeDivisor} or less), until ${isoDay(to)}` };
  }
  return { status: 'pass', summary: `${left} left of ${lifetimeDays}, until ${isoDay(to)}` };
}

async function certItem(host: Host, ref: CertRef, now: Date): Promise<{ item: Item; notAfter: Date | null }> {
  const read = await readCertificates(host, ref.path);
  if (!read.ok) return { item: item(ref.path, ref.path.includes('$') ? 'info' : 'error', read.why, ref.evidence), notAfter: null };
  const leaf = read.certs[0];
  const { from, to } = validity(leaf);
  const verdict = judgeExpiry(from, to, now);
  const evidence = [{ file: ref.path, text: `notBefore ${leaf.validFrom}, notAfter ${leaf.validTo}, serial ${leaf.serialNumber}` }, ...ref.evidence];
  const out = item(ref.path, verdict.status, `"${subjectName(leaf)}" ${verdict.summary}`, evidence);
  // A certbot lineage can be renewed from its own line, whatever its status
  // (the admin may want it now): tls.renew with --arg cert-name=LINEAGE.
  if (ref.lineage !== null && (await host.stat(`${LE_RENEWAL}/${ref.lineage}.conf`))?.kind === 'file') {
    const own = renewItemFix(ref.lineage);
    if (own) out.fix = own;
  }
  return { item: out, notAfter: to };
}

export const expiryCheck: Check = guardedCheck({
  id: 'tls.cert.expiry',
  area: 'tls',
  title: 'Certificates are far from expiry',
  severity: 'critical',
  watch: TLS_WATCH,
  interval: 3600,
  async run(host, ctx) {
    const inv = await tlsInventory(host);
    const gate = inventoryGate(expiryCheck, inv, 'certs');
    if (gate) return gate;
    const results = await Promise.all(inv.certs.map((ref) => certItem(host, ref, ctx.now)));
    const dated = results.filter((r) => r.notAfter !== null).sort((a, b) => a.notAfter!.getTime() - b.notAfter!.getTime());
    const soonest = dated[0] ? `${dated[0].item.subject} until ${isoDay(dated[0].notAfter!)}` : 'n/a';
    // certbot can renew what it manages (tls.renew); other certificates are the admin's to replace.
    const renewable = inv.certs.some((ref, i) => ref.lineage !== null && (results[i].item.status === 'warn' || results[i].item.status === 'fail'));
    return fromItems(
      expiryCheck,
      results.map((r) => r.item),
      { emptySummary: 'no certificate', passSummary: `${plural(results.length, 'certificate')}, all far from expiry; the soonest: ${soonest}`, fixes: renewable ? [RENEW_FIX_ID] : [] },
    );
  },
});
