// tls.protocols for Apache: `SSLProtocol -all +TLSv1.2 +TLSv1.3` where it
// takes effect for every Apache TLS vhost that accepts TLS 1.0/1.1 or lacks
// TLS 1.3:
// - the SSLProtocol line in effect for the vhost (its own, or the server
//   config's, e.g. mods-enabled/ssl.conf) → that line, indentation kept;
// - none (httpd's default "all -SSLv3") → a new line right after the vhost's
//   <VirtualHost …> line.
// Validated by Apache's own checker on a staged copy of /etc/apache2 —
// `env APACHE_CONFDIR=STAGE/etc/apache2 apache2ctl configtest`, which reads
// the stage's envvars as Debian's init does — because a graceful restart
// with a broken configuration STOPS Apache (nginx keeps its old workers).
// Then a graceful restart (apache-reload.ts); the verify step re-probes.
//
// The staged copy reads certificates and keys from the root's real files
// (stagedApacheText). Refused rather than guessed: an absolute Include (the checker would read
// the live file, not the staged one), a line continued with "\", an edit
// outside /etc/apache2.

import type { FileEdit, Plan, Validation } from '../../src/core/types';
import type { Host, ReadResult } from '../../src/host/host';
import { posix } from 'node:path';
import { normaliseHostPath } from '../../src/host/host-paths';
import { APACHE_MAIN_CONF, APACHE_SERVER_ROOT, apacheModel, loadApacheConfig, type ApacheConfig, type ApacheDirective, type ApacheModel } from '../../src/parse/apache-conf';
import { apacheReloadPlan } from './apache-reload';
import { EditsByFile } from './edits-by-file';

export const APACHE_RECOMMENDED_PROTOCOLS = 'SSLProtocol -all +TLSv1.2 +TLSv1.3';

export type ApacheLoaded = { ok: true; config: ApacheConfig; model: ApacheModel; texts: Map<string, string> } | { ok: false; why: string };

export async function loadApacheForFix(host: Host): Promise<ApacheLoaded> {
  const st = await host.stat(APACHE_MAIN_CONF);
  if (!st) return { ok: false, why: `no Apache (${APACHE_MAIN_CONF} does not exist)` };
  const texts = new Map<string, string>();
  const config = await loadApacheConfig({
    async read(path: string): Promise<ReadResult> {
      const r = await host.read(path);
      if (r.ok) texts.set(path, r.text);
      return r;
    },
    glob: (pattern) => host.glob(pattern),
  });
  if (config.errors.length > 0) return { ok: false, why: `Apache's configuration is invalid, fix it first: ${config.errors[0].message} (${config.errors[0].file}:${config.errors[0].line})` };
  return { ok: true, config, model: apacheModel(config.directives), texts };
}

interface LineEdit {
  line: number;
  kind: 'replace' | 'insert-after';
  text: string;
}

/** Line edits per file, applied to the exact text read (line endings kept). */
export class ApacheLineEdits extends EditsByFile<LineEdit> {
  constructor() {
    super((e) => `${e.line}\u0000${e.kind}`, applyLineEdits);
  }
}

/** Lines with their endings: "a\r\nb\n" → ["a\r\n", "b\n"]. */
function splitKeepingEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function applyLineEdits(text: string, edits: LineEdit[]): string {
  const lines = splitKeepingEnds(text);
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  // Bottom up, so earlier line numbers stay valid.
  for (const e of [...edits].sort((a, b) => b.line - a.line || (a.kind === 'replace' ? -1 : 1))) {
    const i = e.line - 1;
    const current = lines[i];
    if (current === undefined) throw new Error(`line ${e.line} does not exist`);
    const end = /\r?\n$/.exec(current)?.[0] ?? '';
    if (e.kind === 'replace') {
      const indent = /^\s*/.exec(current)![0];
      lines[i] = `${indent}${e.text}${end}`;
    } else {
      const next = lines[i + 1] ?? '';
      const indent = /^[ \t]+/.exec(next)?.[0] ?? '  ';
      if (end === '') lines[i] = `${current}${eol}`;
      lines.splice(i + 1, 0, `${indent}${e.text}${end || eol}`);
    }
  }
  return lines.join('');
}

/** Why an edit of this physical line would be unsafe, or null. */
export function lineProblem(text: string | undefined, line: number, directive: string): string | null {
  const raw = text === undefined ? undefined : splitKeepingEnds(text)[line - 1];
  if (raw === undefined) return `line ${line} is not in the file as read`;
  if (/\\\r?\n?$/.test(raw.replace(/\r?\n$/, ''))) return `line ${line} is continued with "\\": edit it by hand`;
  if (!new RegExp(`^\\s*${directive}\\b`, 'i').test(raw)) return `line ${line} does not start with ${directive}`;
  return null;
}

function absoluteIncludes(directives: ApacheDirective[]): ApacheDirective[] {
  const out: ApacheDirective[] = [];
  for (const d of directives) {
    if ((d.key === 'include' || d.key === 'includeoptional') && (d.args[0] ?? '').startsWith('/')) out.push(d);
    if (d.section) out.push(...absoluteIncludes(d.section));
  }
  return out;
}

