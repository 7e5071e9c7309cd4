// Shared by the live tls checks: the finding when probes cannot run, and the
// probe target(s) of one TLS vhost.

import type { Check, Evidence, Finding, Item, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, item } from './finding';
import { inventoryGate, tlsInventory, type TlsInventory } from './inventory';
import { listenEvidence, reach, serverEvidence, sniChoices, type TlsVhost } from './nginx';
import { chooseProber, type ProbeTarget, type TlsProber } from './probe';

export interface VhostTargets {
  vhost: TlsVhost;
  targets: Array<{ target: ProbeTarget; label: string }>;
  evidence: Evidence[];
}

/** Where to probe a TLS vhost (one target per SNI name), or the item that says why not. */
export function vhostTargets(vhost: TlsVhost): VhostTargets | Item {
  const model = vhost.model;
  const evidence = [serverEvidence(vhost.server)];
  const r = reach(vhost.tlsListens);
  if (!r.ok) return item(vhost.label, 'skip', `not probed: ${r.why}`, r.listen ? [listenEvidence(r.listen), ...evidence] : evidence);
  evidence.push(listenEvidence(r.listen));
  const choices = sniChoices(vhost, r.listen, model);
  if ('why' in choices) return item(vhost.label, 'skip', `not probed: ${choices.why}`, evidence);
  return {
    vhost,
    evidence,
    targets: choices.map((c) => ({ target: { address: r.address, port: r.port, servername: c.servername }, label: c.label })),
  };
}

export type LiveSetup = { done: Finding } | { inv: TlsInventory; prober: TlsProber };

/** Config gate first (an invalid config is an error even offline), then the probe gate. */
export async function liveSetup(check: Check, host: Host, ctx: RunContext, explicit?: TlsProber): Promise<LiveSetup> {
  const inv = await tlsInventory(host);
  const gate = inventoryGate(check, inv, 'vhosts');
  if (gate) return { done: gate };
  const choice = chooseProber(host, ctx, explicit);
  if (!choice.prober) return { done: finding(check, 'skip', choice.skip) };
  return { inv, prober: choice.prober };
}
