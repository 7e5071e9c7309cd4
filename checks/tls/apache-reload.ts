// How a fix makes the running Apache load new files (a renewed certificate):
// a graceful restart — SIGUSR1 to the parent, which re-reads its config and
// certificates and lets open connections finish on the old children — never
// a stop. Decided from the root's own files, so a test sysroot never touches
// this machine's real Apache:
//
// - on the running system (--root /) with systemd as PID 1 and an
//   apache2.service unit: `systemctl try-reload-or-restart apache2.service`
//   (Debian's ExecReload is `apachectl graceful`; nothing when it is not running);
// - otherwise SIGUSR1 to the pid in Apache's PidFile: `pkill --signal USR1 -F
//   PIDFILE -x apache2` signals that pid ONLY if the process there is named
//   apache2. Debian's PidFile is ${APACHE_PID_FILE}, set in
//   /etc/apache2/envvars to /var/run/apache2/apache2.pid; a relative PidFile
//   (relative to httpd's DefaultRuntimeDir) or another variable is not
//   guessed at: the preview says to reload by hand.
// Like nginx, httpd checks the new configuration on a graceful restart; a
// broken one stops the parent (unlike nginx), so a config edit would need
// `apache2ctl configtest` first — a renewal edits no config.

import type { Command } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { ApacheModel } from '../../src/parse/apache-conf';
import { systemdIsRunning, unitState } from '../updates/systemd-units';

/** What Debian's /etc/apache2/envvars sets APACHE_PID_FILE to (without an apache2-NAME instance suffix). */
export const APACHE_DEBIAN_PID_FILE = '/var/run/apache2/apache2.pid';

export interface ApacheReload {
  commands: Command[];
  notes: string[];
}

function pidFileOf(model: ApacheModel): { path: string | null; where: string } {
  const d = model.pidFile;
  if (!d || d.value === '') return { path: null, where: 'no PidFile line (httpd\'s compiled-in default is relative to its run-time directory)' };
  const where = `PidFile ${d.value} (${d.file}:${d.line})`;
  if (d.value === '${APACHE_PID_FILE}') return { path: APACHE_DEBIAN_PID_FILE, where };
  if (d.value.startsWith('/') && !d.value.includes('$')) return { path: d.value, where };
  return { path: null, where };
}

/**
 * A graceful restart returns once the parent has the signal; it re-reads its
 * configuration and starts new children afterwards. The verify step probes
 * the live server: give it a moment to meet the new children.
 */
export const APACHE_SETTLE: Command = { argv: ['sleep', '1'], describe: "wait a second for Apache's new children (a graceful restart is asynchronous)", reload: true, timeoutMs: 5_000 };

export async function apacheReloadPlan(host: Host, model: ApacheModel, why: string): Promise<ApacheReload> {
  if ((await systemdIsRunning(host)) === true && (await unitState(host, 'apache2.service')).state !== 'missing') {
    return {
      commands: [{ argv: ['systemctl', 'try-reload-or-restart', 'apache2.service'], describe: `reload Apache (graceful) so that ${why}`, reload: true, timeoutMs: 30_000 }, APACHE_SETTLE],
      notes: [],
    };
  }
  const pid = pidFileOf(model);
  if (pid.path === null) return { commands: [], notes: [`Apache's ${pid.where} does not name a pid file hardtop can find: Apache is not reloaded; reload it by hand so that ${why}`] };
  const text = await host.read(pid.path, { maxBytes: 64 }).catch(() => null);
  if (!text?.ok || !/^\s*\d+\s*$/.test(text.text)) {
    return { commands: [], notes: [`Apache does not seem to run (no pid in ${pid.path}): nothing to reload; it loads the new files when it starts`] };
  }
  return {
    commands: [
      {
        // A real path: pkill runs on this machine, the pid file is under --root.
        argv: ['pkill', '--signal', 'USR1', '-F', host.realPath(pid.path), '-x', 'apache2'],
        describe: `reload Apache (graceful restart: SIGUSR1 to the pid in ${pid.path}) so that ${why}`,
        reload: true,
        timeoutMs: 10_000,
      },
      APACHE_SETTLE,
    ],
    notes: [],
  };
}
