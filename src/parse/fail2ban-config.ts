// fail2ban's configuration as fail2ban itself assembles it, pure: parsed
// files in, merged sections and interpolated values out.
//
// The rules mirror fail2ban 1.0.2's client (fail2ban/client/configreader.py,
// configparserinc.py, jailreader.py, helpers.py, server/mytime.py):
// - a stack "jail" is jail.conf, jail.d/*.conf, jail.local, jail.d/*.local,
//   each file preceded by its [INCLUDES] `before` files and followed by its
//   `after` files (recursively, and an included X.conf brings X.local along);
// - files are merged in that order: a later [DEFAULT] key or section key
//   replaces an earlier one, and the replaced value stays reachable as
//   %(known/key)s;
// - values are interpolated when read: %(key)s from the section, then
//   [DEFAULT]; %(section/key)s, %(default/key)s, %(known/key)s; %(__name__)s is
//   the section's name; %% is a literal %; ten levels at most;
// - time values ("10m", "1h 30m", "-1") follow MyTime.str2seconds.
// The I/O (which files exist, reading them) is the caller's: see
// checks/fail2ban/config.ts.

import { DEFAULT_SECTION, type IniOptions, type IniValue, type ParsedIni } from './fail2ban-ini';

export const INCLUDES_SECTION = 'INCLUDES';

export interface MergedConfig {
  defaults: IniOptions;
  /** Section name → options, in order of first appearance across the files. */
  sections: Map<string, IniOptions>;
  /** Section name → the values later files replaced (%(known/key)s). */
  known: Map<string, IniOptions>;
  /** The files merged, in order (host paths). */
  files: string[];
}

/**
 * The top-level files of a stack, in fail2ban's order, before includes:
 * NAME.conf, NAME.d/*.conf, NAME.local, NAME.d/*.local. `confD`/`localD`
 * are the globbed names (sorted here as Python's sorted() does).
 */
export function stackOrder(dir: string, name: string, confD: readonly string[], localD: readonly string[]): string[] {
  const sorted = (l: readonly string[]) => [...l].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [`${dir}/${name}.conf`, ...sorted(confD), `${dir}/${name}.local`, ...sorted(localD)];
}

/** The file an include line names: relative to the including file's directory. */
export function includePath(fromFile: string, ref: string): string {
  if (ref.startsWith('/')) return ref;
  const dir = fromFile.slice(0, fromFile.lastIndexOf('/')) || '/';
  return dir === '/' ? `/${ref}` : `${dir}/${ref}`;
}

/** X.conf → X.local (fail2ban reads it right after an included X.conf). */
export function localSibling(file: string): string {
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return `${dot > slash ? file.slice(0, dot) : file}.local`;
}

/** [INCLUDES] before/after of one file (interpolated with that file's own values, as fail2ban does). */
export function includesOf(parsed: ParsedIni): { before: string[]; after: string[] } {
  const own = mergeIniFiles([parsed]);
  const read = (key: string): string[] => {
    const r = getOption(own, INCLUDES_SECTION, key);
    if (!r || !r.ok) return [];
    return r.value
      .split('\n')
      .filter((s) => s !== '')
      .map((ref) => includePath(parsed.file, ref));
  };
  if (!own.sections.has(INCLUDES_SECTION)) return { before: [], after: [] };
  return { before: read('before'), after: read('after') };
}

/** `name?family=inet6` sections: fail2ban folds them into `name` with suffixed keys. */
function conditional(name: string): { base: string; cond: string } | null {
  const m = /^(\w+)(\?.+)$/.exec(name);
  return m ? { base: m[1], cond: m[2] } : null;
}

export function mergeIniFiles(files: readonly ParsedIni[]): MergedConfig {
  const merged: MergedConfig = { defaults: new Map(), sections: new Map(), known: new Map(), files: [] };
  for (const file of files) {
    merged.files.push(file.file);
    for (const [k, v] of file.defaults) merged.defaults.set(k, v);
    for (const section of file.sections) {
      let name = section.name;
      let options = section.options;
      const cond = conditional(name);
      if (cond) {
        name = cond.base;
        options = new Map([...options].map(([k, v]) => [k + cond.cond, v]));
      }
      const existing = merged.sections.get(name);
      if (existing) {
        let known = merged.known.get(name);
        if (!known) merged.known.set(name, (known = new Map()));
        for (const [k, v] of existing) if (options.has(k)) known.set(k, v);
        for (const [k, v] of options) existing.set(k, v);
      } else {
        merged.sections.set(name, new Map(options));
      }
    }
  }
  return merged;
}

