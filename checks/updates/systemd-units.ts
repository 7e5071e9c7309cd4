// Is a systemd unit enabled or masked? Judged from the unit files and links,
// as `systemctl is-enabled` would, so that a sysroot (--root) can be judged
// without a running systemd and without calling systemctl.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';

/** systemd's system unit search path, highest priority first (systemd.unit(5)). */
export const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** Only the admin's (/etc) and runtime (/run) directories mask a unit. */
const MASK_DIRS = ['/etc/systemd/system', '/run/systemd/system'];

export type UnitState =
  | { state: 'enabled'; link: string; unitFile: string | null }
  | { state: 'disabled'; unitFile: string }
  | { state: 'masked'; at: string }
  /** Enabled by a link whose unit does not exist: systemd reports it not-found and never runs it. */
  | { state: 'broken'; link: string }
  | { state: 'missing' };

function escapeGlob(name: string): string {
  return name.replace(/[*?[\\]/g, '\\$&');
}

/**
 * Masked: a symlink to /dev/null, or an empty file (systemd.unit(5) treats
 * both as masked). Under a sysroot /dev/null does not exist, so a link that
 * leads nowhere in /etc or /run is taken as the mask it almost always is.
 */
async function maskedAt(host: Host, name: string): Promise<string | null> {
  for (const dir of MASK_DIRS) {
    const path = `${dir}/${name}`;
    const own = await host.lstat(path);
    if (!own) continue;
    if (own.kind === 'symlink') {
      const target = await host.stat(path);
      if (!target || target.kind === 'device') return path;
      continue;
    }
    if (own.kind === 'file' && own.size === 0) return path;
  }
  return null;
}

async function unitFileOf(host: Host, name: string): Promise<string | null> {
  for (const dir of UNIT_DIRS) {
    const st = await host.stat(`${dir}/${name}`);
    if (st && st.kind === 'file' && st.size > 0) return `${dir}/${name}`;
  }
  return null;
}

/** The links that pull the unit in at boot: `*.wants/NAME` and `*.requires/NAME` in any unit directory. */
async function enablementLinks(host: Host, name: string): Promise<string[]> {
  const links: string[] = [];
  for (const dir of UNIT_DIRS) {
    for (const kind of ['wants', 'requires']) links.push(...(await host.glob(`${dir}/*.${kind}/${escapeGlob(name)}`)));
  }
  return links;
}

export async function unitState(host: Host, name: string): Promise<UnitState> {
  const mask = await maskedAt(host, name);
  if (mask) return { state: 'masked', at: mask };
  const unitFile = await unitFileOf(host, name);
  let broken: string | null = null;
  for (const link of await enablementLinks(host, name)) {
    const target = await host.stat(link);
    if (target && target.kind === 'file') return { state: 'enabled', link, unitFile };
    broken ??= link;
  }
  if (broken && !unitFile) return { state: 'broken', link: broken };
  if (unitFile) return { state: 'disabled', unitFile };
  return { state: 'missing' };
}

export function describeUnit(name: string, s: UnitState): string {
  switch (s.state) {
    case 'enabled':
      return `${name} enabled`;
    case 'disabled':
      return `${name} not enabled`;
    case 'masked':
      return `${name} masked (${s.at})`;
    case 'broken':
      return `${name} enabled by a broken link (${s.link}: its unit file is missing)`;
    case 'missing':
      return `${name} not installed (no unit file)`;
  }
}

export function unitEvidence(name: string, s: UnitState): Evidence {
  switch (s.state) {
    case 'enabled':
      return { file: s.link, text: `${name} enabled` };
    case 'disabled':
      return { file: s.unitFile, text: `${name}: no *.wants/ link` };
    case 'masked':
      return { file: s.at, text: `${name} masked` };
    case 'broken':
      return { file: s.link, text: `${name}: link to a missing unit` };
    case 'missing':
      return { text: `${name}: no unit file in ${UNIT_DIRS.join(', ')}` };
  }
}

/**
 * Whether systemd runs this machine (sd_booted(): /run/systemd/system exists).
 * Only meaningful for the live root; a sysroot is judged from its files.
 */
export async function systemdIsRunning(host: Host): Promise<boolean | 'not-live'> {
  if (host.root !== '/') return 'not-live';
  const st = await host.stat('/run/systemd/system');
  return st !== null && st.kind === 'dir';
}

/** One `Key=value` of a unit, with where it was set. */
export interface UnitSetting {
  value: string;
  file: string;
  line: number;
}

/**
 * The values of `[section] key=` as systemd reads them: the unit file from the
 * highest-priority directory, then its drop-ins (`NAME.d/*.conf`, by file
 * name, a name in a higher directory hiding the same name lower down). A list
 * setting (OnCalendar=) accumulates; an empty assignment resets it.
 */
export async function unitSettings(host: Host, name: string, section: string, key: string): Promise<UnitSetting[]> {
  const mainFile = await unitFileOf(host, name);
  const dropIns = new Map<string, string>();
  for (const dir of UNIT_DIRS) {
    const names = ((await host.list(`${dir}/${name}.d`).catch(() => null)) ?? []).filter((n) => n.endsWith('.conf'));
    for (const n of names) if (!dropIns.has(n)) dropIns.set(n, `${dir}/${name}.d/${n}`);
  }
  const files = [...(mainFile ? [mainFile] : []), ...[...dropIns.keys()].sort().map((n) => dropIns.get(n) as string)];
  let values: UnitSetting[] = [];
  for (const file of files) {
    const r = await host.read(file, { maxBytes: 256 * 1024 }).catch(() => null);
    if (!r || !r.ok) continue;
    let current = '';
    r.text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const header = /^\[(.+)\]$/.exec(line);
      if (header) current = header[1];
      else if (current === section) {
        const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
        if (m && m[1] === key) values = m[2] === '' ? [] : [...values, { value: m[2], file, line: i + 1 }];
      }
    });
  }
  return values;
}

/**
 * When a daily calendar spec next elapses after `now`: `daily`, or
 * `*-*-* H:MM[:SS]` (what apt's timers ship). null for anything richer,
 * which is left to `systemctl list-timers`. `zone` is the machine's: local
 * on the live system; a sysroot's zone is not read, so UTC.
 */
export function nextDailyElapse(spec: string, now: Date, zone: 'local' | 'utc'): Date | null {
  const s = spec.trim();
  const m = s === 'daily' ? ['', '0', '00', '00'] : /^\*-\*-\*\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const [h, min, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || sec > 59) return null;
  const at = new Date(now.getTime());
  if (zone === 'utc') at.setUTCHours(h, min, sec, 0);
  else at.setHours(h, min, sec, 0);
  if (at.getTime() <= now.getTime()) {
    if (zone === 'utc') at.setUTCDate(at.getUTCDate() + 1);
    else at.setDate(at.getDate() + 1);
  }
  return at;
}
