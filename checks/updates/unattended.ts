// The component the updates checks are about: unattended-upgrades on apt systems.

import type { Check, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { DPKG_STATUS, lookupPackage } from './dpkg';
import { finding } from './finding';
import { updatesPolicy } from './policy';

export const UU_PACKAGE = updatesPolicy.apt.package;

/** Why a non-apt system is skipped: dnf-automatic support is not built yet. */
export const NOT_APT = `no dpkg database (${DPKG_STATUS}): not an apt system; dnf-automatic is not checked yet`;

/**
 * For checks that judge how unattended-upgrades is set up: a finding when
 * there is nothing to judge (not apt, not installed: skip; unreadable: error),
 * or null when the check should go on.
 */
export async function gateOnUnattendedUpgrades(check: Check, host: Host): Promise<Finding | null> {
  const lookup = await lookupPackage(host, UU_PACKAGE);
  switch (lookup.kind) {
    case 'no-dpkg':
      return finding(check, 'skip', NOT_APT);
    case 'error':
      return finding(check, 'error', lookup.summary, lookup.evidence);
    case 'known':
      if (lookup.presence.kind === 'absent' || lookup.presence.kind === 'config-files') {
        return finding(check, 'skip', `${UU_PACKAGE} is not installed (see updates.auto.installed)`, lookup.evidence);
      }
      return null;
  }
}
