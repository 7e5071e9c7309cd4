// rkhunter.config: `rkhunter -C` (--config-check) accepts the configuration
// (rkhunter.conf + rkhunter.conf.local + rkhunter.d/*.conf).
//
// On the live system rkhunter checks the real files. Under --root it must
// check the sysroot's, but rkhunter has no --root and validates paths (DBDIR,
// TMPDIR, SCRIPTWHITELIST entries …) on the machine it runs on: so the files
// are staged in a private temp dir with their absolute paths rebased under
// the sysroot (in a private temp dir outside it: a check writes nothing into
// the sysroot), and the messages are mapped back to host paths.
//
// Debian 12 ships WEB_CMD="/bin/false": rkhunter keeps the quotes of *_CMD
// options and -C then rejects it as a relative path. That known packaging
// fault alone is a warn with the explanation; anything else fails.

import type { Check, Evidence, Finding } from '../../src/core/types';
import type { ExecResult, Host } from '../../src/host/host';
import { rebaseRkhunterConf, rkhWhere, type ParsedRkhConf, type RkhConfFile } from '../../src/parse/rkhunter-conf';
import { finding, guardedCheck, thrownMessage } from '../updates/finding';
import { CONFIG_CACHE_FILE, configCheckKey, readCachedRun, writeCachedRun, type ConfigCheckRun } from './config-cache';
import { loadRkhunterConfig, MAIN_CONF } from './config-files';
import { rkhunterPolicy } from './policy';
import { gateOnRkhunter } from './presence';

