// Running `sshd -T` on a STAGED COPY of the configuration.
//
// `sshd -T -f ROOT/etc/ssh/sshd_config` alone would let the real system leak
// into a report about ROOT (STACK-NOTES.md): an absolute `Include
// /etc/ssh/sshd_config.d/*.conf` or HostKey line names the real files, a
// relative Include is resolved against the real /etc/ssh (sshd's compiled-in
// SSHDIR), and with no HostKey line sshd loads the real /etc/ssh host keys.
// So: copy ROOT's /etc/ssh into a private temp dir, write every config file
// hardtop's own parse read into the copy with its Include/HostKey/
// HostCertificate paths rewritten to point INTO the copy (line numbers kept,
// so sshd's "FILE line N" maps back), give the default host keys with -h
// when no HostKey line exists, and map the staged paths in sshd's output
// back to host paths. Even on "/" this runs on a copy: the same code path
// everywhere.

import type { Host } from '../../src/host/host';
import type { RunContext } from '../../src/core/types';
import { canonicalKey, SSHD_CONFIG_DIR, tokenizeSshdLine, type SshdConfig } from '../../src/parse/sshd-config';
import { parseSshdDiagnostics, parseSshdT, type SshdDiagnostic, type SshdT } from '../../src/parse/sshd-t';
import { normaliseHostPath } from '../../src/host/host-paths';
import { thrownMessage } from '../updates/finding';
import { sshPolicy } from './policy';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
const SSHD_T_TIMEOUT_MS = 10_000;
/** Only generated when no host key loads, so sshd -T can still print the rest of the config. */
const PLACEHOLDER_KEY = '.hardtop-placeholder-host-key';
/** A staging path sshd's argv_split and glob(3) read back unchanged. */
const SAFE_STAGE = /^[A-Za-z0-9._/@+:,-]+$/;

export type SshdTRun =
  | {
      kind: 'ok';
      t: SshdT;
      /** Diagnostics with staged paths mapped back to host paths. */
      diagnostics: SshdDiagnostic[];
      /** No configured host key could be loaded: sshd would not start (the config was printed with a placeholder key). */
      noHostKeys: boolean;
      /** How the run reads in evidence (host paths). */
      command: string;
      /** Per `-C` connection spec asked for: what sshd -T -C printed, or why it did not. */
      matches: Map<string, SshdT | { error: string }>;
    }
  /** sshd refuses the configuration: `fatal` names the file:line (host paths). */
  | { kind: 'rejected'; fatal: SshdDiagnostic[]; diagnostics: SshdDiagnostic[]; command: string }
  /** sshd -T could not be asked (not installed here, not root, /run/sshd missing …). */
  | { kind: 'unavailable'; reason: string };

/** The host paths of the HostKey files sshd will try, with whether a line named them. */
export function hostKeyPaths(cfg: SshdConfig): { paths: string[]; configured: boolean } {
  const lines = cfg.directives.filter((d) => d.match === null && d.key === 'hostkey');
  if (lines.length === 0) return { paths: [...sshPolicy.fallbackDefaults.hostKeys], configured: false };
  const paths = lines.map((d) => derelativise(d.args[0] ?? '')).filter((p) => p !== '' && p.toLowerCase() !== 'none');
  return { paths, configured: true };
}

/** sshd derelativises HostKey paths against its cwd, which is "/" for a daemon started by init. */
export function derelativise(p: string): string {
  if (p === '' || p.toLowerCase() === 'none') return p;
  return normaliseHostPath(p.startsWith('/') ? p : `/${p}`);
}

