// Which files rkhunter reads as its configuration, and their options, read
// through the Host the way rkhunter 1.4.6 finds them:
// - CONFIGFILE is /etc/rkhunter.conf, or /usr/local/etc/rkhunter.conf when
//   that does not exist (a source install);
// - next to it, rkhunter.conf.local and rkhunter.d/*.conf (sorted), each only
//   when it is a regular file and NOT a symlink (`test -f X -a ! -h X`).

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { parseRkhunterConf, rkhSingle, type ParsedRkhConf, type RkhConfFile } from '../../src/parse/rkhunter-conf';
import { readFailure, thrownMessage } from '../updates/finding';
import { rkhunterPolicy } from './policy';

export const MAIN_CONF = '/etc/rkhunter.conf';
export const SOURCE_INSTALL_CONF = '/usr/local/etc/rkhunter.conf';

export type ConfigLoad =
  | { kind: 'ok'; main: string; conf: ParsedRkhConf; files: RkhConfFile[]; skipped: string[] }
  | { kind: 'missing'; looked: string[] }
  | { kind: 'error'; summary: string; evidence: Evidence[] };

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

async function readConf(host: Host, path: string): Promise<{ ok: true; text: string } | { ok: false; summary: string }> {
  try {
    const r = await host.read(path, { maxBytes: 4 * 1024 * 1024 });
    return r.ok ? { ok: true, text: r.text } : { ok: false, summary: readFailure(path, r) };
  } catch (err) {
    return { ok: false, summary: `cannot read ${path}: ${thrownMessage(err)}` };
  }
}

/** A file rkhunter would read next to its main config: regular, not a symlink. */
async function isPlainFile(host: Host, path: string): Promise<'yes' | 'absent' | 'symlink' | 'other'> {
  const st = await host.lstat(path);
  if (!st) return 'absent';
  if (st.kind === 'symlink') return 'symlink';
  return st.kind === 'file' ? 'yes' : 'other';
}

export async function loadRkhunterConfig(host: Host): Promise<ConfigLoad> {
  let main: string | null = null;
  for (const candidate of [MAIN_CONF, SOURCE_INSTALL_CONF]) {
    const st = await host.stat(candidate);
    if (st) {
      main = candidate;
      break;
    }
  }
  if (!main) return { kind: 'missing', looked: [MAIN_CONF, SOURCE_INSTALL_CONF] };

  const files: RkhConfFile[] = [];
  const first = await readConf(host, main);
  if (!first.ok) return { kind: 'error', summary: first.summary, evidence: [{ file: main }] };
  if (first.text.trim() === '') return { kind: 'error', summary: `${main} is empty: rkhunter refuses to run ("Configuration file is empty")`, evidence: [{ file: main }] };
  files.push({ path: main, text: first.text });

  const dir = dirOf(main);
  const skipped: string[] = [];
  const candidates = [`${dir}/rkhunter.conf.local`];
  const dropIns = await host.list(`${dir}/rkhunter.d`).catch(() => null);
  // The shell glob rkhunter.d/*.conf sorts in the C locale, as our list() does; it skips dot files.
  for (const name of dropIns ?? []) if (name.endsWith('.conf') && !name.startsWith('.')) candidates.push(`${dir}/rkhunter.d/${name}`);
  for (const path of candidates) {
    const kind = await isPlainFile(host, path);
    if (kind === 'absent') continue;
    if (kind !== 'yes') {
      skipped.push(`${path} (${kind === 'symlink' ? 'a symlink' : 'not a regular file'}: rkhunter ignores it)`);
      continue;
    }
    const r = await readConf(host, path);
    if (!r.ok) return { kind: 'error', summary: r.summary, evidence: [{ file: path }] };
    files.push({ path, text: r.text });
  }
  return { kind: 'ok', main, conf: parseRkhunterConf(files), files, skipped };
}

/** An absolute-path option with rkhunter's default, and where it was set (for evidence). */
export function pathOption(conf: ParsedRkhConf | null, key: string, fallback: string): { path: string; evidence: Evidence | null } {
  const v = conf ? rkhSingle(conf, key) : null;
  if (v && v.value.startsWith('/')) return { path: v.value.replace(/\/+$/, '') || '/', evidence: { file: v.from.file, line: v.from.line, text: `${key}=${v.from.raw}` } };
  return { path: fallback, evidence: null };
}

export function logFilePath(conf: ParsedRkhConf | null): { path: string; evidence: Evidence | null } {
  return pathOption(conf, 'LOGFILE', rkhunterPolicy.log.defaultPath);
}

export function dbDirPath(conf: ParsedRkhConf | null): { path: string; evidence: Evidence | null } {
  return pathOption(conf, 'DBDIR', rkhunterPolicy.propdb.defaultDbDir);
}
