// What fail2ban-client prints, pure (fail2ban/client/beautifier.py, 1.0.2):
//
//   $ fail2ban-client status
//   Status
//   |- Number of jail:      2
//   `- Jail list:   recidive, sshd
//
//   $ fail2ban-client status sshd
//   Status for the jail: sshd
//   |- Filter
//   |  |- Currently failed: 1
//   |  |- Total failed:     5
//   |  `- File list:        /var/log/auth.log          (or "Journal matches:")
//   `- Actions
//      |- Currently banned: 1
//      |- Total banned:     1
//      `- Banned IP list:   192.0.2.7 2001:db8::1
//
//   $ fail2ban-client get sshd banip --with-time
//   192.0.2.7 \t2026-11-28 20:04:20 + 3600 = 2026-11-28 21:04:20
//
// A value follows its label after ":\t"; lists are joined with spaces
// (the jail list with ", "). Anything we do not recognise makes the parser
// return null rather than guess.

export interface ServerStatus {
  jails: string[];
}

export interface JailStatus {
  jail: string;
  currentlyFailed: number;
  totalFailed: number;
  /** Monitored files (file backends); empty for the systemd backend. */
  files: string[];
  /** systemd backend: the journal match expression. */
  journalMatches: string | null;
  currentlyBanned: number;
  totalBanned: number;
  bannedIps: string[];
}

export interface BanEntry {
  ip: string;
  /** Local time of the ban, as printed ("2026-11-28 20:04:20"). */
  start: string;
  /** Ban length in seconds; -1 is permanent. */
  banSeconds: number;
  /** Local time the ban ends ("9999-12-31 23:59:59" for permanent). */
  end: string;
}

/** The "label:\tvalue" lines of a tree, label → value (first wins). */
function treeValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^[|`\- ]*([^:\t|`][^:\t]*):\t(.*)$/.exec(line.replace(/\r$/, ''));
    if (m && !values.has(m[1].trim())) values.set(m[1].trim(), m[2].trim());
  }
  return values;
}

function count(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

function words(v: string | undefined): string[] {
  return (v ?? '').split(/\s+/).filter((w) => w !== '');
}

export function parseServerStatus(text: string): ServerStatus | null {
  if (!/^Status\s*$/m.test(text.split('\n')[0] ?? '')) return null;
  const v = treeValues(text);
  const n = count(v.get('Number of jail'));
  const list = v.get('Jail list');
  if (n === null || list === undefined) return null;
  const jails = list
    .split(',')
    .map((j) => j.trim())
    .filter((j) => j !== '');
  if (jails.length !== n) return null;
  return { jails };
}

export function parseJailStatus(text: string): JailStatus | null {
  const head = /^Status for the jail: (.+?)\s*$/.exec(text.split('\n')[0] ?? '');
  if (!head) return null;
  const v = treeValues(text);
  const currentlyFailed = count(v.get('Currently failed'));
  const totalFailed = count(v.get('Total failed'));
  const currentlyBanned = count(v.get('Currently banned'));
  const totalBanned = count(v.get('Total banned'));
  if (currentlyFailed === null || totalFailed === null || currentlyBanned === null || totalBanned === null) return null;
  return {
    jail: head[1],
    currentlyFailed,
    totalFailed,
    files: words(v.get('File list')),
    journalMatches: v.get('Journal matches') ?? null,
    currentlyBanned,
    totalBanned,
    bannedIps: words(v.get('Banned IP list')),
  };
}

/** `get <jail> banip --with-time`: one line per ban, soonest end first. Bad lines are skipped and counted. */
export function parseBanListWithTime(text: string): { bans: BanEntry[]; unreadable: number } {
  const bans: BanEntry[] = [];
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^(\S+) \t(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+ (-?\d+) = (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$/.exec(line);
    if (!m) {
      unreadable++;
      continue;
    }
    bans.push({ ip: m[1], start: m[2], banSeconds: Number(m[3]), end: m[4] });
  }
  return { bans, unreadable };
}

/** `ping` → "Server replied: pong". */
export function isPong(text: string): boolean {
  return /^Server replied: pong\s*$/m.test(text);
}
