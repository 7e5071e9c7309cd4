// The rkhunter area's fixes (CHECKS.md "Fix ids"), in the order an admin
// would take them. Findings name a fix only when it exists here (offer), so
// no key leads nowhere.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';
import { setAptAutogen } from './fix-apt-autogen';
import { installRkhunter } from './fix-install';
import { updatePropertyDb } from './fix-propupd';
import { runScan } from './fix-scan';
import { scheduleDailyScan } from './fix-schedule';
import { whitelistWarnings } from './fix-whitelist';

export const fixes: Fix[] = [installRkhunter, setAptAutogen, scheduleDailyScan, updatePropertyDb, runScan, whitelistWarnings];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
