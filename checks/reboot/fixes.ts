// The reboot area's fixes (CHECKS.md "Fix ids": reboot.set-policy,
// reboot.restart-services, reboot.schedule). None is written yet; findings
// name a fix only once it exists here.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';

export const fixes: Fix[] = [];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
