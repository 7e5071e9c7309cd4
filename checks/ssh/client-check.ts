// What every ssh.client.* check does before judging: no client → skip; a
// system-wide ssh_config that ssh refuses → error naming the file:line
// (ssh will not run for anyone); otherwise judge.

import type { Check, Finding, RunContext, Severity } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, guardedCheck } from '../updates/finding';
import { CLIENT_INTERVAL, CLIENT_TIMEOUT_MS, CLIENT_WATCH, loadClientState, type ClientState } from './client-config';

export interface ClientCheckSpec {
  id: string;
  title: string;
  severity: Severity;
  judge(check: Check, state: Extract<ClientState, { kind: 'ok' }>, host: Host, ctx: RunContext): Promise<Finding> | Finding;
}

export function clientCheck(spec: ClientCheckSpec): Check {
  const check: Check = guardedCheck({
    id: spec.id,
    area: 'ssh',
    title: spec.title,
    severity: spec.severity,
    watch: CLIENT_WATCH,
    interval: CLIENT_INTERVAL,
    timeoutMs: CLIENT_TIMEOUT_MS,
    async run(host, ctx) {
      const state = await loadClientState(host, ctx);
      if (state.kind === 'absent') return finding(check, 'skip', `${state.summary}: nothing to check`, state.evidence);
      if (state.kind === 'broken') return finding(check, 'error', state.summary, state.evidence);
      return spec.judge(check, state, host, ctx);
    },
  });
  return check;
}
