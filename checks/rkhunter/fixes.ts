// The rkhunter area's fixes (CHECKS.md "Fix ids": rkhunter.install,
// rkhunter.apt-autogen, rkhunter.schedule, rkhunter.propupd, rkhunter.scan,
// rkhunter.whitelist). None is written yet; findings name a fix only once it
// exists here, so no key leads nowhere.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';

export const fixes: Fix[] = [];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
