// ssh.server.installed: is there an SSH server to harden? Absent is `info`
// (nothing to harden), never `skip`: REPORT.md has *.installed report the absence.

import type { Check } from '../../src/core/types';
import { finding, guardedCheck } from '../updates/finding';
import { SERVER_INTERVAL, SERVER_WATCH } from './server-config';
import { detectServer } from './server-presence';

export const serverInstalledCheck: Check = guardedCheck({
  id: 'ssh.server.installed',
  area: 'ssh',
  title: 'SSH server is installed',
  severity: 'info',
  watch: SERVER_WATCH,
  interval: SERVER_INTERVAL,
  async run(host) {
    const p = await detectServer(host);
    if (p.kind === 'installed') return finding(serverInstalledCheck, 'pass', p.summary, p.evidence);
    if (p.kind === 'absent') return finding(serverInstalledCheck, 'info', `${p.summary}: nothing to harden`, p.evidence);
    return finding(serverInstalledCheck, 'error', p.summary, p.evidence);
  },
});
