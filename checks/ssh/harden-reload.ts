// How the running sshd picks up the new configuration (a reload, never a
// restart: existing sessions are separate processes and stay up).
//
// - on the live system ("/") where systemd is PID 1 (/run/systemd/system
//   exists, as sd_booted() tests) and ssh.service (Debian, Ubuntu) or
//   sshd.service (RHEL) is RUNNING: `systemctl reload UNIT` (the unit's own
//   ExecReload: sshd -t, then SIGHUP to its main pid);
// - otherwise, when the PidFile (default /run/sshd.pid) names a running sshd
//   (one started by hand, or no systemd): `pkill --signal HUP -F PIDFILE -x
//   sshd`, which signals that pid ONLY if the process there is named sshd (a
//   stale pid file whose number now belongs to another process gets no
//   signal, and the apply rolls back). sshd answers SIGHUP by re-executing
//   itself and reading its configuration again;
// - nothing running: nothing to reload. With Ubuntu's socket activation
//   (ssh.socket, 22.10+) ssh.service only starts on the first connection,
//   which then reads the new configuration.
// Under --root the machine's systemd has nothing to do with the sysroot's
// sshd: only the PidFile is used, so a test sysroot never reloads the
// machine's real sshd.

import type { Command } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { SshdConfig } from '../../src/parse/sshd-config';
import { firstGlobal } from '../../src/parse/sshd-config';

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const SOCKET_WANTS = ['/etc/systemd/system/sockets.target.wants/ssh.socket', '/etc/systemd/system/sockets.target.wants/sshd.socket'];
export const DEFAULT_PID_FILE = '/run/sshd.pid';

export interface ReloadPlan {
  commands: Command[];
  notes: string[];
}

async function exists(host: Host, path: string): Promise<boolean> {
  return (await host.lstat(path).catch(() => null)) !== null;
}

export async function systemdIsPid1(host: Host): Promise<boolean> {
  return (await host.stat('/run/systemd/system').catch(() => null))?.kind === 'dir';
}

async function sshUnit(host: Host): Promise<string | null> {
  for (const unit of ['ssh.service', 'sshd.service']) {
    for (const dir of UNIT_DIRS) if (await exists(host, `${dir}/${unit}`)) return unit;
  }
  return null;
}

export async function reloadPlan(host: Host, cfg: SshdConfig): Promise<ReloadPlan> {
  const notes: string[] = [];
  if (host.root === '/' && (await systemdIsPid1(host))) {
    const unit = await sshUnit(host);
    if (unit) {
      const state = await host.exec('systemctl', ['is-active', unit], { timeoutMs: 10_000 });
      const active = /^(active|reloading)$/.test(state.stdout.trim());
      for (const s of SOCKET_WANTS) {
        if (await exists(host, s)) {
          notes.push(`${s.slice(s.lastIndexOf('/') + 1)} is enabled (socket activation): when ${unit} is not running there is nothing to reload; the next connection starts sshd with the new configuration`);
        }
      }
      if (active) {
        return {
          commands: [{ argv: ['systemctl', 'reload', unit], describe: `reload sshd (${unit}) so new connections use the new configuration`, reload: true, timeoutMs: 30_000 }],
          notes,
        };
      }
      notes.push(`${unit} is not running (${state.stdout.trim() || 'unknown'})`);
    }
  }
  const pidLine = firstGlobal(cfg, 'pidfile');
  const pidFile = pidLine?.args[0] && pidLine.args[0].toLowerCase() !== 'none' ? pidLine.args[0] : DEFAULT_PID_FILE;
  if (!pidFile.startsWith('/')) {
    notes.push(`PidFile ${pidFile} is not an absolute path: sshd is not reloaded; reload it by hand`);
    return { commands: [], notes };
  }
  const pid = await host.read(pidFile, { maxBytes: 64 }).catch(() => null);
  if (!pid?.ok || !/^\s*\d+\s*$/.test(pid.text)) {
    notes.push(`sshd does not seem to run (no pid in ${pidFile}): nothing to reload; the new configuration applies when it starts`);
    return { commands: [], notes };
  }
  return {
    commands: [
      {
        // A real path: pkill runs on this machine, the pid file is under --root.
        argv: ['pkill', '--signal', 'HUP', '-F', host.realPath(pidFile), '-x', 'sshd'],
        describe: `reload sshd (SIGHUP to the pid in ${pidFile}) so new connections use the new configuration`,
        reload: true,
        timeoutMs: 10_000,
      },
    ],
    notes,
  };
}
