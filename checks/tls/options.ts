// What a caller may hand the tls/web check factories: a prober (tests, or a
// caller that probes by other means) and extra trust anchors (a private CA the
// admin configured). Production uses neither: see probe.ts for the defaults.

import type { TlsProber } from './probe';

export interface TlsCheckOptions {
  prober?: TlsProber;
  /** PEM certificates trusted in addition to the system store (a private CA). */
  extraAnchors?: string[];
}
