// The catalogue: every check and fix hardtop has, in report order
// (CHECKS.md order, area by area). An area appears here once it is built.

import type { Catalog } from '../src/core/catalog';
import * as fail2ban from './fail2ban/index';
import * as reboot from './reboot/index';
import * as rkhunter from './rkhunter/index';
import * as ssh from './ssh/index';
import * as tls from './tls/index';
import * as web from './web/index';
import * as updates from './updates/index';

export const catalog: Catalog = {
  checks: [...updates.checks, ...reboot.checks, ...ssh.checks, ...fail2ban.checks, ...rkhunter.checks, ...tls.checks, ...web.checks],
  fixes: [...updates.fixes, ...reboot.fixes, ...ssh.fixes, ...fail2ban.fixes, ...rkhunter.fixes, ...tls.fixes, ...web.fixes],
};
