// rkhunter.install: `apt-get install -y rkhunter`, run in the embedded
// terminal so the admin watches apt (and answers debconf, e.g. for a mail
// transport agent). No file edit: apt owns the package's files, and undo
// cannot remove a package, which the preview says.

import type { Fix, Plan } from '../../src/core/types';
import { DPKG_STATUS, lookupPackage } from '../updates/dpkg';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { SYSROOT_INSTALL_REFUSED } from '../updates/fix-install-unattended';
import { RKH_PACKAGE } from './presence';

const NOT_APT = `no dpkg database (${DPKG_STATUS}): not an apt system; install rkhunter with this system's package manager`;

export const installRkhunter: Fix = {
  id: 'rkhunter.install',
  title: `Install ${RKH_PACKAGE} (apt-get, in the terminal)`,
  area: 'rkhunter',
  risk: 'disruptive',
  verifies: ['rkhunter.installed'],
  async plan(host): Promise<Plan> {
    // The command is in the plan even when refused, so the preview shows what would run.
    const plan: Plan = {
      ...emptyPlan(installRkhunter),
      commands: [
        {
          argv: ['apt-get', 'install', '-y', RKH_PACKAGE],
          describe: `install ${RKH_PACKAGE} and its dependencies`,
          interactive: true,
          timeoutMs: 30 * 60_000,
        },
      ],
      warnings: [
        `apt downloads and installs packages; hardtop undo cannot uninstall them (apt-get remove ${RKH_PACKAGE} does)`,
        // Debian's rkhunter Recommends a mail transport agent (for its cron reports), unhide, lsof …
        `apt also installs ${RKH_PACKAGE}'s recommended packages (on Debian a mail transport agent such as exim4, unhide, lsof …); to leave them out, run apt-get install --no-install-recommends ${RKH_PACKAGE} yourself`,
        'Debian installs rkhunter with its daily scan and APT_AUTOGEN off: see fixes rkhunter.schedule and rkhunter.apt-autogen, then rkhunter.propupd',
      ],
    };
    if (host.root !== '/') return refuse(plan, SYSROOT_INSTALL_REFUSED);
    const pkg = await lookupPackage(host, RKH_PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    if (pkg.presence.kind === 'installed') return refuse(plan, `nothing to change: ${RKH_PACKAGE} is installed`);
    if (pkg.presence.kind === 'incomplete') {
      plan.warnings.push(`${RKH_PACKAGE} is half-installed: if apt says dpkg was interrupted, run dpkg --configure -a first`);
    }
    if (!host.network) return refuse(plan, '--no-network: apt-get would download packages');
    if ((await host.which('apt-get')) === null) return refuse(plan, 'apt-get not found in the system directories');
    return plan;
  },
};
