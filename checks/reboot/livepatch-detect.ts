// Live kernel patching, from files: canonical-livepatch (Ubuntu Pro, a snap),
// kpatch (RHEL), and the kernel's own view of loaded patches.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { describeUnit, unitEvidence, unitState, type UnitState } from '../updates/systemd-units';

export interface LivepatchTool {
  name: string;
  installed: boolean;
  service: string;
  state: UnitState;
  evidence: Evidence[];
}

export interface LoadedPatch {
  name: string;
  enabled: boolean;
}

export interface LivepatchState {
  tools: LivepatchTool[];
  /** /sys/kernel/livepatch/* (only there on the live system). */
  loaded: LoadedPatch[];
}

const TOOLS = [
  { name: 'canonical-livepatch', service: 'snap.canonical-livepatch.canonical-livepatchd.service', programs: ['/snap/bin/canonical-livepatch'] },
  { name: 'kpatch', service: 'kpatch.service', programs: ['/usr/sbin/kpatch', '/usr/bin/kpatch'] },
];

export const LIVEPATCH_SYSFS = '/sys/kernel/livepatch';

async function detectTool(host: Host, tool: (typeof TOOLS)[number]): Promise<LivepatchTool> {
  const state = await unitState(host, tool.service);
  const evidence: Evidence[] = [];
  let program: string | null = null;
  for (const p of tool.programs) {
    if (await host.stat(p)) {
      program = p;
      break;
    }
  }
  if (program) evidence.push({ file: program, text: `${tool.name} installed` });
  if (state.state !== 'missing') evidence.push(unitEvidence(tool.service, state));
  return { name: tool.name, installed: program !== null || state.state !== 'missing', service: tool.service, state, evidence };
}

async function loadedPatches(host: Host): Promise<LoadedPatch[]> {
  const names = (await host.list(LIVEPATCH_SYSFS)) ?? [];
  const patches: LoadedPatch[] = [];
  for (const name of names) {
    const r = await host.read(`${LIVEPATCH_SYSFS}/${name}/enabled`).catch(() => null);
    patches.push({ name, enabled: r !== null && r.ok && r.text.trim() === '1' });
  }
  return patches;
}

export async function detectLivepatch(host: Host): Promise<LivepatchState> {
  const tools = await Promise.all(TOOLS.map((t) => detectTool(host, t)));
  return { tools, loaded: await loadedPatches(host) };
}

/** The tools whose service is enabled, and any patch the kernel has applied. */
export function activeLivepatch(state: LivepatchState): string[] {
  const active = state.tools.filter((t) => t.state.state === 'enabled').map((t) => `${t.name} (${t.service} enabled)`);
  const applied = state.loaded.filter((p) => p.enabled).map((p) => p.name);
  if (applied.length > 0) active.push(`${applied.length} live patch(es) applied: ${applied.join(', ')}`);
  return active;
}

/** Evidence for activeLivepatch: the enabling links and the kernel's patch list. */
export function activeLivepatchEvidence(state: LivepatchState): Evidence[] {
  const evidence = state.tools.filter((t) => t.state.state === 'enabled').flatMap((t) => t.evidence);
  const applied = state.loaded.filter((p) => p.enabled);
  if (applied.length > 0) evidence.push({ file: LIVEPATCH_SYSFS, text: applied.map((p) => `${p.name}/enabled=1`).join(' ') });
  return evidence;
}

export function describeTool(tool: LivepatchTool): string {
  if (!tool.installed) return `${tool.name} not installed`;
  return `${tool.name}: ${describeUnit(tool.service, tool.state)}`;
}
