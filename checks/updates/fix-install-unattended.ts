// updates.install-unattended: `apt-get install -y unattended-upgrades` (on dnf
// systems `dnf install -y dnf-automatic`, or `dnf5 install -y
// dnf5-plugin-automatic`), run in the embedded terminal so the admin watches
// the package manager's output (and answers any debconf question). No file
// edit: the package manager owns the package's files, and undo cannot remove
// a package, which the preview says.

import type { Fix, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { automaticPresence, detectDnf, type DnfSystem } from './dnf';
import { lookupPackage } from './dpkg';
import { emptyPlan, refuse } from './fix-plan';
import { NOT_APT, UU_PACKAGE } from './unattended';

export const SYSROOT_INSTALL_REFUSED = 'installing packages into a sysroot is not supported';

export const installUnattended: Fix = {
  id: 'updates.install-unattended',
  title: `Install automatic updates (${UU_PACKAGE} or dnf-automatic, in the terminal)`,
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
    const pkg = await lookupPackage(host, UU_PACKAGE);
    if (pkg.kind === 'no-dpkg') {
      const dnf = await detectDnf(host);
      return dnf ? dnfInstallPlan(host, dnf) : refuse(plan, NOT_APT);
    }
    if (host.root !== '/') return refuse(plan, SYSROOT_INSTALL_REFUSED);
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

/** dnf systems: the package that carries the automatic-update tool, from the distribution's repositories. */
async function dnfInstallPlan(host: Host, dnf: DnfSystem): Promise<Plan> {
  const program = dnf.flavour === 'dnf5' ? 'dnf5' : 'dnf';
  const name = dnf.policy.package;
  const plan: Plan = {
    ...emptyPlan(installUnattended),
    commands: [{ argv: [program, 'install', '-y', name], describe: `install ${name} and its dependencies`, interactive: true, timeoutMs: 30 * 60_000 }],
    warnings: [`${program} downloads and installs packages; hardtop undo cannot uninstall them (${program} remove ${name} does)`],
  };
  if (host.root !== '/') return refuse(plan, SYSROOT_INSTALL_REFUSED);
  if ((await automaticPresence(host, dnf)).installed) return refuse(plan, `nothing to change: ${name} is installed`);
  if (!host.network) return refuse(plan, `--no-network: ${program} would download packages`);
  if ((await host.which(program)) === null) return refuse(plan, `${program} not found in the system directories`);
  return plan;
}
