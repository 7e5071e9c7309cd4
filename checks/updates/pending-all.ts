// updates.pending.all (info): how many updates of any kind are waiting, each
// as an item: on apt systems computed from apt's lists as
// updates.pending.security is; on dnf systems asked of dnf from its cache
// (dnf-pending.ts, live system only).

import type { Check, Item, RunContext } from '../../src/core/types';
import { APT_LISTS } from './apt-lists';
import { detectDnf, noPackageManagerReason } from './dnf';
import { dnfPendingAll } from './dnf-pending';
import { finding, guardedCheck, listSome } from './finding';
import { describeSource, describeUpdate, listsAge, NOT_MODELLED, PENDING_WATCH, readPendingUpdates, updateEvidence, type PendingUpdate } from './pending';
import { updatesPolicy } from './policy';

function item(u: PendingUpdate): Item {
  const from = [...new Set(u.from.map((v) => describeSource(v.source)))].join(', ');
  return { subject: u.subject, status: 'info', summary: `${describeUpdate(u)} (${from}${u.security ? '; security' : ''})`, evidence: updateEvidence(u) };
}

export const pendingAll: Check = guardedCheck({
  id: 'updates.pending.all',
  area: 'updates',
  title: 'Pending updates',
  severity: 'info',
  watch: PENDING_WATCH,
  interval: 3600,
  timeoutMs: 120_000,
  async run(host, ctx: RunContext) {
    const reading = await readPendingUpdates(host);
    switch (reading.kind) {
      case 'no-dpkg': {
        const dnf = await detectDnf(host);
        if (dnf) return dnfPendingAll(pendingAll, host, dnf, ctx);
        return finding(pendingAll, 'skip', await noPackageManagerReason(host));
      }
      case 'error':
        return finding(pendingAll, 'error', reading.summary, reading.evidence);
      case 'no-lists':
        return finding(pendingAll, 'info', `unknown: ${reading.why}`, reading.evidence);
      case 'ok':
        break;
    }
    const age = listsAge(reading.sources, ctx.now);
    const ageText = age ? `; ${age.text}` : '';
    const { updates } = reading;
    if (updates.length === 0) {
      return finding(pendingAll, 'info', `0 updates pending (${reading.installedCount} packages, ${reading.sources.length} lists${ageText})`, [{ file: APT_LISTS, text: `${reading.sources.length} lists` }]);
    }
    const security = updates.filter((u) => u.security !== null).length;
    const held = updates.filter((u) => u.held).length;
    const counts = [security > 0 ? `${security} security` : '', held > 0 ? `${held} held` : ''].filter((x) => x !== '').join(', ');
    const summary = `${updates.length} update${updates.length === 1 ? '' : 's'} pending${counts ? ` (${counts})` : ''}: ${listSome(updates.map(describeUpdate), updatesPolicy.pending.summaryPackages)}${ageText}; ${NOT_MODELLED}`;
    const f = finding(pendingAll, 'info', summary, updates.slice(0, updatesPolicy.pending.summaryPackages).flatMap(updateEvidence));
    return { ...f, items: updates.map(item) };
  },
});
