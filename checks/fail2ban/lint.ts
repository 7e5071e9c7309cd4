// Can an enabled jail work on this system? (issue 6 "Lint"; folded into
// fail2ban.sshd-jail, fail2ban.recidive and fail2ban.web-jails for the jails
// they are about.) Thresholds and names: assets/policy/fail2ban.json lint.
//
// - backend: systemd (the journal) needs journald and python3-systemd; a
//   file backend needs its logpath to match a file (area.ts logFiles; the
//   callers report that one themselves). A server that RUNS the jail has
//   proved both, so these are only judged from the configuration.
// - banaction: an action that drives a firewall tool (iptables, nft, ufw,
//   firewall-cmd …) that is not installed: fail2ban logs "Ban x.x.x.x" and
//   blocks nothing. Judged in both modes.
// - port: the jail blocks only its `port`; when nothing listens there (sshd
//   moved to 2222, jail still on "ssh") attackers keep hammering the real
//   port. From the TCP listeners in /proc/net/tcp{,6} under the root; not
//   judged without them, for all-ports actions, or for wide ranges.
//
// Everything is read through the Host under the root: a sysroot's verdict
// never depends on what this machine has installed or listening.

import type { Evidence } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { baseName, type MergedConfig } from '../../src/parse/fail2ban-config';
import { parseServices } from '../../src/parse/etc-services';
import { listeningPorts, parseProcNetTcp, type ProcNetTcp } from '../../src/parse/proc-net-tcp';
import { lookupPackage } from '../updates/dpkg';
import { logFiles } from './area';
import { backendName, journaldProgram, pythonSystemdModule } from './backends';
import { settingEvidence, textSetting } from './jails';
import { fail2banPolicy } from './policy';

export interface LintProblem {
  kind: 'backend' | 'log' | 'firewall' | 'port';
  status: 'fail' | 'warn';
  text: string;
  evidence: Evidence[];
}

const L = fail2banPolicy.lint;

/** What the system offers that the lint needs; read once per check run. */
export interface LintContext {
  /** TCP ports in LISTEN state; null when /proc/net/tcp is not there to read (a sysroot without /proc). */
  listening: number[] | null;
  services: Map<string, number>;
  /** Firewall action prefix → the program or package that provides it, or null. */
  tools: Map<string, string | null>;
}

async function toolFor(host: Host, entry: (typeof L.firewallActions)[number]): Promise<string | null> {
  for (const program of entry.programs) {
    for (const dir of L.programDirs) {
      const st = await host.stat(`${dir}/${program}`).catch(() => null);
      if (st?.kind === 'file') return `${dir}/${program}`;
    }
  }
  for (const name of entry.packages) {
    const pkg = await lookupPackage(host, name);
    if (pkg.kind === 'known' && pkg.presence.kind === 'installed') return `package ${name}`;
  }
  return null;
}

export async function lintContext(host: Host): Promise<LintContext> {
  const parsed: ProcNetTcp[] = [];
  for (const file of L.listenFiles) {
    const r = await host.read(file).catch(() => null);
    if (r?.ok) parsed.push(parseProcNetTcp(r.text, file));
  }
  const services = new Map(Object.entries(L.services));
  const text = await host.readText(L.servicesFile).catch(() => null);
  if (text) for (const [k, v] of parseServices(text)) services.set(k, v);
  const tools = new Map<string, string | null>();
  for (const entry of L.firewallActions) tools.set(entry.prefix, await toolFor(host, entry));
  return { listening: parsed.length > 0 ? listeningPorts(parsed) : null, services, tools };
}

/** The action names of a jail (`iptables-multiport[port=…]` → iptables-multiport), one per line. */
export function actionNames(cfg: MergedConfig, jail: string): string[] {
  const a = textSetting(cfg, jail, 'action');
  if (a.kind !== 'set') return [];
  return a.value
    .split('\n')
    .map((line) => baseName(line))
    .filter((n) => n !== '');
}

/** Ports a `port` value names; null when it cannot be decided (an unknown name, a wide range). */
export function portsOf(value: string, services: ReadonlyMap<string, number>): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  for (const word of value.split(/[\s,]+/).filter((w) => w !== '')) {
    const range = /^(\d+)[:-](\d+)$/.exec(word);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (hi - lo + 1 > L.widePortRange) return null;
      out.push([lo, hi]);
      continue;
    }
    const n = /^\d+$/.test(word) ? Number(word) : services.get(word.toLowerCase());
    if (n === undefined) return null;
    out.push([n, n]);
  }
  return out.length > 0 ? out : null;
}

