// The tls area, in CHECKS.md order. Fixes: tls.renew (certbot renew + nginx
// reload), tls.protocols (ssl_protocols TLSv1.2 TLSv1.3), tls.stapling
// (ssl_stapling where the certificate has an OCSP URL); the nginx config
// fixes validate with nginx -t on a staged copy, reload, and are verified live.
//
// makeTlsChecks({ prober }) builds the same checks with a given prober (tests
// against a real nginx on loopback); the exported `checks` use the Host's.

import type { Check, Fix } from '../../src/core/types';
import { makeChainCheck } from './chain';
import { makeCiphersCheck } from './ciphers';
import { ctCheck } from './ct';
import { expiryCheck } from './expiry';
import { renewFix } from './fix-renew';
import { protocolsFix } from './fix-protocols';
import { staplingFix } from './fix-stapling';
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

export const fixes: Fix[] = [renewFix, protocolsFix, staplingFix];
