// The updates area's fixes (CHECKS.md "Fix ids": updates.install-unattended,
// updates.enable-unattended, updates.enable-timers, updates.enable-dnf-automatic).
// Findings name a fix only once it exists here (offer).

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from './finding';
import { enableDnfAutomatic } from './fix-enable-dnf-automatic';
import { enableTimers } from './fix-enable-timers';
import { enableUnattended } from './fix-enable-unattended';
import { installUnattended } from './fix-install-unattended';

export const fixes: Fix[] = [installUnattended, enableUnattended, enableTimers, enableDnfAutomatic];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
