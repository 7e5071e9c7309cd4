// dpkg's status database (/var/lib/dpkg/status, deb822 stanzas), pure.
//
// We read the file instead of running dpkg-query so that a --root sysroot is
// judged by its own database, and so the evidence can name the stanza's line.
// dpkg refuses a corrupt status file ("parsing file … near line N"), so a
// malformed line is an error here too, with its line number.

export interface DpkgStatusField {
  want: string;
  flag: string;
  state: string;
}

export interface DpkgPackage {
  name: string;
  architecture?: string;
  version?: string;
  status?: DpkgStatusField;
  /** The raw Status value, for evidence. */
  statusText?: string;
  /** Line of the stanza's first field (1-based). */
  line: number;
}

export interface DpkgStatusProblem {
  line: number;
  message: string;
}

export interface ParsedDpkgStatus {
  packages: DpkgPackage[];
  errors: DpkgStatusProblem[];
}

/** dpkg package states in which the package's files are on disk and configured enough to run. */
const PRESENT_STATES = new Set(['installed', 'triggers-awaited', 'triggers-pending']);

export type PackagePresence =
  | { kind: 'installed'; pkg: DpkgPackage }
  /** Unpacked, half-configured, half-installed: on disk but not (fully) configured. */
  | { kind: 'incomplete'; pkg: DpkgPackage }
  /** Removed, only its configuration files remain ("rc" in dpkg -l). */
  | { kind: 'config-files'; pkg: DpkgPackage }
  | { kind: 'absent' };

/** Field name per deb822: printable ASCII without ':' and not starting with '#' or '-'. */
const FIELD_LINE = /^([!-9;-~][!-9;-~]*):[ \t]*(.*)$/;

export function parseDpkgStatus(text: string): ParsedDpkgStatus {
  const result: ParsedDpkgStatus = { packages: [], errors: [] };
  const lines = text.split('\n');
  let fields: Map<string, string> | null = null;
  let stanzaLine = 0;
  let lastField: string | null = null;

  const endStanza = () => {
    if (!fields) return;
    const name = fields.get('package');
    if (!name) {
      result.errors.push({ line: stanzaLine, message: 'stanza has no Package field' });
    } else {
      const pkg: DpkgPackage = { name, line: stanzaLine };
      const arch = fields.get('architecture');
      const version = fields.get('version');
      const statusText = fields.get('status');
      if (arch) pkg.architecture = arch;
      if (version) pkg.version = version;
      if (statusText !== undefined) {
        pkg.statusText = statusText;
        const words = statusText.trim().split(/\s+/);
        if (words.length === 3) pkg.status = { want: words[0], flag: words[1], state: words[2] };
        else result.errors.push({ line: stanzaLine, message: `package ${name}: Status "${statusText}" is not "want flag state"` });
      }
      result.packages.push(pkg);
    }
    fields = null;
    lastField = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') {
      endStanza();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!fields || lastField === null) {
        result.errors.push({ line: lineNo, message: 'continuation line outside a field' });
        continue;
      }
      // Only single-line fields are kept; continuation lines (Description, Conffiles) are skipped.
      continue;
    }
    const m = FIELD_LINE.exec(line);
    if (!m) {
      result.errors.push({ line: lineNo, message: 'not a "Field: value" line' });
      continue;
    }
    if (!fields) {
      fields = new Map();
      stanzaLine = lineNo;
    }
    lastField = m[1].toLowerCase();
    // dpkg field names are case-insensitive; the first occurrence counts.
    if (!fields.has(lastField)) fields.set(lastField, m[2].trim());
  }
  endStanza();
  return result;
}

/**
 * Whether a package is on the system. Multi-arch packages may have several
 * stanzas: the "most present" one wins.
 */
export function packagePresence(status: ParsedDpkgStatus, name: string): PackagePresence {
  const stanzas = status.packages.filter((p) => p.name === name && p.status);
  const installed = stanzas.find((p) => PRESENT_STATES.has((p.status as DpkgStatusField).state));
  if (installed) return { kind: 'installed', pkg: installed };
  const incomplete = stanzas.find((p) => !['not-installed', 'config-files'].includes((p.status as DpkgStatusField).state));
  if (incomplete) return { kind: 'incomplete', pkg: incomplete };
  const configFiles = stanzas.find((p) => (p.status as DpkgStatusField).state === 'config-files');
  if (configFiles) return { kind: 'config-files', pkg: configFiles };
  return { kind: 'absent' };
}
