// What a jail's backend needs on this system (assets/policy/fail2ban.json
// backends): the journal backend (systemd) needs journald and fail2ban's
// Python binding to it; file backends need the log file (area.ts logFiles).

import type { Host } from '../../src/host/host';
import { lookupPackage } from '../updates/dpkg';
import { fail2banPolicy } from './policy';

async function firstFile(host: Host, patterns: readonly string[]): Promise<string | null> {
  for (const pattern of patterns) {
    const hits = pattern.includes('*') ? await host.glob(pattern).catch(() => []) : [pattern];
    for (const p of hits) {
      const st = await host.stat(p).catch(() => null);
      if (st?.kind === 'file') return p;
    }
  }
  return null;
}

/** "package NAME" when dpkg has it installed, else null. */
async function packageInstalled(host: Host, name: string): Promise<string | null> {
  const pkg = await lookupPackage(host, name);
  return pkg.kind === 'known' && pkg.presence.kind === 'installed' ? `package ${name}` : null;
}

/** journald, when installed: its program, or the package that ships it. */
export async function journaldProgram(host: Host): Promise<string | null> {
  return (await firstFile(host, fail2banPolicy.backends.journald)) ?? (await packageInstalled(host, fail2banPolicy.backends.journaldPackage));
}

/** The python3-systemd module fail2ban's systemd backend imports, when installed (package or module file). */
export async function pythonSystemdModule(host: Host): Promise<string | null> {
  return (await packageInstalled(host, fail2banPolicy.backends.pythonSystemdPackage)) ?? (await firstFile(host, fail2banPolicy.backends.pythonSystemd));
}

/** The backend's name: `systemd[journalflags=1]` → systemd. */
export function backendName(value: string): string {
  return value.split(/[\s[]/)[0] || 'auto';
}
