// reboot.restart-services: `systemctl restart UNIT` for each system service
// that still runs a deleted library, one command per unit, in the embedded
// terminal (the admin sees each result; the engine stops at the first
// failure). Only units are restarted, never a process by PID: a login
// session, a user's own services and processes outside any unit are named in
// the warnings for the admin to handle. Units whose restart ends sessions or
// networking (dbus, logind, getty, NetworkManager … assets/policy/updates.json
// restartNever) are left for a reboot.
//
// sshd: restarting ssh.service is safe for open sessions when the unit kills
// only its main process (Debian's and RHEL's units say KillMode=process), and
// `sshd -t` runs first so a broken sshd_config stops the plan before sshd is
// down. With any other KillMode every session in the unit's cgroup would be
// killed, so the unit is left out.
//
// One by one: with `--arg unit=NAME.service` (what each item of
// reboot.stale-services carries, so `f` on one item in the dashboard's detail
// view previews and confirms that one restart) the plan restarts that unit
// only, after the same checks; without it, every restartable unit in turn.
//
// Nothing here can be undone by `hardtop undo` (no file changes).

import type { Command, Fix, FixArgs, Plan } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { emptyPlan, refuse } from '../updates/fix-plan';
import { listSome } from '../updates/finding';
import { systemdIsRunning, UNIT_DIRS } from '../updates/systemd-units';
import { baseName, groupStale, type StaleGroup } from './stale-scan';
import { isRestartable, NOT_LIVE, restartNever, scanStale } from './stale-policy';

const SSH_UNITS = new Set(['ssh.service', 'sshd.service']);

/** A system service unit name as systemd spells one (escaped instance names included): nothing a shell or systemctl would read as an option. */
export const SERVICE_UNIT = /[A-Za-z0-9:_.\\@-]+\.service/;

/** The restart of one unit as an item-level fix (reboot.stale-services puts it on each restartable service). */
export function restartOneFix(unit: string): { id: string; args: Record<string, string> } {
  return { id: 'reboot.restart-services', args: { unit } };
}

/** systemd runs this machine as PID 1 (sd_booted() and /proc/1/comm). */
export async function systemdIsPid1(host: Host): Promise<boolean> {
  if ((await systemdIsRunning(host)) !== true) return false;
  const comm = await host.read('/proc/1/comm').catch(() => null);
  return comm !== null && comm.ok && comm.text.trim() === 'systemd';
}

/** The unit's KillMode= after its drop-ins (default control-group), from the unit files. */
export async function killModeOf(host: Host, unit: string): Promise<string> {
  const files: string[] = [];
  for (const dir of [...UNIT_DIRS].reverse()) {
    // Lowest priority first, so the highest-priority unit file is read last and wins.
    const main = `${dir}/${unit}`;
    const st = await host.stat(main).catch(() => null);
    if (st?.kind === 'file') files.push(main);
  }
  const mainFile = files.at(-1);
  const dropIns: string[] = [];
  for (const dir of UNIT_DIRS) {
    const names = ((await host.list(`${dir}/${unit}.d`).catch(() => null)) ?? []).filter((n) => n.endsWith('.conf'));
    for (const n of names) if (!dropIns.some((d) => baseName(d) === n)) dropIns.push(`${dir}/${unit}.d/${n}`);
  }
  dropIns.sort((a, b) => (baseName(a) < baseName(b) ? -1 : baseName(a) > baseName(b) ? 1 : 0));
  let mode = 'control-group';
  for (const file of [...(mainFile ? [mainFile] : []), ...dropIns]) {
    const r = await host.read(file).catch(() => null);
    if (!r || !r.ok) continue;
    for (const line of r.text.split('\n')) {
      const m = /^\s*KillMode\s*=\s*(\S*)\s*$/.exec(line);
      if (m) mode = m[1] === '' ? 'control-group' : m[1];
    }
  }
  return mode;
}

function describeGroup(g: StaleGroup): string {
  const files = listSome([...new Set(g.files.map(baseName))], 3);
  const procs = listSome(g.processes.map((p) => `${p.pid} ${p.comm}`), 3);
  return `${procs}: ${files}`;
}

