// updates.enable-dnf-automatic: make dnf-automatic (dnf4) or dnf5's automatic
// plugin install security updates by itself, i.e. updates.auto.enabled passes:
// - [commands] in automatic.conf: upgrade_type = security, apply_updates =
//   yes, and reboot = when-needed where this dnf-automatic knows the option
//   (assets/policy/updates.json "dnf.enable" says why and from which version);
//   the value on the line that sets each key changes, anything else in the file
//   stays byte for byte; a missing key goes into [commands];
// - the timer that follows apply_updates (dnf-automatic.timer on dnf4,
//   dnf5-automatic.timer on dnf5) enabled, unless a timer that installs is
//   already on: `systemctl enable --now` on the live system with systemd as
//   PID 1, else `systemctl --root=…` writes the links offline (as
//   updates.enable-timers does), and undo disables it again.
//
// Validation: the edited file is re-read with the same parser and merge the
// check uses (plan time, on the exact text the engine writes), and where the
// host has libdnf's Python binding (python3-libdnf: what dnf-automatic itself
// parses with) its ConfigParser reads the STAGED copy too. After the apply, the
// engine re-runs updates.auto.enabled (verifies) and rolls back unless it passes.

import type { Command, FileEdit, Fix, Plan, Validation } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { setDnfIniValues, type DnfIniSetting } from '../../src/parse/dnf-ini';
import { withEdits } from './apt-conf-edit';
import { applyingTimers, automaticConfigFiles, automaticPresence, describeIni, detectDnf, DNF_CONFIG, dnfTimerStates, readAutomaticConfig, type AutomaticConfig, type DnfSystem } from './dnf';
import { currentFile, emptyPlan, refuse } from './fix-plan';
import { updatesPolicy } from './policy';
import { describeUnit, systemdIsRunning } from './systemd-units';

const ENABLE = updatesPolicy.dnf.enable;

/** The file the fix edits: the most specific automatic.conf that exists (dnf5 may have its plugin dir), else /etc/dnf/automatic.conf. */
async function targetFile(host: Host, dnf: DnfSystem): Promise<string> {
  const candidates = automaticConfigFiles(dnf).filter((p) => p.startsWith('/etc/'));
  for (const path of [...candidates].reverse()) if ((await host.lstat(path)) !== null) return path;
  return DNF_CONFIG;
}

/** Does the effective configuration hold this setting? */
function inForce(config: AutomaticConfig, s: DnfIniSetting): boolean {
  if (s.key === 'apply_updates') return config.applyUpdates;
  if (s.key === 'upgrade_type') return config.upgradeType === s.value;
  return config.reboot === s.value;
}

/** Reads the file with libdnf's ConfigParser; its error, one line, on stderr. */
export const LIBDNF_READ = [
  'import sys, libdnf.conf',
  'try:',
  '    libdnf.conf.ConfigParser().read(sys.argv[1])',
  'except Exception as e:',
  '    print(str(e).splitlines()[-1], file=sys.stderr)',
  '    sys.exit(1)',
].join('\n');

/** libdnf's own ConfigParser (python3-libdnf) on the staged file, when the host has it. */
async function libdnfValidation(host: Host, path: string): Promise<Validation | null> {
  if ((await host.which('python3')) === null) return null;
  const probe = await host.exec('python3', ['-c', 'import libdnf.conf'], { timeoutMs: 10_000 });
  if (probe.exitCode !== 0) return null;
  const dir = path.slice(0, path.lastIndexOf('/'));
  return {
    argv: ['python3', '-c', LIBDNF_READ, `{stage}${path}`],
    describe: `libdnf's ConfigParser (what dnf-automatic reads with) accepts the staged ${path}`,
    stage: [dir],
    timeoutMs: 20_000,
  };
}

