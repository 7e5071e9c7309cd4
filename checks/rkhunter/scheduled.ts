// rkhunter.scheduled: scans really run on a schedule.
//
// Installed is not scanning: Debian ships /etc/cron.daily/rkhunter, but it
// exits at once unless CRON_DAILY_RUN in /etc/default/rkhunter starts with
// y/Y/t/T (Debian ships it empty), and /etc/cron.daily runs only when a cron
// daemon (cron, cronie, anacron, systemd-cron) is there and enabled. An admin
// may instead schedule `rkhunter --check`/`--cronjob` in /etc/crontab,
// /etc/cron.d, root's crontab, another cron.* script or a systemd timer.

import type { Check, Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { cronYes, shellVar } from '../../src/parse/rkhunter-default';
import { describeUnit, unitEvidence, unitState, UNIT_DIRS, type UnitState } from '../updates/systemd-units';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { DEFAULT_FILE, describeVar, loadDefaultFile, varEvidence } from './default-file';
import { offer } from './fixes';
import { gateOnRkhunter } from './presence';

export const DEBIAN_DAILY_SCRIPT = '/etc/cron.daily/rkhunter';
const CRON_PERIOD_DIRS = ['/etc/cron.hourly', '/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.monthly'];
const CRONTABS = ['/etc/crontab', '/var/spool/cron/crontabs/root', '/var/spool/cron/root'];

/** What runs /etc/cron.daily: the program that must exist and the unit that starts it. */
const CRON_PROVIDERS: { name: string; program: string | null; unit: string }[] = [
  { name: 'cron', program: '/usr/sbin/cron', unit: 'cron.service' },
  { name: 'cronie', program: '/usr/sbin/crond', unit: 'crond.service' },
  { name: 'anacron', program: '/usr/sbin/anacron', unit: 'anacron.timer' },
  { name: 'systemd-cron', program: null, unit: 'cron-daily.timer' },
];

/** A command line that runs an rkhunter scan (rkhunter's own option names). */
export function runsRkhunterScan(command: string): boolean {
  return /(?:^|[\s/;&|"'])rkhunter(?=\s)/.test(command) && /(?:^|\s)(?:-c|--check|--checkall|--check-all|--cronjob)(?=$|[\s;&|"'])/.test(command);
}

interface Schedule {
  describe: string;
  evidence: Evidence[];
  /** null: it runs; otherwise why it does not. */
  blocked: string | null;
}

async function readSmall(host: Host, path: string): Promise<string | null> {
  try {
    const r = await host.read(path, { maxBytes: 1024 * 1024 });
    return r.ok ? r.text : null;
  } catch {
    return null; // an unreadable crontab is not evidence of a schedule either way
  }
}

/** Lines of a crontab or script that run an rkhunter scan (comments skipped). */
function scanLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    if (runsRkhunterScan(t)) out.push({ line: i + 1, text: t });
  });
  return out;
}

/** Is something there that runs /etc/cron.* and crontabs? null when yes, else why not. */
async function cronBlocked(host: Host): Promise<{ blocked: string | null; evidence: Evidence[] }> {
  const states: string[] = [];
  const evidence: Evidence[] = [];
  for (const p of CRON_PROVIDERS) {
    const present = p.program ? await host.stat(p.program) : null;
    const state: UnitState = await unitState(host, p.unit);
    if (p.program ? !present : state.state === 'missing') continue;
    // A daemon without a unit file runs under another init: take it as running.
    if (state.state === 'enabled' || (state.state === 'missing' && present)) {
      return { blocked: null, evidence: [state.state === 'enabled' ? unitEvidence(p.unit, state) : { file: p.program ?? undefined, text: `${p.name} installed` }] };
    }
    states.push(`${p.name} installed but ${describeUnit(p.unit, state)}`);
    evidence.push(unitEvidence(p.unit, state));
  }
  if (states.length > 0) return { blocked: states.join('; '), evidence };
  return { blocked: 'no cron daemon is installed (cron, cronie, anacron or systemd-cron), so nothing runs /etc/cron.* or crontabs', evidence: [] };
}

