// The updates.auto.* checks on dnf systems (dnf4 dnf-automatic, dnf5's
// automatic plugin). Each returns the one Finding for its check; the apt
// checks call these when the tree has no dpkg database.

import type { Check, Evidence, Finding, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import {
  alwaysApplies,
  applyingTimers,
  automaticPresence,
  describeIni,
  detectDnf,
  DNF_CONFIG,
  dnfTimerStates,
  iniEvidence,
  noPackageManagerReason,
  readAutomaticConfig,
  timerStamp,
  type AutomaticConfig,
  type DnfSystem,
  type TimerStates,
} from './dnf';
import { finding, listSome } from './finding';
import { offer } from './fixes';
import { updatesPolicy } from './policy';
import { describeUnit, systemdIsRunning, unitEvidence, type UnitState } from './systemd-units';

const ENABLE_FIX = 'updates.enable-dnf-automatic';

function packageOf(dnf: DnfSystem): string {
  return dnf.policy.package;
}

/** The finding for a tree without dpkg: the dnf one, or a skip that says there is no package manager we know. */
export async function dnfOrSkip(check: Check, host: Host, judge: (dnf: DnfSystem) => Promise<Finding>): Promise<Finding> {
  const dnf = await detectDnf(host);
  if (!dnf) return finding(check, 'skip', await noPackageManagerReason(host));
  return judge(dnf);
}

/** A finding when there is nothing to judge (automatic updates not installed), else null. */
async function gate(check: Check, host: Host, dnf: DnfSystem): Promise<Finding | null> {
  const presence = await automaticPresence(host, dnf);
  if (presence.installed) return null;
  return finding(check, 'skip', `${packageOf(dnf)} is not installed (see updates.auto.installed)`, presence.evidence);
}

export async function dnfInstalled(check: Check, host: Host, dnf: DnfSystem): Promise<Finding> {
  const presence = await automaticPresence(host, dnf);
  if (presence.installed) return finding(check, 'pass', `${packageOf(dnf)} is installed (${dnf.flavour})`, presence.evidence);
  return finding(check, 'fail', `${packageOf(dnf)} is not installed: security updates are not installed automatically (${dnf.flavour})`, presence.evidence, offer('updates.install-unattended'));
}

function fixable(timers: TimerStates): boolean {
  const first = timers.apply[0].state.state;
  return first !== 'missing' && first !== 'broken';
}

function isEnabled(s: UnitState): boolean {
  return s.state === 'enabled';
}

function configEvidence(config: AutomaticConfig): Evidence[] {
  return [iniEvidence('apply_updates', config.applySetting, DNF_CONFIG), iniEvidence('upgrade_type', config.upgradeTypeSetting, DNF_CONFIG)];
}

export async function dnfEnabled(check: Check, host: Host, dnf: DnfSystem): Promise<Finding> {
  const g = await gate(check, host, dnf);
  if (g) return g;
  const reading = await readAutomaticConfig(host, dnf);
  if (reading.kind === 'error') return finding(check, 'error', reading.summary, reading.evidence);
  const config = reading.config;
  const timers = await dnfTimerStates(host, dnf);
  const applying = applyingTimers(dnf, timers, config);
  const evidence = [...configEvidence(config), ...[...timers.apply, ...timers.other].filter((t) => t.state.state !== 'missing').map((t) => unitEvidence(t.name, t.state))];
  const apply = describeIni('apply_updates', config.applySetting, 'no');
  const kind = describeIni('upgrade_type', config.upgradeTypeSetting, 'default');
  const missing = config.configMissing && dnf.flavour === 'dnf4' ? ` (no ${DNF_CONFIG})` : '';

  if (applying.length > 0) {
    const how = applying.map((name) => (alwaysApplies(name) && dnf.flavour === 'dnf4' ? `${name} enabled (installs whatever apply_updates says)` : `${name} enabled`));
    const applyText = applying.every((n) => dnf.flavour === 'dnf4' && alwaysApplies(n)) ? '' : `${apply}, `;
    return finding(check, 'pass', `updates are installed automatically: ${applyText}${how.join(', ')}; ${kind}`, evidence);
  }
  const why: string[] = [];
  if (!config.applyUpdates) why.push(`${apply}${missing}: the timer only downloads or notifies`);
  const enabled = timers.apply.filter((t) => isEnabled(t.state)).map((t) => t.name);
  if (enabled.length === 0) why.push(`no timer that installs updates is enabled (${timers.apply.map((t) => describeUnit(t.name, t.state)).join(', ')})`);
  const others = timers.other.filter((t) => isEnabled(t.state)).map((t) => t.name);
  if (others.length > 0) why.push(`${others.join(', ')} never install${others.length === 1 ? 's' : ''}`);
  return finding(check, 'fail', `automatic updates are off: ${why.join('; ')}`, evidence, fixable(timers) ? offer(ENABLE_FIX) : []);
}

export async function dnfTimers(check: Check, host: Host, dnf: DnfSystem): Promise<Finding> {
  const g = await gate(check, host, dnf);
  if (g) return g;
  const timers = await dnfTimerStates(host, dnf);
  const shown = [...timers.apply, ...timers.other].filter((t, i) => i === 0 || t.state.state !== 'missing');
  const evidence = shown.map((t) => unitEvidence(t.name, t.state));
  const described = shown.map((t) => describeUnit(t.name, t.state));
  if ((await systemdIsRunning(host)) === false) {
    return finding(check, 'info', `systemd is not running here (no /run/systemd/system), so timers do not fire; on disk: ${described.join(', ')}`, evidence);
  }
  if (timers.apply.some((t) => isEnabled(t.state))) return finding(check, 'pass', described.join(', '), evidence);
  return finding(check, 'fail', described.join(', '), evidence, fixable(timers) ? offer(ENABLE_FIX) : []);
}

interface Sighting {
  at: Date;
  source: string;
  evidence: Evidence;
}

/** The newest trigger stamp of the timers that install updates. */
async function newestStamp(host: Host, dnf: DnfSystem): Promise<Sighting | null> {
  let best: Sighting | null = null;
  for (const name of dnf.policy.applyTimers) {
    const path = timerStamp(name);
    const st = await host.stat(path);
    if (!st || st.kind !== 'file') continue;
    if (!best || st.mtimeMs > best.at.getTime()) {
      const at = new Date(st.mtimeMs);
      best = { at, source: `${path} mtime`, evidence: { file: path, text: `${name} last triggered ${at.toISOString()}` } };
    }
  }
  return best;
}

/** Only the end of a log is read: the last transaction is there, however big the log grew. */
const LOG_TAIL_BYTES = 64 * 1024;
const ISO_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z|[+-]\d\d:?\d\d)\s/;

