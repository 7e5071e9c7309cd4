// glob(3)-style matching, as sshd's Include and nginx's include use it:
// * ? and [...] in any component, a leading "." matched only explicitly,
// backslash escapes the next character, results sorted. The matching is pure;
// the walk takes its directory listing from the caller (so it runs under --root).

import { hostComponents } from './host-paths';

const MAGIC = /[*?[]/;

export function hasMagic(component: string): boolean {
  return MAGIC.test(component.replace(/\\./g, ''));
}

/** Remove glob escapes from a component without magic ("a\*b" → "a*b"). */
export function unescapeComponent(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

/** Compile one path component pattern to an anchored RegExp. */
export function compileComponent(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[++i]);
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const cls = parseBracket(pattern, i);
      if (cls === null) {
        re += '\\['; // an unterminated "[" is an ordinary character, as in glob(3)
      } else {
        re += cls.regex;
        i = cls.end;
      }
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`^${re}$`, 's');
}

function parseBracket(pattern: string, start: number): { regex: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === '!' || pattern[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === ']' && !first) {
      // A bracket expression never matches "/" (it is not part of a component anyway).
      return { regex: negate ? `[^/${body}]` : `[${body}]`, end: i };
    }
    first = false;
    if (c === '\\' && i + 1 < pattern.length) {
      body += escapeClassChar(pattern[++i]);
    } else if (c === '-' && body !== '' && pattern[i + 1] !== ']' && i + 1 < pattern.length) {
      body += '-';
    } else {
      body += escapeClassChar(c);
    }
  }
  return null;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClassChar(c: string): string {
  return c.replace(/[\]\\^\-[]/g, '\\$&');
}

/** Does `name` match the component pattern? A leading "." must be matched by a literal ".". */
export function matchComponent(pattern: string, name: string, compiled = compileComponent(pattern)): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.') && !pattern.startsWith('\\.')) return false;
  return compiled.test(name);
}

export interface GlobFs {
  /** Sorted entry names of a host directory (following links), or null when not a directory. */
  list(hostDir: string): Promise<string[] | null>;
  /** Does the host path exist at all (lstat: a dangling link counts, as in glob(3))? */
  exists(hostPath: string): Promise<boolean>;
}

/** Expand an absolute host-path pattern; results are host paths, sorted. */
export async function expandGlob(pattern: string, gfs: GlobFs): Promise<string[]> {
  const parts = hostComponents(pattern);
  let prefixes = ['/'];
  for (let i = 0; i < parts.length && prefixes.length > 0; i++) {
    const part = parts[i];
    const next: string[] = [];
    if (!hasMagic(part)) {
      const literal = unescapeComponent(part);
      for (const p of prefixes) next.push(joinHost(p, literal));
    } else {
      const compiled = compileComponent(part);
      for (const p of prefixes) {
        const names = await gfs.list(p);
        if (names === null) continue;
        for (const name of names) if (matchComponent(part, name, compiled)) next.push(joinHost(p, name));
      }
    }
    prefixes = next;
  }
  // Literal components were joined without looking: keep only what exists.
  const found: string[] = [];
  for (const p of prefixes) if (await gfs.exists(p)) found.push(p);
  return found.sort(compareNames);
}

function joinHost(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Code-unit order, like glob(3) in the C locale (not localeCompare). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
