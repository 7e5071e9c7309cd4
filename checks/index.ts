// The catalogue: every check and fix hardtop has, in report order
// (CHECKS.md order, area by area). An area appears here once it is built.

import type { Catalog } from '../src/core/catalog';
import * as reboot from './reboot/index';
import * as ssh from './ssh/index';
import * as updates from './updates/index';

export const catalog: Catalog = {
  checks: [...updates.checks, ...reboot.checks, ...ssh.checks],
  fixes: [...updates.fixes, ...reboot.fixes, ...ssh.fixes],
};
