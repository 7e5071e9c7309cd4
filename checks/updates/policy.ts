// Thresholds for the updates and reboot checks, from assets/ (policy is data).

import raw from '../../assets/policy/updates.json';

export interface UpdatesPolicy {
  lastRun: { warnAfterHours: number; failAfterHours: number; futureToleranceHours: number };
  apt: { timers: string[]; package: string };
  reboot: { summaryPackages: number };
  pending: { securityNames: string[]; securitySuffixes: string[]; listsWarnAfterDays: number; summaryPackages: number };
  dnf: {
    config: string;
    dnf4: DnfFlavourPolicy & { program: string };
    dnf5: DnfFlavourPolicy & { defaults: string };
    enable: { upgrade_type: string; apply_updates: string; reboot: string };
  };
  staleServices: {
    ignorePrefixes: string[];
    ignorePatterns: string[];
    maxProcesses: number;
    budgetMs: number;
    summaryServices: number;
    restartNever: string[];
  };
}

export interface DnfFlavourPolicy {
  package: string;
  /** Timers whose runs install updates (first: the one the fix enables). */
  applyTimers: string[];
  /** Timers that only download or notify. */
  otherTimers: string[];
  log: string;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');
}

function badRegExps(list: readonly string[]): string[] {
  return list.filter((src) => {
    try {
      new RegExp(src);
      return false;
    } catch {
      return true;
    }
  });
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

  const pending = p.pending;
  if (!isStringList(pending.securityNames)) problems.push('pending.securityNames must be a list of Label/Origin names');
  if (!isStringList(pending.securitySuffixes) || pending.securitySuffixes.length === 0) problems.push('pending.securitySuffixes must be a non-empty list of suffixes');
  if (typeof pending.listsWarnAfterDays !== 'number' || !(pending.listsWarnAfterDays > 0)) problems.push('pending.listsWarnAfterDays must be a number > 0');
  if (!Number.isInteger(pending.summaryPackages) || pending.summaryPackages < 1) problems.push('pending.summaryPackages must be an integer ≥ 1');

  const stale = p.staleServices;
  if (!isStringList(stale.ignorePrefixes) || stale.ignorePrefixes.some((x) => !x.startsWith('/'))) problems.push('staleServices.ignorePrefixes must be absolute path prefixes');
  for (const key of ['ignorePatterns', 'restartNever'] as const) {
    if (!isStringList(stale[key])) problems.push(`staleServices.${key} must be a list of regular expressions`);
    else for (const bad of badRegExps(stale[key])) problems.push(`staleServices.${key}: not a regular expression: ${bad}`);
  }
  for (const key of ['maxProcesses', 'budgetMs', 'summaryServices'] as const) {
    if (!Number.isInteger(stale[key]) || stale[key] < 1) problems.push(`staleServices.${key} must be an integer ≥ 1`);
  }
  const dnf = p.dnf;
  if (!dnf.config.startsWith('/')) problems.push('dnf.config must be an absolute path');
  for (const [name, f] of Object.entries({ dnf4: dnf.dnf4, dnf5: dnf.dnf5 })) {
    if (!isStringList(f.applyTimers) || f.applyTimers.length === 0 || f.applyTimers.some((t) => !t.endsWith('.timer'))) problems.push(`dnf.${name}.applyTimers must be unit names ending in .timer`);
    if (!Array.isArray(f.otherTimers) || f.otherTimers.some((t) => typeof t !== 'string' || !t.endsWith('.timer'))) problems.push(`dnf.${name}.otherTimers must be unit names ending in .timer`);
    if (typeof f.package !== 'string' || f.package === '') problems.push(`dnf.${name}.package must be a package name`);
    if (!f.log.startsWith('/')) problems.push(`dnf.${name}.log must be an absolute path`);
  }
  if (!dnf.dnf4.program.startsWith('/') || !dnf.dnf5.defaults.startsWith('/')) problems.push('dnf.dnf4.program and dnf.dnf5.defaults must be absolute paths');
  if (dnf.enable.upgrade_type !== 'security' && dnf.enable.upgrade_type !== 'default') problems.push('dnf.enable.upgrade_type must be security or default');
  if (dnf.enable.apply_updates !== 'yes') problems.push('dnf.enable.apply_updates must be yes');
  if (!['never', 'when-changed', 'when-needed'].includes(dnf.enable.reboot)) problems.push('dnf.enable.reboot must be never, when-changed or when-needed');
  return problems;
}

export const updatesPolicy: UpdatesPolicy = raw;
