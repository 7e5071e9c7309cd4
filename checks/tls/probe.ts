// The narrow door from the tls and web checks to the network probes.
//
// Checks never open sockets: they ask a TlsProber. In production the prober
// is the Host's own probe methods (tlsHandshake, tlsAccepts, httpGet — see
// src/host/tls-probe.ts and http-probe.ts); a test passes one built from those
// functions directly.
//
// When the live probes run (in this order):
// 1. --no-network (ctx.network or host.network false): never — "skipped: --no-network".
// 2. A prober passed explicitly (tests, or a caller that knows better): always.
// 3. --root DIR with DIR ≠ "/": never. The listeners on this machine are not
//    the sysroot's; probing them would report the wrong system.
// 4. Otherwise the Host's own probe methods.

import type { RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type {
  HttpGetResult,
  HttpTarget,
  ProbeTarget,
  TlsAcceptResult,
  TlsHandshakeOptions,
  TlsHandshakeResult,
  TlsOffer,
} from '../../src/host/probe-types';

export type { HttpGetResult, HttpTarget, ProbeTarget, TlsAcceptResult, TlsHandshakeResult, TlsOffer } from '../../src/host/probe-types';

export interface TlsProber {
  handshake(target: ProbeTarget, opts?: Omit<TlsHandshakeOptions, 'network'>): Promise<TlsHandshakeResult>;
  accepts(target: ProbeTarget, offer: TlsOffer): Promise<TlsAcceptResult>;
  httpGet(target: HttpTarget): Promise<HttpGetResult>;
}

export const NO_NETWORK = 'skipped: --no-network';
export const NOT_LIVE_ROOT = 'not probed: --root is not the running system';

export type ProberChoice = { prober: TlsProber; skip?: undefined } | { prober?: undefined; skip: string };

export function chooseProber(host: Host, ctx: RunContext, explicit?: TlsProber): ProberChoice {
  if (!ctx.network || !host.network) return { skip: NO_NETWORK };
  if (explicit) return { prober: explicit };
  if (host.root !== '/') return { skip: NOT_LIVE_ROOT };
  return {
    prober: {
      handshake: (target, opts) => host.tlsHandshake(target, { ...opts, signal: ctx.signal }),
      accepts: (target, offer) => host.tlsAccepts(target, offer, { signal: ctx.signal }),
      httpGet: (target) => host.httpGet(target, { signal: ctx.signal }),
    },
  };
}

/** One line for a probe that did not get an answer from the server. */
export function notRunText(r: { outcome: string; reason?: string; error?: string }): string {
  switch (r.outcome) {
    case 'skipped':
    case 'refused':
      return r.reason ?? r.outcome;
    case 'unreachable':
      return `not reachable: ${r.error ?? ''}`;
    default:
      return r.error ?? r.outcome;
  }
}
