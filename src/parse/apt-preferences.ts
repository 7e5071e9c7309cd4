// apt_preferences(5): /etc/apt/preferences and preferences.d/*, pure.
//
// Stanzas of `Package:`, `Pin:` and `Pin-Priority:` (plus `Explanation:` and
// `#` comment lines, ignored). What we take over from apt (apt-pkg/policy.cc,
// versionmatch.cc):
// - `Package: *` is a general pin (it sets the priority of a whole source);
//   any other Package value (names, globs, /regex/) is a specific pin (it
//   sets the priority of matching versions of those packages);
// - `Pin: release a=…,n=…,v=…,o=…,l=…,c=…,b=…` (all given must match; a bare
//   word is the archive-or-codename, a bare number the version),
//   `Pin: origin "host"`, `Pin: version 1.2*`;
// - values are fnmatch globs, or regular expressions between slashes;
// - a stanza without Package or with no (or zero) Pin-Priority is an error,
//   as apt reports it.
// Not taken over: `Package: src:name` (source pins) and `name:arch`
// qualifiers, which are kept as plain names and so match nothing.

export type PinCondition = { key: 'a' | 'n' | 'v' | 'o' | 'l' | 'c' | 'b' | 'an'; value: string };

export type PinTarget =
  | { kind: 'release'; conditions: PinCondition[] }
  | { kind: 'origin'; host: string }
  | { kind: 'version'; pattern: string };

export interface AptPin {
  /** Empty for a general pin (`Package: *`). */
  packages: string[];
  target: PinTarget;
  priority: number;
  file: string;
  line: number;
}

export interface AptPreferencesProblem {
  file: string;
  line: number;
  message: string;
}

export interface ParsedAptPreferences {
  pins: AptPin[];
  errors: AptPreferencesProblem[];
}

const FIELD_LINE = /^([!-9;-~][!-9;-~]*):[ \t]*(.*)$/;

const RELEASE_KEYS: Record<string, PinCondition['key']> = {
  a: 'a',
  archive: 'a',
  n: 'n',
  codename: 'n',
  v: 'v',
  version: 'v',
  o: 'o',
  origin: 'o',
  l: 'l',
  label: 'l',
  c: 'c',
  component: 'c',
  b: 'b',
  architecture: 'b',
};

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** `release a=stable, n=bookworm` → conditions; null when a key is unknown. */
export function parseReleasePin(data: string): PinCondition[] | null {
  const text = data.trim();
  if (!text.includes('=')) {
    if (text === '') return [];
    // apt: a bare value is the release version when it starts with a digit, else the archive or codename.
    return [{ key: /^[0-9]/.test(text) ? 'v' : 'an', value: unquote(text) }];
  }
  const conditions: PinCondition[] = [];
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return null;
    const key = RELEASE_KEYS[part.slice(0, eq).trim().toLowerCase()];
    if (!key) return null;
    conditions.push({ key, value: unquote(part.slice(eq + 1)) });
  }
  return conditions;
}

function parseTarget(pin: string): PinTarget | null {
  const m = /^(\S+)\s*(.*)$/.exec(pin.trim());
  if (!m) return null;
  const kind = m[1].toLowerCase();
  if (kind === 'release') {
    const conditions = parseReleasePin(m[2]);
    return conditions === null ? null : { kind: 'release', conditions };
  }
  if (kind === 'origin') return { kind: 'origin', host: unquote(m[2]) };
  if (kind === 'version') return m[2].trim() === '' ? null : { kind: 'version', pattern: unquote(m[2]) };
  return null;
}

/** Never throws. */
export function parseAptPreferences(text: string, file: string): ParsedAptPreferences {
  const result: ParsedAptPreferences = { pins: [], errors: [] };
  let fields: Map<string, string> | null = null;
  let stanzaLine = 0;

  const endStanza = () => {
    if (!fields) return;
    const at = { file, line: stanzaLine };
    const pkg = fields.get('package');
    const pin = fields.get('pin');
    const prio = fields.get('pin-priority');
    fields = null;
    if (pkg === undefined || pkg.trim() === '') {
      result.errors.push({ ...at, message: `Invalid record in the preferences file ${file}, no Package header` });
      return;
    }
    if (pin === undefined) {
      result.errors.push({ ...at, message: `Invalid record in the preferences file ${file}, no Pin header` });
      return;
    }
    const priority = prio !== undefined && /^[+-]?\d+$/.test(prio.trim()) ? Number(prio.trim()) : 0;
    if (priority === 0) {
      result.errors.push({ ...at, message: 'No priority (or zero) specified for pin' });
      return;
    }
    const target = parseTarget(pin);
    if (!target) {
      result.errors.push({ ...at, message: `Did not understand pin type ${pin.trim().split(/\s+/)[0] ?? ''}` });
      return;
    }
    const names = pkg.trim().split(/\s+/);
    result.pins.push({ packages: names.includes('*') ? [] : names, target, priority, ...at });
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') {
      endStanza();
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) continue; // continuation (Explanation text)
    const m = FIELD_LINE.exec(line);
    if (!m) {
      result.errors.push({ file, line: i + 1, message: 'not a "Field: value" line' });
      continue;
    }
    if (!fields) {
      fields = new Map();
      stanzaLine = i + 1;
    }
    const key = m[1].toLowerCase();
    if (!fields.has(key)) fields.set(key, m[2]);
  }
  endStanza();
  return result;
}

/** fnmatch(3) without flags, or a regular expression written /…/ (apt's ExpressionMatches). */
export function expressionMatches(pattern: string, value: string): boolean {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      return new RegExp(pattern.slice(1, -1)).test(value);
    } catch {
      return false;
    }
  }
  return globToRegExp(pattern).test(value);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let set = glob.slice(i + 1, close);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** apt_preferences(5): parts in preferences.d have no extension or ".pref", and a name of [A-Za-z0-9_.-]. */
export function isPreferencesPartName(name: string): boolean {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) return false;
  const dot = name.lastIndexOf('.');
  return dot === -1 || name.slice(dot) === '.pref';
}
