// Where sshd listens, from the effective configuration: the port a
// known_hosts line names, and the loopback address a proof login uses
// (never any other address: a login to prove a key stays on this machine).

import type { ServerConfig } from './server-config';

export interface Listen {
  addr: string;
  port: number;
}

/** "127.0.0.1:22", "[::1]:2222", "0.0.0.0:22" (sshd -T's form), or a bare address with `defaultPorts`. */
export function parseListen(value: string, defaultPorts: readonly number[]): Listen[] {
  const v = value.trim().split(/\s+/)[0] ?? '';
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (v6) return v6[2] ? [{ addr: v6[1], port: Number(v6[2]) }] : defaultPorts.map((port) => ({ addr: v6[1], port }));
  const colons = (v.match(/:/g) ?? []).length;
  if (colons === 1) {
    const [addr, port] = v.split(':');
    return /^\d+$/.test(port) ? [{ addr, port: Number(port) }] : [];
  }
  // A bare IPv4 address, a host name, or a bare IPv6 address (no port possible).
  return v === '' ? [] : defaultPorts.map((port) => ({ addr: v, port }));
}

export function listenAddresses(config: ServerConfig): Listen[] {
  const shown = config.t?.values.get('listenaddress');
  if (shown && shown.length > 0) return shown.flatMap((v) => parseListen(v, []));
  // Our own parse: every ListenAddress, crossed with the Port lines (default 22).
  const global = config.parsed.directives.filter((d) => d.match === null);
  const ports = global.filter((d) => d.key === 'port').map((d) => Number(d.args[0])).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  const portList = ports.length > 0 ? ports : [22];
  const listens = global.filter((d) => d.key === 'listenaddress').flatMap((d) => parseListen(d.args[0] ?? '', portList));
  return listens.length > 0 ? listens : portList.flatMap((port) => [{ addr: '0.0.0.0', port }, { addr: '::', port }]);
}

/** The port clients use (the first one sshd listens on). */
export function sshPort(listens: readonly Listen[]): number {
  return listens[0]?.port ?? 22;
}

/** A loopback address and port on which sshd answers, or null when it listens on none. */
export function loopbackTarget(listens: readonly Listen[]): Listen | null {
  for (const l of listens) {
    if (/^127\.\d+\.\d+\.\d+$/.test(l.addr)) return { addr: l.addr, port: l.port };
    if (l.addr === '0.0.0.0') return { addr: '127.0.0.1', port: l.port };
  }
  for (const l of listens) if (l.addr === '::1' || l.addr === '::') return { addr: '::1', port: l.port };
  return null;
}