/** Quote an argument for sshd's argv_split when it needs it. */
function quoteArg(s: string): string {
  return /^[^\s"'\\#]+$/.test(s) ? s : `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * The text of a config file with its path-taking lines pointed into `stage`.
 * Every other line is kept byte for byte, so line numbers do not move.
 */
export function rewriteForStage(text: string, stage: string, configDir = SSHD_CONFIG_DIR): string {
  return text
    .split('\n')
    .map((raw) => {
      const tok = tokenizeSshdLine(raw);
      if (tok.kind !== 'directive') return raw;
      const key = canonicalKey(tok.keyword);
      if (key === 'include') {
        const patterns = tok.args.map((p) => stage + (p.startsWith('/') ? p : `${configDir.replace(/\/+$/, '')}/${p}`));
        return `${tok.keyword} ${patterns.map(quoteArg).join(' ')}`;
      }
      if ((key === 'hostkey' || key === 'hostcertificate') && tok.args[0] && tok.args[0].toLowerCase() !== 'none') {
        return `${tok.keyword} ${quoteArg(stage + derelativise(tok.args[0]))}`;
      }
      return raw;
    })
    .join('\n');
}

/** Replace every staged path in `text` by the host path it stands for. */
function unstage(text: string, stage: string): string {
  return text.split(`${stage}/`).join('/');
}

function unstageDiagnostic(d: SshdDiagnostic, stage: string): SshdDiagnostic {
  const out: SshdDiagnostic = { ...d, message: unstage(d.message, stage) };
  if (d.file !== undefined) out.file = unstage(d.file, stage);
  if (d.path !== undefined) out.path = unstage(d.path, stage);
  return out;
}

/** What the report shows as the command (host paths; the staging is an implementation detail). */
export function displayCommand(extraKeys: string[]): string {
  return ['sshd', '-T', '-f', SSHD_CONFIG, ...extraKeys.flatMap((k) => ['-h', k])].join(' ');
}

/** At most this many `sshd -T -C` runs per configuration (one per Match block). */
export const MAX_MATCH_PROBES = 24;

export async function runSshdT(host: Host, cfg: SshdConfig, ctx: RunContext, specs: readonly string[] = []): Promise<SshdTRun> {
  if ((await host.which('sshd')) === null) return { kind: 'unavailable', reason: 'sshd is not installed on the machine running hardtop' };
  let tmp: { path: string; dispose(): Promise<void> };
  try {
    tmp = await host.makeTempDir('sshd-T');
  } catch (err) {
    return { kind: 'unavailable', reason: `cannot stage a copy of the configuration: ${thrownMessage(err)}` };
  }
  try {
    const stage = tmp.path;
    if (!SAFE_STAGE.test(stage)) return { kind: 'unavailable', reason: 'the staging directory path has characters sshd would misread' };
    await stageTree(host, cfg, stage);

    const keys = hostKeyPaths(cfg);
    const hArgs: string[] = [];
    const shownKeys: string[] = [];
    if (!keys.configured) {
      // No HostKey line: name every default inside the copy, present or not,
      // or sshd loads the real machine's keys (and a root with none would
      // look as if it had some).
      for (const p of keys.paths) {
        hArgs.push('-h', stage + p);
        shownKeys.push(p);
      }
    }
    const command = displayCommand(shownKeys);
    const args = ['-T', '-f', stage + SSHD_CONFIG, ...hArgs];
    let r = await host.exec('sshd', args, { cwd: stage, timeoutMs: SSHD_T_TIMEOUT_MS, signal: ctx.signal });
    if (r.spawnError) return { kind: 'unavailable', reason: `cannot run sshd: ${r.spawnError}` };
    if (r.timedOut) return { kind: 'unavailable', reason: `sshd -T did not answer within ${SSHD_T_TIMEOUT_MS / 1000} s` };
    let diagnostics = parseSshdDiagnostics(r.stderr).map((d) => unstageDiagnostic(d, stage));
    let noHostKeys = false;

    if (r.exitCode !== 0) {
      const fatal = diagnostics.filter((d) => d.kind === 'bad-option' || d.kind === 'line-error');
      if (fatal.length > 0) return { kind: 'rejected', fatal, diagnostics, command };
      const privsep = diagnostics.find((d) => d.kind === 'privsep-dir-missing');
      if (privsep) return { kind: 'unavailable', reason: `sshd -T cannot run here: ${privsep.message} (sshd has not run since boot)` };
      if (!diagnostics.some((d) => d.kind === 'no-host-keys')) {
        const first = diagnostics.find((d) => d.kind !== 'other') ?? diagnostics[0];
        return { kind: 'unavailable', reason: `sshd -T failed (exit ${r.exitCode ?? r.signal}): ${first?.message ?? 'no message'}` };
      }
      // No host key loads: sshd will not start, which the host-keys check reports.
      // A throwaway key lets sshd -T still print everything else.
      noHostKeys = true;
      const placeholder = `${stage}/${PLACEHOLDER_KEY}`;
      const gen = await host.exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hardtop placeholder', '-f', placeholder], { timeoutMs: SSHD_T_TIMEOUT_MS, signal: ctx.signal });
      if (gen.exitCode !== 0) return { kind: 'unavailable', reason: 'no host key can be loaded, and no placeholder key could be made to read the rest of the configuration' };
      r = await host.exec('sshd', [...args, '-h', placeholder], { cwd: stage, timeoutMs: SSHD_T_TIMEOUT_MS, signal: ctx.signal });
      if (r.exitCode !== 0) return { kind: 'unavailable', reason: `sshd -T failed even with a placeholder host key (exit ${r.exitCode ?? r.signal})` };
      // Keep the first run's complaints about the real keys; drop the placeholder from the output.
      diagnostics = diagnostics.concat(parseSshdDiagnostics(r.stderr).map((d) => unstageDiagnostic(d, stage)).filter((d) => !diagnostics.some((x) => x.message === d.message)));
    }
    const t = parseSshdT(unstage(r.stdout, stage));
    const keysShown = t.values.get('hostkey');
    if (keysShown) t.values.set('hostkey', keysShown.filter((k) => !k.endsWith(`/${PLACEHOLDER_KEY}`) && k !== placeholderHostPath()));
    // The same staged copy, once per connection that some Match block singles out.
    const matches = new Map<string, SshdT | { error: string }>();
    const baseArgs = noHostKeys ? [...args, '-h', `${stage}/${PLACEHOLDER_KEY}`] : args;
    for (const spec of specs.slice(0, MAX_MATCH_PROBES)) {
      const c = await host.exec('sshd', [...baseArgs, '-C', spec], { cwd: stage, timeoutMs: SSHD_T_TIMEOUT_MS, signal: ctx.signal });
      if (c.exitCode === 0) matches.set(spec, parseSshdT(unstage(c.stdout, stage)));
      else matches.set(spec, { error: unstage(c.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${c.exitCode ?? c.signal}`, stage).trim() });
    }
    return { kind: 'ok', t, diagnostics, noHostKeys, command, matches };
  } catch (err) {
    return { kind: 'unavailable', reason: `cannot stage a copy of the configuration: ${thrownMessage(err)}` };
  } finally {
    await tmp.dispose().catch(() => undefined);
  }
}

/** After unstaging, the placeholder (staged at the stage root) reads as this host path. */
function placeholderHostPath(): string {
  return `/${PLACEHOLDER_KEY}`;
}

/**
 * Fill the stage: ROOT's /etc/ssh as a tree, then every config file and host
 * key sshd will open written as a regular file (a copied symlink could point
 * out of the copy, at the real system), config files rewritten into the copy.
 */
async function stageTree(host: Host, cfg: SshdConfig, stage: string): Promise<void> {
  if ((await host.stat(SSHD_CONFIG_DIR))?.kind === 'dir') await host.copyTreeTo(SSHD_CONFIG_DIR, stage + SSHD_CONFIG_DIR);
  for (const f of cfg.files) await host.writeReal(stage + f.path, rewriteForStage(f.text, stage));
  const files = new Set<string>(hostKeyPaths(cfg).paths);
  for (const d of cfg.directives) if (d.match === null && d.key === 'hostcertificate' && d.args[0]) files.add(derelativise(d.args[0]));
  for (const p of files) {
    const bytes = await host.readBytes(p).catch(() => null);
    if (bytes !== null) await host.writeReal(stage + p, bytes);
  }
}
