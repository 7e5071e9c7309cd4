// updates.auto.installed: the package that installs updates unattended is there.

import type { Check } from '../../src/core/types';
import { DPKG_STATUS, lookupPackage } from './dpkg';
import { finding, guardedCheck } from './finding';
import { offer } from './fixes';
import { dnfInstalled, dnfOrSkip } from './dnf-checks';
import { DNF5_DEFAULTS } from './dnf';
import { UU_PACKAGE } from './unattended';

export const autoInstalled: Check = guardedCheck({
  id: 'updates.auto.installed',
  area: 'updates',
  title: 'Automatic updates are installed',
  severity: 'high',
  watch: [DPKG_STATUS, '/usr/bin/dnf-automatic', DNF5_DEFAULTS],
  interval: 3600,
  async run(host) {
    const lookup = await lookupPackage(host, UU_PACKAGE);
    if (lookup.kind === 'no-dpkg') return dnfOrSkip(autoInstalled, host, (dnf) => dnfInstalled(autoInstalled, host, dnf));
    if (lookup.kind === 'error') return finding(autoInstalled, 'error', lookup.summary, lookup.evidence);
    const p = lookup.presence;
    const install = offer('updates.install-unattended');
    switch (p.kind) {
      case 'installed':
        return finding(autoInstalled, 'pass', `${UU_PACKAGE} ${p.pkg.version ?? '(no version)'} is installed`, lookup.evidence);
      case 'incomplete':
        return finding(
          autoInstalled,
          'warn',
          `${UU_PACKAGE} is only partly installed (dpkg state "${p.pkg.status?.state}"): finish with dpkg --configure -a`,
          lookup.evidence,
          install,
        );
      case 'config-files':
        return finding(autoInstalled, 'fail', `${UU_PACKAGE} was removed (only its config files remain): security updates are not installed automatically`, lookup.evidence, install);
      case 'absent':
        return finding(autoInstalled, 'fail', `${UU_PACKAGE} is not installed: security updates are not installed automatically`, lookup.evidence, install);
    }
  },
});
