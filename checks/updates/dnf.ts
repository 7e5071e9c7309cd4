// dnf systems (RHEL/Alma/Rocky with dnf4, Fedora with dnf5), read from files
// through the Host so that a sysroot (--root) is judged like the live system:
// which dnf, whether its automatic-update tool is there, its effective
// configuration (with file:line), its timers and when they last fired.
//
// What is NOT read: the rpm database (sqlite, not readable without a
// library): "installed" is judged from the files the package ships, and
// the evidence names them.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { dnfBool, dnfIniGet, parseDnfIni, type DnfIniValue, type ParsedDnfIni } from '../../src/parse/dnf-ini';
import { osFamily, parseOsRelease, FAMILY_WORDS, type OsRelease } from '../../src/parse/os-release';
import { readFailure, thrownMessage } from './finding';
import { updatesPolicy, type DnfFlavourPolicy } from './policy';
import { unitState, type UnitState } from './systemd-units';

const POLICY = updatesPolicy.dnf;
export const DNF_CONFIG = POLICY.config;
export const DNF5_DEFAULTS = POLICY.dnf5.defaults;
/**
 * dnf5's man page (automatic.8, and CHECKS.md) says defaults, then overrides
 * in /etc/dnf/automatic.conf; some dnf5 builds read the first existing of
 * /etc/dnf/dnf5-plugins/automatic.conf and the defaults instead (automatic.cpp
 * at 0dae6cb). We read all three, in that order, so whichever the installed
 * dnf5 reads, the value that wins for it wins here too when both agree, and
 * the most specific file wins when they do not.
 */
export const DNF5_PLUGIN_CONFIG = '/etc/dnf/dnf5-plugins/automatic.conf';

/** The files dnf-automatic reads, lowest priority first. */
export function automaticConfigFiles(dnf: DnfSystem): string[] {
  return dnf.flavour === 'dnf5' ? [DNF5_DEFAULTS, DNF_CONFIG, DNF5_PLUGIN_CONFIG] : [DNF_CONFIG];
}

export type DnfFlavour = 'dnf4' | 'dnf5';

export interface DnfSystem {
  flavour: DnfFlavour;
  /** Host path of the dnf program that told us which dnf this is. */
  program: string;
  policy: DnfFlavourPolicy;
}

async function isFile(host: Host, path: string): Promise<boolean> {
  const st = await host.stat(path);
  return st !== null && st.kind === 'file';
}

/** Which dnf the tree has: dnf5 first (Fedora 41+ also has /usr/bin/dnf, a link to dnf5). */
export async function detectDnf(host: Host): Promise<DnfSystem | null> {
  if (await isFile(host, '/usr/bin/dnf5')) return { flavour: 'dnf5', program: '/usr/bin/dnf5', policy: POLICY.dnf5 };
  for (const program of ['/usr/bin/dnf', '/usr/bin/dnf-3']) {
    if (await isFile(host, program)) return { flavour: 'dnf4', program, policy: POLICY.dnf4 };
  }
  return null;
}

/** The tree's os-release (/etc, then /usr/lib), parsed; null when neither is readable. */
export async function readOsRelease(host: Host): Promise<{ path: string; os: OsRelease } | null> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    const r = await host.read(path, { maxBytes: 64 * 1024 }).catch(() => null);
    if (r && r.ok) return { path, os: parseOsRelease(r.text) };
  }
  return null;
}

/** "Red Hat Enterprise Linux 9.4 (Plow)" from os-release, for summaries; null when unknown. */
export async function osName(host: Host): Promise<string | null> {
  const r = await readOsRelease(host);
  return r?.os.get('PRETTY_NAME') ?? r?.os.get('NAME') ?? null;
}

const NO_PM = 'no /var/lib/dpkg/status (apt) and no /usr/bin/dnf5, /usr/bin/dnf or /usr/bin/dnf-3';

