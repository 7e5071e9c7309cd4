// rkhunter.warnings: the last scan logged no warnings that still matter.
// Each warning of the last scan is an item with its verdict (judge.ts):
// whitelisted since (not counted), known false positive (warn, with the line
// that silences it), upgrade noise or possible tampering (dpkg cross-check),
// or the policy's verdict for its kind.

import type { Check, Evidence, Item, RunContext, Status } from '../../src/core/types';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { offer } from './fixes';
import { JUDGE_WATCH, judgeLastScan, KNOWN_FALSE_POSITIVE, POSSIBLE_TAMPERING, UPGRADE_NOISE, type JudgedItem } from './judge';
import { isoMinute } from './log-load';
import { propupdArgsFor, updatePropertyDb } from './fix-propupd';
import { whitelistWarnings } from './fix-whitelist';
import { gateOnRkhunter } from './presence';
import { whitelistArgsFor } from './whitelist-target';

const ORDER: Status[] = ['fail', 'error', 'warn', 'info', 'pass', 'skip'];
function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((a, b) => (ORDER.indexOf(b) < ORDER.indexOf(a) ? b : a), 'pass');
}

/** The fixes that can act on these items: only ones whose plan would not refuse outright. */
function fixesFor(counted: JudgedItem[]): string[] {
  const ids: string[] = [];
  if (counted.some((i) => i.label === KNOWN_FALSE_POSITIVE && i.whitelist)) ids.push('rkhunter.whitelist');
  // --propupd blesses every file as it is now: never offered next to possible tampering.
  const tampering = counted.some((i) => i.label === POSSIBLE_TAMPERING);
  if (!tampering && counted.some((i) => i.label === UPGRADE_NOISE || i.kind === 'file-missing')) ids.push('rkhunter.propupd');
  return offer(...ids);
}

export const rkhWarnings: Check = guardedCheck({
  id: 'rkhunter.warnings',
  area: 'rkhunter',
  title: 'rkhunter found nothing suspicious',
  severity: 'high',
  watch: JUDGE_WATCH,
  interval: 3600,
  // dpkg --verify reads every file of the packages involved.
  timeoutMs: 180_000,
  async run(host, _ctx: RunContext) {
    const gate = await gateOnRkhunter(rkhWarnings, host);
    if (gate.stop) return gate.stop;
    const judged = await judgeLastScan(host);
    if (judged.kind === 'error') return finding(rkhWarnings, 'error', judged.summary, judged.evidence);
    if (judged.kind === 'none') return finding(rkhWarnings, 'skip', `no scan to judge: ${judged.summary} (see rkhunter.last-scan)`, judged.evidence);
    const { scan, items } = judged;

    const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;
    const unfinished = scan.run.end ? '' : `; it did not finish (no "End date" line), so later tests never ran`;
    const scanEvidence: Evidence = { file: scan.file, line: scan.start.line, text: scan.start.text };
    if (items.length === 0) {
      return finding(rkhWarnings, scan.run.end ? 'pass' : 'warn', `no warnings in ${when}${unfinished}`, [scanEvidence]);
    }

    const counted = items.filter((i) => i.status !== 'pass');
    const whitelisted = items.length - counted.length;
    const status = counted.length === 0 ? 'pass' : worst(counted.map((i) => i.status));
    const finalStatus: Status = !scan.run.end && status === 'pass' ? 'warn' : status;
    const sorted = [...counted].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
    const tampering = counted.filter((i) => i.label === POSSIBLE_TAMPERING).length;
    let summary: string;
    if (counted.length === 0) {
      // The count first, as in every other summary here: the panel row is narrow.
      summary = `no open warnings in ${when}: its ${items.length} warning${items.length === 1 ? ' is' : 's are'} whitelisted since`;
    } else {
      // Possible tampering right after the count: the panel row is narrow, and it is what must not be missed.
      const count = `${counted.length} warning${counted.length === 1 ? '' : 's'}${tampering > 0 ? `, ${tampering} possible tampering,` : ''}`;
      const extra = whitelisted > 0 ? `, ${whitelisted} more whitelisted since` : '';
      summary = `${count} in ${when}${extra}: ${listSome(sorted.map((i) => `${i.subject} [${i.label}]`), 4)}`;
    }
    const f = finding(rkhWarnings, finalStatus, `${summary}${unfinished}`, [scanEvidence], finalStatus === 'pass' ? [] : fixesFor(counted));
    f.items = items.map((i) => {
      const item: Item = { subject: i.subject, status: i.status, summary: i.summary, evidence: i.evidence };
      // The fix for this warning alone (the dashboard's f on a picked item): its
      // whitelist line, or for a file the package manager vouched for (upgrade
      // noise), rkhunter --propupd of just that file.
      const args = whitelistArgsFor(i);
      const files = args ? null : propupdArgsFor(i);
      if (args) item.fix = { id: whitelistWarnings.id, args };
      else if (files && offer(updatePropertyDb.id).length > 0) item.fix = { id: updatePropertyDb.id, args: files };
      return item;
    });
    return f;
  },
});
