// fail2ban.install: `apt-get install -y fail2ban`, run in the embedded
// terminal so the admin watches apt (the same shape as rkhunter.install and
// updates.install-unattended). No file edit: apt owns the package's files,
// and undo cannot remove a package, which the preview says.

import type { Fix, Plan } from '../../src/core/types';
import { DPKG_STATUS, lookupPackage } from '../updates/dpkg';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { SYSROOT_INSTALL_REFUSED } from '../updates/fix-install-unattended';
import { fail2banPolicy } from './policy';

const PACKAGE = fail2banPolicy.install.package;
const NOT_APT = `no dpkg database (${DPKG_STATUS}): not an apt system; install fail2ban with this system's package manager`;

export const installFail2ban: Fix = {
  id: 'fail2ban.install',
  title: `Install ${PACKAGE} (apt-get, in the terminal)`,
  area: 'fail2ban',
  risk: 'disruptive',
  verifies: ['fail2ban.installed'],
  async plan(host): Promise<Plan> {
    // The command is in the plan even when refused, so the preview shows what would run.
    const plan: Plan = {
      ...emptyPlan(installFail2ban),
      commands: [
        {
          argv: ['apt-get', 'install', '-y', PACKAGE],
          describe: `install ${PACKAGE} and its dependencies`,
          interactive: true,
          timeoutMs: 30 * 60_000,
        },
      ],
      warnings: [
        `apt downloads and installs packages; hardtop undo cannot uninstall them (apt-get remove ${PACKAGE} does)`,
        // Debian 12's package enables only [sshd], on /var/log/auth.log with backend auto: on a
        // journald-only system the service then fails to start until backend = systemd.
        `Debian's ${PACKAGE} starts at once with only [sshd] enabled; then run fix fail2ban.enable-jails (sshd with the policy's values, recidive, and backend = systemd where sshd logs only to the journal)`,
      ],
    };
    if (host.root !== '/') return refuse(plan, SYSROOT_INSTALL_REFUSED);
    const pkg = await lookupPackage(host, PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    if (pkg.presence.kind === 'installed') return refuse(plan, `nothing to change: ${PACKAGE} is installed`);
    if (pkg.presence.kind === 'incomplete') {
      plan.warnings.push(`${PACKAGE} is half-installed: if apt says dpkg was interrupted, run dpkg --configure -a first`);
    }
    if (!host.network) return refuse(plan, '--no-network: apt-get would download packages');
    if ((await host.which('apt-get')) === null) return refuse(plan, 'apt-get not found in the system directories');
    return plan;
  },
};
