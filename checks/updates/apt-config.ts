// apt's effective configuration, read the way apt reads it, through the Host.
//
// We parse the files ourselves instead of running `apt-config dump`: under
// --root, apt-config would read the real /etc/apt (STACK-NOTES: a temp
// APT_CONFIG still reads the real apt.conf.d unless Dir::Etc is redirected),
// and our parse keeps the file:line that set each value for the evidence.
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
