// updates.auto.enabled: apt's periodic job will refresh the lists and run
// unattended-upgrades. The presence of 20auto-upgrades proves nothing (a
// debconf answer rewrites it to "0"): what counts is the merged value.

import type { Check, Evidence } from '../../src/core/types';
import { aptBool, parsePeriodicInterval, type AptValue } from '../../src/parse/apt-conf';
import { APT_CONF_MAIN, APT_CONF_PARTS, crossCheckWithAptConfig, describeSetting, loadAptConf } from './apt-config';
import { DPKG_STATUS } from './dpkg';
import { finding, guardedCheck } from './finding';
import { offer } from './fixes';
import { dnfEnabled, dnfOrSkip } from './dnf-checks';
import { DNF_WATCH, gateOnUnattendedUpgrades } from './unattended';

/** The two intervals that must be on (CHECKS.md); both default to 0 (off) in apt. */
const REQUIRED = ['APT::Periodic::Update-Package-Lists', 'APT::Periodic::Unattended-Upgrade'];
/** apt.systemd.daily exits at once when this is off (default on). */
const MASTER_SWITCH = 'APT::Periodic::Enable';

function shortName(key: string): string {
  return key.replace(/^APT::Periodic::/, '');
}

function evidenceOf(v: AptValue | undefined, key: string): Evidence {
  return v ? { file: v.file, line: v.line, text: `${v.key} "${v.value}";` } : { file: APT_CONF_PARTS, text: `${key} not set` };
}

export const autoEnabled: Check = guardedCheck({
  id: 'updates.auto.enabled',
  area: 'updates',
  title: 'Automatic updates are enabled',
  severity: 'high',
  watch: [APT_CONF_PARTS, APT_CONF_MAIN, DPKG_STATUS, ...DNF_WATCH, '/etc/systemd/system/timers.target.wants'],
  interval: 3600,
  async run(host) {
    const gate = await gateOnUnattendedUpgrades(autoEnabled, host, () => dnfOrSkip(autoEnabled, host, (dnf) => dnfEnabled(autoEnabled, host, dnf)));
    if (gate) return gate;

    const { conf, problems } = await loadAptConf(host);
    if (problems.length > 0) {
      const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
      return finding(autoEnabled, 'error', `apt cannot read its configuration: ${problems[0].summary}${more}`, problems.flatMap((p) => p.evidence));
    }

    const enable = conf.get(MASTER_SWITCH);
    const evidence: Evidence[] = [];
    const off: string[] = [];
    const on: string[] = [];

    if (enable && !aptBool(enable.value, true)) {
      evidence.push(evidenceOf(enable, MASTER_SWITCH));
      off.push(`${describeSetting('Enable', enable, '1')} switches all periodic apt jobs off`);
    }
    for (const key of REQUIRED) {
      const v = conf.get(key);
      evidence.push(evidenceOf(v, key));
      const described = describeSetting(shortName(key), v, '0');
      const interval = v ? parsePeriodicInterval(v.value) : { kind: 'off' as const };
      if (interval.kind === 'on') on.push(described);
      else if (interval.kind === 'off') off.push(described);
      else off.push(`${described} is not an interval apt understands`);
    }

    // On the live system apt itself has the last word: a disagreement means we cannot decide.
    const apt = await crossCheckWithAptConfig(host, conf, [MASTER_SWITCH, ...REQUIRED]);
    if (apt.kind === 'disagree') {
      return finding(autoEnabled, 'error', `our reading of apt's configuration disagrees with apt-config dump: ${apt.summary}`, [...evidence, ...apt.evidence]);
    }
    if (apt.kind === 'failed') return finding(autoEnabled, 'error', apt.summary, [...evidence, ...apt.evidence]);
    const agreed = apt.kind === 'agree' ? '; apt-config dump agrees' : '';
    if (agreed) evidence.push({ command: 'apt-config dump', text: 'same values' });

    if (off.length > 0) return finding(autoEnabled, 'fail', `automatic updates are off: ${off.join('; ')}${agreed}`, evidence, offer('updates.enable-unattended'));
    return finding(autoEnabled, 'pass', `${on.join(', ')}${agreed}`, evidence);
  },
});
