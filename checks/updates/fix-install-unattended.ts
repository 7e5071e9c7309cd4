// updates.install-unattended: `apt-get install -y unattended-upgrades`, run in
// the embedded terminal so the admin watches apt's output (and answers any
// debconf question). No file edit: apt owns the package's files, and undo
// cannot remove a package, which the preview says.

import type { Fix, Plan } from '../../src/core/types';
import { lookupPackage } from './dpkg';
import { emptyPlan, refuse } from './fix-plan';
import { NOT_APT, UU_PACKAGE } from './unattended';

export const SYSROOT_INSTALL_REFUSED = 'installing packages into a sysroot is not supported';

export const installUnattended: Fix = {
  id: 'updates.install-unattended',
  title: `Install ${UU_PACKAGE} (apt-get, in the terminal)`,
  area: 'updates',
  risk: 'disruptive',
  verifies: ['updates.auto.installed'],
  async plan(host): Promise<Plan> {
    // The command is in the plan even when refused, so the preview shows what would run.
    const plan: Plan = {
      ...emptyPlan(installUnattended),
      commands: [
        {
          argv: ['apt-get', 'install', '-y', UU_PACKAGE],
          describe: `install ${UU_PACKAGE} and its dependencies`,
          interactive: true,
          // Downloads and dpkg triggers; the embedded terminal shows progress.
          timeoutMs: 30 * 60_000,
        },
      ],
      warnings: [`apt downloads and installs packages; hardtop undo cannot uninstall them (apt-get remove ${UU_PACKAGE} does)`],
    };
    // apt-get would install into the machine hardtop runs on, not into --root.
    if (host.root !== '/') return refuse(plan, SYSROOT_INSTALL_REFUSED);
    const pkg = await lookupPackage(host, UU_PACKAGE);
    if (pkg.kind === 'no-dpkg') return refuse(plan, NOT_APT);
    if (pkg.kind === 'error') return refuse(plan, pkg.summary);
    if (pkg.presence.kind === 'installed') return refuse(plan, `nothing to change: ${UU_PACKAGE} is installed`);
    if (pkg.presence.kind === 'incomplete') {
      plan.warnings.push(`${UU_PACKAGE} is half-installed: if apt says dpkg was interrupted, run dpkg --configure -a first`);
    }
    if (!host.network) return refuse(plan, '--no-network: apt-get would download packages');
    if ((await host.which('apt-get')) === null) return refuse(plan, 'apt-get not found in the system directories');
    return plan;
  },
};