/**
 * Why the updates checks cannot say anything: neither apt nor dnf. The
 * distribution's family comes from os-release (ID, ID_LIKE): a family hardtop
 * does not know is said so; a known one without its package manager too.
 */
export async function noPackageManagerReason(host: Host): Promise<string> {
  const r = await readOsRelease(host);
  if (!r) return `no package manager hardtop knows here and no /etc/os-release to tell the distribution: ${NO_PM}`;
  const name = r.os.get('PRETTY_NAME') ?? r.os.get('NAME') ?? 'this system';
  const id = `ID=${r.os.get('ID') ?? '?'}${r.os.has('ID_LIKE') ? `, ID_LIKE=${r.os.get('ID_LIKE')}` : ''}`;
  const family = osFamily(r.os);
  if (!family) return `${name} (${id}) is not a family hardtop knows (Debian/Ubuntu with apt, RHEL/Alma/Rocky with dnf4, Fedora with dnf5): ${NO_PM}`;
  return `${name} (${id}: ${FAMILY_WORDS[family]}) has no package manager hardtop can read here: ${NO_PM}`;
}

export type AutomaticPresence = { installed: true; evidence: Evidence[] } | { installed: false; evidence: Evidence[] };

/** Is dnf-automatic (dnf4) or the dnf5 automatic plugin installed? Judged from the files it ships. */
export async function automaticPresence(host: Host, dnf: DnfSystem): Promise<AutomaticPresence> {
  if (dnf.flavour === 'dnf4') {
    const program = POLICY.dnf4.program;
    if (await isFile(host, program)) return { installed: true, evidence: [{ file: program, text: `${POLICY.dnf4.package}: ${program} present` }] };
    return { installed: false, evidence: [{ file: program, text: 'not present' }] };
  }
  if (await isFile(host, DNF5_DEFAULTS)) return { installed: true, evidence: [{ file: DNF5_DEFAULTS, text: `${POLICY.dnf5.package}: its defaults file is present` }] };
  const timer = await unitState(host, POLICY.dnf5.applyTimers[0]);
  if (timer.state !== 'missing' && timer.state !== 'broken') {
    const unitFile = 'unitFile' in timer && timer.unitFile ? { file: timer.unitFile } : {};
    return { installed: true, evidence: [{ ...unitFile, text: `${POLICY.dnf5.applyTimers[0]} unit present` }] };
  }
  return { installed: false, evidence: [{ file: DNF5_DEFAULTS, text: 'not present' }] };
}

/** The [commands] options the checks judge, as dnf will read them. */
export interface AutomaticConfig {
  /** Files read, in order (dnf5: defaults, then /etc overrides). */
  files: ParsedDnfIni[];
  applyUpdates: boolean;
  applySetting: DnfIniValue | undefined;
  upgradeType: string;
  upgradeTypeSetting: DnfIniValue | undefined;
  reboot: string;
  rebootSetting: DnfIniValue | undefined;
  /** This dnf-automatic knows the `reboot` option (dnf5; dnf4 ≥ 4.15, whose automatic.conf ships the key). */
  rebootSupported: boolean;
  /** /etc/dnf/automatic.conf does not exist (dnf4: all defaults). */
  configMissing: boolean;
}

export type ConfigReading = { kind: 'ok'; config: AutomaticConfig } | { kind: 'error'; summary: string; evidence: Evidence[] };

async function readIni(host: Host, path: string): Promise<{ kind: 'missing' } | { kind: 'ok'; parsed: ParsedDnfIni } | { kind: 'error'; summary: string; evidence: Evidence[] }> {
  let r;
  try {
    r = await host.read(path, { maxBytes: 1024 * 1024 });
  } catch (err) {
    return { kind: 'error', summary: `cannot read ${path}: ${thrownMessage(err)}`, evidence: [{ file: path }] };
  }
  if (!r.ok) return r.reason === 'missing' ? { kind: 'missing' } : { kind: 'error', summary: readFailure(path, r), evidence: [{ file: path }] };
  const parsed = parseDnfIni(r.text, path);
  if (parsed.error) return { kind: 'error', summary: `malformed ${path}:${parsed.error.line}: ${parsed.error.message}`, evidence: [{ file: path, line: parsed.error.line }] };
  return { kind: 'ok', parsed };
}

