// fail2ban.sshd-jail: a jail watching sshd is enabled. Live: the running
// server has such a jail (`fail2ban-client status`). Otherwise the merged
// configuration, linted for the two classic silent failures: the 0.8 jail
// name [ssh] (no filter of that name since 0.9), and a file backend on a
// log that does not exist (Debian 12 logs sshd to the journal only: there
// `backend = systemd` is needed, or fail2ban does not start at all).

import type { Check, Evidence, Finding } from '../../src/core/types';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { filterExists, jailsView, liveEvidence, loadState, logFiles, whyConfig, worst } from './area';
import { journaldProgram } from './backends';
import { lintContext, lintJail, type LintProblem } from './lint';
import { CONF_DIR } from './config';
import { at, originEvidence, type JailConfig } from './jails';
import { offer } from './fixes';
import { notInstalled } from './install';
import { fail2banPolicy } from './policy';

const WATCH = [`${CONF_DIR}/jail.conf`, `${CONF_DIR}/jail.local`, `${CONF_DIR}/jail.d`, `${CONF_DIR}/fail2ban.conf`, `${CONF_DIR}/fail2ban.local`];

export function watchesSshd(jail: JailConfig): boolean {
  return jail.filter !== null && fail2banPolicy.sshd.filters.includes(jail.filter);
}

function enabledEvidence(jail: JailConfig): Evidence[] {
  return jail.enabledAt ? [originEvidence('enabled', jail.enabledAt)] : [];
}

function legacyHint(jails: JailConfig[]): string {
  const legacy = jails.filter((j) => j.enabled && fail2banPolicy.sshd.legacyJails.includes(j.name));
  if (legacy.length === 0) return '';
  return `; [${legacy[0].name}] is enabled but is an old name with no filter since fail2ban 0.9/0.10: use [sshd] (mode = aggressive replaces ssh-ddos)`;
}

export const fail2banSshdJail: Check = guardedCheck({
  id: 'fail2ban.sshd-jail',
  area: 'fail2ban',
  title: 'fail2ban guards SSH',
  severity: 'high',
  watch: WATCH,
  interval: 300,
  timeoutMs: 20000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banSshdJail, host);
    if (skip) return skip;
    const state = await loadState(host, ctx.signal);
    const view = jailsView(state.config);
    const fix = offer('fail2ban.enable-jails');
    const sshdJails = view.kind === 'ok' ? view.jails.filter(watchesSshd) : [];

    if (state.live.kind === 'up') {
      const live = state.live;
      // Without a readable configuration, a running jail named like the filter still counts.
      const names = new Set(view.kind === 'ok' ? sshdJails.map((j) => j.name) : fail2banPolicy.sshd.filters);
      const running = live.jails.filter((j) => names.has(j));
      if (running.length > 0) {
        const cfgJail = sshdJails.find((j) => j.name === running[0]);
        const evidence = [liveEvidence(live), ...(cfgJail ? enabledEvidence(cfgJail) : [])];
        const problems = view.kind === 'ok' && cfgJail ? await lintJail(host, view.cfg, cfgJail.name, await lintContext(host), { running: true, withLogs: false }) : [];
        return linted(`jail ${listSome(running.map((j) => `[${j}]`), 3)} watches sshd (running)`, evidence, problems);
      }
      const configured = sshdJails.find((j) => j.enabled);
      if (configured) {
        return finding(
          fail2banSshdJail,
          'fail',
          `[${configured.name}] is enabled${configured.enabledAt ? ` (${at(configured.enabledAt)})` : ''} but the running server does not have it: reload fail2ban (fail2ban-client reload) and check its log`,
          [liveEvidence(live), ...enabledEvidence(configured)],
          fix,
        );
      }
      const hint = view.kind === 'ok' ? legacyHint(view.jails) : '';
      return finding(fail2banSshdJail, 'fail', `no running jail watches sshd (running: ${live.jails.join(', ') || 'none'})${hint}`, [liveEvidence(live)], fix);
    }

    const why = whyConfig(state.live);
    if (view.kind === 'error') return finding(fail2banSshdJail, 'error', view.summary, view.evidence);
    if (view.kind === 'missing') return finding(fail2banSshdJail, 'fail', `${view.summary}; ${why}`, [], fix);
    const enabled = sshdJails.filter((j) => j.enabled);
    if (enabled.length === 0) {
      const disabled = sshdJails[0];
      const what = disabled ? `[${disabled.name}] is not enabled${disabled.enabledAt ? ` (${at(disabled.enabledAt)})` : ''}` : 'no jail watches sshd';
      return finding(fail2banSshdJail, 'fail', `${what}${legacyHint(view.jails)}; ${why}`, disabled ? enabledEvidence(disabled) : [], fix);
    }
    const jail = enabled[0];
    const evidence = enabledEvidence(jail);
    if (jail.filter && !(await filterExists(host, jail.filter))) {
      return finding(fail2banSshdJail, 'fail', `[${jail.name}] is enabled but ${CONF_DIR}/filter.d/${jail.filter}.conf does not exist: fail2ban skips the jail`, evidence, fix);
    }
    const logs = await logFiles(host, view.cfg, jail.name);
    if (logs && logs.found.length === 0) {
      const journald = await journaldProgram(host);
      const hint = journald ? `journald is installed (${journald}): sshd logs to the journal, set backend = systemd` : 'on a journald-only system set backend = systemd';
      return finding(
        fail2banSshdJail,
        'fail',
        `[${jail.name}] is enabled but its logpath ${logs.patterns.join(' ') || '(none)'} matches no file (backend ${logs.backend}): fail2ban will not start; ${hint}`,
        [...evidence, ...logs.evidence],
        fix,
      );
    }
    const problems = await lintJail(host, view.cfg, jail.name, await lintContext(host), { running: false, withLogs: false });
    return linted(`[${jail.name}] is enabled${jail.enabledAt ? ` (${at(jail.enabledAt)})` : ''}; ${why}`, evidence, problems);
  },
});

/** Pass, or the worst lint problem's status with every problem said after the good news. */
function linted(ok: string, evidence: Evidence[], problems: LintProblem[]): Finding {
  if (problems.length === 0) return finding(fail2banSshdJail, 'pass', ok, evidence);
  const status = worst(problems.map((p) => p.status), 'warn');
  // enable-jails switches a banaction whose firewall tool is missing to one that is installed.
  const fix = problems.some((p) => p.kind === 'firewall') ? offer('fail2ban.enable-jails') : [];
  return finding(fail2banSshdJail, status, `${ok}, but ${problems.map((p) => p.text).join('; ')}`, [...evidence, ...problems.flatMap((p) => p.evidence)], fix);
}