/** Directives naming files httpd reads at start-up (certificates, keys, CAs). */
const FILE_DIRECTIVES = /^(\s*)(SSLCertificateFile|SSLCertificateKeyFile|SSLCertificateChainFile|SSLCACertificateFile|SSLCACertificatePath|SSLCARevocationFile|SSLCARevocationPath)(\s+)("?)([^"\s]+)\4(\s*)$/i;

/**
 * The staged copy of a config file: the files it reads by an absolute path,
 * or by a relative one that leaves ServerRoot ("../letsencrypt/…"), point at
 * the ROOT's real files — the stage holds /etc/apache2 only, and under
 * --root an absolute path as written would be this machine's file.
 */
export function stagedApacheText(host: Pick<Host, 'realPath'>, text: string): string {
  return text.replace(/[^\n]*/g, (line) => {
    const m = FILE_DIRECTIVES.exec(line.replace(/\r$/, ''));
    if (!m) return line;
    const arg = m[5];
    if (!arg.startsWith('/') && !arg.startsWith('../')) return line;
    let hostPath: string;
    try {
      hostPath = normaliseHostPath(arg.startsWith('/') ? arg : `${APACHE_SERVER_ROOT}/${arg}`);
    } catch {
      return line;
    }
    const cr = line.endsWith('\r') ? '\r' : '';
    return `${m[1]}${m[2]}${m[3]}"${host.realPath(hostPath)}"${m[6]}${cr}`;
  });
}

/** `apache2ctl configtest` on a staged /etc/apache2 holding the edits (every file written as a regular file). */
export function apacheValidation(edits: FileEdit[]): Validation {
  return {
    argv: ['env', `APACHE_CONFDIR={stage}${APACHE_SERVER_ROOT}`, 'apache2ctl', 'configtest'],
    describe: 'apache2ctl configtest accepts the new configuration (on a staged copy of /etc/apache2)',
    stage: [APACHE_SERVER_ROOT],
    timeoutMs: 30_000,
    async prepareStage(h: Host, stage: string) {
      const overlay = new Map(edits.map((e) => [e.path, e.after]));
      const read = async (path: string): Promise<ReadResult> => {
        const r = await h.read(path);
        const text = overlay.get(path);
        return text !== undefined && r.ok ? { ...r, text } : r;
      };
      const config = await loadApacheConfig({ read, glob: (p) => h.glob(p) });
      if (config.errors.length > 0) throw new Error(`${config.errors[0].file}:${config.errors[0].line}: ${config.errors[0].message}`);
      for (const file of config.files) {
        if (!file.startsWith(`${APACHE_SERVER_ROOT}/`)) continue;
        const r = await read(file);
        if (!r.ok) throw new Error(`${file}: ${r.message}`);
        // A regular file: a staged symlink (sites-enabled → sites-available) is replaced, never followed.
        await h.writeReal(posix.join(stage, file), stagedApacheText(h, r.text));
      }
    },
  };
}

/** The Apache half of tls.protocols; `isGood` judges a vhost's protocol list. */
export async function planApacheProtocols(host: Host, plan: Plan, isGood: (protocols: string[]) => boolean): Promise<{ plan: Plan; changed: string[] } | { refused: string } | null> {
  const loaded = await loadApacheForFix(host);
  if (!loaded.ok) return loaded.why.startsWith('no Apache') ? null : { refused: loaded.why };
  const vhosts = loaded.model.vhosts.filter((v) => v.sslEngine?.value === true && !isGood(v.protocols));
  if (vhosts.length === 0) return null;
  const absolute = absoluteIncludes(loaded.config.directives);
  if (absolute.length > 0) return { refused: `${absolute[0].file}:${absolute[0].line} includes an absolute path (${absolute[0].args[0]}): apache2ctl configtest on a staged copy would read the live file` };
  const edits = new ApacheLineEdits();
  const changed: string[] = [];
  for (const v of vhosts) {
    changed.push(`${v.serverName?.value ?? v.addresses.map((a) => a.text).join(' ')} (${v.file}:${v.line})`);
    const at = v.protocol ? { file: v.protocol.file, line: v.protocol.line, kind: 'replace' as const, directive: 'SSLProtocol' } : { file: v.file, line: v.line, kind: 'insert-after' as const, directive: '<VirtualHost' };
    if (!at.file.startsWith(`${APACHE_SERVER_ROOT}/`)) return { refused: `${at.file}:${at.line} is outside ${APACHE_SERVER_ROOT}: not edited` };
    const problem = lineProblem(loaded.texts.get(at.file), at.line, at.directive);
    if (problem) return { refused: `${at.file}: ${problem}` };
    edits.add(at.file, { line: at.line, kind: at.kind, text: APACHE_RECOMMENDED_PROTOCOLS });
  }
  const fileEdits = edits.fileEdits(loaded.texts);
  const reload = await apacheReloadPlan(host, loaded.model, 'it accepts only TLS 1.2 and 1.3');
  const full: Plan = {
    ...plan,
    edits: [...plan.edits, ...fileEdits],
    validate: [...plan.validate, apacheValidation(fileEdits)],
    commands: [...plan.commands, ...reload.commands],
    warnings: [...plan.warnings, ...reload.notes],
  };
  if ((await host.which('apache2ctl')) === null) return { refused: 'apache2ctl is not installed here: the change cannot be checked with apache2ctl configtest' };
  return { plan: full, changed };
}