export type Resolved =
  | { ok: true; value: string; origin: IniValue }
  | { ok: false; error: string; origin: IniValue };

/** Python's configparser gives up past this depth. */
const MAX_DEPTH = 10;

class InterpolationError extends Error {}

/** The raw value a %(name)s reference means inside `section`, or undefined. */
function lookup(cfg: MergedConfig, section: string, name: string, vars: ReadonlyMap<string, string>): string | undefined {
  const key = name.toLowerCase();
  if (key === '__name__') return section;
  const own = vars.get(key) ?? (section === DEFAULT_SECTION ? undefined : cfg.sections.get(section)?.get(key)?.value) ?? cfg.defaults.get(key)?.value;
  if (own !== undefined) return own;
  const m = /^([\w-]+)\/([^\s>]+)$/.exec(name);
  if (!m) return undefined;
  const [, sec, opt] = m;
  const optKey = opt.toLowerCase();
  const secLower = sec.toLowerCase();
  if (secLower === 'default') return cfg.defaults.get(optKey)?.value;
  if (secLower === 'known') return cfg.known.get(section)?.get(optKey)?.value ?? cfg.defaults.get(optKey)?.value;
  const other = cfg.sections.get(sec);
  if (!other) return undefined;
  return other.get(optKey)?.value ?? cfg.defaults.get(optKey)?.value;
}

function interpolate(cfg: MergedConfig, section: string, key: string, rest: string, vars: ReadonlyMap<string, string>, depth: number): string {
  if (depth > MAX_DEPTH) throw new InterpolationError(`"${key}": interpolation deeper than ${MAX_DEPTH} levels (a %(…)s loop?)`);
  let out = '';
  while (rest !== '') {
    const p = rest.indexOf('%');
    if (p < 0) return out + rest;
    out += rest.slice(0, p);
    rest = rest.slice(p);
    const c = rest[1];
    if (c === '%') {
      out += '%';
      rest = rest.slice(2);
    } else if (c === '(') {
      const m = /^%\(([^)]+)\)s/.exec(rest);
      if (!m) throw new InterpolationError(`"${key}": bad interpolation reference ${JSON.stringify(rest.slice(0, 30))}`);
      rest = rest.slice(m[0].length);
      const v = lookup(cfg, section, m[1], vars);
      if (v === undefined) throw new InterpolationError(`"${key}": %(${m[1]})s is not defined in [${section}] or [DEFAULT]`);
      out += v.includes('%') ? interpolate(cfg, section, key, v, vars, depth + 1) : v;
    } else {
      throw new InterpolationError(`"${key}": "%" must be followed by "%" or "(" (found ${JSON.stringify(rest.slice(0, 10))})`);
    }
  }
  return out;
}

/** Where a key's raw value comes from for a section: its own, else [DEFAULT]. */
export function rawOption(cfg: MergedConfig, section: string, key: string): IniValue | undefined {
  const k = key.toLowerCase();
  const own = section === DEFAULT_SECTION ? undefined : cfg.sections.get(section)?.get(k);
  return own ?? cfg.defaults.get(k);
}

/**
 * A key of a section, interpolated as fail2ban reads it; null when neither
 * the section nor [DEFAULT] sets it. `vars` are extra names (fail2ban adds
 * fail2ban_version and fail2ban_confpath before reading jails).
 */
export function getOption(cfg: MergedConfig, section: string, key: string, vars: ReadonlyMap<string, string> = new Map()): Resolved | null {
  const origin = rawOption(cfg, section, key);
  if (!origin) return null;
  try {
    return { ok: true, value: interpolate(cfg, section, key.toLowerCase(), origin.value, vars, 1), origin };
  } catch (err) {
    if (err instanceof InterpolationError) return { ok: false, error: err.message, origin };
    throw err;
  }
}

