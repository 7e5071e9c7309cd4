// apt's effective configuration, read the way apt reads it, through the Host.
//
// We parse the files ourselves instead of running `apt-config dump`: under
// --root, apt-config would read the real /etc/apt (STACK-NOTES: a temp
// APT_CONFIG still reads the real apt.conf.d unless Dir::Etc is redirected),
// and our parse keeps the file:line that set each value for the evidence.
// On the live system the verdict is cross-checked with apt-config itself
// (crossCheckWithAptConfig).
// Order (apt's pkgInitConfig): every apt.conf.d part in byte order, then
// apt.conf; `#include` is followed in place. $APT_CONFIG is not read: the
// timers that run unattended-upgrades do not set it.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { aptConfPartsInOrder, mergeAptConf, parseAptConf, type MergedAptConf, type ParsedAptConf } from '../../src/parse/apt-conf';
import { readFailure, thrownMessage } from './finding';

export const APT_CONF_PARTS = '/etc/apt/apt.conf.d';
export const APT_CONF_MAIN = '/etc/apt/apt.conf';

/** apt's own limit on nested #include. */
const MAX_INCLUDE_DEPTH = 10;

export interface AptConfProblem {
  summary: string;
  evidence: Evidence[];
}

export interface LoadedAptConf {
  conf: MergedAptConf;
  /** Read failures and syntax errors, in reading order. apt refuses to run on any of them. */
  problems: AptConfProblem[];
}

async function readOne(host: Host, path: string, problems: AptConfProblem[]): Promise<string | null> {
  try {
    const result = await host.read(path);
    if (result.ok) return result.text;
    problems.push({ summary: readFailure(path, result), evidence: [{ file: path }] });
  } catch (err) {
    problems.push({ summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] });
  }
  return null;
}

/** The parts of a directory apt would read: valid names, regular files (links followed), byte order. */
async function partsOf(host: Host, dir: string): Promise<string[]> {
  const names = (await host.list(dir)) ?? [];
  const paths: string[] = [];
  for (const name of aptConfPartsInOrder(names)) {
    const path = `${dir.replace(/\/+$/, '')}/${name}`;
    const st = await host.stat(path);
    if (st && st.kind === 'file') paths.push(path);
  }
  return paths;
}

/** Parse a file and splice in what it #includes, as apt does while reading. */
async function readWithIncludes(host: Host, path: string, depth: number, problems: AptConfProblem[]): Promise<ParsedAptConf[]> {
  const text = await readOne(host, path, problems);
  if (text === null) return [];
  const parsed = parseAptConf(text, path);
  const segments: ParsedAptConf[] = [];
  let pending: ParsedAptConf = { file: path, entries: [], errors: [], warnings: parsed.warnings };
  for (const entry of parsed.entries) {
    if (entry.op !== 'include') {
      pending.entries.push(entry);
      continue;
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      problems.push({ summary: `Syntax error ${path}:${entry.line}: Too many nested includes`, evidence: [{ file: path, line: entry.line }] });
      continue;
    }
    segments.push(pending);
    pending = { file: path, entries: [], errors: [], warnings: [] };
    const target = entry.value.startsWith('/') ? entry.value : `/${entry.value}`;
    const files = target.endsWith('/') ? await partsOf(host, target) : [target];
    for (const file of files) segments.push(...(await readWithIncludes(host, file, depth + 1, problems)));
  }
  for (const error of parsed.errors) problems.push({ summary: error.message, evidence: [{ file: error.file, line: error.line }] });
  segments.push(pending);
  return segments;
}

export async function loadAptConf(host: Host): Promise<LoadedAptConf> {
  const problems: AptConfProblem[] = [];
  const segments: ParsedAptConf[] = [];
  for (const path of await partsOf(host, APT_CONF_PARTS)) segments.push(...(await readWithIncludes(host, path, 0, problems)));
  const main = await host.stat(APT_CONF_MAIN);
  if (main) segments.push(...(await readWithIncludes(host, APT_CONF_MAIN, 0, problems)));
  return { conf: mergeAptConf(segments), problems };
}

/** "Update-Package-Lists "1" (/etc/apt/apt.conf.d/20auto-upgrades:1)" for summaries. */
export function describeSetting(shortName: string, value: { value: string; file: string; line: number } | undefined, fallback: string): string {
  if (!value) return `${shortName} unset (default ${fallback})`;
  return `${shortName} "${value.value}" (${value.file}:${value.line})`;
}

/** `apt-config dump` output → lowercased key → raw value (the format is `%F "%v";`). */
export function parseAptConfigDump(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) "(.*)";$/.exec(line);
    if (m) values.set(m[1].toLowerCase(), m[2]);
  }
  return values;
}

export type AptConfigCrossCheck =
  | { kind: 'skipped'; why: string }
  | { kind: 'agree' }
  | { kind: 'disagree'; summary: string; evidence: Evidence[] }
  | { kind: 'failed'; summary: string; evidence: Evidence[] };

const DUMP = 'apt-config dump';

/**
 * On the live system, ask apt itself: does `apt-config dump` hold the same
 * value as our merge for each key (both unset counts as the same)? Under
 * --root it is skipped: apt-config would read THIS machine's /etc/apt, not
 * the tree's. The clean environment of host.exec has no APT_CONFIG, as the
 * timers that run apt's periodic job have none.
 */
export async function crossCheckWithAptConfig(host: Host, conf: MergedAptConf, keys: readonly string[]): Promise<AptConfigCrossCheck> {
  if (host.root !== '/') return { kind: 'skipped', why: 'under --root apt-config would read this machine\'s /etc/apt' };
  if ((await host.which('apt-config')) === null) return { kind: 'skipped', why: 'apt-config not found' };
  const r = await host.exec('apt-config', ['dump'], { timeoutMs: 15_000 });
  if (r.spawnError || r.timedOut || r.exitCode !== 0) {
    const why = r.spawnError ?? (r.timedOut ? 'timed out' : (r.stderr.split('\n').find((l) => l.startsWith('E: ')) ?? `exit ${r.exitCode}`));
    return { kind: 'failed', summary: `${DUMP} failed: ${oneLineOf(why)}`, evidence: [{ command: DUMP, text: oneLineOf(why) }] };
  }
  const apt = parseAptConfigDump(r.stdout);
  const differ: string[] = [];
  const evidence: Evidence[] = [];
  for (const key of keys) {
    const ours = conf.get(key);
    const theirs = apt.get(key.toLowerCase());
    if (ours?.value === theirs) continue;
    differ.push(`${key}: ours ${ours ? `"${ours.value}" (${ours.file}:${ours.line})` : 'unset'}, apt-config ${theirs === undefined ? 'unset' : `"${theirs}"`}`);
    evidence.push({ command: DUMP, text: theirs === undefined ? `${key} not in the dump` : `${key} "${theirs}";` });
  }
  if (differ.length === 0) return { kind: 'agree' };
  return { kind: 'disagree', summary: differ.join('; '), evidence };
}

function oneLineOf(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}
