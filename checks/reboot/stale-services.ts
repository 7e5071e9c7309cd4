// reboot.stale-services: no running process still runs code from a library
// (or program) that an upgrade has replaced. Such a process keeps the old,
// possibly vulnerable code in memory until it restarts. Grouped by systemd
// unit where /proc/PID/cgroup tells, else by program name.

import type { Check, Evidence, Item } from '../../src/core/types';
import { DPKG_STATUS } from '../updates/dpkg';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { restartOneFix } from './fix-restart-services';
import { offer } from './fixes';
import { baseName, groupStale, type StaleGroup } from './stale-scan';
import { isRestartable, NOT_LIVE, restartNever, scanStale, STALE_POLICY as POLICY } from './stale-policy';

function files(g: StaleGroup, max = 3): string {
  return listSome([...new Set(g.files.map(baseName))], max);
}

function pids(g: StaleGroup, max = 5): string {
  return listSome(g.processes.map((p) => `${p.pid} ${p.comm}`), max);
}

const KIND_WORDS: Record<StaleGroup['kind'], string> = {
  service: 'service',
  init: 'systemd itself (PID 1)',
  scope: 'scope',
  session: 'login session',
  'user-service': "user's service",
  process: 'process',
};

function groupItem(g: StaleGroup): Item {
  const how =
    g.kind === 'service'
      ? restartNever(g.unit as string)
        ? 'not restarted automatically (see assets/policy/updates.json restartNever): reboot'
        : `systemctl restart ${g.unit}`
      : g.kind === 'session'
        ? 'log out and in again'
        : g.kind === 'init'
          ? 'systemctl daemon-reexec'
          : g.kind === 'user-service'
            ? 'the user restarts it (systemctl --user)'
            : 'restart the program';
  const evidence: Evidence[] = g.processes.slice(0, 5).flatMap((p) => p.files.slice(0, 3).map((f) => ({ file: `/proc/${p.pid}/maps`, text: `${f} (deleted)` })));
  // A restartable service carries its own restart, so the detail view restarts (and confirms) it alone.
  const fix = isRestartable(g) ? { fix: restartOneFix(g.unit as string) } : {};
  return { subject: g.subject, status: 'fail', summary: `${KIND_WORDS[g.kind]} (${pids(g)}) runs deleted ${files(g)}; fix: ${how}`, evidence, ...fix };
}

export const staleServices: Check = guardedCheck({
  id: 'reboot.stale-services',
  area: 'reboot',
  title: 'No service runs deleted libraries',
  severity: 'medium',
  // An upgrade changes the dpkg database; processes come and go without anything to watch.
  watch: [DPKG_STATUS],
  interval: 600,
  timeoutMs: 30_000,
  async run(host) {
    if (host.root !== '/') return finding(staleServices, 'skip', NOT_LIVE);
    if ((await host.stat('/proc/self/maps')) === null) return finding(staleServices, 'skip', 'no /proc/self/maps: /proc is not mounted here');

    const scan = await scanStale(host);
    const groups = groupStale(scan.stale);
    const partial = scan.skipped > 0 ? `; ${scan.skipped} process(es) not scanned (limit of ${POLICY.maxProcesses} processes / ${POLICY.budgetMs} ms reached)` : '';
    const unreadable = scan.unreadable > 0 ? `; ${scan.unreadable} process(es) not readable${host.isRoot ? '' : ' (not root)'}` : '';
    const scanned = `${scan.scanned} processes scanned in ${scan.elapsedMs} ms${partial}${unreadable}`;

    if (groups.length === 0) {
      if (scan.unreadable > 0 || scan.skipped > 0) return finding(staleServices, 'info', `no deleted library in use among the processes read (${scanned})`);
      return finding(staleServices, 'pass', `no running process maps a deleted library (${scanned})`);
    }

    const label = (g: StaleGroup) => `${g.kind === 'init' ? 'systemd (PID 1)' : g.subject} (${files(g, 2)})`;
    const services = groups.filter((g) => g.kind === 'service');
    const others = groups.filter((g) => g.kind !== 'service');
    const parts: string[] = [];
    if (services.length > 0) {
      parts.push(`${services.length} service${services.length === 1 ? '' : 's'} run${services.length === 1 ? 's' : ''} deleted libraries: ${listSome(services.map(label), POLICY.summaryServices)}`);
    }
    if (others.length > 0) parts.push(`${services.length > 0 ? 'also' : 'deleted libraries in use by'} ${listSome(others.map(label), POLICY.summaryServices)}`);
    const evidence = groups.slice(0, POLICY.summaryServices).flatMap((g) => groupItem(g).evidence.slice(0, 2));
    const fixes = groups.some(isRestartable) || groups.some((g) => g.kind === 'init') ? offer('reboot.restart-services') : [];
    const f = finding(staleServices, 'fail', `${parts.join('; ')} (${scanned})`, evidence, fixes);
    return { ...f, items: groups.map(groupItem) };
  },
});
