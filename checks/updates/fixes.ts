// The updates area's fixes (CHECKS.md "Fix ids": updates.install-unattended,
// updates.enable-unattended, updates.enable-timers, updates.enable-dnf-automatic).
// None is written yet; findings name a fix only once it exists here.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from './finding';

export const fixes: Fix[] = [];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
