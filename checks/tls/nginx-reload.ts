// How a fix makes the running nginx load new files (a renewed certificate, an
// edited config): a reload — SIGHUP to the master — never a restart, so open
// connections finish on the old workers. Decided from the root's own files,
// so a test sysroot never reloads this machine's real nginx:
//
// - on the running system (--root /) with systemd as PID 1 and an
//   nginx.service unit: `systemctl try-reload-or-restart nginx.service` (the
//   unit's own ExecReload; nothing when nginx is not running);
// - otherwise SIGHUP to the pid in nginx's pid file (the main-level `pid`
//   directive, default /run/nginx.pid as Debian's nginx.conf sets it):
//   `pkill --signal HUP -F PIDFILE -x nginx` signals that pid ONLY if the
//   process there is named nginx (a stale pid file whose number now belongs
//   to another process gets no signal, and the command fails).
// nginx answers SIGHUP by checking the new configuration first: a broken one
// is logged and the old workers keep serving.

import type { Command } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import type { NginxConfig } from '../../src/parse/nginx-conf';
import { systemdIsRunning, unitState } from '../updates/systemd-units';

export const NGINX_DEFAULT_PID_FILE = '/run/nginx.pid';

export interface NginxReload {
  commands: Command[];
  notes: string[];
}

/** The main-context `pid` directive (nginx ignores one inside a block). */
function pidFileOf(config: NginxConfig): { path: string; where: string } {
  const d = config.directives.find((x) => x.name === 'pid' && !x.block);
  if (!d || !d.args[0]) return { path: NGINX_DEFAULT_PID_FILE, where: `nginx's default ${NGINX_DEFAULT_PID_FILE}` };
  return { path: d.args[0], where: `pid ${d.args[0]} (${d.file}:${d.line})` };
}

export async function nginxReloadPlan(host: Host, config: NginxConfig, why: string): Promise<NginxReload> {
  if ((await systemdIsRunning(host)) === true && (await unitState(host, 'nginx.service')).state !== 'missing') {
    return {
      commands: [{ argv: ['systemctl', 'try-reload-or-restart', 'nginx.service'], describe: `reload nginx so that ${why}`, reload: true, timeoutMs: 30_000 }],
      notes: [],
    };
  }
  const pid = pidFileOf(config);
  if (!pid.path.startsWith('/')) {
    return { commands: [], notes: [`nginx's ${pid.where} is relative to its compiled-in prefix: nginx is not reloaded; reload it by hand so that ${why}`] };
  }
  const text = await host.read(pid.path, { maxBytes: 64 }).catch(() => null);
  if (!text?.ok || !/^\s*\d+\s*$/.test(text.text)) {
    return { commands: [], notes: [`nginx does not seem to run (no pid in ${pid.path}): nothing to reload; it loads the new files when it starts`] };
  }
  return {
    commands: [
      {
        // A real path: pkill runs on this machine, the pid file is under --root.
        argv: ['pkill', '--signal', 'HUP', '-F', host.realPath(pid.path), '-x', 'nginx'],
        describe: `reload nginx (SIGHUP to the pid in ${pid.path}) so that ${why}`,
        reload: true,
        timeoutMs: 10_000,
      },
    ],
    notes: [],
  };
}
