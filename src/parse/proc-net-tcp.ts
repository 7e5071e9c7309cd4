// /proc/net/tcp and /proc/net/tcp6, pure: which TCP ports something listens
// on. Each line after the header is
//   sl local_address rem_address st tx_queue:rx_queue …
// with addresses as hex "ADDR:PORT" (the port in big-endian hex) and st the
// kernel's TCP state in hex; 0A is LISTEN. Lines that do not look like that
// are reported (file:line) and skipped, never thrown on.

export interface Listener {
  /** The local address as the kernel prints it (hex, host byte order per 32-bit word). */
  addressHex: string;
  port: number;
}

export interface ProcNetTcp {
  listeners: Listener[];
  problems: Array<{ file: string; line: number; message: string }>;
}

const TCP_LISTEN = '0A';

export function parseProcNetTcp(text: string, file: string): ProcNetTcp {
  const listeners: Listener[] = [];
  const problems: ProcNetTcp['problems'] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || (i === 0 && /^sl\s/.test(line))) return;
    const f = line.split(/\s+/);
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(f[1] ?? '');
    if (!/^\d+:$/.test(f[0] ?? '') || !local || !/^[0-9A-Fa-f]{2}$/.test(f[3] ?? '')) {
      problems.push({ file, line: i + 1, message: `not a socket line: ${JSON.stringify(line.slice(0, 60))}` });
      return;
    }
    if (f[3].toUpperCase() !== TCP_LISTEN) return;
    listeners.push({ addressHex: local[1].toUpperCase(), port: parseInt(local[2], 16) });
  });
  return { listeners, problems };
}

/** The distinct listening ports, ascending. */
export function listeningPorts(parsed: readonly ProcNetTcp[]): number[] {
  const set = new Set<number>();
  for (const p of parsed) for (const l of p.listeners) set.add(l.port);
  return [...set].sort((a, b) => a - b);
}
