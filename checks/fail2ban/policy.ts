// Thresholds and facts for the fail2ban checks, from assets/ (policy is data).

import raw from '../../assets/policy/fail2ban.json';
import { formatIpNet, isEverything, parseIpNet } from '../../src/parse/fail2ban-ipaddr';

export interface WebServerPolicy {
  name: string;
  packages: string[];
  programs: string[];
  filterPrefixes: string[];
}

export interface Fail2banPolicy {
  thresholds: {
    minBantimeSeconds: number;
    maxMaxretry: number;
    minFindtimeSeconds: number;
    widestIgnoreipPrefixV4: number;
    widestIgnoreipPrefixV6: number;
  };
  serverDefaults: { bantimeSeconds: number; findtimeSeconds: number; maxretry: number; socket: string; logtarget: string; dbfile: string };
  install: { package: string; programs: string[]; confDir: string };
  client: { timeoutMs: number; sqliteTimeoutMs: number; sqliteBusyMs: number };
  sshd: { filters: string[]; legacyJails: string[]; fileBackends: string[] };
  recidive: { jail: string; filter: string };
  web: { servers: WebServerPolicy[] };
  selfProtect: { remainingFailuresWarn: number };
  bans: { topOffenders: number };
  enableJails: {
    file: string;
    jails: Array<{ name: string; settings: Record<string, string | undefined> }>;
    firewallFallback: { prefix: string; banaction: string; banactionAllports: string };
  };
  backends: { journal: string; journald: string[]; journaldPackage: string; pythonSystemd: string[]; pythonSystemdPackage: string };
  lint: {
    firewallActions: Array<{ prefix: string; programs: string[]; packages: string[] }>;
    programDirs: string[];
    allPortsMarker: string;
    listenFiles: string[];
    servicesFile: string;
    services: Record<string, number>;
    widePortRange: number;
  };
}

const isCount = (v: unknown, min = 0) => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isPathList = (v: unknown) => Array.isArray(v) && v.every((p) => typeof p === 'string' && p.startsWith('/'));
const isNameList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p !== '');

/** Problems with the policy data; a test asserts there are none, so a bad edit fails CI, not a server. */
export function policyProblems(p: Fail2banPolicy): string[] {
  const problems: string[] = [];
  const t = p.thresholds;
  if (!isCount(t.minBantimeSeconds, 1)) problems.push('thresholds.minBantimeSeconds must be an integer ≥ 1');
  if (!isCount(t.maxMaxretry, 1)) problems.push('thresholds.maxMaxretry must be an integer ≥ 1');
  if (!isCount(t.minFindtimeSeconds, 1)) problems.push('thresholds.minFindtimeSeconds must be an integer ≥ 1');
  if (!isCount(t.widestIgnoreipPrefixV4, 1) || t.widestIgnoreipPrefixV4 > 32) problems.push('thresholds.widestIgnoreipPrefixV4 must be 1–32');
  if (!isCount(t.widestIgnoreipPrefixV6, 1) || t.widestIgnoreipPrefixV6 > 128) problems.push('thresholds.widestIgnoreipPrefixV6 must be 1–128');
  const d = p.serverDefaults;
  if (!isCount(d.bantimeSeconds, 1) || !isCount(d.findtimeSeconds, 1) || !isCount(d.maxretry, 1)) problems.push('serverDefaults times and maxretry must be integers ≥ 1');
  if (!isPathList([d.socket, d.logtarget, d.dbfile])) problems.push('serverDefaults paths must be absolute');
  if (!isPathList(p.install.programs) || !p.install.confDir.startsWith('/') || p.install.package === '') problems.push('install: programs and confDir must be absolute paths, package a name');
  if (!isCount(p.client.timeoutMs, 100) || !isCount(p.client.sqliteTimeoutMs, 100) || !isCount(p.client.sqliteBusyMs, 0)) problems.push('client timeouts must be integers (ms)');
  if (!isNameList(p.sshd.filters) || !isNameList(p.sshd.legacyJails) || !isNameList(p.sshd.fileBackends)) problems.push('sshd lists must be non-empty name lists');
  if (!p.recidive.jail || !p.recidive.filter) problems.push('recidive.jail and recidive.filter must be names');
  for (const s of p.web.servers) {
    if (!s.name || !isNameList(s.packages) || !isPathList(s.programs) || !isNameList(s.filterPrefixes)) problems.push(`web.servers ${s.name || '?'}: needs packages, absolute programs and filterPrefixes`);
  }
  if (!isCount(p.selfProtect.remainingFailuresWarn, 0)) problems.push('selfProtect.remainingFailuresWarn must be an integer ≥ 0');
  if (!isCount(p.bans.topOffenders, 1)) problems.push('bans.topOffenders must be an integer ≥ 1');
  const e = p.enableJails;
  if (!e.file.startsWith(`${p.install.confDir}/jail.d/`) || !e.file.endsWith('.local')) problems.push('enableJails.file must be a .local file in jail.d');
  if (!e.jails.some((j) => p.sshd.filters.includes(j.name)) || !e.jails.some((j) => j.name === p.recidive.jail)) problems.push('enableJails.jails must hold an sshd jail and recidive');
  for (const j of e.jails) {
    const s = j.settings;
    if (s.enabled !== 'true') problems.push(`enableJails ${j.name}: enabled must be "true"`);
    for (const [k, v] of Object.entries(s)) if (!/^[\w.-]+$/.test(k) || typeof v !== 'string' || !/^[^\n;#%]+$/.test(v)) problems.push(`enableJails ${j.name}: ${k} must be one plain line`);
  }
  const fb = e.firewallFallback;
  if (!p.lint.firewallActions.some((a) => a.prefix === fb.prefix) || !fb.banaction.startsWith(fb.prefix) || !fb.banactionAllports.startsWith(fb.prefix)) problems.push('enableJails.firewallFallback must name a lint.firewallActions prefix and actions of it');
  const b = p.backends;
  if (!b.journal || !b.journaldPackage || !isPathList(b.journald) || !isPathList(b.pythonSystemd) || !b.pythonSystemdPackage) problems.push('backends: journal, absolute journald/pythonSystemd paths and a package name are needed');
  const l = p.lint;
  for (const a of l.firewallActions) if (!a.prefix || !isNameList(a.programs) || !Array.isArray(a.packages)) problems.push(`lint.firewallActions ${a.prefix || '?'}: needs a prefix and programs`);
  if (!isPathList(l.programDirs) || !isPathList(l.listenFiles) || !l.servicesFile.startsWith('/') || !l.allPortsMarker) problems.push('lint: programDirs, listenFiles and servicesFile must be absolute paths, allPortsMarker a word');
  if (!Object.values(l.services).every((n) => isCount(n, 1) && n <= 65535) || !isCount(l.widePortRange, 1)) problems.push('lint: services are ports 1–65535, widePortRange a count');
  return problems;
}

export const fail2banPolicy: Fail2banPolicy = raw;

/**
 * How an ignoreip entry compares with the policy's widest range: one
 * definition for the fix (which refuses a wide one without wide=yes) and the
 * view (which then offers the second, wide=yes preview). Null: not an
 * address or range.
 */
export function ignoreEntryWidth(address: string): { entry: string; widest: number; wide: boolean; everything: boolean } | null {
  const net = parseIpNet(address);
  if (!net) return null;
  const widest = net.family === 4 ? fail2banPolicy.thresholds.widestIgnoreipPrefixV4 : fail2banPolicy.thresholds.widestIgnoreipPrefixV6;
  return { entry: formatIpNet(net), widest, wide: net.prefix < widest, everything: isEverything(net) };
}
