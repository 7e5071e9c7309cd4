// fail2ban.running: the server answers `fail2ban-client ping` on its socket
// (socket = in the fail2ban stack; under --root the socket inside the tree)
// within the timeout. Not answering in time is a fail: a hung server bans
// nobody. When it is down, the configuration is searched for the classic
// reason it would not start: an enabled jail whose log file does not exist.

import type { Check, Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { jailsView, logFiles } from './area';
import { CONF_DIR, loadStack } from './config';
import { notInstalled } from './install';
import { describeAnswer, loadServerSettings, ping, settingEvidence } from './server';

/** Enabled jails that would stop fail2ban from starting: their logpath matches no file. */
async function startBlockers(host: Host): Promise<{ text: string; evidence: Evidence[] } | null> {
  const view = jailsView(await loadStack(host, 'jail'));
  if (view.kind === 'error') return { text: `fail2ban will not start: ${view.summary}`, evidence: view.evidence };
  if (view.kind !== 'ok') return null;
  const blocked: string[] = [];
  const evidence: Evidence[] = [];
  for (const jail of view.jails.filter((j) => j.enabled)) {
    const logs = await logFiles(host, view.cfg, jail.name);
    if (logs && logs.found.length === 0) {
      blocked.push(`[${jail.name}] logpath ${logs.patterns.join(' ') || '(none)'} matches no file`);
      evidence.push(...logs.evidence);
    }
  }
  if (blocked.length === 0) return null;
  return { text: `fail2ban will not start: ${listSome(blocked, 2)}`, evidence };
}

export const fail2banRunning: Check = guardedCheck({
  id: 'fail2ban.running',
  area: 'fail2ban',
  title: 'fail2ban server is running',
  severity: 'high',
  watch: [`${CONF_DIR}/fail2ban.conf`, `${CONF_DIR}/fail2ban.local`, `${CONF_DIR}/fail2ban.d`],
  interval: 30,
  timeoutMs: 15000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banRunning, host);
    if (skip) return skip;
    const settings = await loadServerSettings(host);
    if (settings.kind === 'error') return finding(fail2banRunning, 'error', `cannot tell where the server listens: ${settings.summary}`, settings.evidence);
    const socket = settings.settings.socket;
    const evidence: Evidence[] = [settingEvidence('socket', socket)];
    const answer = await ping(host, socket.value, ctx.signal);
    switch (answer.kind) {
      case 'ok':
        return finding(fail2banRunning, 'pass', `fail2ban answers on ${socket.value}`, [...evidence, { command: answer.command, text: 'Server replied: pong' }]);
      case 'down': {
        const blockers = await startBlockers(host);
        const why = blockers ? `; ${blockers.text}` : '';
        return finding(fail2banRunning, 'fail', `fail2ban is ${describeAnswer(answer)}${why}`, [...evidence, { command: answer.command, text: answer.why }, ...(blockers?.evidence ?? [])]);
      }
      case 'timeout':
        return finding(fail2banRunning, 'fail', `fail2ban gives ${describeAnswer(answer)}`, [...evidence, { command: answer.command, text: 'timed out' }]);
      case 'failed':
      case 'unavailable':
        return finding(fail2banRunning, 'error', describeAnswer(answer), [...evidence, { command: answer.command }]);
    }
  },
});
