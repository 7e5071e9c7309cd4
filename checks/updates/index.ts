// The updates area, in CHECKS.md order.

import type { Check } from '../../src/core/types';
import { autoEnabled } from './auto-enabled';
import { autoInstalled } from './auto-installed';
import { autoLastRun } from './auto-last-run';
import { autoTimers } from './auto-timers';
import { pendingAll } from './pending-all';
import { pendingSecurity } from './pending-security';

export { fixes } from './fixes';

export const checks: Check[] = [autoInstalled, autoEnabled, autoTimers, autoLastRun, pendingSecurity, pendingAll];