/** "2026-11-28T06:12:44+0000 SUBDEBUG Upgrade: …" → a Date, or null. */
export function dnfLogTime(line: string): Date | null {
  const m = ISO_LINE.exec(line);
  if (!m) return null;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2].slice(0, 3)}:${m[2].slice(-2)}`;
  const d = new Date(`${m[1]}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The last timestamped line of dnf's own log (any dnf run, not only the automatic one). */
async function lastLogLine(host: Host, dnf: DnfSystem): Promise<Sighting | null> {
  const path = dnf.policy.log;
  const st = await host.stat(path);
  if (!st || st.kind !== 'file') return null;
  const start = Math.max(0, st.size - LOG_TAIL_BYTES);
  const chunk = await host.readFrom(path, start, LOG_TAIL_BYTES);
  if (!chunk) return null;
  const lines = chunk.text.split('\n');
  // Line numbers are only known when the whole log fit in the tail.
  const whole = start === 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const at = dnfLogTime(lines[i]);
    if (!at) continue;
    const line = whole ? { line: i + 1 } : {};
    return { at, source: `${path}${whole ? `:${i + 1}` : ''}`, evidence: { file: path, ...line, text: lines[i].slice(0, 200) } };
  }
  return null;
}

function describeAge(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.max(0, Math.round(hours))} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export async function dnfLastRun(check: Check, host: Host, dnf: DnfSystem, ctx: RunContext): Promise<Finding> {
  const g = await gate(check, host, dnf);
  if (g) return g;
  const stamp = await newestStamp(host, dnf);
  const log = await lastLogLine(host, dnf);
  // The stamp says the timer fired; the log alone may be an admin's own `dnf upgrade`.
  const newest = stamp ?? log;
  if (!newest) {
    const where = [...dnf.policy.applyTimers.map(timerStamp), dnf.policy.log];
    return finding(check, 'fail', `${packageOf(dnf)} has never run: no ${listSome(where, 3)}`, where.map((file) => ({ file })));
  }
  const caveat = stamp ? '' : ' (a dnf transaction, not necessarily the automatic one: no timer stamp)';
  const evidence = [newest.evidence, ...(stamp && log ? [log.evidence] : [])];
  const { warnAfterHours, failAfterHours, futureToleranceHours } = updatesPolicy.lastRun;
  const ageMs = ctx.now.getTime() - newest.at.getTime();
  const when = `last run ${newest.at.toISOString().replace('.000Z', 'Z')} (${newest.source})`;
  if (ageMs < -futureToleranceHours * 3_600_000) return finding(check, 'warn', `${when} is in the future: is the clock right?${caveat}`, evidence);
  const age = describeAge(ageMs);
  if (ageMs > failAfterHours * 3_600_000) return finding(check, 'fail', `${when}, ${age}: more than ${failAfterHours / 24} days without updates${caveat}`, evidence);
  if (ageMs > warnAfterHours * 3_600_000) return finding(check, 'warn', `${when}, ${age}: more than ${warnAfterHours} h ago${caveat}`, evidence);
  return finding(check, 'pass', `${when}, ${age}${caveat}`, evidence);
}
