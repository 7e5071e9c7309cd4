// rkhunter.installed: rkhunter is installed. The summary says what it is
// worth: upstream has been unmaintained since 1.4.6 (2018).

import type { Check } from '../../src/core/types';
import { DPKG_STATUS } from '../updates/dpkg';
import { finding, guardedCheck } from '../updates/finding';
import { offer } from './fixes';
import { rkhunterPolicy } from './policy';
import { detectRkhunter, RKH_PACKAGE } from './presence';

export const rkhInstalled: Check = guardedCheck({
  id: 'rkhunter.installed',
  area: 'rkhunter',
  title: 'rkhunter is installed',
  severity: 'medium',
  watch: [DPKG_STATUS, ...rkhunterPolicy.programs],
  interval: 3600,
  async run(host) {
    const p = await detectRkhunter(host);
    const caveat = rkhunterPolicy.upstream.note;
    switch (p.kind) {
      case 'error':
        return finding(rkhInstalled, 'error', p.summary, p.evidence);
      case 'installed': {
        const what = p.via === 'dpkg' ? `${RKH_PACKAGE} ${p.version ?? '(no version)'} is installed` : `rkhunter is installed at ${p.evidence[0].file} (not from a package)`;
        return finding(rkhInstalled, 'pass', `${what} (${caveat})`, p.evidence);
      }
      case 'incomplete':
        return finding(rkhInstalled, 'warn', `${RKH_PACKAGE} is only partly installed (dpkg state "${p.state}"): finish with dpkg --configure -a`, p.evidence, offer('rkhunter.install'));
      case 'removed':
        return finding(rkhInstalled, 'fail', `${RKH_PACKAGE} was removed (only its config files remain): nothing scans for rootkits`, p.evidence, offer('rkhunter.install'));
      case 'absent':
        return finding(rkhInstalled, 'fail', 'rkhunter is not installed: nothing scans for rootkits', p.evidence, offer('rkhunter.install'));
    }
  },
});