function firewallProblems(cfg: MergedConfig, jail: string, lc: LintContext): LintProblem[] {
  const out: LintProblem[] = [];
  for (const name of actionNames(cfg, jail)) {
    const entry = L.firewallActions.find((e) => name.startsWith(e.prefix));
    if (!entry || lc.tools.get(entry.prefix)) continue;
    out.push({
      kind: 'firewall',
      status: 'fail',
      text: `action ${name} needs ${entry.programs.join(' or ')}, which is not installed: fail2ban logs bans and blocks nothing (apt-get install ${entry.packages[0] ?? entry.programs[0]}, or set banaction)`,
      evidence: settingEvidence('action', textSetting(cfg, jail, 'action')).map((e) => ({ ...e, text: e.text && e.text.length > 200 ? `${e.text.slice(0, 199)}…` : e.text })),
    });
  }
  return out;
}

function portProblems(cfg: MergedConfig, jail: string, lc: LintContext): LintProblem[] {
  if (lc.listening === null) return [];
  const actions = actionNames(cfg, jail);
  const firewall = actions.filter((n) => L.firewallActions.some((e) => n.startsWith(e.prefix)));
  if (firewall.length === 0 || firewall.every((n) => n.includes(L.allPortsMarker))) return [];
  const protocol = textSetting(cfg, jail, 'protocol');
  if (protocol.kind === 'set' && protocol.value.trim().toLowerCase() !== 'tcp') return [];
  const port = textSetting(cfg, jail, 'port');
  if (port.kind !== 'set') return [];
  const ranges = portsOf(port.value, lc.services);
  if (ranges === null) return [];
  const listening = lc.listening;
  if (ranges.some(([lo, hi]) => listening.some((p) => p >= lo && p <= hi))) return [];
  const named = ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}:${hi}`)).join(',');
  const shown = listening.length > 12 ? `${listening.slice(0, 12).join(', ')} …` : listening.join(', ') || 'none';
  return [
    {
      kind: 'port',
      status: 'warn',
      text: `port ${port.value.trim()} (${named}): nothing listens there (TCP listening: ${shown}), so bans block a port no one uses; set port to where the service listens`,
      evidence: [...settingEvidence('port', port), { file: L.listenFiles[0], text: `listening: ${shown}` }],
    },
  ];
}

async function backendProblems(host: Host, cfg: MergedConfig, jail: string): Promise<LintProblem[]> {
  const b = textSetting(cfg, jail, 'backend');
  if (b.kind !== 'set' || backendName(b.value) !== fail2banPolicy.backends.journal) return [];
  const ev = settingEvidence('backend', b);
  if (!(await journaldProgram(host))) return [{ kind: 'backend', status: 'fail', text: `backend = ${b.value} but journald is not installed: the jail has no journal to read`, evidence: ev }];
  if (!(await pythonSystemdModule(host))) {
    const pkg = fail2banPolicy.backends.pythonSystemdPackage;
    return [{ kind: 'backend', status: 'fail', text: `backend = ${b.value} needs ${pkg}, which is not installed: fail2ban cannot start the jail (apt-get install ${pkg})`, evidence: ev }];
  }
  return [];
}

/**
 * Problems of one enabled jail. `running`: the server runs it (its backend
 * and logs work). `withLogs`: also report a logpath that matches no file
 * (callers that already say so pass false).
 */
export async function lintJail(host: Host, cfg: MergedConfig, jail: string, lc: LintContext, opts: { running: boolean; withLogs: boolean }): Promise<LintProblem[]> {
  const out: LintProblem[] = [];
  if (!opts.running) {
    out.push(...(await backendProblems(host, cfg, jail)));
    if (opts.withLogs) {
      const logs = await logFiles(host, cfg, jail);
      if (logs && logs.found.length === 0) {
        out.push({ kind: 'log', status: 'fail', text: `logpath ${logs.patterns.join(' ') || '(none)'} matches no file (backend ${logs.backend}): fail2ban will not start`, evidence: logs.evidence });
      }
    }
  }
  out.push(...firewallProblems(cfg, jail, lc), ...portProblems(cfg, jail, lc));
  return out;
}
