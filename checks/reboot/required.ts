// reboot.required: a reboot is pending. Two signals: Debian/Ubuntu's flag file
// (written by package hooks, listing the packages in .pkgs) and, on the live
// system, a running kernel older than the newest installed one (Debian only
// writes the flag from unattended-upgrades' kernel hook, so the flag alone
// misses a kernel installed by hand). The running kernel is compared the way
// needrestart does: by release (a newer ABI installed) and, for the same
// release, by build (the image's header string vs `uname -v`).

import type { Check, Evidence, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, guardedCheck, listSome, readFailure, thrownMessage } from '../updates/finding';
import { updatesPolicy } from '../updates/policy';
import { offer } from './fixes';
import { kernelImageVersion, sameKernelBuild } from '../../src/parse/kernel-image';
import { judgeRunningKernel, kernelReleaseOfImage } from './kernels';

/** /var/run is a link to /run on current systems; older ones have only /var/run. */
export const REBOOT_FLAGS = ['/run/reboot-required', '/var/run/reboot-required'];

type FlagReading =
  | { kind: 'none' }
  | { kind: 'error'; summary: string; evidence: Evidence[] }
  | { kind: 'flag'; path: string; packages: string[]; since: Date; note: string; evidence: Evidence[] };

async function readFlag(host: Host): Promise<FlagReading> {
  for (const path of REBOOT_FLAGS) {
    const st = await host.stat(path);
    if (!st) continue;
    if (st.kind !== 'file') return { kind: 'error', summary: `${path} is not a regular file (${st.kind}): cannot tell whether a reboot is required`, evidence: [{ file: path }] };
    const evidence: Evidence[] = [{ file: path }];
    const pkgsPath = `${path}.pkgs`;
    let packages: string[] = [];
    let note = '';
    try {
      const pkgs = await host.read(pkgsPath);
      if (pkgs.ok) {
        // One name per line; hooks append, so a package can appear twice.
        packages = [...new Set(pkgs.text.split('\n').map((l) => l.trim()).filter((l) => l !== ''))];
        evidence.push({ file: pkgsPath, text: packages.join(' ') });
      } else if (pkgs.reason !== 'missing') {
        note = ` (${readFailure(pkgsPath, pkgs)})`;
      }
    } catch (err) {
      note = ` (cannot read ${pkgsPath}: ${thrownMessage(err)})`;
    }
    return { kind: 'flag', path, packages, since: new Date(st.mtimeMs), note, evidence };
  }
  return { kind: 'none' };
}

type KernelReading = { kind: 'skipped'; why: string } | { kind: 'current'; text: string } | { kind: 'outdated'; text: string; evidence: Evidence[] };

async function compareKernels(host: Host): Promise<KernelReading> {
  // Under --root the running kernel belongs to this machine, not to the tree.
  if (host.root !== '/') return { kind: 'skipped', why: 'kernel comparison skipped under --root (the running kernel is not the tree\'s)' };
  let running: string;
  try {
    running = (await host.facts()).kernel;
  } catch (err) {
    return { kind: 'skipped', why: `kernel comparison skipped: ${thrownMessage(err)}` };
  }
  if (!running) return { kind: 'skipped', why: 'kernel comparison skipped: running kernel unknown' };
  const images = await host.glob('/boot/vmlinuz-*');
  const installed = images.map((p) => kernelReleaseOfImage(p.slice(p.lastIndexOf('/') + 1))).filter((r): r is string => r !== null);
  const verdict = judgeRunningKernel(running, installed);
  switch (verdict.kind) {
    case 'unknown':
      return { kind: 'skipped', why: `kernel comparison skipped: ${verdict.why}` };
    case 'current':
      return sameBuild(host, running);
    case 'outdated':
      return {
        kind: 'outdated',
        text: `running kernel ${running} is older than installed ${verdict.newest}`,
        evidence: [{ file: `/boot/vmlinuz-${verdict.newest}`, text: `running ${running}` }],
      };
  }
}

/** Only the start of an image holds the setup header (a whole vmlinuz is several MB). */
const IMAGE_HEAD_BYTES = 64 * 1024;

/**
 * Same release as the newest image: is it also the same build? (needrestart's
 * "ABI compatible upgrade": the image was replaced by a newer build of the
 * same ABI.) Compared from the image's header string and the running
 * `uname -v` (/proc/sys/kernel/version); when either is unreadable (not an
 * x86 image, a container) the release comparison stands, and says so.
 */
async function sameBuild(host: Host, running: string): Promise<KernelReading> {
  const current: KernelReading = { kind: 'current', text: `running kernel ${running} is the newest installed` };
  const image = `/boot/vmlinuz-${running}`;
  let head: Buffer | null = null;
  let unameV: string | null = null;
  try {
    head = await host.readBytes(image).then((b) => (b ? b.subarray(0, IMAGE_HEAD_BYTES) : null));
    const v = await host.read('/proc/sys/kernel/version', { maxBytes: 4096 });
    unameV = v.ok ? v.text.trim() : null;
  } catch {
    return current;
  }
  const version = head ? kernelImageVersion(head) : null;
  if (!version || !unameV) return { ...current, text: `${current.text} (release compared; build not: ${!version ? `no version string in ${image}` : 'no /proc/sys/kernel/version'})` };
  if (sameKernelBuild(version, running, unameV)) return { ...current, text: `${current.text} (same build: ${unameV})` };
  return {
    kind: 'outdated',
    text: `running kernel ${running} is an older build than the installed image of the same release (running "${unameV}", ${image}: "${version}")`,
    evidence: [
      { file: image, text: version },
      { file: '/proc/sys/kernel/version', text: unameV },
    ],
  };
}

/** "2026-11-28 06:25 UTC": when the flag was written (its mtime). */
function minute(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const rebootRequired: Check = guardedCheck({
  id: 'reboot.required',
  area: 'reboot',
  title: 'No reboot is pending',
  severity: 'high',
  watch: [...REBOOT_FLAGS, '/boot'],
  interval: 600,
  async run(host, ctx: RunContext) {
    const flag = await readFlag(host);
    if (flag.kind === 'error') return finding(rebootRequired, 'error', flag.summary, flag.evidence);
    const kernel = await compareKernels(host);
    const fixes = offer('reboot.schedule');

    const parts: string[] = [];
    const evidence: Evidence[] = [];
    if (flag.kind === 'flag') {
      // Capitals, then which packages and since when: what a narrow panel shows first.
      const pkgs = flag.packages.length > 0 ? ` by ${listSome(flag.packages, updatesPolicy.reboot.summaryPackages)}` : '';
      const since = flag.since.getTime() <= ctx.now.getTime() ? `${pkgs ? ',' : ''} since ${minute(flag.since)}` : '';
      parts.push(`REBOOT REQUIRED${pkgs}${since} (${flag.path})${flag.note}`);
      evidence.push(...flag.evidence);
    }
    if (kernel.kind === 'outdated') {
      parts.push(kernel.text);
      evidence.push(...kernel.evidence);
    }
    const kernelNote = kernel.kind === 'skipped' ? kernel.why : kernel.text;
    if (parts.length > 0) {
      if (kernel.kind !== 'outdated') parts.push(kernelNote);
      return finding(rebootRequired, 'fail', parts.join('; '), evidence, fixes);
    }
    return finding(rebootRequired, 'pass', `no ${REBOOT_FLAGS[0]}; ${kernelNote}`, evidence);
  },
});
