// sshd's Match criteria, pure: does a block apply to a connection, and which
// connection makes it apply (for `sshd -T -C user=…,host=…,addr=…`).
//
// The rules are sshd's (servconf.c match_cfg_line, match.c, addrmatch.c;
// checked against sshd 9.2p1):
// - every criterion of a Match line must hold (AND);
// - User, Host, RDomain take a comma-separated pattern list (`*`, `?`, `!`):
//   it matches when some positive pattern matches and no negated one does —
//   so a list of ONLY negated patterns (`Match User !root`) matches nothing;
//   Host is compared in lower case, User and RDomain as written;
// - Group: the connecting user's groups (primary and supplementary) against
//   the list; a negated group the user is in fails the block;
// - Address and LocalAddress: CIDR (10.0.0.0/8, 2001:db8::/32) or a pattern,
//   with `!` — as for the lists, a negated match fails the block;
// - LocalPort: one port number.
// Nothing here throws.

export interface ConnectionSpec {
  user: string;
  host: string;
  addr: string;
  laddr: string;
  lport: string;
  rdomain?: string;
}

/** The accounts and groups of the root (/etc/passwd, /etc/group). */
export interface AccountDb {
  /** Every account name, in /etc/passwd order. */
  users: string[];
  /** The groups of a user (primary and supplementary); empty for an unknown one. */
  groupsOf(user: string): string[];
}

/** Connection values that match no ordinary block: TEST-NET-1 addresses (RFC 5737), an RFC 6761 name. */
export const DEFAULT_SPEC: Readonly<ConnectionSpec> = { user: 'hardtop-probe', host: 'hardtop.invalid', addr: '192.0.2.1', laddr: '192.0.2.2', lport: '22' };

/** match.c match_pattern: `*` and `?` over the whole string (two pointers, no backtracking RegExp). */
export function sshdPattern(pattern: string, s: string): boolean {
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || pattern[pi] === s[si])) {
      pi++;
      si++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star !== -1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** match.c match_pattern_list: 1 a positive match, -1 a negated match (wins), 0 none. */
export function patternList(s: string, list: string, lower: boolean): 1 | 0 | -1 {
  const subject = lower ? s.toLowerCase() : s;
  let positive = false;
  for (const raw of list.split(',')) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const p = (negated ? raw.slice(1) : raw);
    if (sshdPattern(lower ? p.toLowerCase() : p, subject)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

// --- addresses ---------------------------------------------------------------

function ipv4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0n;
  for (const part of m.slice(1)) {
    const n = Number(part);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function ipv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const groups = h.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = ipv4(g);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

interface Ip {
  family: 4 | 6;
  value: bigint;
}

export function parseIp(s: string): Ip | null {
  const v4 = ipv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = ipv6(s);
  return v6 === null ? null : { family: 6, value: v6 };
}

function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 255n)).join('.');
  const groups: string[] = [];
  for (let sh = 112n; sh >= 0n; sh -= 16n) groups.push(((ip.value >> sh) & 0xffffn).toString(16));
  return groups.join(':');
}

function cidr(entry: string): { net: Ip; bits: number } | null {
  const [addr, len, extra] = entry.split('/');
  if (extra !== undefined) return null;
  const net = parseIp(addr);
  if (!net) return null;
  const max = net.family === 4 ? 32 : 128;
  const bits = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= max)) return null;
  return { net, bits };
}

function inCidr(ip: Ip, c: { net: Ip; bits: number }): boolean {
  if (ip.family !== c.net.family) return false;
  const max = BigInt(ip.family === 4 ? 32 : 128);
  const shift = max - BigInt(c.bits);
  return ip.value >> shift === c.net.value >> shift;
}

