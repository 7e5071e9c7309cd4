// The one gate every network probe passes: hardtop may talk to this machine's
// own listeners over loopback and to nothing else (STACK-NOTES: never contact
// anything but 127.0.0.0/8 or ::1).
//
// "localhost" is mapped to 127.0.0.1 here instead of being resolved: a lookup
// goes through nsswitch and, on a box whose /etc/hosts lacks the entry, to a
// DNS server — exactly the traffic the rule forbids. RFC 6761 §6.3 lets an
// application treat localhost as loopback by itself.

import { isIP } from 'node:net';

export type LoopbackCheck = { ok: true; ip: string; family: 4 | 6 } | { ok: false; reason: string };

/** ::1 written any way ("0:0:0:0:0:0:0:1", "::0001"), or an IPv4-mapped 127.x address. */
function ipv6Loopback(ip: string): boolean {
  // The WHATWG URL parser canonicalises IPv6 (RFC 5952), so one comparison covers every spelling.
  let canonical: string;
  try {
    canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return false;
  }
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

export function checkLoopback(address: string): LoopbackCheck {
  const raw = String(address ?? '').trim();
  const unbracketed = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (/^localhost\.?$/i.test(unbracketed)) return { ok: true, ip: '127.0.0.1', family: 4 };
  const family = isIP(unbracketed);
  if (family === 4) {
    return unbracketed.startsWith('127.') ? { ok: true, ip: unbracketed, family: 4 } : { ok: false, reason: `${unbracketed} is not a loopback address (127.0.0.0/8 or ::1)` };
  }
  if (family === 6) {
    return ipv6Loopback(unbracketed) ? { ok: true, ip: unbracketed, family: 6 } : { ok: false, reason: `${unbracketed} is not a loopback address (127.0.0.0/8 or ::1)` };
  }
  return { ok: false, reason: `${JSON.stringify(raw).slice(0, 80)} is not an IP literal or "localhost": only loopback is probed, and names are never resolved` };
}

export function checkPort(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : `invalid port ${String(port)}`;
}

/** Servername for SNI: an IP literal must not be sent (RFC 6066), so it is dropped. */
export function sniName(servername: string | undefined): string | undefined {
  if (!servername) return undefined;
  return isIP(servername) ? undefined : servername;
}
