// `dnf -q updateinfo list --security` (dnf 4): one advisory per line,
//   HTDEMO-2026:0001 Important/Sec. hardtop-demo-1.0-2.noarch
//   FEDORA-2024-1a2b3c4d5e Sec. openssl-1:3.0.9-2.fc38.x86_64
// i.e. advisory id, [severity/]type, then the NEVRA of the package version
// that fixes it. And dnf's complaints on stderr about repositories it could
// not read from its cache ("Cache-only enabled but no cache for 'baseos'").
// Pure: text in, structure out; never throws.

export interface DnfAdvisoryLine {
  id: string;
  /** "Important", "Moderate" …; null when dnf printed none. */
  severity: string | null;
  /** "Sec.", "bugfix", "enhancement" … as dnf prints it. */
  type: string;
  /** The fixing package: "openssl-1:3.0.9-2.fc38.x86_64". */
  nevra: string;
  /** Its name: "openssl". */
  name: string;
  line: number;
}

export interface ParsedUpdateinfo {
  advisories: DnfAdvisoryLine[];
  /** dnf's own remark without -q: "Last metadata expiration check: 0:00:02 ago on …". */
  notes: { line: number; text: string }[];
  /** Non-empty lines that are neither (something unexpected), with their line numbers. */
  other: { line: number; text: string }[];
}

const LINE = /^(\S+)\s+(?:([A-Za-z]+)\/)?(Sec\.|bugfix|enhancement|newpackage|unspecified|unknown)\s+(\S+)\s*$/;

/** "openssl-1:3.0.9-2.fc38.x86_64" → "openssl" (strip .arch, then -[epoch:]version-release). */
export function nevraName(nevra: string): string {
  const noArch = nevra.replace(/\.[^.-]+$/, '');
  const parts = noArch.split('-');
  return parts.length > 2 ? parts.slice(0, -2).join('-') : noArch;
}

export function parseDnfUpdateinfoList(text: string): ParsedUpdateinfo {
  const out: ParsedUpdateinfo = { advisories: [], notes: [], other: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    if (line.startsWith('Last metadata expiration check: ')) {
      out.notes.push({ line: i + 1, text: line });
      return;
    }
    const m = LINE.exec(line);
    if (!m) {
      out.other.push({ line: i + 1, text: line });
      return;
    }
    out.advisories.push({ id: m[1], severity: m[2] ?? null, type: m[3], nevra: m[4], name: nevraName(m[4]), line: i + 1 });
  });
  return out;
}

/**
 * Repositories dnf skipped for want of a metadata cache (stderr of a -C run):
 * dnf 4 says "no cache for 'baseos'" (dnf/repo.py), dnf5 "no cache for
 * repository \"fedora\"" (libdnf5/repo/repo_sack.cpp).
 */
export function reposWithoutCache(stderr: string): string[] {
  const names: string[] = [];
  for (const m of stderr.matchAll(/no cache for (?:repository )?(?:'([^']+)'|"([^"]+)")/g)) {
    const name = m[1] ?? m[2];
    if (!names.includes(name)) names.push(name);
  }
  return names;
}
