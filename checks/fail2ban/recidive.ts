// fail2ban.recidive: the recidive jail is enabled, so repeat offenders get
// long bans. It reads fail2ban's own log: with logtarget set to the journal
// or syslog it has nothing to read (warn).

import type { Check, Evidence, Finding } from '../../src/core/types';
import { finding, guardedCheck } from '../updates/finding';
import { jailsView, liveEvidence, loadState, logFiles, whyConfig, worst } from './area';
import { lintContext, lintJail, type LintProblem } from './lint';
import { CONF_DIR } from './config';
import { at, originEvidence, type JailConfig } from './jails';
import { offer } from './fixes';
import { notInstalled } from './install';
import { fail2banPolicy } from './policy';
import { settingEvidence, type ServerSettingsLoad } from './server';

function isRecidive(jail: JailConfig): boolean {
  return jail.name === fail2banPolicy.recidive.jail || jail.filter === fail2banPolicy.recidive.filter;
}

/** recidive needs fail2ban to log to a file; null when it does. */
function logtargetProblem(settings: ServerSettingsLoad): { text: string; evidence: Evidence[] } | null {
  if (settings.kind !== 'ok') return null;
  const t = settings.settings.logtarget;
  if (t.value.startsWith('/')) return null;
  return { text: `but fail2ban logs to ${t.value}, not a file: recidive has nothing to read (set logtarget = /var/log/fail2ban.log)`, evidence: [settingEvidence('logtarget', t)] };
}

export const fail2banRecidive: Check = guardedCheck({
  id: 'fail2ban.recidive',
  area: 'fail2ban',
  title: 'Repeat offenders get long bans (recidive)',
  severity: 'low',
  watch: [`${CONF_DIR}/jail.conf`, `${CONF_DIR}/jail.local`, `${CONF_DIR}/jail.d`, `${CONF_DIR}/fail2ban.local`],
  interval: 300,
  timeoutMs: 20000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banRecidive, host);
    if (skip) return skip;
    const state = await loadState(host, ctx.signal);
    const view = jailsView(state.config);
    const fix = offer('fail2ban.enable-jails');
    const candidates = view.kind === 'ok' ? view.jails.filter(isRecidive) : [];
    const target = logtargetProblem(state.settings);

    if (state.live.kind === 'up') {
      const live = state.live;
      const names = new Set([fail2banPolicy.recidive.jail, ...candidates.map((j) => j.name)]);
      const running = live.jails.find((j) => names.has(j));
      if (!running) {
        const configured = candidates.find((j) => j.enabled);
        const summary = configured
          ? `[${configured.name}] is enabled${configured.enabledAt ? ` (${at(configured.enabledAt)})` : ''} but the running server does not have it: reload fail2ban`
          : 'no recidive jail is running: repeat offenders come back after each short ban';
        return finding(fail2banRecidive, 'fail', summary, [liveEvidence(live)], fix);
      }
      if (target) return finding(fail2banRecidive, 'warn', `[${running}] is running ${target.text}`, [liveEvidence(live), ...target.evidence]);
      const problems = view.kind === 'ok' && view.cfg.sections.has(running) ? await lintJail(host, view.cfg, running, await lintContext(host), { running: true, withLogs: false }) : [];
      return linted(`[${running}] is running`, [liveEvidence(live)], problems);
    }

    const why = whyConfig(state.live);
    if (view.kind === 'error') return finding(fail2banRecidive, 'error', view.summary, view.evidence);
    if (view.kind === 'missing') return finding(fail2banRecidive, 'fail', `${view.summary}; ${why}`, [], fix);
    const jail = candidates.find((j) => j.enabled);
    if (!jail) {
      const off = candidates[0];
      const what = off ? `[${off.name}] is not enabled${off.enabledAt ? ` (${at(off.enabledAt)})` : ''}` : 'no recidive jail is configured';
      return finding(fail2banRecidive, 'fail', `${what}: repeat offenders come back after each short ban; ${why}`, off?.enabledAt ? [originEvidence('enabled', off.enabledAt)] : [], fix);
    }
    const evidence: Evidence[] = jail.enabledAt ? [originEvidence('enabled', jail.enabledAt)] : [];
    const logs = await logFiles(host, view.cfg, jail.name);
    if (logs && logs.found.length === 0) {
      return finding(fail2banRecidive, 'fail', `[${jail.name}] is enabled but its logpath ${logs.patterns.join(' ') || '(none)'} matches no file: fail2ban will not start`, [...evidence, ...logs.evidence], fix);
    }
    if (target) return finding(fail2banRecidive, 'warn', `[${jail.name}] is enabled ${target.text}`, [...evidence, ...target.evidence]);
    const problems = await lintJail(host, view.cfg, jail.name, await lintContext(host), { running: false, withLogs: false });
    return linted(`[${jail.name}] is enabled${jail.enabledAt ? ` (${at(jail.enabledAt)})` : ''}; ${why}`, evidence, problems);
  },
});

/** Pass, or the worst lint problem's status with every problem said after the good news. */
function linted(ok: string, evidence: Evidence[], problems: LintProblem[]): Finding {
  if (problems.length === 0) return finding(fail2banRecidive, 'pass', ok, evidence);
  const status = worst(problems.map((p) => p.status), 'warn');
  // enable-jails switches a banaction whose firewall tool is missing to one that is installed.
  const fix = problems.some((p) => p.kind === 'firewall') ? offer('fail2ban.enable-jails') : [];
  return finding(fail2banRecidive, status, `${ok}, but ${problems.map((p) => p.text).join('; ')}`, [...evidence, ...problems.flatMap((p) => p.evidence)], fix);
}
