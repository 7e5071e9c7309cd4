// The tls area, in CHECKS.md order. Fixes: tls.renew (certbot renew + nginx
// reload); tls.protocols and tls.stapling are not written yet, so findings
// do not offer them.
//
// makeTlsChecks({ prober }) builds the same checks with a given prober (tests
// against a real nginx on loopback); the exported `checks` use the Host's.

import type { Check, Fix } from '../../src/core/types';
import { makeChainCheck } from './chain';
import { makeCiphersCheck } from './ciphers';
import { ctCheck } from './ct';
import { expiryCheck } from './expiry';
import { renewFix } from './fix-renew';
import { hostnameCheck } from './hostname';
import { keyCheck } from './key';
import { makeOcspCheck } from './ocsp';
import type { TlsCheckOptions } from './options';
import { makeProtocolsCheck } from './protocols';
import { renewalCheck } from './renewal';
import { makeServedCheck } from './served';

export type { TlsCheckOptions } from './options';
export type { TlsProber } from './probe';
export { makeRenewFix, type RenewOptions } from './fix-renew';

export function makeTlsChecks(opts: TlsCheckOptions = {}): Check[] {
  return [
    expiryCheck,
    makeServedCheck(opts),
    makeChainCheck(opts),
    hostnameCheck,
    keyCheck,
    ctCheck,
    makeOcspCheck(opts),
    makeProtocolsCheck(opts),
    makeCiphersCheck(opts),
    renewalCheck,
  ];
}

export const checks: Check[] = makeTlsChecks();

export const fixes: Fix[] = [renewFix];
