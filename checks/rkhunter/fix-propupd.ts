// rkhunter.propupd: `rkhunter --propupd --nolog` in the embedded terminal:
// record the CURRENT properties (hash, owner, mode, inode …) of every file
// rkhunter checks as the good state.
//
// That blesses whatever is on disk now, a trojaned binary included. So the
// plan first judges the last scan's warnings (the dpkg cross-check of
// rkhunter.warnings) and refuses while any is possible tampering; files dpkg
// could not vouch for are listed for the admin to check first.
//
// --nolog, as Debian's own apt hook runs it: without it rkhunter replaces its
// log with one that holds no scan, and the last scan's evidence is gone.

import type { Fix, Plan } from '../../src/core/types';
import { listSome } from '../updates/finding';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { count, refuseWithoutRkhunter, SYSROOT_RUN_REFUSED } from './fix-common';
import { judgeLastScan, POSSIBLE_TAMPERING, UPGRADE_NOISE } from './judge';
import { isoMinute } from './log-load';

/** Verdicts dpkg could not settle: the admin must look before blessing these files. */
const UNSETTLED = new Set(['not verified', 'not verifiable', 'attributes changed']);

export const updatePropertyDb: Fix = {
  id: 'rkhunter.propupd',
  title: "Record the current files as rkhunter's good state (rkhunter --propupd, in the terminal)",
  area: 'rkhunter',
  // It decides what every later scan trusts: not a step to take by reflex.
  risk: 'disruptive',
  verifies: ['rkhunter.propdb'],
  async plan(host): Promise<Plan> {
    const plan: Plan = {
      ...emptyPlan(updatePropertyDb),
      commands: [
        {
          argv: ['rkhunter', '--propupd', '--nolog'],
          describe: "record the current properties of every file rkhunter checks in its database (rkhunter.dat)",
          interactive: true,
          timeoutMs: 30 * 60_000,
        },
      ],
      warnings: [
        'rkhunter --propupd blesses the CURRENT state of every file it checks: a binary replaced before now becomes "known good" for every later scan; run it only once the warnings are understood as upgrade noise (dpkg --verify agrees)',
      ],
    };
    const missing = await refuseWithoutRkhunter(host, plan);
    if (missing) return missing;

    const judged = await judgeLastScan(host);
    if (judged.kind === 'error') return refuse(plan, `cannot judge the last scan's warnings: ${judged.summary}; fix that first`);
    if (judged.kind === 'none') {
      plan.warnings.push(`no scan to cross-check (${judged.summary}): nothing tells whether the files are genuine; consider dpkg --verify first`);
    } else {
      const { scan, items } = judged;
      const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;
      const open = items.filter((i) => i.status !== 'pass');
      const tampering = open.filter((i) => i.label === POSSIBLE_TAMPERING);
      const noise = open.filter((i) => i.label === UPGRADE_NOISE);
      const unsettled = open.filter((i) => UNSETTLED.has(i.label));
      plan.warnings.push(`${when} had ${count(tampering.length, 'possible tampering item')}, ${noise.length} upgrade noise`);
      if (noise.length > 0) plan.warnings.push(`upgrade noise (the file matches its package): ${listSome(noise.map((i) => i.subject), 10)}`);
      if (unsettled.length > 0) {
        plan.warnings.push(`dpkg could not vouch for ${count(unsettled.length, 'changed file')}: ${listSome(unsettled.map((i) => `${i.subject} [${i.label}]`), 10)}; check them by hand before`);
      }
      plan.warnings.push("the last scan's log is kept (--nolog): rkhunter.warnings shows its warnings until the next scan (fix rkhunter.scan)");
      if (tampering.length > 0) {
        return refuse(
          plan,
          `${when} flagged ${tampering.length} possible tampering: ${tampering.map((i) => i.summary).join('; ')} — investigate (dpkg --verify, reinstall the package) before blessing the current files`,
        );
      }
    }
    if (host.root !== '/') return refuse(plan, SYSROOT_RUN_REFUSED);
    return plan;
  },
};
