// Which installed kernel is the newest, and is the running one older? Pure.

import { compareDebianVersions } from '../../src/parse/deb-version';

/**
 * "vmlinuz-6.1.0-27-amd64" → "6.1.0-27-amd64". Not kernels: the bare
 * "vmlinuz"/"vmlinuz.old" links and RHEL's "vmlinuz-0-rescue-<machine-id>".
 */
export function kernelReleaseOfImage(fileName: string): string | null {
  const m = /^vmlinuz-(.+)$/.exec(fileName);
  if (!m || m[1].startsWith('0-rescue-')) return null;
  return m[1];
}

/**
 * The flavour after the ABI number: "6.1.0-27-cloud-amd64" → "cloud-amd64",
 * "6.8.0-45-generic" → "generic"; '' for RHEL-style releases. A machine with
 * both cloud and generic kernels boots one flavour: compare like with like.
 */
export function kernelFlavour(release: string): string {
  return /^\d+(?:\.\d+)*-\d+-(.+)$/.exec(release)?.[1] ?? '';
}

export function newestKernel(releases: readonly string[]): string | null {
  let newest: string | null = null;
  for (const r of releases) if (newest === null || compareDebianVersions(r, newest) > 0) newest = r;
  return newest;
}

export type KernelVerdict =
  | { kind: 'current'; newest: string }
  | { kind: 'outdated'; running: string; newest: string }
  /** Nothing of the running kernel's flavour is installed in /boot (containers, custom kernels). */
  | { kind: 'unknown'; why: string };

export function judgeRunningKernel(running: string, installed: readonly string[]): KernelVerdict {
  if (installed.length === 0) return { kind: 'unknown', why: 'no /boot/vmlinuz-* installed' };
  const flavour = kernelFlavour(running);
  const sameFlavour = flavour === '' ? [...installed] : installed.filter((r) => kernelFlavour(r) === flavour);
  const newest = newestKernel(sameFlavour);
  if (newest === null) return { kind: 'unknown', why: `no installed kernel of the running flavour "${flavour}"` };
  if (compareDebianVersions(running, newest) >= 0) return { kind: 'current', newest };
  return { kind: 'outdated', running, newest };
}
