// reboot.policy: when an update needs a reboot, will the admin get one or hear
// of it? unattended-upgrades can reboot by itself (Automatic-Reboot) or mail
// (Mail); a livepatch service lowers the need. Otherwise the flag file waits
// for someone to log in and notice.

import type { Check, Evidence } from '../../src/core/types';
import { aptBool, type AptValue } from '../../src/parse/apt-conf';
import { APT_CONF_MAIN, APT_CONF_PARTS, loadAptConf } from '../updates/apt-config';
import { DPKG_STATUS, lookupPackage } from '../updates/dpkg';
import { finding, guardedCheck } from '../updates/finding';
import { detectDnf, DNF_CONFIG, noPackageManagerReason } from '../updates/dnf';
import { UU_PACKAGE } from '../updates/unattended';
import { dnfRebootPolicy } from './policy-dnf';
import { offer } from './fixes';
import { activeLivepatch, activeLivepatchEvidence, detectLivepatch } from './livepatch-detect';

const AUTO_REBOOT = 'Unattended-Upgrade::Automatic-Reboot';
const AUTO_REBOOT_TIME = 'Unattended-Upgrade::Automatic-Reboot-Time';
const MAIL = 'Unattended-Upgrade::Mail';
const MAIL_REPORT = 'Unattended-Upgrade::MailReport';
const MAIL_ONLY_ON_ERROR = 'Unattended-Upgrade::MailOnlyOnError';

function at(v: AptValue): string {
  return `${v.file}:${v.line}`;
}

function evidenceOf(v: AptValue): Evidence {
  return { file: v.file, line: v.line, text: `${v.key} "${v.value}";` };
}

/**
 * With MailReport "only-on-error" (or the legacy MailOnlyOnError "true") a
 * successful run that leaves a reboot pending sends no mail at all.
 */
function mailsOnlyOnError(report: AptValue | undefined, legacy: AptValue | undefined): boolean {
  if (report) return report.value.trim().toLowerCase() === 'only-on-error';
  return aptBool(legacy?.value, false);
}

export const rebootPolicy: Check = guardedCheck({
  id: 'reboot.policy',
  area: 'reboot',
  title: 'Needed reboots happen or are reported',
  severity: 'medium',
  watch: [APT_CONF_PARTS, APT_CONF_MAIN, DPKG_STATUS, DNF_CONFIG],
  interval: 3600,
  async run(host) {
    const livepatchState = await detectLivepatch(host);
    const livepatch = activeLivepatch(livepatchState);
    const livepatchEvidence = activeLivepatchEvidence(livepatchState);
    const livepatchSummary = `live patching active: ${livepatch.join('; ')} (it covers some kernel fixes; reboots are still needed)`;

    const uu = await lookupPackage(host, UU_PACKAGE);
    if (uu.kind === 'error') return finding(rebootPolicy, 'error', uu.summary, uu.evidence);
    if (uu.kind === 'no-dpkg') {
      const dnf = await detectDnf(host);
      if (dnf) return dnfRebootPolicy(rebootPolicy, host, dnf, livepatch.length > 0 ? { summary: livepatchSummary, evidence: livepatchEvidence } : null);
      if (livepatch.length > 0) return finding(rebootPolicy, 'pass', livepatchSummary, livepatchEvidence);
      return finding(rebootPolicy, 'skip', await noPackageManagerReason(host));
    }

    const { conf, problems } = await loadAptConf(host);
    if (problems.length > 0) {
      return finding(rebootPolicy, 'error', `apt cannot read its configuration: ${problems[0].summary}`, problems.flatMap((p) => p.evidence));
    }
    const installed = uu.presence.kind === 'installed' || uu.presence.kind === 'incomplete';
    const autoReboot = conf.get(AUTO_REBOOT);
    const mail = conf.get(MAIL);
    const settings = [autoReboot, mail].filter((v): v is AptValue => v !== undefined);

    if (installed && autoReboot && aptBool(autoReboot.value, false)) {
      const time = conf.get(AUTO_REBOOT_TIME);
      const when = time ? `at "${time.value}" (${at(time)})` : 'immediately after the run (Automatic-Reboot-Time unset: "now")';
      const evidence = [evidenceOf(autoReboot), ...(time ? [evidenceOf(time)] : [])];
      return finding(rebootPolicy, 'pass', `unattended-upgrades reboots by itself ${when}; Automatic-Reboot "${autoReboot.value}" (${at(autoReboot)})`, evidence);
    }
    if (installed && mail && mail.value.trim() !== '') {
      const report = conf.get(MAIL_REPORT);
      const legacy = conf.get(MAIL_ONLY_ON_ERROR);
      const evidence = [evidenceOf(mail), ...[report, legacy].filter((v): v is AptValue => v !== undefined).map(evidenceOf)];
      if (mailsOnlyOnError(report, legacy)) {
        if (livepatch.length > 0) return finding(rebootPolicy, 'pass', livepatchSummary, [...livepatchEvidence, ...evidence]);
        const which = report ? `MailReport "${report.value}" (${at(report)})` : legacy ? `MailOnlyOnError "${legacy.value}" (${at(legacy)})` : '';
        return finding(rebootPolicy, 'warn', `mail goes to ${mail.value} (${at(mail)}) but ${which}: a pending reboot alone sends none`, evidence, offer('reboot.set-policy'));
      }
      return finding(rebootPolicy, 'pass', `unattended-upgrades mails ${mail.value} (${at(mail)}), reboot notices included; no automatic reboot`, evidence);
    }
    if (livepatch.length > 0) return finding(rebootPolicy, 'pass', livepatchSummary, livepatchEvidence);

    const why = installed
      ? `Automatic-Reboot is ${autoReboot ? `"${autoReboot.value}" (${at(autoReboot)})` : 'unset (default false)'} and Mail is ${mail ? `empty (${at(mail)})` : 'unset'}`
      : `${UU_PACKAGE} is not installed${settings.length > 0 ? ', so its Automatic-Reboot/Mail settings do nothing' : ''}`;
    const evidence = settings.length > 0 ? settings.map(evidenceOf) : [{ file: APT_CONF_PARTS, text: `${AUTO_REBOOT} and ${MAIL} not set` }];
    return finding(rebootPolicy, 'fail', `nobody learns of a needed reboot: ${why}, and no livepatch service is enabled`, evidence, offer('reboot.set-policy'));
  },
});
