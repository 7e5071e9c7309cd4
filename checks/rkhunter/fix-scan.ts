// rkhunter.scan: `rkhunter --check --sk --nocolors` in the embedded terminal.
// The log goes where the configuration says (LOGFILE), which is the file
// rkhunter.last-scan and rkhunter.warnings watch: the panel updates when the
// scan ends. Live system only: rkhunter has no --root.

import type { Fix, Plan } from '../../src/core/types';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { dbDirPath, loadRkhunterConfig, logFilePath } from './config-files';
import { refuseWithoutRkhunter, SYSROOT_RUN_REFUSED } from './fix-common';
import { rkhunterPolicy } from './policy';

export const runScan: Fix = {
  id: 'rkhunter.scan',
  title: 'Scan now with rkhunter (rkhunter --check, in the terminal)',
  area: 'rkhunter',
  // Minutes of CPU and disk reads on a production machine.
  risk: 'disruptive',
  verifies: ['rkhunter.last-scan'],
  async plan(host): Promise<Plan> {
    const config = await loadRkhunterConfig(host);
    const conf = config.kind === 'ok' ? config.conf : null;
    const log = logFilePath(conf);
    const logAt = log.evidence ? ` (LOGFILE at ${log.evidence.file}:${log.evidence.line})` : '';
    const plan: Plan = {
      ...emptyPlan(runScan),
      commands: [
        {
          // --sk: no "press Enter" between test groups; --nocolors: a log-friendly terminal.
          argv: ['rkhunter', '--check', '--sk', '--nocolors'],
          describe: `scan this machine with every enabled test; the log goes to ${log.path}${logAt}`,
          interactive: true,
          timeoutMs: 60 * 60_000,
          // 1: the scan ran and logged a warning (nearly always on Debian); rkhunter.warnings judges it.
          okExitCodes: [1],
        },
      ],
      warnings: [
        'the scan takes several minutes of CPU and disk reads on this machine',
        `rkhunter rewrites ${log.path} (keeping the previous one as ${log.path}.old); rkhunter.last-scan and rkhunter.warnings read it when the scan ends`,
        'rkhunter exits 1 when it logged a warning: that counts as a scan that ran; rkhunter.warnings judges what it found',
      ],
    };
    if (host.root !== '/') return refuse(plan, SYSROOT_RUN_REFUSED);
    const missing = await refuseWithoutRkhunter(host, plan);
    if (missing) return missing;
    if (config.kind === 'missing') return refuse(plan, `no ${config.looked.join(' or ')}: rkhunter refuses to run without its configuration`);
    if (config.kind === 'error') return refuse(plan, `${config.summary}: rkhunter would not run`);
    const dat = `${dbDirPath(conf).path}/${rkhunterPolicy.propdb.file}`;
    if (!(await host.stat(dat))) {
      plan.warnings.push(`no file-properties database ${dat}: the file-properties tests have nothing to compare with (fix rkhunter.propupd, after dpkg --verify)`);
    }
    return plan;
  },
};