interface DailyState {
  schedule: Schedule | null;
  offNote: string;
  offEvidence: Evidence[];
  /** CRON_DAILY_RUN could not be evaluated (shell we do not run): what and where. */
  undecided?: string;
}

async function debianDaily(host: Host): Promise<DailyState> {
  const loaded = await loadDefaultFile(host);
  const script = await host.stat(DEBIAN_DAILY_SCRIPT);
  if (!script) return { schedule: null, offNote: `no ${DEBIAN_DAILY_SCRIPT}`, offEvidence: [] };
  if (loaded.kind !== 'ok') {
    const why = loaded.kind === 'missing' ? `${DEFAULT_FILE} is missing, so CRON_DAILY_RUN is unset` : loaded.summary;
    return { schedule: null, offNote: why, offEvidence: [{ file: DEFAULT_FILE }] };
  }
  const v = shellVar(loaded.parsed, 'CRON_DAILY_RUN');
  const evidence = [varEvidence(v)];
  if (v.state === 'unknown') {
    return { schedule: null, offNote: describeVar('CRON_DAILY_RUN', v), offEvidence: evidence, undecided: `${DEFAULT_FILE}:${v.problem.line}: ${v.problem.message}` };
  }
  if (v.state !== 'set' || !cronYes(v.assignment.value)) {
    const shipped = v.state === 'set' && v.assignment.value === '' ? '; Debian ships it empty' : '';
    return { schedule: null, offNote: `${describeVar('CRON_DAILY_RUN', v)}${shipped}: ${DEBIAN_DAILY_SCRIPT} exits without scanning`, offEvidence: evidence };
  }
  const describe = `${describeVar('CRON_DAILY_RUN', v)} with ${DEBIAN_DAILY_SCRIPT}`;
  if ((script.mode & 0o111) === 0 || script.kind !== 'file') {
    return { schedule: { describe, evidence: [...evidence, { file: DEBIAN_DAILY_SCRIPT }], blocked: `${DEBIAN_DAILY_SCRIPT} is not an executable file, so run-parts skips it` }, offNote: '', offEvidence: [] };
  }
  return { schedule: { describe, evidence: [...evidence, { file: DEBIAN_DAILY_SCRIPT }], blocked: null }, offNote: '', offEvidence: [] };
}

/** run-parts only runs names made of letters, digits, '_' and '-' (no dots), executable. */
function runPartsName(name: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(name);
}

async function cronEntries(host: Host): Promise<Schedule[]> {
  const found: Schedule[] = [];
  const files: { path: string; needsExec: boolean }[] = CRONTABS.map((path) => ({ path, needsExec: false }));
  for (const name of (await host.list('/etc/cron.d').catch(() => null)) ?? []) {
    if (runPartsName(name)) files.push({ path: `/etc/cron.d/${name}`, needsExec: false });
  }
  for (const dir of CRON_PERIOD_DIRS) {
    for (const name of (await host.list(dir).catch(() => null)) ?? []) {
      const path = `${dir}/${name}`;
      // Debian's own cron scripts are judged by CRON_DAILY_RUN (weekly only updates data files).
      if (path === DEBIAN_DAILY_SCRIPT || path === '/etc/cron.weekly/rkhunter' || !runPartsName(name)) continue;
      files.push({ path, needsExec: true });
    }
  }
  for (const f of files) {
    const text = await readSmall(host, f.path);
    if (text === null) continue;
    const lines = scanLines(text);
    if (lines.length === 0) continue;
    const st = await host.stat(f.path);
    const blocked = f.needsExec && st && (st.mode & 0o111) === 0 ? `${f.path} is not executable, so run-parts skips it` : null;
    found.push({
      describe: `${f.path}:${lines[0].line}`,
      evidence: lines.map((l) => ({ file: f.path, line: l.line, text: l.text })),
      blocked,
    });
  }
  return found;
}

function unitSetting(text: string, section: string, key: string): { value: string; line: number }[] {
  const out: { value: string; line: number }[] = [];
  let current = '';
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    const sec = /^\[(.+)\]$/.exec(t);
    if (sec) {
      current = sec[1];
      return;
    }
    if (current !== section) return;
    const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(t);
    if (m && m[1] === key) out.push({ value: m[2], line: i + 1 });
  });
  return out;
}

