// Validating an nginx change before it goes live: `nginx -t` on a staged copy
// (DESIGN.md, fix engine contract §6), seeing the new files exactly as nginx
// will and never the live ones.
//
// The engine copies /etc/nginx into a private stage dir and writes the edited
// files there; prepareStage then rewrites, in the staged copy of every file
// nginx would read (the edits applied), the paths nginx would otherwise take
// from the live tree:
// - `include` → the staged copy (relative ones resolve against /etc/nginx, as
//   Debian's --conf-path makes nginx do; Debian's absolute
//   `include /etc/nginx/sites-enabled/*;` and its absolute symlinks would
//   otherwise read the LIVE files, and under --root this machine's);
// - certificate, key and other files nginx only reads → their real path
//   under --root, read in place;
// - error_log/access_log, pid and *_temp_path → inside the stage: `nginx -t`
//   opens the logs and creates the temp dirs, and must not do that on the
//   live system (or this machine's, under --root).
// Left alone: load_module (the module must match the nginx binary that runs
// the test, which is this machine's) and values holding variables.
// Not covered: nginx's compiled-in temp dirs (Debian: /var/lib/nginx/*) when
// the configuration sets none — `nginx -t` creates them if missing, as nginx
// itself does when it starts.

import { posix } from 'node:path';
import type { FileEdit, Validation } from '../../src/core/types';
import type { Host, ReadResult } from '../../src/host/host';
import { loadNginxConfig, NGINX_MAIN_CONF, parseNginxConf, resolveConfPath, type NginxConfigSource, type NginxDirective } from '../../src/parse/nginx-conf';
import { applyTextEdits, replaceArg, walkDirectives, type TextEdit } from '../../src/parse/nginx-edit';

/**
 * Directives whose first argument is a file nginx reads (relative to the conf
 * prefix), in the http, stream and mail ssl modules and the proxy/grpc/uwsgi
 * upstream TLS settings. `nginx -t` reads most of them (certificates, keys,
 * CA bundles, CRLs, DH params, password and ticket-key files, the stapling
 * file); auth_basic_user_file only at request time, but a staged check must
 * not even name this machine's file. Not files: ssl_ecdh_curve (curve names),
 * ssl_conf_command. Not rewritten: lua/njs file directives (*_by_lua_file,
 * js_import, js_path): their modules are not in Debian's nginx package, and
 * their relative paths resolve against nginx's prefix, not its conf dir.
 * map/geo `include` lines are `include` directives, handled with the others.
 */
const UPSTREAM_TLS_FILES = ['ssl_certificate', 'ssl_certificate_key', 'ssl_trusted_certificate', 'ssl_crl', 'ssl_password_file'];
const READ_FILES = new Set([
  'ssl_certificate',
  'ssl_certificate_key',
  'ssl_trusted_certificate',
  'ssl_client_certificate',
  'ssl_dhparam',
  'ssl_crl',
  'ssl_stapling_file',
  'ssl_password_file',
  'ssl_session_ticket_key',
  'auth_basic_user_file',
  ...['proxy', 'grpc', 'uwsgi'].flatMap((upstream) => UPSTREAM_TLS_FILES.map((d) => `${upstream}_${d}`)),
]);
const LOGS = new Set(['error_log', 'access_log']);
const TEMP_PATHS = new Set(['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path']);
/** Where the staged logs, pid and temp dirs go, inside the stage. */
const SCRATCH = '/hardtop-nginx-t';

/** The host's files with the plan's edits on top: what nginx will read after the apply. */
export function overlaySource(host: Host, edits: FileEdit[]): NginxConfigSource {
  const byPath = new Map(edits.map((e) => [e.path, e]));
  return {
    async read(path: string): Promise<ReadResult> {
      const e = byPath.get(path);
      if (!e) return host.read(path);
      if (e.delete) return { ok: false, reason: 'missing', message: `${path} is removed by the change` };
      return { ok: true, text: e.after, stat: { kind: 'file', size: e.after.length, mode: e.mode ?? 0o644, uid: 0, gid: 0, mtimeMs: 0 } };
    },
    async glob(pattern: string) {
      const found = await host.glob(pattern);
      const deleted = new Set(edits.filter((e) => e.delete).map((e) => e.path));
      return found.filter((p) => !deleted.has(p));
    },
  };
}

function isPlainPath(value: string): boolean {
  return value !== '' && !value.includes('$') && !value.startsWith('data:') && !value.startsWith('engine:');
}

/** The staged text of one file: paths nginx would take from the live tree, pointed elsewhere. */
export function stagedText(host: Host, text: string, file: string, stage: string, counter: { n: number }): string {
  const parsed = parseNginxConf(text, file);
  const edits: TextEdit[] = [];
  walkDirectives(parsed.directives, (d: NginxDirective) => {
    const arg = d.args[0];
    if (d.block || arg === undefined) return;
    if (d.name === 'include') edits.push(replaceArg(text, d, 0, posix.join(stage, resolveConfPath(arg))));
    else if (READ_FILES.has(d.name) && isPlainPath(arg)) edits.push(replaceArg(text, d, 0, host.realPath(resolveConfPath(arg))));
    else if (LOGS.has(d.name) && isPlainPath(arg) && arg !== 'off' && arg !== 'stderr' && !/^(syslog|memory):/.test(arg)) edits.push(replaceArg(text, d, 0, `${stage}${SCRATCH}/log-${++counter.n}.log`));
    else if (TEMP_PATHS.has(d.name)) edits.push(replaceArg(text, d, 0, `${stage}${SCRATCH}/temp-${++counter.n}`));
    else if (d.name === 'pid' || d.name === 'lock_file') edits.push(replaceArg(text, d, 0, `${stage}${SCRATCH}/${d.name}-${++counter.n}`));
  });
  return applyTextEdits(text, edits);
}

/**
 * `nginx -t` of the configuration as it will be after `edits` (build it from
 * the very edits the plan carries: prepareStage writes those), on a staged
 * copy. The stage's nginx.conf is the main file; nginx then resolves relative
 * paths against the stage's /etc/nginx, and every path we know is rewritten.
 */
export async function nginxValidation(_host: Host, edits: FileEdit[]): Promise<Validation> {
  // No `-e`: the startup log before the config is read is nginx's compiled-in
  // one (stderr on Debian), and the playbook export (src/export) runs this argv
  // on the host as it is, where a stage path would not exist.
  return {
    argv: ['nginx', '-t', '-q', '-c', `{stage}${NGINX_MAIN_CONF}`],
    describe: 'nginx -t accepts the new configuration (on a staged copy)',
    stage: ['/etc/nginx'],
    timeoutMs: 30_000,
    async prepareStage(h: Host, stage: string) {
      const config = await loadNginxConfig(overlaySource(h, edits));
      if (config.errors.length > 0) throw new Error(config.errors[0].message);
      await h.writeReal(`${stage}${SCRATCH}/.keep`, '');
      const counter = { n: 0 };
      const source = overlaySource(h, edits);
      for (const file of config.files) {
        const r = await source.read(file);
        if (!r.ok) throw new Error(`${file}: ${r.message}`);
        // Written as a regular file: a staged symlink (sites-enabled → the live sites-available) is replaced, never followed.
        await h.writeReal(posix.join(stage, file), stagedText(h, r.text, file, stage, counter));
      }
    },
  };
}
