// The reboot area, in CHECKS.md order. reboot.stale-services is not built
// yet (it needs a scan of /proc/*/maps).

import type { Check } from '../../src/core/types';
import { rebootLivepatch } from './livepatch';
import { rebootPolicy } from './policy';
import { rebootRequired } from './required';

export { fixes } from './fixes';

export const checks: Check[] = [rebootRequired, rebootPolicy, rebootLivepatch];