export const restartServices: Fix = {
  id: 'reboot.restart-services',
  title: 'Restart the services that still run deleted libraries',
  area: 'reboot',
  // Each service is down for the moment of its restart.
  risk: 'disruptive',
  verifies: ['reboot.stale-services'],
  params: [{ name: 'unit', describe: 'one service to restart (NAME.service, as reboot.stale-services lists it); left out: every restartable one', pattern: SERVICE_UNIT, optional: true }],
  async plan(host, _ctx, args?: FixArgs): Promise<Plan> {
    const plan = emptyPlan(restartServices);
    const only = args?.unit;
    if (only !== undefined && (!new RegExp(`^(?:${SERVICE_UNIT.source})$`).test(only) || only.startsWith('-'))) return refuse(plan, `--arg unit must be a service unit name (NAME.service), not '${only}'`);
    if (host.root !== '/') return refuse(plan, NOT_LIVE);
    if (!(await systemdIsPid1(host))) return refuse(plan, 'systemd is not PID 1 here (no /run/systemd/system, or /proc/1/comm is not systemd): no unit to restart; restart the programs by hand or reboot');

    const all = groupStale((await scanStale(host)).stale);
    if (only !== undefined) {
      const g = all.find((x) => x.kind === 'service' && x.unit === only);
      if (!g) return refuse(plan, `nothing to restart: ${only} runs no deleted library now`);
      if (restartNever(only)) return refuse(plan, `${only} is not restarted by hardtop (assets/policy/updates.json restartNever: restarting it ends sessions or networking); a reboot covers it`);
    }
    // One unit: only its group, so the warnings speak of it alone.
    const groups = only === undefined ? all : all.filter((x) => x.kind === 'service' && x.unit === only);
    const commands: Command[] = [];
    const warnings: string[] = [];
    const restartable = groups.filter(isRestartable);
    const ssh: StaleGroup[] = [];
    for (const g of restartable) {
      const unit = g.unit as string;
      if (!SSH_UNITS.has(unit)) {
        commands.push({ argv: ['systemctl', 'restart', unit], describe: `restart ${unit} (${describeGroup(g)})`, interactive: true, timeoutMs: 120_000 });
        continue;
      }
      const killMode = await killModeOf(host, unit);
      if (killMode !== 'process') {
        warnings.push(`${unit} is NOT restarted: its KillMode is ${killMode}, so a restart would also kill the SSH sessions in its cgroup (yours, perhaps); restart it from the console or reboot`);
        continue;
      }
      ssh.push(g);
    }
    // sshd last, after its own config check: if anything goes wrong before, sshd is untouched.
    for (const g of ssh) {
      const unit = g.unit as string;
      commands.push({ argv: ['sshd', '-t'], describe: 'sshd accepts its configuration (a broken one would leave no sshd for new logins after the restart)', timeoutMs: 20_000 });
      commands.push({ argv: ['systemctl', 'restart', unit], describe: `restart ${unit} (${describeGroup(g)})`, interactive: true, timeoutMs: 120_000 });
      warnings.push(`${unit} is restarted: open SSH sessions stay up (KillMode=process), but each session's own sshd process keeps the old library until that session ends; log in anew to check`);
    }
    const init = only === undefined ? groups.find((g) => g.kind === 'init') : undefined;
    if (init) {
      commands.push({ argv: ['systemctl', 'daemon-reexec'], describe: `re-execute systemd (PID 1) in place so it loads the new libraries (${listSome([...new Set(init.files.map(baseName))], 3)})`, interactive: true, timeoutMs: 120_000 });
    }

    const never = groups.filter((g) => g.kind === 'service' && g.unit !== null && restartNever(g.unit));
    if (never.length > 0) warnings.push(`not restarted (restarting them ends sessions or networking, or they are one-shot jobs): ${never.map((g) => g.subject).join(', ')}; a reboot covers them`);
    const sessions = groups.filter((g) => g.kind === 'session');
    if (sessions.length > 0) warnings.push(`login sessions run deleted libraries: ${sessions.map((g) => g.subject).join(', ')}; their users log out and in again`);
    const users = groups.filter((g) => g.kind === 'user-service');
    if (users.length > 0) warnings.push(`users' own services (systemctl --user) run deleted libraries: ${users.map((g) => g.subject).join(', ')}`);
    const loose = groups.filter((g) => g.kind === 'process' || g.kind === 'scope');
    if (loose.length > 0) warnings.push(`not part of a service, not restarted: ${loose.map((g) => `${g.subject} (${describeGroup(g)})`).join('; ')}`);

    if (commands.length === 0) {
      return refuse({ ...plan, warnings }, groups.length === 0 ? 'nothing to restart: no process maps a deleted library' : 'no system service to restart (see the warnings)');
    }
    warnings.unshift(`each service is briefly down while it restarts; hardtop undo cannot undo a restart`);
    return { ...plan, commands, warnings };
  },
};
