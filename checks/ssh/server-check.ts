// What every ssh.server.* check (but .installed) does before judging: no
// server → skip; a configuration sshd refuses or cannot read → error naming
// the file:line; otherwise judge the effective configuration.

import type { Check, Finding, RunContext, Severity, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, guardedCheck } from '../updates/finding';
import { loadServerState, SERVER_INTERVAL, SERVER_TIMEOUT_MS, SERVER_WATCH, type ServerConfig } from './server-config';

export interface ServerCheckSpec {
  id: string;
  title: string;
  severity: Severity;
  judge(check: Check, config: ServerConfig, host: Host, ctx: RunContext): Promise<Finding> | Finding;
}

export function serverCheck(spec: ServerCheckSpec): Check {
  const check: Check = guardedCheck({
    id: spec.id,
    area: 'ssh',
    title: spec.title,
    severity: spec.severity,
    watch: SERVER_WATCH,
    interval: SERVER_INTERVAL,
    timeoutMs: SERVER_TIMEOUT_MS,
    async run(host, ctx) {
      const state = await loadServerState(host, ctx);
      if (state.kind === 'absent') return finding(check, 'skip', `${state.presence.summary}: nothing to check`, state.presence.evidence);
      if (state.kind === 'broken') return finding(check, 'error', state.summary, state.evidence);
      return spec.judge(check, state.config, host, ctx);
    },
  });
  return check;
}

const RANK: Record<Status, number> = { fail: 5, error: 4, warn: 3, info: 2, pass: 1, skip: 0 };

/** REPORT.md's order: fail > error > warn > info > pass > skip. */
export function worst(statuses: readonly Status[]): Status {
  let out: Status = 'skip';
  for (const s of statuses) if (RANK[s] > RANK[out]) out = s;
  return out;
}
