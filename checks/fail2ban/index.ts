// The fail2ban area, in CHECKS.md order.

import type { Check } from '../../src/core/types';
import { fail2banBans } from './bans';
import { fail2banInstalled } from './installed';
import { fail2banPolicyCheck } from './jail-policy';
import { fail2banRecidive } from './recidive';
import { fail2banRunning } from './running';
import { fail2banSelfProtect } from './self-protect';
import { fail2banSshdJail } from './sshd-jail';
import { fail2banWebJails } from './web-jails';

export { fixes } from './fixes';

export const checks: Check[] = [fail2banInstalled, fail2banRunning, fail2banSshdJail, fail2banRecidive, fail2banPolicyCheck, fail2banWebJails, fail2banSelfProtect, fail2banBans];
