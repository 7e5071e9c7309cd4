// The reboot area's fixes (CHECKS.md "Fix ids": reboot.set-policy,
// reboot.restart-services, reboot.schedule). Findings name a fix only once it
// exists here (offer).

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';
import { restartServices } from './fix-restart-services';
import { scheduleReboot } from './fix-schedule';
import { setRebootPolicy } from './fix-set-policy';

export const fixes: Fix[] = [setRebootPolicy, restartServices, scheduleReboot];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
