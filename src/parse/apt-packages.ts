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
  return m ? detach(m[1].replace(/\r$/, '').trim()) : undefined;
}

/**
 * A copy of `s` that does not point into the text it was cut from. V8 keeps a
 * substring as a slice of its parent, so one kept package name would keep a
 * whole piece of the index (or the whole 50 MB index) alive: measured, 94 MB
 * of heap held by 936 kept versions. Concatenating and slicing makes a fresh
 * string the size of the value.
 */
function detach(s: string): string {
  return (` ${s}`).slice(1);
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A scanner fed the index a piece at a time (push), so a 50 MB list is never
 * held whole: only the stanza being cut across two pieces is carried over.
 * Pieces may be cut anywhere; the result is the same as scanning the whole
 * text at once. `crlf`: the index uses "\r\n" line ends (decided up front,
 * since a stanza ends at the first blank line of that kind); left undefined,
 * it is taken from the first piece that holds a line end.
 */
export class PackagesScanner {
  private readonly result: ScannedPackages = { versions: [], stanzas: 0, errors: [] };
  /** Text after the last complete stanza (blank lines and a stanza in progress). */
  private carry = '';
  /** Line number of carry's first character. */
  private line = 1;
  private separator: string | null;

  constructor(
    private readonly wanted: (name: string) => boolean = () => true,
    crlf?: boolean,
  ) {
    this.separator = crlf === undefined ? null : crlf ? '\n\r\n' : '\n\n';
  }

  push(piece: string): void {
    if (piece === '') return;
    const text = this.carry + piece;
    if (this.separator === null) {
      const nl = text.indexOf('\n');
      if (nl === -1) {
        this.carry = text;
        return;
      }
      this.separator = text.includes('\r\n') ? '\n\r\n' : '\n\n';
    }
    this.carry = text.slice(this.scan(text, false));
  }

  /** Scans what is left (a last stanza without a blank line after it) and returns the result. */
  finish(): ScannedPackages {
    if (this.carry !== '') {
      this.separator ??= '\n\n';
      this.scan(this.carry, true);
      this.carry = '';
    }
    return this.result;
  }

  /** Scans the complete stanzas of `text` (all of it when `final`); returns where the unscanned rest starts. */
  private scan(text: string, final: boolean): number {
    const separator = this.separator as string;
    const n = text.length;
    let pos = 0;
    let line = this.line;
    while (pos < n) {
      // Skip blank lines between stanzas.
      let skip = pos;
      let skipLine = line;
      while (skip < n && (text[skip] === '\n' || text[skip] === '\r')) {
        if (text[skip] === '\n') skipLine++;
        skip++;
      }
      if (skip >= n) {
        // Only blank lines left: keep them (a "\r" may be half of a separator still to come).
        if (final) {
          pos = skip;
          line = skipLine;
        }
        break;
      }
      let end = text.indexOf(separator, skip);
      if (end === -1) {
        if (!final) break;
        end = n;
      }
      pos = skip;
      line = skipLine;
      this.stanza(text.slice(pos, end), line);
      line += countNewlines(text, pos, end);
      pos = end;
    }
    this.line = line;
    return pos;
  }

  private stanza(stanza: string, stanzaLine: number): void {
    const result = this.result;
    const problem = (message: string) => {
      if (result.errors.length < MAX_ERRORS) result.errors.push({ line: stanzaLine, message });
    };
    result.stanzas++;
    const name = fieldValue(stanza, PACKAGE);
    if (name === undefined || name === '') {
      problem('stanza has no Package field');
    } else if (this.wanted(name)) {
      const version = fieldValue(stanza, VERSION);
      const architecture = fieldValue(stanza, ARCHITECTURE);
      if (!version) problem(`package ${name}: no Version field`);
      else if (!architecture) problem(`package ${name}: no Architecture field`);
      else result.versions.push({ name, version, architecture, line: stanzaLine });
    }
  }
}

/** Never throws. `wanted(name)` picks the stanzas to read (default: all). */
export function scanPackagesIndex(text: string, wanted: (name: string) => boolean = () => true): ScannedPackages {
  // Searched once: looking for both separators per stanza would rescan the rest of a 50 MB file each time.
  const scanner = new PackagesScanner(wanted, text.includes('\r\n'));
  scanner.push(text);
  return scanner.finish();
}
