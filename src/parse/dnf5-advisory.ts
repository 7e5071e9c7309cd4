// `dnf5 -q advisory list --security`: a libsmartcols table built by
// libdnf5-cli/output/advisorylist.cpp (create_advisorylist_table,
// add_line_into_advisorylist_table, print_advisorylist_table; rpm-software-
// management/dnf5 at 19972e5):
//   Name                   Type     Severity                    Package              Issued
//   FEDORA-2024-1a2b3c4d5e security Moderate  curl-8.6.0-10.fc40.x86_64 2024-09-02 17:03:11
// Columns: advisory id, type as the updateinfo says it ("security"),
// severity (an EMPTY cell when the advisory has none), the NEVRA of the
// fixing package (right-aligned), and the advisory's date as
// libdnf5::utils::string::format_epoch prints it ("{:%F %X}", or
// "unrepresentable"). Sorted by id. The header line is printed only with at
// least one row: libsmartcols prints nothing for an empty table. When
// stdout is not a terminal libsmartcols neither truncates nor colours.
// Pure: text in, structure out; never throws.

import { nevraName, type DnfAdvisoryLine } from './dnf-updateinfo';

export interface Dnf5AdvisoryLine extends DnfAdvisoryLine {
  /** "2024-09-02 17:03:11", or null when dnf5 printed "unrepresentable". */
  issued: string | null;
}

export interface ParsedDnf5AdvisoryList {
  advisories: Dnf5AdvisoryLine[];
  /** The header row was there (it always is when there are rows). */
  header: boolean;
  other: { line: number; text: string }[];
}

const HEADER = /^Name\s+Type\s+Severity\s+Package\s+Issued\s*$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
const TIME = /^\d\d:\d\d:\d\d$/;
// name-[epoch:]version-release.arch
const NEVRA = /^\S+-(?:\d+:)?[^\s:-]+-[^\s-]+\.[A-Za-z0-9_]+$/;

function parseRow(line: string, number: number): Dnf5AdvisoryLine | null {
  const fields = line.trim().split(/\s+/);
  let issued: string | null;
  let rest: string[];
  if (fields.length >= 2 && DATE.test(fields[fields.length - 2]) && TIME.test(fields[fields.length - 1])) {
    issued = `${fields[fields.length - 2]} ${fields[fields.length - 1]}`;
    rest = fields.slice(0, -2);
  } else if (fields[fields.length - 1] === 'unrepresentable') {
    issued = null;
    rest = fields.slice(0, -1);
  } else {
    return null;
  }
  // id, type, [severity], nevra: an empty severity cell leaves only spaces.
  if (rest.length !== 3 && rest.length !== 4) return null;
  const nevra = rest[rest.length - 1];
  if (!NEVRA.test(nevra)) return null;
  return { id: rest[0], type: rest[1], severity: rest.length === 4 ? rest[2] : null, nevra, name: nevraName(nevra), line: number, issued };
}

export function parseDnf5AdvisoryList(text: string): ParsedDnf5AdvisoryList {
  const out: ParsedDnf5AdvisoryList = { advisories: [], header: false, other: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (!out.header && out.advisories.length === 0 && HEADER.test(line)) {
      out.header = true;
      return;
    }
    const parsed = parseRow(line, i + 1);
    if (parsed) out.advisories.push(parsed);
    else out.other.push({ line: i + 1, text: line });
  });
  return out;
}
