// reboot.livepatch (info): which live kernel patching is in place, if any.

import type { Check, Evidence } from '../../src/core/types';
import { finding, guardedCheck } from '../updates/finding';
import { describeTool, detectLivepatch, LIVEPATCH_SYSFS } from './livepatch-detect';

export const rebootLivepatch: Check = guardedCheck({
  id: 'reboot.livepatch',
  area: 'reboot',
  title: 'Live kernel patching',
  severity: 'info',
  watch: ['/etc/systemd/system', '/etc/systemd/system/multi-user.target.wants'],
  interval: 3600,
  async run(host) {
    const state = await detectLivepatch(host);
    const installed = state.tools.filter((t) => t.installed);
    const evidence: Evidence[] = installed.flatMap((t) => t.evidence);
    const parts = installed.map(describeTool);
    if (state.loaded.length > 0) {
      const applied = state.loaded.filter((p) => p.enabled).map((p) => p.name);
      parts.push(`${applied.length} of ${state.loaded.length} loaded live patch(es) enabled${applied.length > 0 ? `: ${applied.join(', ')}` : ''}`);
      evidence.push({ file: LIVEPATCH_SYSFS, text: state.loaded.map((p) => `${p.name}=${p.enabled ? 1 : 0}`).join(' ') });
    }
    if (parts.length === 0) return finding(rebootLivepatch, 'info', 'none: neither canonical-livepatch nor kpatch is installed, no live patch loaded');
    return finding(rebootLivepatch, 'info', parts.join('; '), evidence);
  },
});
