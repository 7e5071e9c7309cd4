// The policy side of stale services (assets/policy/updates.json
// "staleServices"), shared by reboot.stale-services and
// reboot.restart-services without either importing the other.

import type { Host } from '../../src/host/host';
import { updatesPolicy } from '../updates/policy';
import { scanProcesses, type ProcScan, type StaleGroup } from './stale-scan';

export const STALE_POLICY = updatesPolicy.staleServices;

export const NOT_LIVE = "skipped under --root: the running processes are not the sysroot's";

/** The scan with the policy's bounds and ignore rules. */
export function scanStale(host: Host): Promise<ProcScan> {
  return scanProcesses(host, STALE_POLICY);
}

/** Units reboot.restart-services leaves alone (needrestart's override_rc). */
export function restartNever(unit: string): boolean {
  return STALE_POLICY.restartNever.some((src) => new RegExp(src).test(unit));
}

export function isRestartable(g: StaleGroup): boolean {
  return g.kind === 'service' && g.unit !== null && !restartNever(g.unit);
}
