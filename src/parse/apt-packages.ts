// An apt list's Packages index (/var/lib/apt/lists/*_Packages), pure.
//
// A Debian main index is ~50 MB and ~65 000 stanzas, and we only care about
// the packages that are installed: so this is a scanner, not a general deb822
// parser. Every stanza must name its Package (apt refuses an index where one
// does not); only the stanzas `wanted` selects are read further, and each of
// those must have a Version and an Architecture. Line numbers are 1-based and
// point at the stanza's first line, for evidence.

export interface IndexedVersion {
  name: string;
  version: string;
  architecture: string;
  /** Line of the stanza's first field. */
  line: number;
}

export interface PackagesProblem {
  line: number;
  message: string;
}

export interface ScannedPackages {
  versions: IndexedVersion[];
  /** Stanzas seen (wanted or not). */
  stanzas: number;
  errors: PackagesProblem[];
}

/** Keep error lists short: one malformed index is one finding, not 60 000. */
const MAX_ERRORS = 20;

// Fields start a line; names are case-insensitive (deb822), values run to the end of the line.
const PACKAGE = /^Package:[ \t]*([^\n]*)$/im;
const VERSION = /^Version:[ \t]*([^\n]*)$/im;
const ARCHITECTURE = /^Architecture:[ \t]*([^\n]*)$/im;

function fieldValue(stanza: string, field: RegExp): string | undefined {
  const m = field.exec(stanza);
  return m ? m[1].replace(/\r$/, '').trim() : undefined;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Never throws. `wanted(name)` picks the stanzas to read (default: all). */
export function scanPackagesIndex(text: string, wanted: (name: string) => boolean = () => true): ScannedPackages {
  const result: ScannedPackages = { versions: [], stanzas: 0, errors: [] };
  const problem = (line: number, message: string) => {
    if (result.errors.length < MAX_ERRORS) result.errors.push({ line, message });
  };
  let pos = 0;
  let line = 1;
  const n = text.length;
  // Searched once: looking for both separators per stanza would rescan the rest of a 50 MB file each time.
  const separator = text.includes('\r\n') ? '\n\r\n' : '\n\n';
  while (pos < n) {
    // Skip blank lines between stanzas.
    while (pos < n && (text[pos] === '\n' || text[pos] === '\r')) {
      if (text[pos] === '\n') line++;
      pos++;
    }
    if (pos >= n) break;
    let end = text.indexOf(separator, pos);
    if (end === -1) end = n;
    const stanza = text.slice(pos, end);
    const stanzaLine = line;
    result.stanzas++;

    const name = fieldValue(stanza, PACKAGE);
    if (name === undefined || name === '') {
      problem(stanzaLine, 'stanza has no Package field');
    } else if (wanted(name)) {
      const version = fieldValue(stanza, VERSION);
      const architecture = fieldValue(stanza, ARCHITECTURE);
      if (!version) problem(stanzaLine, `package ${name}: no Version field`);
      else if (!architecture) problem(stanzaLine, `package ${name}: no Architecture field`);
      else result.versions.push({ name, version, architecture, line: stanzaLine });
    }
    line += countNewlines(text, pos, end);
    pos = end;
  }
  return result;
}
