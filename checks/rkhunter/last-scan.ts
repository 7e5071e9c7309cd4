// rkhunter.last-scan: a scan ran in the last 7 days, by the log. Config and
// timers can say "daily" while nothing has run for weeks (no cron daemon, a
// lock left behind, a full disk); the log says what actually happened.

import type { Check, Evidence, RunContext } from '../../src/core/types';
import { finding, guardedCheck } from '../updates/finding';
import { loadRkhunterConfig } from './config-files';
import { offer } from './fixes';
import { describeAge, isoMinute, loadLastScan } from './log-load';
import { rkhunterPolicy } from './policy';
import { gateOnRkhunter } from './presence';

export const rkhLastScan: Check = guardedCheck({
  id: 'rkhunter.last-scan',
  area: 'rkhunter',
  title: 'rkhunter scanned recently',
  severity: 'medium',
  // Debian's log and the other distributions' (a LOGFILE elsewhere is re-read hourly).
  watch: [rkhunterPolicy.log.defaultPath, ...rkhunterPolicy.log.otherPaths],
  // The age grows with no file changing: re-judge hourly.
  interval: 3600,
  async run(host, ctx: RunContext) {
    const gate = await gateOnRkhunter(rkhLastScan, host);
    if (gate.stop) return gate.stop;
    const config = await loadRkhunterConfig(host);
    // An unreadable config is rkhunter.config's business: fall back to the default log path.
    const scan = await loadLastScan(host, config.kind === 'ok' ? config.conf : null);
    const scanFix = offer('rkhunter.scan');
    if (scan.kind === 'error') return finding(rkhLastScan, 'error', scan.summary, scan.evidence);
    if (scan.kind === 'none') return finding(rkhLastScan, 'fail', scan.summary, scan.evidence, scanFix);

    const { maxAgeDays, futureToleranceHours } = rkhunterPolicy.lastScan;
    const ageMs = ctx.now.getTime() - scan.startedAt.getTime();
    // Age and outcome first: the panel row is narrow, and they are what it is for.
    const started = `started ${isoMinute(scan.startedAt)}, ${scan.where}`;
    const evidence: Evidence[] = [{ file: scan.file, line: scan.start.line, text: scan.start.text }];
    if (scan.run.end) evidence.push({ file: scan.file, line: scan.run.end.line, text: scan.run.end.text });

    if (ageMs < -futureToleranceHours * 3_600_000) {
      return finding(rkhLastScan, 'warn', `the last scan (${started}) is in the future: is the clock right?`, evidence);
    }
    const age = describeAge(ageMs);
    const tooOld = ageMs > maxAgeDays * 86_400_000;
    if (!scan.run.end) {
      const last = `${scan.file}:${scan.run.lastLine}${scan.run.lastTime ? ` at ${scan.run.lastTime}` : ''}`;
      return finding(
        rkhLastScan,
        tooOld ? 'fail' : 'warn',
        `last scan ${age}, did not finish: the log stops at ${last} with no "End date" line (killed, crashed, or still running; ${started})`,
        [...evidence, { file: scan.file, line: scan.run.lastLine }],
        scanFix,
      );
    }
    const warnings = scan.run.warnings.length;
    const outcome = `${warnings === 0 ? 'no warnings' : `${warnings} warning${warnings === 1 ? '' : 's'}`}${scan.run.summary.took ? `, took ${scan.run.summary.took}` : ''}`;
    if (tooOld) {
      return finding(rkhLastScan, 'fail', `last scan ${age}: more than ${maxAgeDays} days without a scan (${outcome}; ${started})`, evidence, scanFix);
    }
    return finding(rkhLastScan, 'pass', `last scan ${age}, ${outcome} (${started})`, evidence);
  },
});
