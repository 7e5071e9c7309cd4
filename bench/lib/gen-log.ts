// A generated fail2ban log (logtarget = /var/log/fail2ban.log) of a busy
// server: mostly "Found" lines, some bans, unbans, restores and ignores, and
// lines that are not ban events at all (server start, jail setup). Addresses
// come from the documentation ranges (RFC 5737, RFC 3849): it is a file, no
// traffic is made. Deterministic: the same size gives the same file.

import * as fs from 'node:fs';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JAILS = ['sshd', 'sshd', 'sshd', 'nginx-http-auth', 'nginx-botsearch', 'postfix', 'recidive'];
const NETS = ['192.0.2.', '198.51.100.', '203.0.113.'];

function address(i: number): string {
  // ~5 % IPv6, the rest spread over the three IPv4 documentation /24s.
  if (i % 20 === 0) return `2001:db8:${(i >> 8).toString(16)}::${(i & 0xff).toString(16)}`;
  return `${NETS[i % 3]}${1 + (i % 254)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function stamp(ms: number): [string, string] {
  const d = new Date(ms);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return [s, `${s},${pad(d.getMilliseconds(), 3)}`];
}

/** Write about `bytes` bytes of log to `file`; returns the line count. */
export function generateFail2banLog(file: string, bytes: number, seed = 10): { lines: number; bytes: number } {
  const random = prng(seed);
  const fd = fs.openSync(file, 'w', 0o600);
  let written = 0;
  let lines = 0;
  let t = new Date(2026, 10, 1, 0, 0, 0).getTime();
  const pid = 25247;
  try {
    while (written < bytes) {
      const batch: string[] = [];
      for (let i = 0; i < 8192; i++) {
        t += 1 + Math.floor(random() * 900);
        const [plain, withMs] = stamp(t);
        const jail = JAILS[Math.floor(random() * JAILS.length)];
        const ip = address(Math.floor(random() * 20_000));
        const r = random();
        let line: string;
        if (r < 0.8) line = `${withMs} fail2ban.filter         [${pid}]: INFO    [${jail}] Found ${ip} - ${plain}`;
        else if (r < 0.85) line = `${withMs} fail2ban.actions        [${pid}]: NOTICE  [${jail}] Ban ${ip}`;
        else if (r < 0.89) line = `${withMs} fail2ban.actions        [${pid}]: NOTICE  [${jail}] Unban ${ip}`;
        else if (r < 0.9) line = `${withMs} fail2ban.actions        [${pid}]: NOTICE  [${jail}] Restore Ban ${ip}`;
        else if (r < 0.92) line = `${withMs} fail2ban.filter         [${pid}]: INFO    [${jail}] Ignore 127.0.0.1 by ip`;
        else if (r < 0.96) line = `${withMs} fail2ban.filter         [${pid}]: INFO    [${jail}] Added logfile: '/var/log/auth.log' (pos = 0, hash = 3b1f7c0d9e2a)`;
        else line = `${withMs} fail2ban.server         [${pid}]: INFO    --------------------------------------------------`;
        batch.push(line);
      }
      const text = `${batch.join('\n')}\n`;
      fs.writeSync(fd, text);
      written += Buffer.byteLength(text);
      lines += batch.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { lines, bytes: written };
}
