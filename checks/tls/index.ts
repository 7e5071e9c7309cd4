// The tls area, in CHECKS.md order. Not in this slice: tls.cert.ct (needs an
// ASN.1 decoder for the SCT list) and tls.ocsp (needs a loopback-only OCSP
// responder for its tests). No fix is written yet (tls.renew, tls.protocols,
// tls.stapling), so findings offer none.
//
// makeTlsChecks({ prober }) builds the same checks with a given prober (tests
// against a real nginx on loopback); the exported `checks` use the Host's.

import type { Check, Fix } from '../../src/core/types';
import { makeChainCheck } from './chain';
import { makeCiphersCheck } from './ciphers';
import { expiryCheck } from './expiry';
import { hostnameCheck } from './hostname';
import { keyCheck } from './key';
import type { TlsCheckOptions } from './options';
import { makeProtocolsCheck } from './protocols';
import { renewalCheck } from './renewal';
import { makeServedCheck } from './served';

export type { TlsCheckOptions } from './options';
export type { TlsProber } from './probe';

export function makeTlsChecks(opts: TlsCheckOptions = {}): Check[] {
  return [expiryCheck, makeServedCheck(opts), makeChainCheck(opts), hostnameCheck, keyCheck, makeProtocolsCheck(opts), makeCiphersCheck(opts), renewalCheck];
}

export const checks: Check[] = makeTlsChecks();

export const fixes: Fix[] = [];
