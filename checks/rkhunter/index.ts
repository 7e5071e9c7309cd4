// The rkhunter area, in CHECKS.md order, and its fixes (fixes.ts).

import type { Check } from '../../src/core/types';
import { rkhAptAutogen } from './apt-autogen';
import { rkhConfig } from './config';
import { rkhInstalled } from './installed';
import { rkhLastScan } from './last-scan';
import { rkhPropdb } from './propdb';
import { rkhScheduled } from './scheduled';
import { rkhWarnings } from './warnings';

export { fixes } from './fixes';

export const checks: Check[] = [rkhInstalled, rkhAptAutogen, rkhPropdb, rkhScheduled, rkhLastScan, rkhWarnings, rkhConfig];
