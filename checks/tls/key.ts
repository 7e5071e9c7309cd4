// tls.cert.key: the certificate's key is strong enough (RSA ≥ 2048, warn below
// 3072; EC on P-256 or stronger; Ed25519/Ed448) and the private key file nginx
// loads (or certbot's privkey.pem) belongs to the certificate. A mismatch is
// what nginx would refuse to start with ("key values mismatch"), found before
// the next reload takes the site down.

import type { Check, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { judgeKey, readCertificates, readPrivateKey, subjectName } from './certs';
import { fromItems, guardedCheck, item, worst } from './finding';
import { inventoryGate, TLS_WATCH, tlsInventory, type CertRef } from './inventory';

async function keyItem(host: Host, ref: CertRef): Promise<Item> {
  const read = await readCertificates(host, ref.path);
  if (!read.ok) return item(ref.path, ref.path.includes('$') ? 'info' : 'error', read.why, ref.evidence);
  const leaf = read.certs[0];
  const strength = judgeKey(leaf.publicKey);
  const parts = [`"${subjectName(leaf)}": ${strength.description}`];
  const statuses: Status[] = [strength.status];
  if (!ref.keyPath) {
    statuses.push('error');
    parts.push('no ssl_certificate_key for it');
  } else {
    const key = await readPrivateKey(host, ref.keyPath);
    if (key.ok) {
      let matches = false;
      try {
        matches = leaf.checkPrivateKey(key.key);
      } catch {
        matches = false;
      }
      statuses.push(matches ? 'pass' : 'fail');
      parts.push(matches ? 'the private key matches' : `the private key ${ref.keyPath} does NOT match the certificate`);
    } else {
      statuses.push(key.encrypted ? 'info' : 'error');
      parts.push(key.why);
    }
  }
  const evidence = [{ file: ref.path, text: `public key ${strength.description}` }, ...ref.evidence];
  return item(ref.path, worst(statuses), parts.join('; '), evidence);
}

export const keyCheck: Check = guardedCheck({
  id: 'tls.cert.key',
  area: 'tls',
  title: 'Certificate keys are strong and match',
  severity: 'high',
  watch: TLS_WATCH,
  interval: 3600,
  async run(host) {
    const inv = await tlsInventory(host);
    const gate = inventoryGate(keyCheck, inv, 'certs');
    if (gate) return gate;
    const items = await Promise.all(inv.certs.map((ref) => keyItem(host, ref)));
    return fromItems(keyCheck, items, {
      emptySummary: 'no certificate',
      passSummary: `${items.length} certificate(s): strong keys that match their private keys`,
    });
  },
});
