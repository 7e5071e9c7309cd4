// The component the updates checks are about: unattended-upgrades on apt systems.

import type { Check, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { DPKG_STATUS, lookupPackage } from './dpkg';
import { finding } from './finding';
import { updatesPolicy } from './policy';

export const UU_PACKAGE = updatesPolicy.apt.package;

/** Why an apt-only fix does nothing here. */
export const NOT_APT = `no dpkg database (${DPKG_STATUS}): not an apt system`;

/** Paths whose change should re-run an updates.auto.* check on a dnf system. */
export const DNF_WATCH = ['/etc/dnf', '/var/lib/systemd/timers'];

/**
 * For checks that judge how unattended-upgrades is set up: a finding when
 * there is nothing to judge (not apt, not installed: skip; unreadable: error),
 * or null when the check should go on.
 */
export async function gateOnUnattendedUpgrades(check: Check, host: Host, notApt?: () => Promise<Finding>): Promise<Finding | null> {
  const lookup = await lookupPackage(host, UU_PACKAGE);
  switch (lookup.kind) {
    case 'no-dpkg':
      // Not apt: a dnf system is judged by the dnf checks; anything else is skipped with the reason.
      return notApt ? notApt() : finding(check, 'skip', NOT_APT);
    case 'error':
      return finding(check, 'error', lookup.summary, lookup.evidence);
    case 'known':
      if (lookup.presence.kind === 'absent' || lookup.presence.kind === 'config-files') {
        return finding(check, 'skip', `${UU_PACKAGE} is not installed (see updates.auto.installed)`, lookup.evidence);
      }
      return null;
  }
}