const LOCAL_CONF = '/etc/rkhunter.conf.local';
const WEB_CMD_FAULT = /^Invalid WEB_CMD configuration option: Relative pathname: (["']).*\1$/;

type CheckRun =
  | { kind: 'ran'; run: ConfigCheckRun; timedOut: boolean; /** Set when the verdict is a remembered one. */ cachedAt: Date | null }
  | { kind: 'cannot'; status: 'skip' | 'error'; summary: string };

function outputLines(r: ExecResult, map: (s: string) => string): string[] {
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => map(l.trim()))
    .filter((l) => l !== '');
}

function ran(result: ExecResult, output: string[], command: string, staged: boolean): CheckRun {
  return { kind: 'ran', run: { exitCode: result.exitCode, signal: result.signal, output, command, staged }, timedOut: result.timedOut, cachedAt: null };
}

async function runConfigCheck(host: Host, main: string, files: RkhConfFile[]): Promise<CheckRun> {
  const timeoutMs = rkhunterPolicy.config.checkTimeoutMs;
  if (host.root === '/') {
    const args = ['-C', '--configfile', main];
    const result = await host.exec('rkhunter', args, { timeoutMs });
    if (result.spawnError) return { kind: 'cannot', status: 'error', summary: `cannot run rkhunter -C: ${result.spawnError}` };
    return ran(result, outputLines(result, (s) => s), `rkhunter ${args.join(' ')}`, false);
  }
  // A sysroot: check the sysroot's files with this machine's rkhunter.
  if (!(await host.which('rkhunter'))) {
    return { kind: 'cannot', status: 'skip', summary: `rkhunter -C not run: rkhunter is not installed on this machine to check the sysroot's configuration with` };
  }
  if (/[\s"'\\]/.test(host.root)) return { kind: 'cannot', status: 'error', summary: `cannot rebase the configuration under ${JSON.stringify(host.root)}: the root path holds blanks or quotes` };
  let stage: { path: string; dispose(): Promise<void> };
  try {
    stage = await host.makeTempDir('rkhunter-config');
  } catch (err) {
    return { kind: 'cannot', status: 'error', summary: `cannot stage the configuration for rkhunter -C: ${thrownMessage(err)}` };
  }
  try {
    for (const f of files) await host.writeReal(`${stage.path}${f.path}`, rebaseRkhunterConf(f.text, host.root));
    const staged = `${stage.path}${main}`;
    const args = ['-C', '--configfile', staged];
    const result = await host.exec('rkhunter', args, { timeoutMs });
    if (result.spawnError) return { kind: 'cannot', status: 'error', summary: `cannot run rkhunter -C: ${result.spawnError}` };
    // Staged and rebased paths back to host paths.
    const toHost = (s: string) => s.split(stage.path).join('').split(`${host.root}/`).join('/');
    return ran(result, outputLines(result, toHost), `rkhunter -C --configfile ${main}`, true);
  } catch (err) {
    return { kind: 'cannot', status: 'error', summary: `cannot stage the configuration for rkhunter -C: ${thrownMessage(err)}` };
  } finally {
    await stage.dispose().catch(() => undefined);
  }
}

/** Where and for how long a verdict of rkhunter -C is remembered (config-cache.ts). */
export interface ConfigCheckCache {
  file: string;
  maxAgeSeconds: number;
  now: Date;
}

/** rkhunter -C, or its remembered verdict when neither the configuration nor rkhunter changed since. */
async function cachedConfigCheck(host: Host, main: string, files: RkhConfFile[], skipped: string[], cache: ConfigCheckCache | null): Promise<CheckRun> {
  const key = cache ? await configCheckKey(host, files, skipped) : null;
  if (cache && key) {
    const hit = await readCachedRun(host, cache.file, key, cache.now, cache.maxAgeSeconds);
    if (hit) return { kind: 'ran', run: hit.run, timedOut: false, cachedAt: hit.at };
  }
  const result = await runConfigCheck(host, main, files);
  // A timeout says nothing about the configuration: never remembered.
  if (cache && key && result.kind === 'ran' && !result.timedOut) await writeCachedRun(host, cache.file, key, result.run, cache.now);
  return result;
}

/** The config line a message of rkhunter -C is about, when it names an option. */
function lineFor(conf: ParsedRkhConf, message: string): Evidence | null {
  const unknown = /^Unknown configuration file option: ([^=]+)=(.*)$/.exec(message);
  const invalid = /^Invalid (\S+) configuration option/.exec(message);
  const key = unknown?.[1].trim() ?? invalid?.[1];
  if (!key) return null;
  const lines = rkhWhere(conf, key);
  const hit = (unknown ? lines.find((l) => l.raw === unknown[2]) : null) ?? lines[lines.length - 1];
  if (hit) return { file: hit.file, line: hit.line, text: `${hit.key}=${hit.raw}` };
  // An indented or otherwise odd line has no NAME= entry: find it among the lines rkhunter ignores.
  const text = unknown ? `${unknown[1]}=${unknown[2]}`.trim() : null;
  const odd = text ? conf.problems.find((p) => p.text.trim() === text) : undefined;
  return odd ? { file: odd.file, line: odd.line, text: odd.text } : null;
}

export const rkhConfig: Check = guardedCheck({
  id: 'rkhunter.config',
  area: 'rkhunter',
  title: 'rkhunter -C accepts the configuration',
  severity: 'medium',
  watch: [MAIN_CONF, LOCAL_CONF, '/etc/rkhunter.d'],
  interval: 3600,
  timeoutMs: rkhunterPolicy.config.checkTimeoutMs + 10_000,
  // rkhunter -C forks ~850 processes (1.4–3 s): see docs/bench.md. Remembered between runs (config-cache.ts).
  slow: true,
  run(host, ctx) {
    // Only the live system's state dir: under --root a check writes nothing into the tree.
    const cache = host.root === '/' ? { file: CONFIG_CACHE_FILE, maxAgeSeconds: rkhunterPolicy.config.cacheMaxAgeSeconds, now: ctx.now } : null;
    return judgeConfig(host, cache);
  },
});

/** The check itself, with the cache made explicit (tests give a sysroot one). */
export async function judgeConfig(host: Host, cache: ConfigCheckCache | null): Promise<Finding> {
    const gate = await gateOnRkhunter(rkhConfig, host);
    if (gate.stop) return gate.stop;
    const config = await loadRkhunterConfig(host);
    if (config.kind === 'error') return finding(rkhConfig, 'error', config.summary, config.evidence);
    if (config.kind === 'missing') {
      return finding(rkhConfig, 'fail', `no ${config.looked.join(' or ')}: rkhunter refuses to run ("Unable to find configuration file")`, config.looked.map((file) => ({ file, text: 'missing' })));
    }
    const { main, conf, files, skipped } = config;
    const read = files.map((f) => f.path).join(' + ');
    const ignored = skipped.length > 0 ? `; not read: ${skipped.join(', ')}` : '';
    if (!host.isRoot) {
      return finding(rkhConfig, 'skip', `rkhunter -C runs only as root ("You must be the root user"): run hardtop as root to check ${read}`, files.map((f) => ({ file: f.path })));
    }

    const checked = await cachedConfigCheck(host, main, files, skipped, cache);
    if (checked.kind === 'cannot') return finding(rkhConfig, checked.status, checked.summary, [{ file: main }]);
    const result = checked.run;
    const { output, command } = result;
    // Under --root the command ran on a staged copy: say so in the evidence (the summary keeps host paths).
    const where = result.staged ? 'on a staged copy with its absolute paths rebased under --root' : 'on the live files';
    const how = checked.cachedAt
      ? `${where}; remembered from ${checked.cachedAt.toISOString()}: the configuration files and rkhunter are unchanged since`
      : where;
    if (checked.timedOut) return finding(rkhConfig, 'error', `${command} timed out`, [{ command }]);

    const parserNotes = conf.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
    const parserEvidence: Evidence[] = conf.problems.map((p) => ({ file: p.file, line: p.line, text: p.message }));
    if (result.exitCode === 0) {
      if (parserNotes.length > 0) {
        return finding(rkhConfig, 'warn', `${command} accepts ${read}, but rkhunter silently ignores ${parserNotes.join('; ')}${ignored}`, [{ command, text: `exit 0 (${how})` }, ...parserEvidence]);
      }
      return finding(rkhConfig, 'pass', `${command} accepts ${read}${ignored}`, [{ command, text: `exit 0 (${how})` }]);
    }

    const evidence: Evidence[] = [{ command, text: `exit ${result.exitCode ?? result.signal} (${how})` }];
    for (const line of output) {
      const at = lineFor(conf, line);
      evidence.push(at ? { ...at, text: line } : { command, text: line });
    }
    const webCmd = rkhWhere(conf, 'WEB_CMD').pop();
    const onlyWebCmdFault = output.length > 0 && output.every((l) => WEB_CMD_FAULT.test(l)) && webCmd !== undefined && /^["']/.test(webCmd.raw);
    if (onlyWebCmdFault && webCmd) {
      return finding(
        rkhConfig,
        'warn',
        `${command} fails only on WEB_CMD=${webCmd.raw} (${webCmd.file}:${webCmd.line}): Debian's own known packaging fault (rkhunter keeps the quotes of *_CMD options, then rejects the value as a relative path); harmless here, since updates are off, and fixed by WEB_CMD=/bin/false without quotes in ${LOCAL_CONF}${ignored}`,
        [...evidence, ...parserEvidence],
      );
    }
    const problems = output;
    const shown = problems.slice(0, 3).map((l) => {
      const at = lineFor(conf, l);
      return at ? `${l} (${at.file}:${at.line})` : l;
    });
    const more = problems.length > 3 ? ` +${problems.length - 3} more` : '';
    const what = shown.length > 0 ? `${shown.join('; ')}${more}` : `exit ${result.exitCode ?? result.signal} with no message`;
    return finding(rkhConfig, 'fail', `${command} rejects the configuration: ${what}${ignored}`, [...evidence, ...parserEvidence]);
}
