// Editing apt configuration for a fix, safely:
// - setAptValues: pure, text in → text out, changing as little as possible
//   (the value on the line that sets it, else one line appended), and checked
//   by re-parsing with the same parser the checks use;
// - withEdits: a read-only view of the Host with a plan's edits applied, so a
//   plan can ask "what will apt believe AFTER this edit?" with the very same
//   loader and merger (later files win; a 99-something can still override us);
// - aptConfigValidation: the real `apt-config` reading the STAGED files.

import type { FileEdit, Validation } from '../../src/core/types';
import type { FileStat, Host, ReadResult } from '../../src/host/host';
import { aptConfPartsInOrder, parseAptConf, type AptConfEntry } from '../../src/parse/apt-conf';
import { APT_CONF_MAIN, APT_CONF_PARTS, loadAptConf, type LoadedAptConf } from './apt-config';

export interface AptSetting {
  /** Flat key, e.g. `APT::Periodic::Unattended-Upgrade`. */
  key: string;
  value: string;
}

export type AptEditResult = { ok: true; text: string } | { ok: false; reason: string };

/** `APT::Periodic::Unattended-Upgrade "1";` */
export function aptLine(s: AptSetting): string {
  return `${s.key} "${s.value}";`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lastSet(entries: readonly AptConfEntry[], key: string): AptConfEntry | undefined {
  const k = key.toLowerCase();
  return entries.filter((e) => e.op === 'set' && e.key.toLowerCase() === k).at(-1);
}

/**
 * Rewrite the value on the line where the winning statement starts, when that
 * line is a plain `Key "value";` (flat, or the tail of the key inside a
 * `Scope { … }` block on its own line). null when the line is anything else.
 */
function rewriteInPlace(lines: string[], entry: AptConfEntry, value: string): string[] | null {
  const line = lines[entry.line - 1];
  if (line === undefined) return null;
  const parts = entry.key.split('::');
  // Longest suffix first: `APT::Periodic::X`, then `Periodic::X`, then `X`.
  for (let i = 0; i < parts.length; i++) {
    const written = parts.slice(i).join('::');
    // [^\n]* keeps a CRLF file's \r (and anything after the `;`) as it was.
    const re = new RegExp(`^(\\s*"?${escapeRegExp(written)}"?\\s+)"[^"]*"(\\s*;[^\\n]*)$`, 'i');
    const m = re.exec(line);
    if (!m) continue;
    const copy = [...lines];
    copy[entry.line - 1] = `${m[1]}"${value}"${m[2]}`;
    return copy;
  }
  return null;
}

/** Does `text` (as apt parses it) end with every setting in force, with no syntax error? */
function settingsHold(text: string, file: string, settings: readonly AptSetting[]): boolean {
  const parsed = parseAptConf(text, file);
  if (parsed.errors.length > 0) return false;
  return settings.every((s) => lastSet(parsed.entries, s.key)?.value === s.value);
}

/**
 * The file's text with each setting in force at its end, unrelated content kept
 * byte for byte. `header` starts a new file (null `before`). Never throws.
 */
export function setAptValues(before: string | null, file: string, settings: readonly AptSetting[], header: readonly string[] = []): AptEditResult {
  if (before === null) {
    const text = [...header, ...settings.map(aptLine)].join('\n') + '\n';
    return settingsHold(text, file, settings) ? { ok: true, text } : { ok: false, reason: `the new ${file} would not parse as intended` };
  }
  const parsed = parseAptConf(before, file);
  if (parsed.errors.length > 0) return { ok: false, reason: `${parsed.errors[0].message}: fix that file first` };

  let lines = before.split('\n');
  const toAppend: AptSetting[] = [];
  for (const s of settings) {
    const entry = lastSet(parsed.entries, s.key);
    if (entry?.value === s.value) continue;
    const rewritten = entry ? rewriteInPlace(lines, entry, s.value) : null;
    // Only keep an in-place rewrite that the parser reads back as intended.
    if (rewritten && settingsHold(rewritten.join('\n'), file, [s])) lines = rewritten;
    else toAppend.push(s);
  }
  let text = lines.join('\n');
  if (toAppend.length > 0) {
    const eol = before.includes('\r\n') ? '\r\n' : '\n';
    if (text !== '' && !text.endsWith('\n')) text += eol;
    text += toAppend.map((s) => aptLine(s) + eol).join('');
  }
  if (!settingsHold(text, file, settings)) {
    // E.g. the file ends inside an unclosed block or comment: an appended line would land in it.
    return { ok: false, reason: `cannot add ${settings.map((s) => s.key).join(', ')} to ${file} safely (does it end inside an unclosed block or comment?)` };
  }
  return { ok: true, text };
}

function normalise(path: string): string {
  return path.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * A read-only view of `host` in which every edit has been made: reads, stats
 * and directory listings show the new contents. Anything else goes to the
 * real host. Nothing is written.
 */
export function withEdits(host: Host, edits: readonly FileEdit[]): Host {
  const byPath = new Map(edits.map((e) => [normalise(e.path), e]));
  const statOf = (e: FileEdit): FileStat => ({
    kind: 'file',
    size: Buffer.byteLength(e.after),
    mode: e.mode ?? 0o644,
    uid: 0,
    gid: 0,
    mtimeMs: host.now().getTime(),
  });
  const overrides: Partial<Host> = {
    async read(path, opts): Promise<ReadResult> {
      const e = byPath.get(normalise(path));
      if (!e) return host.read(path, opts);
      return { ok: true, text: e.after, stat: statOf(e) };
    },
    async readText(path) {
      const e = byPath.get(normalise(path));
      return e ? e.after : host.readText(path);
    },
    async readBytes(path) {
      const e = byPath.get(normalise(path));
      return e ? Buffer.from(e.after, 'utf8') : host.readBytes(path);
    },
    async stat(path) {
      const e = byPath.get(normalise(path));
      return e ? statOf(e) : host.stat(path);
    },
    async lstat(path) {
      const e = byPath.get(normalise(path));
      return e ? statOf(e) : host.lstat(path);
    },
    async list(dir) {
      const names = await host.list(dir);
      const d = normalise(dir);
      const added = [...byPath.keys()].filter((p) => parentOf(p) === d).map((p) => p.slice(p.lastIndexOf('/') + 1));
      if (names === null) return added.length > 0 ? added.sort() : null;
      return [...new Set([...names, ...added])].sort();
    },
  };
  return new Proxy(host, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Host];
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** apt's merged configuration as it will be once the edits are written. */
export function aptConfAfter(host: Host, edits: readonly FileEdit[]): Promise<LoadedAptConf> {
  return loadAptConf(withEdits(host, edits));
}

/** The files apt reads, in its order (parts, then apt.conf), as they will be after the edits. */
export async function aptFilesInOrder(host: Host): Promise<string[]> {
  const files: string[] = [];
  for (const name of aptConfPartsInOrder((await host.list(APT_CONF_PARTS)) ?? [])) {
    const path = `${APT_CONF_PARTS}/${name}`;
    const st = await host.stat(path);
    if (st && st.kind === 'file') files.push(path);
  }
  const main = await host.stat(APT_CONF_MAIN);
  if (main && main.kind === 'file') files.push(APT_CONF_MAIN);
  return files;
}

/**
 * apt itself must accept the edited configuration. `apt-config dump` runs on
 * the staged copy of /etc/apt, each staged file given with `-c` in apt's own
 * order, so a syntax error in any of them (ours included) makes it exit 100.
 *
 * Why not `-o Dir::Etc=…`: apt applies `-o` only after it has read the
 * configuration, so it would still read the real /etc/apt/apt.conf.d (measured
 * with apt 2.6). Pointing Dir::Etc into the stage needs APT_CONFIG in the
 * environment, which a Validation cannot set. With `-c`, apt also reads the
 * configuration of the machine it runs on first; that can only make this
 * validation stricter (a broken live config fails it), never hide an error in
 * the staged files.
 */
export async function aptConfigValidation(host: Host, edits: readonly FileEdit[]): Promise<Validation> {
  const files = await aptFilesInOrder(withEdits(host, edits));
  return {
    describe: 'apt-config reads the staged apt configuration without a syntax error',
    argv: ['apt-config', ...files.flatMap((f) => ['-c', `{stage}${f}`]), 'dump'],
    stage: ['/etc/apt'],
    timeoutMs: 20_000,
  };
}
