// What most fail2ban checks need: the merged jail configuration, the
// server's settings, and which jails the running server has (when it runs).
// The rule of CHECKS.md: live state when the server answers, else the
// merged configuration.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { MergedConfig } from '../../src/parse/fail2ban-config';
import { logpathEntries } from '../../src/parse/fail2ban-config';
import { CONF_DIR, loadStack, type StackLoad } from './config';
import { readJails, settingEvidence, textSetting, type ConfigProblem, type JailConfig } from './jails';
import { fail2banPolicy } from './policy';
import { describeAnswer, liveJails, loadServerSettings, type Live, type ServerSettingsLoad } from './server';

export interface Fail2banState {
  config: StackLoad;
  settings: ServerSettingsLoad;
  live: Live;
}

export async function loadState(host: Host, signal?: AbortSignal): Promise<Fail2banState> {
  const [config, settings] = await Promise.all([loadStack(host, 'jail'), loadServerSettings(host)]);
  const live = await liveJails(host, settings, signal);
  return { config, settings, live };
}

export type JailsView =
  | { kind: 'ok'; cfg: MergedConfig; jails: JailConfig[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] }
  | { kind: 'missing'; summary: string };

/** The jails of the merged configuration; an error when fail2ban would refuse it. */
export function jailsView(config: StackLoad): JailsView {
  if (config.kind === 'missing') return { kind: 'missing', summary: `no jail configuration (${config.looked.join(', ')} missing)` };
  if (config.kind === 'error') return config;
  const { jails, problems } = readJails(config.config);
  const first: ConfigProblem | undefined = problems[0];
  if (first) return { kind: 'error', summary: `${first.summary}: fail2ban refuses this configuration`, evidence: first.evidence };
  return { kind: 'ok', cfg: config.config, jails };
}

/** "server not running (…); judged from the configuration" — why a check fell back to the files. */
export function whyConfig(live: Live): string {
  if (live.kind === 'unknown') return `server state unknown (${live.summary}); judged from the configuration`;
  if (live.kind === 'not-up') return `${describeAnswer(live.answer)}; judged from the configuration`;
  return 'judged from the configuration';
}

export function liveEvidence(live: Extract<Live, { kind: 'up' }>): Evidence {
  return { command: live.command, text: `Jail list: ${live.jails.join(', ')}` };
}

/**
 * Log files of a jail that reads files: fail2ban refuses to start at all when
 * an enabled jail's logpath matches nothing ("Have not found any log file
 * for sshd jail"). null for journal backends (systemd), which need none.
 */
export async function logFiles(host: Host, cfg: MergedConfig, jail: string): Promise<{ backend: string; patterns: string[]; found: string[]; evidence: Evidence[] } | null> {
  const backend = textSetting(cfg, jail, 'backend');
  const name = backend.kind === 'set' ? backend.value.split(/[\s[]/)[0] : 'auto';
  if (!fail2banPolicy.sshd.fileBackends.includes(name)) return null;
  const logpath = textSetting(cfg, jail, 'logpath');
  const patterns = logpath.kind === 'set' ? logpathEntries(logpath.value) : [];
  const found: string[] = [];
  for (const p of patterns) {
    for (const f of await host.glob(p)) {
      const st = await host.stat(f).catch(() => null);
      if (st) found.push(f);
    }
  }
  return { backend: name, patterns, found, evidence: [...settingEvidence('backend', backend), ...settingEvidence('logpath', logpath)] };
}

/** Filter file present (filter.d/NAME.conf or .local)? fail2ban skips a jail whose filter it cannot read. */
export async function filterExists(host: Host, filter: string): Promise<boolean> {
  for (const ext of ['conf', 'local']) {
    const st = await host.stat(`${CONF_DIR}/filter.d/${filter}.${ext}`).catch(() => null);
    if (st?.kind === 'file') return true;
  }
  return false;
}

/** Severity order for items → the check's status (REPORT.md: fail > error > warn > info > pass > skip). */
const RANK = { fail: 5, error: 4, warn: 3, info: 2, pass: 1, skip: 0 } as const;

export function worst<T extends keyof typeof RANK>(statuses: readonly T[], fallback: T): T {
  let w = fallback;
  for (const s of statuses) if (RANK[s] > RANK[w]) w = s;
  return w;
}
