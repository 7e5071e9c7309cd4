// Jails as fail2ban's client reads them from the merged jail stack
// (client/jailsreader.py, jailreader.py): every section but [INCLUDES] is a
// jail; `enabled`, `backend` and `filter` are read for each, the rest only
// for enabled jails; a value that cannot be interpolated stops fail2ban.

import type { Evidence } from '../../src/core/types';
import type { IniValue } from '../../src/parse/fail2ban-ini';
import { asBool, baseName, formatSeconds, getOption, INCLUDES_SECTION, str2seconds, type MergedConfig, type Resolved } from '../../src/parse/fail2ban-config';
import { CONF_DIR } from './config';

/** Names fail2ban adds before reading jails (jailreader.py getOptions). */
const JAIL_VARS: ReadonlyMap<string, string> = new Map([
  ['fail2ban_version', '1.0.2'],
  ['fail2ban_confpath', CONF_DIR],
]);

export interface JailConfig {
  name: string;
  enabled: boolean;
  /** The line that decided `enabled` (the jail's own or [DEFAULT]'s); undefined when nothing sets it. */
  enabledAt?: IniValue;
  /** The filter file's name (`sshd` of `sshd[mode=aggressive]`); null when none is set. */
  filter: string | null;
}

export interface ConfigProblem {
  summary: string;
  evidence: Evidence[];
}

export function option(cfg: MergedConfig, jail: string, key: string): Resolved | null {
  return getOption(cfg, jail, key, JAIL_VARS);
}

export function at(origin: IniValue): string {
  return `${origin.file}:${origin.line}`;
}

/** Evidence for a value: the line that set it (raw text, as the admin wrote it). */
export function originEvidence(key: string, origin: IniValue): Evidence {
  return { file: origin.file, line: origin.line, text: `${key} = ${origin.value.split('\n').join(' ')}` };
}

function problem(jail: string, r: Extract<Resolved, { ok: false }>): ConfigProblem {
  return { summary: `[${jail}] ${r.error} (${at(r.origin)})`, evidence: [{ file: r.origin.file, line: r.origin.line, text: r.error }] };
}

export function jailNames(cfg: MergedConfig): string[] {
  return [...cfg.sections.keys()].filter((n) => n !== INCLUDES_SECTION);
}

/**
 * Keys fail2ban reads (and so interpolates) for an enabled jail, of those we
 * use: a reference to an undefined name in any of them stops fail2ban.
 */
const ENABLED_KEYS = ['bantime', 'findtime', 'maxretry', 'ignoreip', 'ignoreself', 'logpath', 'bantime.increment'];

/** Every jail with its enabled flag and filter; `problems` lists what would stop fail2ban. */
export function readJails(cfg: MergedConfig): { jails: JailConfig[]; problems: ConfigProblem[] } {
  const jails: JailConfig[] = [];
  const problems: ConfigProblem[] = [];
  for (const name of jailNames(cfg)) {
    const enabled = option(cfg, name, 'enabled');
    const filter = option(cfg, name, 'filter');
    const backend = option(cfg, name, 'backend');
    const isEnabled = enabled !== null && enabled.ok && asBool(enabled.value);
    const more = isEnabled ? ENABLED_KEYS.map((k) => option(cfg, name, k)) : [];
    for (const r of [enabled, filter, backend, ...more]) if (r && !r.ok) problems.push(problem(name, r));
    jails.push({
      name,
      enabled: isEnabled,
      enabledAt: enabled?.origin,
      filter: filter && filter.ok && baseName(filter.value) !== '' ? baseName(filter.value) : null,
    });
  }
  return { jails, problems };
}

/** A setting of an enabled jail, converted. `default` is fail2ban's own value when no file sets it. */
export type Setting<T> =
  | { kind: 'set'; value: T; origin: IniValue; text: string }
  | { kind: 'default'; value: T }
  | { kind: 'bad'; origin: IniValue; why: string };

function convert<T>(r: Resolved | null, fallback: T, conv: (s: string) => T | null, what: string): Setting<T> {
  if (r === null) return { kind: 'default', value: fallback };
  if (!r.ok) return { kind: 'bad', origin: r.origin, why: r.error };
  const v = conv(r.value);
  if (v === null) return { kind: 'bad', origin: r.origin, why: `${JSON.stringify(r.value)} is not ${what}` };
  return { kind: 'set', value: v, origin: r.origin, text: r.value };
}

export function timeSetting(cfg: MergedConfig, jail: string, key: string, fallbackSeconds: number): Setting<number> {
  return convert(option(cfg, jail, key), fallbackSeconds, str2seconds, 'a time (e.g. 10m, 1h, 1d)');
}

/** Python's int(): optional sign, digits, surrounding blanks. */
export function intSetting(cfg: MergedConfig, jail: string, key: string, fallback: number): Setting<number> {
  return convert(option(cfg, jail, key), fallback, (s) => (/^\s*[-+]?\d+\s*$/.test(s) ? Number(s) : null), 'a whole number');
}

export function boolSetting(cfg: MergedConfig, jail: string, key: string, fallback: boolean): Setting<boolean> {
  return convert(option(cfg, jail, key), fallback, asBool, 'a boolean');
}

export function textSetting(cfg: MergedConfig, jail: string, key: string): Setting<string> {
  return convert(option(cfg, jail, key), '', (s) => s, 'text');
}

/** "bantime 10m (jail.conf:12)" / "bantime 10m (fail2ban default)". */
export function describeTime(key: string, s: Setting<number>): string {
  if (s.kind === 'bad') return `${key}: ${s.why} (${at(s.origin)})`;
  const v = formatSeconds(s.value);
  return s.kind === 'set' ? `${key} ${v} (${at(s.origin)})` : `${key} ${v} (fail2ban default)`;
}

/** The line that set it; when interpolation changed the text, what it came to as well. */
export function settingEvidence(key: string, s: Setting<unknown>): Evidence[] {
  if (s.kind === 'default') return [];
  const e = originEvidence(key, s.origin);
  if (s.kind === 'set' && s.text !== s.origin.value) e.text = `${e.text} (= ${s.text.split('\n').join(' ')})`;
  return [e];
}