async function unitFile(host: Host, name: string): Promise<{ path: string; text: string } | null> {
  for (const dir of UNIT_DIRS) {
    const path = `${dir}/${name}`;
    const text = await readSmall(host, path);
    if (text !== null) return { path, text };
  }
  return null;
}

async function systemdTimers(host: Host): Promise<Schedule[]> {
  const found: Schedule[] = [];
  const seen = new Set<string>();
  for (const dir of UNIT_DIRS) {
    for (const name of (await host.list(dir).catch(() => null)) ?? []) {
      if (!name.endsWith('.timer') || seen.has(name)) continue;
      seen.add(name);
      const timer = await unitFile(host, name);
      if (!timer) continue;
      const unit = unitSetting(timer.text, 'Timer', 'Unit').pop()?.value ?? name.replace(/\.timer$/, '.service');
      const service = await unitFile(host, unit);
      if (!service) continue;
      const exec = unitSetting(service.text, 'Service', 'ExecStart').filter((e) => runsRkhunterScan(e.value));
      if (exec.length === 0) continue;
      const state = await unitState(host, name);
      found.push({
        describe: `${name} → ${unit}`,
        evidence: [unitEvidence(name, state), ...exec.map((e) => ({ file: service.path, line: e.line, text: `ExecStart=${e.value}` }))],
        blocked: state.state === 'enabled' ? null : describeUnit(name, state),
      });
    }
  }
  return found;
}

export const rkhScheduled: Check = guardedCheck({
  id: 'rkhunter.scheduled',
  area: 'rkhunter',
  title: 'rkhunter scans on a schedule',
  severity: 'medium',
  watch: [DEFAULT_FILE, '/etc/crontab', '/etc/cron.d', '/etc/cron.daily', '/etc/systemd/system', '/etc/systemd/system/timers.target.wants'],
  interval: 3600,
  async run(host) {
    const gate = await gateOnRkhunter(rkhScheduled, host);
    if (gate.stop) return gate.stop;

    const daily = await debianDaily(host);
    const cronJobs = [...(daily.schedule ? [daily.schedule] : []), ...(await cronEntries(host))];
    if (cronJobs.length > 0) {
      const cron = await cronBlocked(host);
      for (const s of cronJobs) {
        if (!s.blocked && cron.blocked) {
          s.blocked = cron.blocked;
          s.evidence.push(...cron.evidence);
        } else if (!s.blocked) s.evidence.push(...cron.evidence);
      }
    }
    const schedules = [...cronJobs, ...(await systemdTimers(host))];
    const running = schedules.filter((s) => s.blocked === null);
    const blocked = schedules.filter((s) => s.blocked !== null);
    // Setting CRON_DAILY_RUN helps only where Debian's daily script is there and the variable is off.
    const fix = daily.schedule === null && !daily.undecided && (await host.stat(DEBIAN_DAILY_SCRIPT)) ? offer('rkhunter.schedule') : [];

    if (running.length > 0) {
      const also = blocked.length > 0 ? `; not running: ${blocked.map((s) => `${s.describe} (${s.blocked})`).join('; ')}` : '';
      return finding(rkhScheduled, 'pass', `scans are scheduled: ${listSome(running.map((s) => s.describe), 3)}${also}`, [...running, ...blocked].flatMap((s) => s.evidence));
    }
    if (blocked.length > 0) {
      return finding(
        rkhScheduled,
        'warn',
        `a scan is configured but never runs: ${blocked.map((s) => `${s.describe}: ${s.blocked}`).join('; ')}`,
        blocked.flatMap((s) => s.evidence),
        fix,
      );
    }
    if (daily.undecided) {
      return finding(rkhScheduled, 'error', `cannot tell whether ${DEBIAN_DAILY_SCRIPT} scans: ${daily.undecided}; no other crontab or timer runs rkhunter`, daily.offEvidence);
    }
    return finding(
      rkhScheduled,
      'fail',
      `no scheduled scan: ${daily.offNote}, and no crontab, /etc/cron.d entry or systemd timer runs rkhunter --check or --cronjob`,
      daily.offEvidence,
      fix,
    );
  },
});
