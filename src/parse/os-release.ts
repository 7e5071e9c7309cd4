// /etc/os-release (os-release(5)): KEY=value lines, values optionally in
// single or double quotes with backslash escapes in double quotes. Pure;
// never throws. And which package-manager family a distribution belongs to,
// from ID and ID_LIKE.

export type OsRelease = ReadonlyMap<string, string>;

export function parseOsRelease(text: string): OsRelease {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1);
    out.set(m[1], v);
  }
  return out;
}

export type OsFamily = 'debian' | 'rhel' | 'fedora';

export const FAMILY_WORDS: Record<OsFamily, string> = {
  debian: 'Debian/Ubuntu family (apt)',
  rhel: 'RHEL/Alma/Rocky family (dnf4)',
  fedora: 'Fedora family (dnf5)',
};

const RHEL_IDS = new Set(['rhel', 'centos', 'almalinux', 'rocky', 'ol', 'cloudlinux', 'amzn']);

/** The family from ID first (Alma says ID_LIKE="rhel centos fedora"), then ID_LIKE in order. */
export function osFamily(os: OsRelease): OsFamily | null {
  const words = [os.get('ID') ?? '', ...(os.get('ID_LIKE') ?? '').split(/\s+/)].map((w) => w.toLowerCase()).filter((w) => w !== '');
  for (const w of words) {
    if (w === 'debian' || w === 'ubuntu') return 'debian';
    if (RHEL_IDS.has(w)) return 'rhel';
    if (w === 'fedora') return 'fedora';
  }
  return null;
}