/** fail2ban's _as_bool: only 1/on/true/yes (any case) are true. */
export function asBool(value: string): boolean {
  return ['1', 'on', 'true', 'yes'].includes(value.toLowerCase());
}

/** helpers.splitwords: split on commas, spaces and newlines, drop empties (ignoreip). */
export function splitWords(value: string): string[] {
  return value
    .split(/[ ,\n]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `sshd[mode=aggressive]` → `sshd` (the filter or action file name). */
export function baseName(spec: string): string {
  const i = spec.indexOf('[');
  return (i < 0 ? spec : spec.slice(0, i)).trim();
}

/** logpath lines: `path [head|tail]`, one per line; fail2ban splits at the last space. */
export function logpathEntries(value: string): string[] {
  return value
    .split('\n')
    .map((line) => {
      const i = line.lastIndexOf(' ');
      return (i < 0 ? line : line.slice(0, i)).trim();
    })
    .filter((p) => p !== '');
}

// ---------------------------------------------------------------------------
// Time values: MyTime.str2seconds rewrites units into arithmetic and eval()s
// it. We do the same rewriting and evaluate only + - * / ( ) and numbers.

const YEAR = ((365 * 3 + 366) * 24 * 60 * 60) / 4;
const UNITS: Array<[RegExp, number]> = [
  [/(?<=[\d\s])(days?|da|dd?)\b/gi, 24 * 60 * 60],
  [/(?<=[\d\s])(weeks?|wee?|ww?)\b/gi, 7 * 24 * 60 * 60],
  [/(?<=[\d\s])(months?|mon?)\b/gi, YEAR / 12],
  [/(?<=[\d\s])(years?|yea?|yy?)\b/gi, YEAR],
  [/(?<=[\d\s])(seconds?|sec?|ss?)\b/gi, 1],
  [/(?<=[\d\s])(minutes?|min?|mm?)\b/gi, 60],
  [/(?<=[\d\s])(hours?|hou?|hh?)\b/gi, 60 * 60],
];

/** Seconds of a fail2ban time value ("10m", "1h 30m", "1d12h", "-1", "3600"); null when fail2ban could not read it either. */
export function str2seconds(value: string): number | null {
  let expr = value.replace(/(?<=[a-z])(\d)/gi, ' $1');
  for (const [re, seconds] of UNITS) expr = expr.replace(re, `*${seconds}`);
  expr = expr.replace(/(\d)\s+(\d)/g, '$1+$2');
  return evaluate(expr);
}

/** A tiny evaluator for what str2seconds produces: numbers, + - * / and parentheses. */
function evaluate(expr: string): number | null {
  const tokens = expr.match(/\d+(?:\.\d*)?|\.\d+|[-+*/()]|\S/g);
  if (!tokens || tokens.length === 0) return null;
  let pos = 0;
  const peek = () => tokens[pos];
  function primary(): number | null {
    const t = tokens![pos++];
    if (t === undefined) return null;
    if (t === '-' || t === '+') {
      const v = primary();
      return v === null ? null : t === '-' ? -v : v;
    }
    if (t === '(') {
      const v = sum();
      if (tokens![pos++] !== ')') return null;
      return v;
    }
    return /^[\d.]/.test(t) ? Number(t) : null;
  }
  function product(): number | null {
    let v = primary();
    while (v !== null && (peek() === '*' || peek() === '/')) {
      const op = tokens![pos++];
      const r = primary();
      if (r === null || (op === '/' && r === 0)) return null;
      v = op === '*' ? v * r : v / r;
    }
    return v;
  }
  function sum(): number | null {
    let v = product();
    while (v !== null && (peek() === '+' || peek() === '-')) {
      const op = tokens![pos++];
      const r = product();
      if (r === null) return null;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  }
  const v = sum();
  return v !== null && pos === tokens.length && Number.isFinite(v) ? v : null;
}

/** "3600" → "1h", "86400" → "1d" (for summaries). */
export function formatSeconds(seconds: number): string {
  if (seconds < 0) return 'permanent';
  const units: Array<[string, number]> = [
    ['w', 604800],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [u, n] of units) {
    if (rest >= n) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  return parts.length ? parts.join(' ') : '0s';
}
