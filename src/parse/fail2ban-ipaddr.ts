// IPv4/IPv6 addresses and networks as fail2ban reads them (server/ipdns.py
// IPAddr), pure: parse, contains, prefix width. Used for ignoreip and the
// admin's own address (SSH_CONNECTION).
//
// fail2ban's rules, mirrored:
// - "a.b.c.d", an IPv6 address (optionally in [brackets]), either with
//   "/prefix" or "/netmask" (255.255.0.0, ffff:ffff::);
// - host bits are masked off: 10.1.2.3/8 is 10.0.0.0/8;
// - an IPv4-mapped IPv6 address without a prefix (::ffff:192.0.2.1) is the
//   IPv4 address;
// - anything else is a host name that fail2ban resolves with DNS when it
//   matches (we never resolve: a check opens no sockets).

export type Family = 4 | 6;

export interface IpNet {
  family: Family;
  /** Network address, host bits cleared. */
  addr: bigint;
  prefix: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** inet_pton(AF_INET): exactly four decimal parts 0–255, no leading zeros. */
export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** inet_pton(AF_INET6): groups of 1–4 hex digits, one "::", an IPv4 tail allowed; no zone. */
export function parseIPv6(text: string): bigint | null {
  if (text === '' || /[^0-9a-fA-F:.]/.test(text)) return null;
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl !== -1) {
    if (text.indexOf('::', dbl + 1) !== -1) return null;
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (h === null || t === null) return null;
  // An IPv4 tail may only end the address.
  if (dbl !== -1 && head.includes('.')) return null;
  let all: number[];
  if (dbl === -1) {
    if (h.length !== 8) return null;
    all = h;
  } else {
    if (h.length + t.length > 7) return null;
    all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  }
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

function parseAddress(text: string): { family: Family; addr: bigint } | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, addr: v4 };
  const v6 = parseIPv6(text);
  if (v6 !== null) return { family: 6, addr: v6 };
  return null;
}

function mask(family: Family, prefix: number): bigint {
  const bits = BITS[family];
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

/** 255.255.0.0 → 16; a non-contiguous mask → null. */
function maskToPrefix(text: string): number | null {
  const m = parseAddress(text);
  if (!m) return null;
  const bits = BITS[m.family];
  for (let p = 0; p <= bits; p++) if (mask(m.family, p) === m.addr) return p;
  return null;
}

const MAPPED_V4 = { family: 6 as Family, addr: 0xffffn << 32n, prefix: 96 };

/** An address or network as fail2ban's IPAddr reads it; null when it is not one (a host name, or garbage). */
export function parseIpNet(input: string): IpNet | null {
  let text = input.trim();
  if (text.length > 2 && text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  let prefixText: string | null = null;
  const slash = text.indexOf('/');
  if (slash !== -1) {
    prefixText = text.slice(slash + 1);
    text = text.slice(0, slash);
    if (prefixText.includes('/')) return null;
  }
  const a = parseAddress(text);
  if (!a) return null;
  const bits = BITS[a.family];
  if (prefixText === null) {
    if (a.family === 6 && netContains(MAPPED_V4, { family: 6, addr: a.addr, prefix: 128 })) {
      return { family: 4, addr: a.addr & 0xffffffffn, prefix: 32 };
    }
    return { family: a.family, addr: a.addr, prefix: bits };
  }
  let prefix: number | null;
  if (/^\d+$/.test(prefixText)) prefix = Number(prefixText);
  else if (prefixText.includes('.') || prefixText.includes(':')) prefix = maskToPrefix(prefixText);
  else prefix = null;
  if (prefix === null || prefix > bits) return null;
  return { family: a.family, addr: a.addr & mask(a.family, prefix), prefix };
}

/** Does `net` hold every address of `inner` (an address is a /32 or /128)? Families never mix. */
export function netContains(net: IpNet, inner: IpNet): boolean {
  if (net.family !== inner.family || inner.prefix < net.prefix) return false;
  return (inner.addr & mask(net.family, net.prefix)) === net.addr;
}

/** A single address, not a network. */
export function isSingle(net: IpNet): boolean {
  return net.prefix === BITS[net.family];
}

/** The whole address space of its family: 0.0.0.0/0 or ::/0. */
export function isEverything(net: IpNet): boolean {
  return net.prefix === 0;
}

const LOOPBACK: IpNet[] = [
  { family: 4, addr: 0x7f000000n, prefix: 8 },
  { family: 6, addr: 1n, prefix: 128 },
];

/** Entirely inside 127.0.0.0/8 or ::1. */
export function isLoopback(net: IpNet): boolean {
  return LOOPBACK.some((l) => netContains(l, net));
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (longest zero run compressed); "/prefix" unless single. */
export function formatIpNet(net: IpNet): string {
  let text: string;
  if (net.family === 4) {
    text = [24n, 16n, 8n, 0n].map((s) => String((net.addr >> s) & 0xffn)).join('.');
  } else {
    const g = [];
    for (let i = 7; i >= 0; i--) g.push(Number((net.addr >> BigInt(i * 16)) & 0xffffn));
    let bestStart = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (g[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    const hex = g.map((x) => x.toString(16));
    text = bestStart < 0 ? hex.join(':') : `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
  }
  return isSingle(net) ? text : `${text}/${net.prefix}`;
}

/**
 * The client address of an SSH_CONNECTION value ("client port server port");
 * a zone suffix (fe80::1%eth0) is dropped. null when absent or not an address.
 */
export function sshClientAddress(sshConnection: string | undefined): IpNet | null {
  if (!sshConnection) return null;
  const first = sshConnection.trim().split(/\s+/)[0] ?? '';
  const net = parseIpNet(first.replace(/%.*$/, ''));
  return net && isSingle(net) ? net : null;
}