export const enableDnfAutomatic: Fix = {
  id: 'updates.enable-dnf-automatic',
  title: 'Turn on automatic security updates, with a reboot when one needs it where dnf-automatic supports that',
  area: 'updates',
  // With reboot = when-needed the machine reboots by itself after a kernel or glibc update.
  risk: 'disruptive',
  verifies: ['updates.auto.enabled'],
  async plan(host): Promise<Plan> {
    let plan = emptyPlan(enableDnfAutomatic);
    const dnf = await detectDnf(host);
    if (!dnf) return refuse(plan, 'not a dnf system (no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3)');
    const presence = await automaticPresence(host, dnf);
    if (!presence.installed) return refuse(plan, `${dnf.policy.package} is not installed: dnf install ${dnf.policy.package} first`);

    const reading = await readAutomaticConfig(host, dnf);
    if (reading.kind === 'error') return refuse(plan, `${reading.summary}; fix that first`);
    const config = reading.config;
    const timers = await dnfTimerStates(host, dnf);

    const settings: DnfIniSetting[] = [];
    const warnings: string[] = [];
    if (config.upgradeType !== ENABLE.upgrade_type) {
      settings.push({ section: 'commands', key: 'upgrade_type', value: ENABLE.upgrade_type });
      if (config.upgradeType === 'default') warnings.push(`${describeIni('upgrade_type', config.upgradeTypeSetting, 'default')} installed every update; from now on only security updates are installed automatically`);
    }
    if (!config.applyUpdates) settings.push({ section: 'commands', key: 'apply_updates', value: ENABLE.apply_updates });
    if (config.rebootSupported) {
      // An admin's when-changed reboots more often than when-needed: theirs to keep.
      if (config.reboot === 'never') {
        settings.push({ section: 'commands', key: 'reboot', value: ENABLE.reboot });
        warnings.push(`reboot = ${ENABLE.reboot}: after an update that needs it (kernel, glibc, systemd …) the machine reboots by itself (reboot_command, by default "shutdown -r +5")`);
      }
    } else {
      warnings.push('this dnf-automatic has no `reboot` option (no reboot key in automatic.conf: dnf older than 4.15); it is not added, since older versions fail on it: plan reboots yourself');
    }

    const timer = timers.apply[0];
    const applyingNow = applyingTimers(dnf, timers, { ...config, applyUpdates: true });
    const enableTimer = applyingNow.length === 0;
    if (enableTimer && (timer.state.state === 'missing' || timer.state.state === 'broken')) return refuse(plan, `${describeUnit(timer.name, timer.state)}: reinstall ${dnf.policy.package}`);
    if (enableTimer && timer.state.state === 'masked' && !timer.state.at.startsWith('/etc/')) {
      return refuse(plan, `${describeUnit(timer.name, timer.state)}: a runtime mask; remove it with systemctl unmask --runtime ${timer.name}`);
    }
    if (settings.length === 0 && !enableTimer) return refuse(plan, `nothing to change: ${applyingNow.join(', ')} installs ${config.upgradeType} updates`);

    if (settings.length > 0) {
      const path = await targetFile(host, dnf);
      const current = await currentFile(host, path);
      if (current.kind === 'unusable') return refuse(plan, current.reason);
      const before = current.kind === 'file' ? current.text : null;
      const header = ['# Written by hardtop (fix updates.enable-dnf-automatic): overrides of', `# ${dnf.flavour === 'dnf5' ? updatesPolicy.dnf.dnf5.defaults : 'dnf-automatic\'s defaults'}.`];
      const edited = setDnfIniValues(before, path, settings, header);
      if (!edited.ok) return refuse(plan, edited.reason);
      const edit: FileEdit = { path, before, after: edited.text, mode: 0o644 };
      plan = { ...plan, edits: [edit] };

      // What dnf will believe afterwards, with the same reader the check uses.
      const after = await readAutomaticConfig(withEdits(host, [edit]), dnf);
      if (after.kind === 'error') return refuse(plan, `the edited configuration would not be read: ${after.summary}`);
      const lost = settings.filter((s) => !inForce(after.config, s));
      if (lost.length > 0) return refuse(plan, `${lost.map((s) => s.key).join(', ')} would still not be in force after editing ${path}`);
      const libdnf = await libdnfValidation(host, path);
      if (libdnf) plan.validate.push(libdnf);
    }

    if (enableTimer) {
      const live = (await systemdIsRunning(host)) === true;
      const systemctl = live ? ['systemctl'] : ['systemctl', `--root=${host.realPath('/')}`];
      const commands: Command[] = [];
      const undoCommands: Command[] = [];
      if (timer.state.state === 'masked') {
        commands.push({ argv: [...systemctl, 'unmask', timer.name], describe: live ? `unmask ${timer.name} (needs a running systemd)` : `unmask ${timer.name} on disk (offline)` });
      }
      commands.push({
        argv: [...systemctl, 'enable', ...(live ? ['--now'] : []), timer.name],
        describe: live ? `enable and start ${timer.name} (needs a running systemd)` : `enable ${timer.name} on disk (offline)`,
      });
      undoCommands.push({ argv: [...systemctl, 'disable', ...(live ? ['--now'] : []), timer.name], describe: `disable ${timer.name} again` });
      if (timer.state.state === 'masked') undoCommands.push({ argv: [...systemctl, 'mask', timer.name], describe: `mask ${timer.name} again` });
      if (!live) {
        warnings.push(
          host.root === '/'
            ? `systemd is not running here (no /run/systemd/system): the timer is enabled on disk, but it only fires on a system booted with systemd`
            : `the timer link is written into ${host.root}; nothing is started`,
        );
      }
      plan = { ...plan, commands, undoCommands };
    }
    return { ...plan, warnings: [...plan.warnings, ...warnings] };
  },
};
