// One `Include` expansion for sshd_config and ssh_config, pure (reads go
// through the caller's ConfigSource). Both are OpenSSH: each pattern is a
// glob(3) expanded in sorted order, each match is read and parsed again every
// time it is included (no "seen" set: a loop ends at the depth limit, 16 in
// both), and a pattern that matches nothing is silently nothing. What differs
// is passed in:
//   - how a pattern resolves (sshd: relative to /etc/ssh; ssh: ~ and
//     relative to ~/.ssh for a user's file, /etc/ssh for the system one);
//   - what a match that cannot be read means (sshd dies on it except a
//     directory; ssh skips a missing one or a directory);
//   - whether a failing glob is fatal (sshd) or not (ssh).
// Work limits: a file that includes itself twice is 2^16 parses for OpenSSH
// (three times: 3^16, a hang). Past a number of file loads or bytes hardtop
// stops and says so, fatal as the depth limit is.

import type { ConfigSource, SourceRead } from './sshd-config';

export type IncludeProblemKind = 'io' | 'include-depth' | 'per-user';

/** Shared by every Include of one load (the limits are per configuration, not per line). */
export interface IncludeBudget {
  maxLoads: number;
  maxBytes: number;
  loads: number;
  bytes: number;
  over: boolean;
}

export function includeBudget(maxLoads: number, maxBytes: number): IncludeBudget {
  return { maxLoads, maxBytes, loads: 0, bytes: 0, over: false };
}

export interface IncludeRules {
  source: ConfigSource;
  maxDepth: number;
  budget: IncludeBudget;
  resolve(pattern: string): { path: string } | { unresolved: string };
  /** A match that cannot be read: null to skip it silently, else a problem (fatal or not). */
  unreadable(r: Extract<SourceRead, { ok: false }>): { fatal: boolean } | null;
  /** A glob that throws is fatal (sshd) or not (ssh). */
  globFatal: boolean;
  /** A problem of the Include line being expanded (the caller knows its file:line). */
  problem(kind: IncludeProblemKind, message: string, fatal: boolean): void;
  /** Parse an included file one level deeper. */
  parse(target: string, text: string): Promise<void>;
  /** Filled in: every resolved pattern and every match, in order. */
  record: { resolved: string[]; matched: string[] };
}

/** Never throws: a source that throws becomes a problem. */
export async function followInclude(patterns: readonly string[], depth: number, rules: IncludeRules): Promise<void> {
  const { budget } = rules;
  for (const pattern of patterns) {
    const r = rules.resolve(pattern);
    if ('unresolved' in r) {
      rules.problem('per-user', `Include ${pattern}: ${r.unresolved}`, false);
      continue;
    }
    rules.record.resolved.push(r.path);
    let found: string[];
    try {
      found = await rules.source.glob(r.path);
    } catch (err) {
      rules.problem('io', `Include ${pattern}: ${oneLine(err)}`, rules.globFatal);
      continue;
    }
    for (const target of found) {
      rules.record.matched.push(target);
      if (budget.over) return;
      if (depth + 1 > rules.maxDepth) {
        rules.problem('include-depth', `Include ${target}: too many recursive configuration includes (more than ${rules.maxDepth} deep; a loop?)`, true);
        return;
      }
      const got = await safeRead(rules.source, target);
      budget.loads++;
      budget.bytes += got.ok ? got.text.length : 0;
      if (budget.loads > budget.maxLoads || budget.bytes > budget.maxBytes) {
        budget.over = true;
        rules.problem('include-depth', `Include ${target}: more than ${budget.maxLoads} included files or ${budget.maxBytes / 1048576} MiB read (a loop?): hardtop stops here`, true);
        return;
      }
      if (!got.ok) {
        const verdict = rules.unreadable(got);
        if (verdict) rules.problem('io', `Include ${target}: ${got.message}`, verdict.fatal);
        continue;
      }
      await rules.parse(target, got.text);
    }
  }
}

export async function safeRead(source: ConfigSource, path: string): Promise<SourceRead> {
  try {
    return await source.read(path);
  } catch (err) {
    return { ok: false, reason: 'other', message: oneLine(err) };
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/[\r\n]+/g, ' ').trim();
}
