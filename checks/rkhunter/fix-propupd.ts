// rkhunter.propupd: `rkhunter --propupd --nolog` in the embedded terminal:
// record the CURRENT properties (hash, owner, mode, inode …) of every file
// rkhunter checks as the good state.
//
// That blesses whatever is on disk now, a trojaned binary included. So the
// plan first judges the last scan's warnings (the dpkg cross-check of
// rkhunter.warnings) and refuses while any is possible tampering; files dpkg
// could not vouch for are listed for the admin to check first.
//
// `--arg files=…` records ONLY files the package manager vouched for: the
// upgrade noise of the last scan (`noise`: all of it; or named files, each of
// which must be upgrade noise there), as `rkhunter --propupd F1,F2 --nolog`
// (rkhunter 1.4.6 updates just those entries of rkhunter.dat). Possible
// tampering elsewhere does not block it: those files stay as they were
// recorded, so rkhunter keeps flagging them. Each upgrade-noise item of
// rkhunter.warnings carries this fix with its own file.
//
// --nolog, as Debian's own apt hook runs it: without it rkhunter replaces its
// log with one that holds no scan, and the last scan's evidence is gone.

import type { Fix, FixArgs, FixParam, Plan } from '../../src/core/types';
import { listSome } from '../updates/finding';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { count, refuseWithoutRkhunter, SYSROOT_RUN_REFUSED } from './fix-common';
import { judgeLastScan, POSSIBLE_TAMPERING, UPGRADE_NOISE, type JudgedItem } from './judge';
import { isoMinute } from './log-load';

/** Verdicts dpkg could not settle: the admin must look before blessing these files. */
const UNSETTLED = new Set(['not verified', 'not verifiable', 'attributes changed']);

/** `--arg files=noise`: every upgrade-noise file of the last scan. */
export const ALL_NOISE = 'noise';

/**
 * A path rkhunter's --propupd takes as one entry of its comma-separated list
 * and greps for literally enough: absolute, no comma, blank, glob or quote.
 */
const PROPUPD_PATH = /^\/[A-Za-z0-9._+@%:/-]+$/;

export function propupdPathOk(path: string): boolean {
  return PROPUPD_PATH.test(path) && !path.split('/').includes('..');
}

/** `--arg files=…`: `noise`, or absolute paths separated by commas. */
export const FILES_PARAM: FixParam = {
  name: 'files',
  describe: `'${ALL_NOISE}' (the files the last scan flagged and the package manager vouched for) or such files, comma-separated; left out: the whole database`,
  pattern: /noise|\/[A-Za-z0-9._+@%:/-]+(?:,\/[A-Za-z0-9._+@%:/-]+)*/,
  optional: true,
};

/** The upgrade-noise items of the last scan, the files the package manager vouched for. */
export function upgradeNoise(items: readonly JudgedItem[]): JudgedItem[] {
  return items.filter((i) => i.status !== 'pass' && i.kind === 'file-properties' && i.label === UPGRADE_NOISE);
}

/** The item's own fix args: just this file, when it is upgrade noise rkhunter can be told about. */
export function propupdArgsFor(item: JudgedItem): { files: string } | null {
  return upgradeNoise([item]).length === 1 && propupdPathOk(item.subject) ? { files: item.subject } : null;
}

export const updatePropertyDb: Fix = {
  id: 'rkhunter.propupd',
  title: "Record the current files as rkhunter's good state (rkhunter --propupd, in the terminal)",
  area: 'rkhunter',
  // It decides what every later scan trusts: not a step to take by reflex.
  risk: 'disruptive',
  params: [FILES_PARAM],
  verifies: ['rkhunter.propdb'],
  async plan(host, _ctx, args?: FixArgs): Promise<Plan> {
    if (args?.files !== undefined) return planFiles(host, args.files);
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
      if (noise.length > 0) plan.warnings.push(`upgrade noise (the file matches its package): ${listSome(noise.map((i) => i.subject), 10)}; to record only these: --arg files=${ALL_NOISE}`);
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

/** `--arg files=…`: only files the package manager vouched for (upgrade noise of the last scan). */
async function planFiles(host: Parameters<Fix['plan']>[0], files: string): Promise<Plan> {
  const plan: Plan = {
    ...emptyPlan(updatePropertyDb),
    title: "Record the files the package manager vouched for as rkhunter's good state (rkhunter --propupd FILE…, in the terminal)",
  };
  const missing = await refuseWithoutRkhunter(host, plan);
  if (missing) return missing;
  const judged = await judgeLastScan(host);
  if (judged.kind === 'error') return refuse(plan, `cannot judge the last scan's warnings: ${judged.summary}; fix that first`);
  if (judged.kind === 'none') return refuse(plan, `no scan to take the files from: ${judged.summary}`);
  const { scan, items } = judged;
  const when = `the last scan (${isoMinute(scan.startedAt)}, ${scan.where})`;
  const noise = upgradeNoise(items);
  let chosen: JudgedItem[];
  if (files === ALL_NOISE) {
    if (noise.length === 0) return refuse(plan, `${when} flagged no changed file that matches its package (upgrade noise): nothing to record`);
    chosen = noise;
  } else {
    const asked = [...new Set(files.split(','))];
    const refusals: string[] = [];
    chosen = [];
    for (const path of asked) {
      const item = noise.find((i) => i.subject === path);
      if (item) {
        chosen.push(item);
        continue;
      }
      const other = items.find((i) => i.subject === path && i.status !== 'pass');
      refusals.push(other ? `${path} is ${other.label}, not upgrade noise` : `${when} did not flag ${path} as changed`);
    }
    if (refusals.length > 0) return refuse(plan, `only files the package manager vouched for are recorded: ${refusals.join('; ')}`);
  }
  const unsafe = chosen.filter((i) => !propupdPathOk(i.subject));
  if (unsafe.length > 0) return refuse(plan, `${unsafe.map((i) => JSON.stringify(i.subject)).join(', ')}: a name rkhunter's --propupd list cannot hold (comma, blank, quote …); run rkhunter --propupd by hand`);
  const paths = chosen.map((i) => i.subject);
  plan.commands.push({
    argv: ['rkhunter', '--propupd', paths.join(','), '--nolog'],
    describe: `record the current properties of ${count(paths.length, 'file')} in rkhunter's database (rkhunter.dat), every other entry kept: ${listSome(paths, 10)}`,
    interactive: true,
    timeoutMs: 30 * 60_000,
  });
  plan.warnings.push(
    `upgrade noise in ${when}, each file matching its package: ${listSome(paths, 10)}`,
  );
  const tampering = items.filter((i) => i.status !== 'pass' && i.label === POSSIBLE_TAMPERING);
  if (tampering.length > 0) {
    plan.warnings.push(`not recorded, possible tampering, rkhunter keeps flagging them: ${listSome(tampering.map((i) => i.subject), 10)}`);
  }
  plan.warnings.push("the last scan's log is kept (--nolog): rkhunter.warnings shows its warnings until the next scan (fix rkhunter.scan)");
  if (host.root !== '/') return refuse(plan, SYSROOT_RUN_REFUSED);
  return plan;
}
