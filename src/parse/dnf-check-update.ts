// The list of pending upgrades as dnf prints it, one package a row:
//   name.arch   [epoch:]version-release   repository
//
// dnf 4 `dnf -q check-update` (dnf/cli/cli.py check_updates → output.py
// listPkgs/fmtColumns): columns padded with spaces; a name wider than its
// column is printed alone and the rest of the row continues on the next
// line, indented. Then, when obsoletes apply, a line "Obsoleting Packages"
// and pairs: the new package, then what it obsoletes indented by 4 spaces.
// With autocheck_running_kernel it may end with two "Security: … is an
// installed security update / is the currently running version" lines.
//
// dnf5 `dnf5 -q check-upgrade` (dnf5/commands/check-upgrade/check-upgrade.cpp,
// libdnf5-cli/output/package_list_sections.cpp PackageListSections::print):
// the same three columns rendered by libsmartcols without headings (no
// wrapping when stdout is not a terminal), a blank line, then optionally
// "Obsoleting packages" (lower-case p) with the obsoleter and the obsoleted
// indented by 4 spaces, then a blank line.
//
// Pure: text in, structure out; never throws.

export interface DnfPackageRow {
  /** "openssl-libs" */
  name: string;
  /** "x86_64", "noarch" */
  arch: string;
  /** "1:3.2.2-3.fc40" */
  evr: string;
  repo: string;
  /** Line of the row (its first line when dnf 4 wrapped it). */
  line: number;
}

export interface ParsedUpgradeList {
  /** The upgrades section, in dnf's order. */
  upgrades: DnfPackageRow[];
  /** The "Obsoleting packages" section: each new package with what it obsoletes. */
  obsoleting: { by: DnfPackageRow; obsoletes: DnfPackageRow[] }[];
  /** dnf's own remarks that are not rows ("Security: kernel-… is the currently running version"). */
  notes: { line: number; text: string }[];
  /** Anything else, with its line: the caller decides whether that is an error. */
  other: { line: number; text: string }[];
}

const NAME_ARCH = /^(.+)\.([A-Za-z0-9_]+)$/;
// [epoch:]version-release: no spaces, exactly one "-" separating version and release.
const EVR = /^(?:\d+:)?[^\s:-][^\s-]*-[^\s-]+$/;
const OBSOLETING_HEADING = /^Obsoleting [Pp]ackages\s*$/;
const NOTE = /^(?:Security: |Last metadata expiration check: )/;

function row(nameArch: string, evr: string, repo: string, line: number): DnfPackageRow | null {
  const m = NAME_ARCH.exec(nameArch);
  if (!m || !EVR.test(evr) || repo === '') return null;
  return { name: m[1], arch: m[2], evr, repo, line };
}

export function parseDnfUpgradeList(text: string): ParsedUpgradeList {
  const out: ParsedUpgradeList = { upgrades: [], obsoleting: [], notes: [], other: [] };
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let section: 'upgrades' | 'obsoleting' = 'upgrades';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const number = i + 1;
    if (line.trim() === '') continue;
    if (OBSOLETING_HEADING.test(line)) {
      section = 'obsoleting';
      continue;
    }
    if (NOTE.test(line)) {
      out.notes.push({ line: number, text: line });
      continue;
    }
    const indented = /^\s/.test(line);
    let fields = line.trim().split(/\s+/);
    // dnf 4's wrapped row: "name.arch" alone, then "<indent>evr repo".
    if (fields.length === 1 && i + 1 < lines.length && /^\s+\S+\s+\S+\s*$/.test(lines[i + 1])) {
      fields = [fields[0], ...lines[i + 1].trim().split(/\s+/)];
      i++;
    }
    const parsed = fields.length === 3 ? row(fields[0], fields[1], fields[2], number) : null;
    if (!parsed) {
      out.other.push({ line: number, text: line });
      continue;
    }
    if (section === 'upgrades') {
      out.upgrades.push(parsed);
    } else if (indented && out.obsoleting.length > 0) {
      out.obsoleting[out.obsoleting.length - 1].obsoletes.push(parsed);
    } else if (indented) {
      out.other.push({ line: number, text: line });
    } else {
      out.obsoleting.push({ by: parsed, obsoletes: [] });
    }
  }
  return out;
}
