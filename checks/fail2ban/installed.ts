// fail2ban.installed: fail2ban is installed. The one fail2ban check that
// reports an absent fail2ban instead of skipping.

import type { Check } from '../../src/core/types';
import { DPKG_STATUS } from '../updates/dpkg';
import { finding, guardedCheck } from '../updates/finding';
import { offer } from './fixes';
import { detectInstall } from './install';
import { fail2banPolicy } from './policy';

export const fail2banInstalled: Check = guardedCheck({
  id: 'fail2ban.installed',
  area: 'fail2ban',
  title: 'fail2ban is installed',
  severity: 'high',
  watch: [DPKG_STATUS, ...fail2banPolicy.install.programs],
  interval: 3600,
  async run(host) {
    const install = await detectInstall(host);
    const fix = offer('fail2ban.install');
    switch (install.kind) {
      case 'installed':
        return finding(fail2banInstalled, 'pass', `fail2ban is installed (${install.how})`, install.evidence);
      case 'incomplete':
        return finding(fail2banInstalled, 'warn', `${install.how}: finish with dpkg --configure -a`, install.evidence, fix);
      case 'removed':
        return finding(fail2banInstalled, 'fail', 'fail2ban was removed (only its config files remain): nothing bans brute-force attackers', install.evidence, fix);
      case 'absent':
        return finding(fail2banInstalled, 'fail', 'fail2ban is not installed: nothing bans brute-force attackers', install.evidence, fix);
      case 'error':
        return finding(fail2banInstalled, 'error', install.summary, install.evidence);
    }
  },
});
