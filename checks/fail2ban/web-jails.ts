// fail2ban.web-jails: where nginx or Apache is installed, an active jail
// guards it too (a filter named nginx-* / apache-*): "not just for SSH".
// info when no web server is installed. One item per web server.

import type { Check, Evidence, Item } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { lookupPackage } from '../updates/dpkg';
import { finding, guardedCheck, listSome } from '../updates/finding';
import { jailsView, liveEvidence, loadState, whyConfig, worst } from './area';
import { CONF_DIR } from './config';
import type { JailConfig } from './jails';
import { notInstalled } from './install';
import { lintContext, lintJail } from './lint';
import { fail2banPolicy, type WebServerPolicy } from './policy';

/** Installed by package or by program; evidence names which. */
async function webServerPresent(host: Host, server: WebServerPolicy): Promise<Evidence | null> {
  for (const name of server.packages) {
    const pkg = await lookupPackage(host, name);
    if (pkg.kind === 'known' && (pkg.presence.kind === 'installed' || pkg.presence.kind === 'incomplete')) return pkg.evidence[0] ?? { text: `package ${name}` };
  }
  for (const p of server.programs) {
    const st = await host.stat(p).catch(() => null);
    if (st?.kind === 'file') return { file: p };
  }
  return null;
}

function guards(server: WebServerPolicy, filterOrName: string): boolean {
  return server.filterPrefixes.some((prefix) => filterOrName.startsWith(prefix));
}

export const fail2banWebJails: Check = guardedCheck({
  id: 'fail2ban.web-jails',
  area: 'fail2ban',
  title: 'fail2ban guards the web server too',
  severity: 'low',
  watch: [`${CONF_DIR}/jail.conf`, `${CONF_DIR}/jail.local`, `${CONF_DIR}/jail.d`, '/var/lib/dpkg/status'],
  interval: 300,
  timeoutMs: 20000,
  async run(host, ctx) {
    const skip = await notInstalled(fail2banWebJails, host);
    if (skip) return skip;
    const servers: Array<{ server: WebServerPolicy; evidence: Evidence }> = [];
    for (const server of fail2banPolicy.web.servers) {
      const ev = await webServerPresent(host, server);
      if (ev) servers.push({ server, evidence: ev });
    }
    const names = fail2banPolicy.web.servers.map((s) => s.name).join(', ');
    if (servers.length === 0) return finding(fail2banWebJails, 'info', `no web server (${names}) is installed: no web jails needed`);

    const state = await loadState(host, ctx.signal);
    const view = jailsView(state.config);
    const configJails: JailConfig[] = view.kind === 'ok' ? view.jails : [];
    const byName = new Map(configJails.map((j) => [j.name, j]));
    let active: string[];
    let source: string;
    let sourceEvidence: Evidence[] = [];
    if (state.live.kind === 'up') {
      active = state.live.jails;
      source = 'running';
      sourceEvidence = [liveEvidence(state.live)];
    } else {
      if (view.kind === 'error') return finding(fail2banWebJails, 'error', view.summary, view.evidence);
      active = configJails.filter((j) => j.enabled).map((j) => j.name);
      source = whyConfig(state.live);
    }
    const running = state.live.kind === 'up';
    const lc = await lintContext(host);
    const items: Item[] = [];
    for (const { server, evidence } of servers) {
      const guarding = active.filter((name) => guards(server, byName.get(name)?.filter ?? name));
      if (guarding.length > 0) {
        const problems: string[] = [];
        const problemEvidence: Evidence[] = [];
        let status: 'pass' | 'warn' | 'fail' = 'pass';
        for (const jail of guarding) {
          if (view.kind !== 'ok' || !view.cfg.sections.has(jail)) continue;
          for (const p of await lintJail(host, view.cfg, jail, lc, { running, withLogs: true })) {
            problems.push(`[${jail}] ${p.text}`);
            problemEvidence.push(...p.evidence);
            status = worst([status, p.status], 'pass');
          }
        }
        const guarded = `guarded by ${listSome(guarding.map((j) => `[${j}]`), 4)}`;
        items.push({ subject: server.name, status, summary: problems.length ? `${guarded}, but ${problems.join('; ')}` : guarded, evidence: [evidence, ...problemEvidence] });
        continue;
      }
      const suggestions = configJails.filter((j) => !j.enabled && guards(server, j.filter ?? j.name)).map((j) => j.name);
      const hint = suggestions.length > 0 ? ` (available: ${listSome(suggestions, 3)})` : '';
      items.push({ subject: server.name, status: 'fail', summary: `installed but no active jail guards it${hint}`, evidence: [evidence] });
    }
    const status = worst(items.map((i) => i.status), 'pass');
    const summary = items.map((i) => `${i.subject}: ${i.summary}`).join('; ') + ` (${source})`;
    // No fix offered: fail2ban.enable-jails enables sshd and recidive, not web jails.
    const f = finding(fail2banWebJails, status, summary, [...items.flatMap((i) => i.evidence), ...sourceEvidence]);
    f.items = items;
    return f;
  },
});
