// What the rkhunter fixes share: the plan skeleton, and the refusals that
// every one of them makes the same way.

import type { Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { refuse } from '../updates/fix-plan';
import { detectRkhunter } from './presence';

/** rkhunter's commands act on the machine they run on: never "into" --root DIR. */
export const SYSROOT_RUN_REFUSED = 'rkhunter has no --root: it would scan and record the machine hardtop runs on, not the --root tree';

/** The plan, refused when rkhunter is not there to act on; null when it is. */
export async function refuseWithoutRkhunter(host: Host, plan: Plan): Promise<Plan | null> {
  const p = await detectRkhunter(host);
  if (p.kind === 'error') return refuse(plan, p.summary);
  if (p.kind === 'absent' || p.kind === 'removed') return refuse(plan, 'rkhunter is not installed (fix rkhunter.install)');
  return null;
}

/** "1 item" / "2 items" */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
