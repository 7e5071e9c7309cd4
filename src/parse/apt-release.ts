// An apt list's Release / InRelease file (/var/lib/apt/lists/*_Release,
// *_InRelease), pure: text in, the archive's identity out.
//
// Only the first stanza's single-line fields matter to us: Origin, Label,
// Suite, Codename, Version (what unattended-upgrades' Origins-Pattern and
// apt_preferences' `Pin: release` match on), Date (how old the lists are) and
// NotAutomatic / ButAutomaticUpgrades (apt's default pin priorities). The
// hash lists (continuation lines) are skipped. An InRelease file is
// clear-signed (RFC 4880 §7): the armour header and the signature are dropped
// and dash-escaped lines unescaped; the signature is NOT checked (apt checked
// it when it downloaded the file, and we never trust these files for more
// than their labels). A malformed file is reported with its line, as apt
// refuses it too.

export interface AptRelease {
  origin?: string;
  label?: string;
  suite?: string;
  codename?: string;
  version?: string;
  /** The Date field as written. */
  date?: string;
  /** Date as epoch milliseconds, when it parses. */
  dateMs?: number;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
}

export interface AptReleaseProblem {
  line: number;
  message: string;
}

export type ParsedRelease = { ok: true; release: AptRelease } | { ok: false; error: AptReleaseProblem };

const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
/** deb822 field: printable ASCII without ':' (and not starting with '#' or '-'). */
const FIELD_LINE = /^([!-9;-~][!-9;-~]*):[ \t]*(.*)$/;

interface NumberedLine {
  no: number;
  text: string;
}

/** The signed body of a clear-signed file, or the whole file; null with a problem when the armour is broken. */
function bodyLines(lines: string[]): { body: NumberedLine[] } | { error: AptReleaseProblem } {
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  if (lines[i] !== BEGIN_SIGNED) return { body: lines.map((text, n) => ({ no: n + 1, text })) };
  i++;
  // Armour headers ("Hash: SHA256") up to the first empty line.
  while (i < lines.length && lines[i] !== '') i++;
  if (i >= lines.length) return { error: { line: i, message: 'clear-signed file has no empty line after its armour header' } };
  i++;
  const body: NumberedLine[] = [];
  for (; i < lines.length; i++) {
    if (lines[i] === BEGIN_SIGNATURE) return { body };
    const text = lines[i].startsWith('- ') ? lines[i].slice(2) : lines[i];
    body.push({ no: i + 1, text });
  }
  let last = lines.length;
  while (last > 1 && lines[last - 1].trim() === '') last--;
  return { error: { line: last, message: `clear-signed file has no "${BEGIN_SIGNATURE}" line` } };
}

function yes(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'yes';
}

/** Never throws. */
export function parseRelease(text: string): ParsedRelease {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const body = bodyLines(lines);
  if ('error' in body) return { ok: false, error: body.error };

  const fields = new Map<string, string>();
  let started = false;
  let firstLine = 0;
  for (const { no, text: line } of body.body) {
    if (line.trim() === '') {
      if (started) break; // only the first stanza describes the archive
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!started) return { ok: false, error: { line: no, message: 'continuation line before any field' } };
      continue;
    }
    const m = FIELD_LINE.exec(line);
    if (!m) return { ok: false, error: { line: no, message: 'not a "Field: value" line' } };
    if (!started) firstLine = no;
    started = true;
    const key = m[1].toLowerCase();
    if (!fields.has(key)) fields.set(key, m[2].trim());
  }
  if (!started) return { ok: false, error: { line: firstLine || 1, message: 'no Release fields' } };

  const release: AptRelease = {
    notAutomatic: yes(fields.get('notautomatic')),
    butAutomaticUpgrades: yes(fields.get('butautomaticupgrades')),
  };
  const keep: [keyof AptRelease, string][] = [
    ['origin', 'origin'],
    ['label', 'label'],
    ['suite', 'suite'],
    ['codename', 'codename'],
    ['version', 'version'],
    ['date', 'date'],
  ];
  for (const [prop, field] of keep) {
    const v = fields.get(field);
    if (v !== undefined && v !== '') (release as unknown as Record<string, string>)[prop] = v;
  }
  if (release.date) {
    const ms = Date.parse(release.date);
    if (Number.isFinite(ms)) release.dateMs = ms;
  }
  return { ok: true, release };
}
