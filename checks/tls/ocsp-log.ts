// Why nginx staples nothing, from its own error log. nginx fetches the OCSP
// response itself; when the responder says "revoked" (or "unknown"), or
// cannot be reached, nginx logs it, names the certificate file, and staples
// nothing. From outside, every one of these is "no staple" (a warn); the log
// tells a revoked certificate (fail: clients that check refuse it) from a
// responder that is down (warn, with the reason).
//
// - Which logs: every `error_log` file (main level, where the fetches are logged; lower levels too) (relative paths against
//   Debian's prefix /usr/share/nginx, as nginx resolves them; stderr, syslog:
//   and memory: have no file), and Debian's compiled-in default
//   /var/log/nginx/error.log. Only the last TAIL_BYTES of each are read.
// - Only lines written AFTER the certificate file was (its mtime): a renewal
//   to the same path must not inherit the old certificate's revocation.
// - Under --root the log names the file as nginx opened it (a real path):
//   the root prefix is taken off to compare with host paths.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { normaliseHostPath } from '../../src/host/host-paths';
import type { NginxConfig } from '../../src/parse/nginx-conf';
import { nginxLogTime, parseOcspFetchErrors, type OcspFetchError } from '../../src/parse/nginx-error-log';

export const NGINX_DEFAULT_ERROR_LOG = '/var/log/nginx/error.log';
/** Debian's nginx --prefix: where a relative error_log lands. */
export const NGINX_PREFIX = '/usr/share/nginx';
const TAIL_BYTES = 256 * 1024;
/** nginx writes whole seconds and the mtime is exact: allow the same second. */
const SLACK_MS = 1000;

export interface OcspLogFinding {
  entry: OcspFetchError;
  evidence: Evidence;
}

/** The error-log files of this nginx configuration, first the configured ones. */
export function errorLogFiles(config: NginxConfig | null): string[] {
  const files: string[] = [];
  // nginx logs its stapling fetches through the main-level log (the stapling
  // is set up after the configuration is read); lower levels are read too, in
  // case a build differs: a line there still names the certificate.
  const walk = (list: NginxConfig['directives']): NginxConfig['directives'] => list.flatMap((d) => [d, ...walk(d.block ?? [])]);
  for (const d of walk(config?.directives ?? [])) {
    if (d.name !== 'error_log' || d.block) continue;
    const target = d.args[0] ?? '';
    if (target === '' || target === 'stderr' || /^(syslog|memory):/.test(target)) continue;
    const file = target.startsWith('/') ? target : `${NGINX_PREFIX}/${target.replace(/^\.\//, '')}`;
    if (!files.includes(file)) files.push(file);
  }
  if (!files.includes(NGINX_DEFAULT_ERROR_LOG)) files.push(NGINX_DEFAULT_ERROR_LOG);
  return files;
}

/** Lexically normalised (nginx logs "prefix/../x" as it joined it). */
function tidy(path: string): string {
  try {
    return normaliseHostPath(path);
  } catch {
    return path;
  }
}

function hostPathOf(host: Host, logged: string): string {
  if (host.root !== '/' && logged.startsWith(`${host.root}/`)) return tidy(logged.slice(host.root.length));
  return tidy(logged);
}

/** Reads the logs once per check run; lastFor() answers per certificate. */
export class OcspLogReader {
  private entries: Promise<Array<{ entry: OcspFetchError; file: string; lineKnown: boolean }>> | null = null;

  constructor(
    private readonly host: Host,
    private readonly config: NginxConfig | null,
  ) {}

  private async load(): Promise<Array<{ entry: OcspFetchError; file: string; lineKnown: boolean }>> {
    const out: Array<{ entry: OcspFetchError; file: string; lineKnown: boolean }> = [];
    for (const file of errorLogFiles(this.config)) {
      try {
        const st = await this.host.stat(file);
        if (!st || st.kind !== 'file') continue;
        const from = Math.max(0, st.size - TAIL_BYTES);
        const chunk = await this.host.readFrom(file, from, TAIL_BYTES);
        if (!chunk) continue;
        for (const entry of parseOcspFetchErrors(chunk.text)) out.push({ entry, file, lineKnown: from === 0 });
      } catch {
        // An unreadable log only means we know less: the item stays "no staple".
      }
    }
    return out;
  }

  /** The latest fetch error nginx logged for this certificate file since it was written, or null. */
  async lastFor(certPath: string): Promise<OcspLogFinding | null> {
    this.entries ??= this.load();
    const all = await this.entries;
    const st = await this.host.stat(certPath).catch(() => null);
    const since = st ? st.mtimeMs - SLACK_MS : Number.NEGATIVE_INFINITY;
    let best: { entry: OcspFetchError; file: string; lineKnown: boolean; at: number } | null = null;
    for (const e of all) {
      if (hostPathOf(this.host, e.entry.certificate) !== tidy(certPath)) continue;
      const at = nginxLogTime(e.entry.time)?.getTime();
      if (at === undefined || at < since) continue;
      if (!best || at >= best.at) best = { ...e, at };
    }
    if (!best) return null;
    return {
      entry: best.entry,
      evidence: { file: best.file, ...(best.lineKnown ? { line: best.entry.line } : {}), text: `${best.entry.time} [${best.entry.level}] ${best.entry.message}` },
    };
  }
}
