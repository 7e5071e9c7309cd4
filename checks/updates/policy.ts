// Thresholds for the updates and reboot checks, from assets/ (policy is data).

import raw from '../../assets/policy/updates.json';

export interface UpdatesPolicy {
  lastRun: { warnAfterHours: number; failAfterHours: number; futureToleranceHours: number };
  apt: { timers: string[]; package: string };
  reboot: { summaryPackages: number };
}

/** Problems with the policy data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function policyProblems(p: UpdatesPolicy): string[] {
  const problems: string[] = [];
  const { warnAfterHours, failAfterHours, futureToleranceHours } = p.lastRun;
  for (const [name, v] of Object.entries({ warnAfterHours, failAfterHours, futureToleranceHours })) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`lastRun.${name} must be a number ≥ 0`);
  }
  if (warnAfterHours > failAfterHours) problems.push('lastRun.warnAfterHours must not exceed failAfterHours');
  if (!Array.isArray(p.apt.timers) || p.apt.timers.some((t) => typeof t !== 'string' || !t.endsWith('.timer'))) {
    problems.push('apt.timers must be unit names ending in .timer');
  }
  if (typeof p.apt.package !== 'string' || p.apt.package === '') problems.push('apt.package must be a package name');
  if (!Number.isInteger(p.reboot.summaryPackages) || p.reboot.summaryPackages < 1) problems.push('reboot.summaryPackages must be an integer ≥ 1');
  return problems;
}

export const updatesPolicy: UpdatesPolicy = raw;