/** dnf-automatic's effective [commands] settings. Defaults: apply_updates no, upgrade_type default, reboot never. */
export async function readAutomaticConfig(host: Host, dnf: DnfSystem): Promise<ConfigReading> {
  const paths = automaticConfigFiles(dnf);
  const files: ParsedDnfIni[] = [];
  let configMissing = false;
  for (const path of paths) {
    const r = await readIni(host, path);
    if (r.kind === 'error') return r;
    if (r.kind === 'missing') {
      if (path === DNF_CONFIG) configMissing = true;
      continue;
    }
    files.push(r.parsed);
  }
  const applySetting = dnfIniGet(files, 'commands', 'apply_updates');
  let applyUpdates = false;
  if (applySetting) {
    const b = dnfBool(applySetting.value);
    if (b === null) {
      return {
        kind: 'error',
        summary: `${applySetting.file}:${applySetting.line}: apply_updates = ${applySetting.value} is not a boolean dnf accepts (yes/no, true/false, 1/0, on/off)`,
        evidence: [{ file: applySetting.file, line: applySetting.line, text: `apply_updates = ${applySetting.value}` }],
      };
    }
    applyUpdates = b;
  }
  const upgradeTypeSetting = dnfIniGet(files, 'commands', 'upgrade_type');
  const rebootSetting = dnfIniGet(files, 'commands', 'reboot');
  return {
    kind: 'ok',
    config: {
      files,
      applyUpdates,
      applySetting,
      upgradeType: upgradeTypeSetting?.value ?? 'default',
      upgradeTypeSetting,
      reboot: rebootSetting?.value ?? 'never',
      rebootSetting,
      rebootSupported: dnf.flavour === 'dnf5' || rebootSetting !== undefined,
      configMissing,
    },
  };
}

/** "apply_updates = yes (/etc/dnf/automatic.conf:24)" or "apply_updates unset (default no)". */
export function describeIni(key: string, v: DnfIniValue | undefined, fallback: string): string {
  return v ? `${key} = ${v.value} (${v.file}:${v.line})` : `${key} unset (default ${fallback})`;
}

export function iniEvidence(key: string, v: DnfIniValue | undefined, where: string): Evidence {
  return v ? { file: v.file, line: v.line, text: `${key} = ${v.value}` } : { file: where, text: `${key} not set` };
}

export interface TimerStates {
  /** Timers that install updates when they fire (dnf4's dnf-automatic.timer only when apply_updates is on). */
  apply: { name: string; state: UnitState }[];
  other: { name: string; state: UnitState }[];
}

export async function dnfTimerStates(host: Host, dnf: DnfSystem): Promise<TimerStates> {
  const states = async (names: readonly string[]) => Promise.all(names.map(async (name) => ({ name, state: await unitState(host, name) })));
  return { apply: await states(dnf.policy.applyTimers), other: await states(dnf.policy.otherTimers) };
}

/** dnf4's dnf-automatic-install.timer installs whatever the config says. */
export function alwaysApplies(name: string): boolean {
  return name === 'dnf-automatic-install.timer';
}

/** The timers that will install updates when they fire, given the config. */
export function applyingTimers(dnf: DnfSystem, timers: TimerStates, config: Pick<AutomaticConfig, 'applyUpdates'>): string[] {
  return timers.apply.filter(({ name, state }) => state.state === 'enabled' && (config.applyUpdates || (dnf.flavour === 'dnf4' && alwaysApplies(name)))).map((t) => t.name);
}

/** Where systemd keeps a Persistent= timer's last trigger (its mtime). */
export function timerStamp(name: string): string {
  return `/var/lib/systemd/timers/stamp-${name}`;
}