/** addrmatch.c addr_match_list: 1 a match, -1 a negated match (wins), 0 none. */
export function addressList(addr: string, list: string): 1 | 0 | -1 {
  const ip = parseIp(addr);
  let positive = false;
  for (const raw of list.split(',')) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    const c = cidr(entry);
    const hit = c ? ip !== null && inCidr(ip, c) : sshdPattern(entry.toLowerCase(), addr.toLowerCase());
    if (hit) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

// --- whole Match lines ---------------------------------------------------------

/** Does a Match line (criteria as parsed: ['User', 'bob', 'Address', '10.0.0.0/8']) apply to `spec`? */
export function matchApplies(criteria: readonly string[], spec: ConnectionSpec, db: AccountDb): boolean {
  if (criteria.length === 1 && criteria[0].toLowerCase() === 'all') return true;
  for (let i = 0; i + 1 < criteria.length; i += 2) {
    const arg = criteria[i + 1];
    switch (criteria[i].toLowerCase()) {
      case 'user':
        if (patternList(spec.user, arg, false) !== 1) return false;
        break;
      case 'group': {
        const groups = db.groupsOf(spec.user);
        const results = groups.map((g) => patternList(g, arg, false));
        if (results.includes(-1) || !results.includes(1)) return false;
        break;
      }
      case 'host':
        if (patternList(spec.host, arg, true) !== 1) return false;
        break;
      case 'address':
        if (addressList(spec.addr, arg) !== 1) return false;
        break;
      case 'localaddress':
        if (addressList(spec.laddr, arg) !== 1) return false;
        break;
      case 'localport':
        if (spec.lport !== arg) return false;
        break;
      case 'rdomain':
        if (spec.rdomain === undefined || patternList(spec.rdomain, arg, false) !== 1) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A concrete string a positive pattern matches (`*` and `?` filled in). */
function concrete(pattern: string, fill: string): string {
  return pattern.replace(/\*/g, fill).replace(/\?/g, fill.slice(0, 1) || 'x');
}

/** Candidate values for one pattern list, best first; only-negated lists have none. */
function candidates(list: string, fill: string): string[] {
  const positive = list.split(',').filter((p) => p !== '' && !p.startsWith('!'));
  // A second fill when the first lands on a negated pattern (`*,!x`).
  return [...positive.map((p) => concrete(p, fill)), ...positive.map((p) => concrete(p, `${fill}${fill}`))];
}

function addressCandidates(list: string): string[] {
  const out: string[] = [];
  for (const raw of list.split(',')) {
    if (raw === '' || raw.startsWith('!')) continue;
    const c = cidr(raw);
    if (c) {
      const max = c.net.family === 4 ? 32 : 128;
      const shift = BigInt(max - c.bits);
      const base = (c.net.value >> shift) << shift;
      // A host inside the network: .1 when there is room, else the address itself.
      out.push(formatIp({ family: c.net.family, value: c.bits < max ? base + 1n : base }));
      if (c.bits < max - 1) out.push(formatIp({ family: c.net.family, value: base + 2n }));
    } else {
      for (const fill of ['1', '2', '3', '10', '254']) out.push(concrete(raw, fill));
    }
  }
  return out;
}

/** sshd -C values must not hold a comma, '=' or space (sshd splits on them). */
const SAFE_VALUE = /^[A-Za-z0-9._@%+:-]+$/;

export type Probe = { spec: ConnectionSpec } | { cannot: string };

/**
 * Connection parameters that make the block apply, or why none can be
 * found: an only-negated list, no account in the group, an unusual name.
 */
export function probeFor(criteria: readonly string[], db: AccountDb): Probe {
  if (criteria.length === 1 && criteria[0].toLowerCase() === 'all') return { spec: { ...DEFAULT_SPEC } };
  const spec: ConnectionSpec = { ...DEFAULT_SPEC };
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < criteria.length; i += 2) pairs.push([criteria[i].toLowerCase(), criteria[i + 1]]);
  const get = (name: string) => pairs.filter(([k]) => k === name).map(([, v]) => v);
  const onlyNegated = (list: string) => list.split(',').every((p) => p === '' || p.startsWith('!'));

  for (const [name, list] of pairs) {
    if (['user', 'group', 'host', 'address', 'localaddress', 'rdomain'].includes(name) && onlyNegated(list)) {
      return { cannot: `${name === 'localaddress' ? 'LocalAddress' : name[0].toUpperCase() + name.slice(1)} ${list} lists only negated patterns: sshd matches a list only when some positive pattern matches, so this block never applies` };
    }
  }

  const pick = (cands: string[], ok: (v: string) => boolean): string | null => cands.find((v) => SAFE_VALUE.test(v) && ok(v)) ?? null;
  const userLists = get('user');
  const groupLists = get('group');
  const userOk = (u: string) => userLists.every((l) => patternList(u, l, false) === 1);
  const groupOk = (u: string) =>
    groupLists.every((l) => {
      const r = db.groupsOf(u).map((g) => patternList(g, l, false));
      return !r.includes(-1) && r.includes(1);
    });
  if (groupLists.length > 0) {
    const user = db.users.find((u) => SAFE_VALUE.test(u) && userOk(u) && groupOk(u));
    if (!user) return { cannot: `no account in /etc/group or /etc/passwd is in group ${groupLists.join(' and ')}${userLists.length ? ` and matches User ${userLists.join(' ')}` : ''}: nobody can trigger this block` };
    spec.user = user;
  } else if (userLists.length > 0) {
    const user = pick([...userLists.flatMap((l) => candidates(l, 'x')), ...db.users], userOk);
    if (!user) return { cannot: `no user name matches User ${userLists.join(' ')} that sshd -T -C can be given` };
    spec.user = user;
  }
  const hosts = get('host');
  if (hosts.length > 0) {
    const host = pick(hosts.flatMap((l) => candidates(l.toLowerCase(), 'x')), (h) => hosts.every((l) => patternList(h, l, true) === 1));
    if (!host) return { cannot: `no host name matches Host ${hosts.join(' ')}` };
    spec.host = host;
  }
  for (const [name, field] of [['address', 'addr'], ['localaddress', 'laddr']] as const) {
    const lists = get(name);
    if (lists.length === 0) continue;
    const addr = pick(lists.flatMap(addressCandidates), (a) => lists.every((l) => addressList(a, l) === 1));
    if (!addr) return { cannot: `no address matches ${name === 'address' ? 'Address' : 'LocalAddress'} ${lists.join(' ')}` };
    spec[field] = addr;
  }
  const ports = get('localport');
  if (ports.length > 0) {
    if (new Set(ports).size > 1 || !/^\d+$/.test(ports[0])) return { cannot: `LocalPort ${ports.join(' ')} cannot hold for one connection` };
    spec.lport = ports[0];
  }
  const rdomains = get('rdomain');
  if (rdomains.length > 0) {
    const rd = pick(rdomains.flatMap((l) => candidates(l, 'x')), (r) => rdomains.every((l) => patternList(r, l, false) === 1));
    if (!rd) return { cannot: `no routing domain matches RDomain ${rdomains.join(' ')}` };
    spec.rdomain = rd;
  }
  if (!matchApplies(criteria, spec, db)) return { cannot: 'no single connection satisfies every criterion of this block' };
  return { spec };
}

/** The argument of `sshd -T -C`. */
export function specArgument(spec: ConnectionSpec): string {
  const parts = [`user=${spec.user}`, `host=${spec.host}`, `addr=${spec.addr}`, `laddr=${spec.laddr}`, `lport=${spec.lport}`];
  if (spec.rdomain !== undefined) parts.push(`rdomain=${spec.rdomain}`);
  return parts.join(',');
}

/** Only what differs from the neutral connection: "addr=10.0.0.1", "user=backup" (or "any connection"). */
export function specShort(spec: ConnectionSpec): string {
  const parts: string[] = [];
  for (const k of ['user', 'host', 'addr', 'laddr', 'lport', 'rdomain'] as const) {
    if (spec[k] !== undefined && spec[k] !== (DEFAULT_SPEC as ConnectionSpec)[k]) parts.push(`${k}=${spec[k]}`);
  }
  return parts.length > 0 ? parts.join(',') : 'any connection';
}
