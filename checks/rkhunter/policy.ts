// Thresholds, known false positives and warning kinds for the rkhunter checks,
// from assets/ (policy is data).

import raw from '../../assets/policy/rkhunter.json';
import type { Status } from '../../src/core/types';

export const WARNING_KINDS = [
  'hidden-dir',
  'hidden-file',
  'dev-files',
  'script-replaced',
  'file-properties',
  'file-missing',
  'ssh-root-unset',
  'ssh-protocol-unset',
  'syslog-not-running',
  'modules-missing',
  'accounts-no-copy',
  'accounts-changed',
  'root-equivalent',
  'rootkit',
  'other',
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

export interface KnownPath {
  path: string;
  why: string;
}

export interface WarningKindPolicy {
  status: Status;
  /** The rkhunter option that whitelists this kind, when there is one. */
  option: string | null;
  explain: string;
}

export interface RkhunterPolicy {
  package: string;
  programs: string[];
  upstream: { lastRelease: string; lastReleaseDate: string; note: string };
  lastScan: { maxAgeDays: number; futureToleranceHours: number };
  propdb: { defaultDbDir: string; file: string };
  /** otherPaths: where distributions put LOGFILE (EPEL: /var/log/rkhunter/rkhunter.log), watched for live refresh too. */
  log: { defaultPath: string; otherPaths: string[]; maxBytes: number };
  /** cacheMaxAgeSeconds: how long a remembered rkhunter -C verdict is trusted (it also checks paths no cache key sees). */
  config: { checkTimeoutMs: number; cacheMaxAgeSeconds: number };
  verify: { timeoutMs: number; maxPackages: number };
  /** Packages that run /etc/cron.daily (Debian names), and the one to suggest when none is installed. */
  schedule: { cronPackages: string[]; suggestPackage: string };
  knownFalsePositives: { hiddenDirs: KnownPath[]; hiddenFiles: KnownPath[]; scripts: KnownPath[]; devFiles: KnownPath[] };
  warningKinds: Record<WarningKind, WarningKindPolicy>;
}

/** Problems with the policy data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function policyProblems(p: RkhunterPolicy): string[] {
  const problems: string[] = [];
  const positive = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`${name} must be a number > 0`);
  };
  positive('lastScan.maxAgeDays', p.lastScan.maxAgeDays);
  positive('lastScan.futureToleranceHours', p.lastScan.futureToleranceHours);
  positive('log.maxBytes', p.log.maxBytes);
  positive('config.checkTimeoutMs', p.config.checkTimeoutMs);
  positive('config.cacheMaxAgeSeconds', p.config.cacheMaxAgeSeconds);
  positive('verify.timeoutMs', p.verify.timeoutMs);
  positive('verify.maxPackages', p.verify.maxPackages);
  if (p.schedule.cronPackages.length === 0 || !p.schedule.cronPackages.includes(p.schedule.suggestPackage)) {
    problems.push('schedule: cronPackages must list the suggested package');
  }
  if (!p.programs.every((x) => x.startsWith('/'))) problems.push('programs must be absolute paths');
  if (!p.propdb.defaultDbDir.startsWith('/') || p.propdb.file.includes('/')) problems.push('propdb: an absolute dir and a file name');
  if (!p.log.defaultPath.startsWith('/')) problems.push('log.defaultPath must be absolute');
  if (!Array.isArray(p.log.otherPaths) || !p.log.otherPaths.every((x) => typeof x === 'string' && x.startsWith('/'))) problems.push('log.otherPaths must be absolute paths');
  for (const [list, entries] of Object.entries(p.knownFalsePositives)) {
    for (const e of entries as KnownPath[]) {
      if (!e.path.startsWith('/') || !e.why) problems.push(`knownFalsePositives.${list}: ${JSON.stringify(e)} needs an absolute path and a why`);
    }
  }
  for (const kind of WARNING_KINDS) {
    const k = p.warningKinds[kind];
    if (!k) {
      problems.push(`warningKinds.${kind} is missing`);
      continue;
    }
    if (!['pass', 'warn', 'fail', 'info'].includes(k.status)) problems.push(`warningKinds.${kind}.status must be pass, warn, fail or info`);
    if (!k.explain) problems.push(`warningKinds.${kind}.explain is empty`);
  }
  for (const kind of Object.keys(p.warningKinds)) {
    if (!(WARNING_KINDS as readonly string[]).includes(kind)) problems.push(`warningKinds.${kind} is not a kind the code knows`);
  }
  return problems;
}

export const rkhunterPolicy: RkhunterPolicy = raw as RkhunterPolicy;
