// The reboot area, in CHECKS.md order.

import type { Check } from '../../src/core/types';
import { rebootLivepatch } from './livepatch';
import { rebootPolicy } from './policy';
import { rebootRequired } from './required';
import { staleServices } from './stale-services';

export { fixes } from './fixes';

export const checks: Check[] = [rebootRequired, rebootPolicy, rebootLivepatch, staleServices];
