// updates.auto.last-run: unattended-upgrades really ran recently. Config can
// say "on" while the job dies every night (lock held, no network, broken
// dpkg); the log and the success stamp say what actually happened.

import type { Check, Evidence, RunContext } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { newestRun, parseUnattendedUpgradesLog, uuLogTimeToDate } from '../../src/parse/unattended-upgrades-log';
import { finding, guardedCheck, readFailure, thrownMessage } from './finding';
import { updatesPolicy } from './policy';
import { dnfLastRun, dnfOrSkip } from './dnf-checks';
import { DNF_WATCH, gateOnUnattendedUpgrades } from './unattended';

export const UU_LOG = '/var/log/unattended-upgrades/unattended-upgrades.log';
/** Touched by apt.systemd.daily only after unattended-upgrade exits 0. */
export const UU_STAMP = '/var/lib/apt/periodic/unattended-upgrades-stamp';

/** u-u logs grow for a month before logrotate; allow far more than that. */
const LOG_MAX_BYTES = 64 * 1024 * 1024;

interface Sighting {
  at: Date;
  source: string;
  evidence: Evidence;
}

type LogReading = { kind: 'run'; sighting: Sighting } | { kind: 'none'; note?: string } | { kind: 'error'; summary: string; evidence: Evidence };

async function lastRunFromLog(host: Host): Promise<LogReading> {
  let result;
  try {
    result = await host.read(UU_LOG, { maxBytes: LOG_MAX_BYTES });
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${UU_LOG}: ${thrownMessage(err)}`, evidence: { file: UU_LOG } };
  }
  if (!result.ok) {
    if (result.reason === 'missing') return { kind: 'none', note: `no ${UU_LOG}` };
    return { kind: 'error', summary: readFailure(UU_LOG, result), evidence: { file: UU_LOG } };
  }
  const log = parseUnattendedUpgradesLog(result.text);
  if (log.nonEmptyLines > 0 && log.timestampedLines === 0) {
    return {
      kind: 'error',
      summary: `${UU_LOG}:1: no line has a "YYYY-MM-DD HH:MM:SS,mmm LEVEL" timestamp: not an unattended-upgrades log?`,
      evidence: { file: UU_LOG, line: 1 },
    };
  }
  const run = newestRun(log);
  if (!run) return { kind: 'none', note: `no run recorded in ${UU_LOG}` };
  // The log has no zone: local time on the live system; a sysroot's zone is unknown, read as UTC.
  const at = uuLogTimeToDate(run.time, host.root === '/' ? 'local' : 'utc');
  return { kind: 'run', sighting: { at, source: `${UU_LOG}:${run.line}`, evidence: { file: UU_LOG, line: run.line, text: run.text } } };
}

async function lastRunFromStamp(host: Host): Promise<Sighting | null> {
  const st = await host.stat(UU_STAMP);
  if (!st || st.kind !== 'file') return null;
  const at = new Date(st.mtimeMs);
  return { at, source: `${UU_STAMP} mtime`, evidence: { file: UU_STAMP, text: `modified ${at.toISOString()}` } };
}

function describeAge(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.max(0, Math.round(hours))} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

export const autoLastRun: Check = guardedCheck({
  id: 'updates.auto.last-run',
  area: 'updates',
  title: 'Automatic updates ran recently',
  severity: 'medium',
  watch: [UU_LOG, '/var/lib/apt/periodic', ...DNF_WATCH, '/var/log/dnf.rpm.log', '/var/log/dnf5.log'],
  // The age grows with no file changing: re-judge hourly.
  interval: 3600,
  async run(host, ctx: RunContext) {
    const gate = await gateOnUnattendedUpgrades(autoLastRun, host, () => dnfOrSkip(autoLastRun, host, (dnf) => dnfLastRun(autoLastRun, host, dnf, ctx)));
    if (gate) return gate;

    const fromLog = await lastRunFromLog(host);
    const fromStamp = await lastRunFromStamp(host);
    if (fromLog.kind === 'error' && !fromStamp) return finding(autoLastRun, 'error', fromLog.summary, [fromLog.evidence]);

    // Either source alone can lag (a rotated log; a stamp only written on success): trust the newer.
    const sightings = [fromLog.kind === 'run' ? fromLog.sighting : null, fromStamp].filter((s): s is Sighting => s !== null);
    const newest = sightings.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    const caveat = fromLog.kind === 'error' ? ` (${fromLog.summary})` : '';
    if (!newest) {
      const why = fromLog.kind === 'none' && fromLog.note ? fromLog.note : 'no record';
      return finding(autoLastRun, 'fail', `unattended-upgrades has never run: ${why} and no ${UU_STAMP}`, [{ file: UU_LOG }, { file: UU_STAMP }]);
    }

    const { warnAfterHours, failAfterHours, futureToleranceHours } = updatesPolicy.lastRun;
    const ageMs = ctx.now.getTime() - newest.at.getTime();
    const when = `last run ${newest.at.toISOString().replace('.000Z', 'Z')} (${newest.source})`;
    if (ageMs < -futureToleranceHours * 3_600_000) {
      return finding(autoLastRun, 'warn', `${when} is in the future: is the clock right?${caveat}`, [newest.evidence]);
    }
    const age = describeAge(ageMs);
    if (ageMs > failAfterHours * 3_600_000) {
      return finding(autoLastRun, 'fail', `${when}, ${age}: more than ${failAfterHours / 24} days without updates${caveat}`, [newest.evidence]);
    }
    if (ageMs > warnAfterHours * 3_600_000) {
      return finding(autoLastRun, 'warn', `${when}, ${age}: more than ${warnAfterHours} h ago${caveat}`, [newest.evidence]);
    }
    return finding(autoLastRun, 'pass', `${when}, ${age}${caveat}`, [newest.evidence]);
  },
});
