// The fail2ban area's fixes (CHECKS.md "Fix ids": fail2ban.install,
// fail2ban.enable-jails, fail2ban.ban, fail2ban.unban, fail2ban.ignore).
// Findings name a fix only once it exists here.

import type { Fix } from '../../src/core/types';
import { fixesThatExist } from '../updates/finding';
import { banFix, unbanFix } from './ban-fixes';
import { enableJails } from './fix-enable-jails';
import { ignoreFix } from './fix-ignore';
import { installFail2ban } from './fix-install';

export const fixes: Fix[] = [installFail2ban, enableJails, banFix, unbanFix, ignoreFix];

export function offer(...ids: string[]): string[] {
  return fixesThatExist(fixes, ids);
}
