// reboot.policy on dnf systems: dnf-automatic (dnf ≥ 4.15) and dnf5 reboot by
// themselves after an update that needs it when `reboot = when-needed` (or
// when-changed) in [commands]; otherwise nothing tells the admin.

import type { Check, Evidence, Finding } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { applyingTimers, automaticPresence, describeIni, DNF_CONFIG, dnfTimerStates, iniEvidence, readAutomaticConfig, type DnfSystem } from '../updates/dnf';
import { finding } from '../updates/finding';
import { offer as offerUpdatesFix } from '../updates/fixes';

/** `livepatch`: names of active live patching services (they make a missing reboot policy a pass, as on apt). */
export async function dnfRebootPolicy(check: Check, host: Host, dnf: DnfSystem, livepatch: { summary: string; evidence: Evidence[] } | null): Promise<Finding> {
  const presence = await automaticPresence(host, dnf);
  if (!presence.installed) {
    if (livepatch) return finding(check, 'pass', livepatch.summary, livepatch.evidence);
    return finding(check, 'fail', `nobody learns of a needed reboot: ${dnf.policy.package} is not installed, and no livepatch service is enabled`, presence.evidence);
  }
  const reading = await readAutomaticConfig(host, dnf);
  if (reading.kind === 'error') return finding(check, 'error', reading.summary, reading.evidence);
  const config = reading.config;
  const reboot = describeIni('reboot', config.rebootSetting, 'never');
  const evidence = [iniEvidence('reboot', config.rebootSetting, DNF_CONFIG)];
  const applying = applyingTimers(dnf, await dnfTimerStates(host, dnf), config);
  if (config.reboot === 'when-needed' || config.reboot === 'when-changed') {
    if (applying.length > 0) return finding(check, 'pass', `${dnf.policy.package} reboots by itself after an update that needs it: ${reboot}, run by ${applying.join(', ')}`, evidence);
    // The setting is there but nothing installs updates, so nothing ever triggers it.
    const f = finding(check, 'fail', `${reboot}, but no timer installs updates (see updates.auto.enabled), so it never triggers`, evidence, offerUpdatesFix('updates.enable-dnf-automatic'));
    return livepatch ? finding(check, 'pass', livepatch.summary, [...livepatch.evidence, ...evidence]) : f;
  }
  if (livepatch) return finding(check, 'pass', livepatch.summary, [...livepatch.evidence, ...evidence]);
  if (!config.rebootSupported) {
    return finding(check, 'fail', `nobody learns of a needed reboot: this ${dnf.policy.package} has no reboot option (no reboot key in ${DNF_CONFIG}: dnf older than 4.15), and no livepatch service is enabled; schedule reboots yourself (dnf needs-restarting -r)`, [{ file: DNF_CONFIG, text: 'no reboot key' }]);
  }
  return finding(check, 'fail', `nobody learns of a needed reboot: ${reboot}, and no livepatch service is enabled`, evidence, offerUpdatesFix('updates.enable-dnf-automatic'));
}
