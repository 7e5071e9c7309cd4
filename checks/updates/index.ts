// The updates area, in CHECKS.md order. updates.pending.security and
// updates.pending.all are not built yet (they need an apt simulation).

import type { Check } from '../../src/core/types';
import { autoEnabled } from './auto-enabled';
import { autoInstalled } from './auto-installed';
import { autoLastRun } from './auto-last-run';
import { autoTimers } from './auto-timers';

export { fixes } from './fixes';

export const checks: Check[] = [autoInstalled, autoEnabled, autoTimers, autoLastRun];
