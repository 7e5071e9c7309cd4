// updates.pending.security: no security update is waiting to be installed.
// Candidates come from apt's lists as apt would pick them (pending.ts); a
// pending update is a security one when it reaches a version published by a
// security archive (assets/policy/updates.json "pending").

import type { Check, Evidence, Item, RunContext } from '../../src/core/types';
import { finding, guardedCheck, listSome } from './finding';
import { APT_LISTS } from './apt-lists';
import { detectDnf, noPackageManagerReason } from './dnf';
import { dnfPendingSecurity } from './dnf-pending';
import { describeSource, describeUpdate, listsAge, NOT_MODELLED, PENDING_WATCH, readPendingUpdates, updateEvidence, type PendingUpdate } from './pending';
import { updatesPolicy } from './policy';

const POLICY = updatesPolicy.pending;

function securityItem(u: PendingUpdate): Item {
  const sec = u.security;
  const from = sec && u.from.includes(sec) ? describeSource(sec.source) : [...new Set(u.from.map((v) => describeSource(v.source)))].join(', ');
  // The candidate is newer than the security archive's version: upgrading to it brings that fix too.
  const via = sec && !u.from.includes(sec) ? `; supersedes security update ${sec.version} (${describeSource(sec.source)})` : '';
  return { subject: u.subject, status: 'fail', summary: `${describeUpdate(u)} (${from}${via})`, evidence: updateEvidence(u) };
}

export const pendingSecurity: Check = guardedCheck({
  id: 'updates.pending.security',
  area: 'updates',
  title: 'No security updates are pending',
  severity: 'high',
  watch: PENDING_WATCH,
  interval: 3600,
  timeoutMs: 120_000,
  async run(host, ctx: RunContext) {
    const reading = await readPendingUpdates(host);
    switch (reading.kind) {
      case 'no-dpkg': {
        const dnf = await detectDnf(host);
        if (dnf) return dnfPendingSecurity(pendingSecurity, host, dnf, ctx);
        return finding(pendingSecurity, 'skip', await noPackageManagerReason(host));
      }
      case 'error':
        return finding(pendingSecurity, 'error', reading.summary, reading.evidence);
      case 'no-lists':
        return finding(pendingSecurity, 'warn', `cannot tell: ${reading.why}; run apt-get update`, reading.evidence);
      case 'ok':
        break;
    }
    const security = reading.updates.filter((u) => u.security !== null);
    const age = listsAge(reading.securitySources.length > 0 ? reading.securitySources : reading.sources, ctx.now);
    const ageText = age ? `; ${age.text}` : '';
    const releaseEvidence: Evidence[] = reading.securitySources
      .filter((s, i, all) => s.releaseFile !== null && all.findIndex((o) => o.releaseFile === s.releaseFile) === i)
      .map((s) => ({ file: s.releaseFile as string, text: `${describeSource(s)}${s.release?.date ? ` Date: ${s.release.date}` : ''}` }));

    if (security.length > 0) {
      const held = security.filter((u) => u.held).length;
      const heldText = held > 0 ? ` (${held} held)` : '';
      const summary = `${security.length} security update${security.length === 1 ? '' : 's'} pending${heldText}: ${listSome(security.map(describeUpdate), POLICY.summaryPackages)}${ageText}`;
      const f = finding(pendingSecurity, 'fail', summary, [...releaseEvidence, ...security.slice(0, POLICY.summaryPackages).flatMap(updateEvidence)]);
      return { ...f, items: security.map(securityItem) };
    }
    if (reading.securitySources.length === 0) {
      return finding(
        pendingSecurity,
        'warn',
        `no security archive among the apt lists (no Release with Label ${POLICY.securityNames.join('/')} or a suite ending in ${POLICY.securitySuffixes.join('/')}): security updates cannot arrive; add the -security suite to sources.list`,
        [{ file: APT_LISTS, text: `${reading.sources.length} lists, none from a security archive` }],
      );
    }
    if (age && age.days > POLICY.listsWarnAfterDays) {
      return finding(pendingSecurity, 'warn', `no security update pending as far as the lists know, but they are stale (${age.text}): run apt-get update`, releaseEvidence);
    }
    return finding(pendingSecurity, 'pass', `no security update pending (${reading.installedCount} packages against ${reading.securitySources.length} security list${reading.securitySources.length === 1 ? '' : 's'}${ageText}; ${NOT_MODELLED})`, releaseEvidence);
  },
});
