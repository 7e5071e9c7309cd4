// tls.renewal: certificates from certbot renew by themselves — certbot is
// installed (package or program), its systemd timer is enabled, or a cron
// entry runs `certbot renew`. Only where /etc/letsencrypt exists (else skip).
//
// Debian's /etc/cron.d/certbot is guarded with `test … \! -d /run/systemd/system`:
// it does nothing on a systemd machine, where the timer is the only scheduler.
// So that entry counts only where systemd is not running (live), or, for a
// sysroot, where the tree has no systemd at all.
//
// certbot's own view (`certbot certificates`, certbot-view.ts) is asked
// too: a renewal conf certbot finds invalid is one it skips on every run —
// that lineage fails; a staging certificate (TEST_CERT) warns.
//
// Each lineage (renewal/NAME.conf) is an item. One served by nginx or Apache
// also needs that server to reload after a renewal (installer = nginx/apache, a deploy/post hook, or
// a hook script in renewal-hooks/); without one, the new certificate sits on
// disk while the old one is served until it expires — a warn here, a serial
// mismatch in tls.cert.served later.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { lookupPackage } from '../updates/dpkg';
import { describeUnit, systemdIsRunning, unitEvidence, unitState } from '../updates/systemd-units';
import { finding, fromItems, guardedCheck, item, worst } from './finding';
import { LE_DIR, LE_RENEWAL, TLS_WATCH, tlsInventory } from './inventory';
import { renewItemFix } from './fix-ids';
import { certbotView, CERTBOT_CERTIFICATES_SHOWN, type CertbotView } from './certbot-view';
import { tlsPolicy } from './policy';

export interface RenewalConf {
  file: string;
  values: Map<string, { value: string; line: number }>;
  error: { line: number; message: string } | null;
}

/** certbot's renewal/*.conf (configobj): `key = value`, [sections], # comments. Keys are flattened. */
export function parseRenewalConf(text: string, file: string): RenewalConf {
  const values = new Map<string, { value: string; line: number }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^\[+[^\]]+\]+$/.test(line)) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { file, values, error: { line: i + 1, message: `not "key = value": ${line.slice(0, 60)}` } };
    const key = line.slice(0, eq).trim();
    if (!values.has(key)) values.set(key, { value: line.slice(eq + 1).trim(), line: i + 1 });
  }
  return { file, values, error: null };
}

interface Schedule {
  status: Status;
  summary: string;
  evidence: Evidence[];
}

const CRON_DIRS = ['/etc/cron.d', '/var/spool/cron/crontabs'];
const CRON_SCRIPT_DIRS = ['/etc/cron.daily', '/etc/cron.weekly', '/etc/cron.hourly'];

interface CronEntry {
  file: string;
  line: number;
  text: string;
  guarded: boolean;
}

async function cronEntries(host: Host): Promise<CronEntry[]> {
  const files = new Set(tlsPolicy.renewal.cronFiles);
  for (const dir of [...CRON_DIRS, ...CRON_SCRIPT_DIRS]) for (const name of (await host.list(dir).catch(() => null)) ?? []) files.add(`${dir}/${name}`);
  const out: CronEntry[] = [];
  for (const file of files) {
    const r = await host.read(file, { maxBytes: 1024 * 1024 });
    if (!r.ok) continue;
    r.text.split('\n').forEach((raw, i) => {
      const text = raw.trim();
      if (text.startsWith('#') || !/\bcertbot\b[^#]*\brenew\b/.test(text)) return;
      out.push({ file, line: i + 1, text, guarded: text.includes(tlsPolicy.renewal.systemdGuard) });
    });
  }
  return out;
}

async function hasSystemd(host: Host): Promise<boolean> {
  const running = await systemdIsRunning(host);
  if (running !== 'not-live') return running;
  // A sysroot: judge by its tree. A systemd system boots with /lib/systemd/systemd.
  for (const p of ['/lib/systemd/systemd', '/usr/lib/systemd/systemd']) if (await host.stat(p)) return true;
  return false;
}

async function schedule(host: Host): Promise<Schedule> {
  const systemd = await hasSystemd(host);
  const evidence: Evidence[] = [];
  const timers = await Promise.all(tlsPolicy.renewal.timers.map(async (name) => ({ name, state: await unitState(host, name) })));
  const enabled = timers.find((t) => t.state.state === 'enabled');
  const cron = await cronEntries(host);
  const effectiveCron = cron.filter((c) => !c.guarded || !systemd);
  for (const t of timers) if (t.state.state !== 'missing') evidence.push(unitEvidence(t.name, t.state));
  for (const c of cron) evidence.push({ file: c.file, line: c.line, text: c.text });
  if (systemd && enabled) return { status: 'pass', summary: `${describeUnit(enabled.name, enabled.state)}`, evidence };
  if (effectiveCron.length > 0) return { status: 'pass', summary: `cron runs certbot renew (${effectiveCron[0].file}:${effectiveCron[0].line})`, evidence };
  if (!systemd && enabled) {
    return { status: 'fail', summary: `${enabled.name} is enabled but systemd is not running here, and no cron entry runs certbot renew`, evidence };
  }
  const timerText = timers.filter((t) => t.state.state !== 'missing').map((t) => describeUnit(t.name, t.state));
  const guardedText = cron.some((c) => c.guarded) ? `; ${cron.find((c) => c.guarded)!.file} runs only where systemd is not running` : '';
  return {
    status: 'fail',
    summary: `nothing renews the certificates: ${timerText.length > 0 ? timerText.join(', ') : 'no certbot timer'}${guardedText}, no cron entry runs certbot renew`,
    evidence,
  };
}

/**
 * Is certbot here to run? A timer or cron line that calls a missing certbot
 * renews nothing. The package (dpkg status) first, else a program in one of
 * the places certbot's installers put it.
 */
export async function certbotPresence(host: Host): Promise<{ present: boolean; how: string; evidence: Evidence[] }> {
  for (const name of tlsPolicy.renewal.certbotPackages) {
    const pkg = await lookupPackage(host, name);
    if (pkg.kind === 'known' && (pkg.presence.kind === 'installed' || pkg.presence.kind === 'incomplete')) return { present: true, how: `package ${name}`, evidence: pkg.evidence };
  }
  for (const p of tlsPolicy.renewal.certbotPrograms) {
    const st = await host.stat(p).catch(() => null);
    if (st?.kind === 'file') return { present: true, how: p, evidence: [{ file: p }] };
  }
  return {
    present: false,
    how: `certbot is not installed (no ${tlsPolicy.renewal.certbotPackages.join('/')} package, none of ${tlsPolicy.renewal.certbotPrograms.join(', ')})`,
    evidence: [],
  };
}

async function reloadHooks(host: Host): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ['deploy', 'post']) for (const name of (await host.list(`${LE_DIR}/renewal-hooks/${dir}`).catch(() => null)) ?? []) out.push(`${LE_DIR}/renewal-hooks/${dir}/${name}`);
  return out;
}

export const renewalCheck: Check = guardedCheck({
  id: 'tls.renewal',
  area: 'tls',
  title: 'Certificates renew automatically',
  severity: 'high',
  watch: [...TLS_WATCH, '/etc/systemd/system/timers.target.wants', '/etc/cron.d'],
  interval: 3600,
  // certbot certificates: a Python start-up, 1-3 s on a small machine.
  slow: true,
  timeoutMs: 90_000,
  async run(host, ctx) {
    const le = await host.stat(LE_DIR);
    if (!le || le.kind !== 'dir') return finding(renewalCheck, 'skip', `no ${LE_DIR}: no certbot-managed certificate`);
    const confs = await host.glob(`${LE_RENEWAL}/*.conf`);
    if (confs.length === 0) return finding(renewalCheck, 'skip', `certbot manages no certificate (no ${LE_RENEWAL}/*.conf)`);
    const inv = await tlsInventory(host);
    if (inv.nginx.kind === 'error') return finding(renewalCheck, 'error', inv.nginx.summary, inv.nginx.evidence);
    const found = await certbotPresence(host);
    // Without certbot, a timer or cron line renews nothing: the schedule is judged as missing.
    const sched: Schedule = found.present ? await schedule(host) : { status: 'fail', summary: `${found.how}: nothing can renew these certificates`, evidence: found.evidence };
    // Lineage → the web servers that serve it (each must reload after a renewal).
    const served = new Map<string, Set<'nginx' | 'apache'>>();
    for (const c of inv.certs) {
      if (!c.lineage) continue;
      for (const v of c.vhosts) served.set(c.lineage, (served.get(c.lineage) ?? new Set()).add(v.source));
    }
    const hooks = await reloadHooks(host);
    const items: Item[] = [];
    const parsed: Array<{ name: string; file: string; conf: RenewalConf }> = [];
    for (const file of confs) {
      const name = file.slice(LE_RENEWAL.length + 1).replace(/\.conf$/, '');
      const r = await host.read(file, { maxBytes: 1024 * 1024 });
      if (!r.ok) {
        items.push(item(name, 'error', `cannot read ${file}: ${r.reason}`, [{ file }]));
        continue;
      }
      const conf = parseRenewalConf(r.text, file);
      if (conf.error) {
        items.push(item(name, 'error', `${file}:${conf.error.line}: ${conf.error.message}`, [{ file, line: conf.error.line }]));
        continue;
      }
      parsed.push({ name, file, conf });
    }
    // certbot's own verdict (certbot-view.ts): a conf it finds invalid is skipped by every renewal.
    const view: CertbotView | null = found.present && parsed.length > 0 ? await certbotView(host, parsed.map((p) => p.conf), ctx.signal) : null;
    for (const { name, file, conf } of parsed) {
      const statuses: Status[] = [sched.status];
      const parts = [sched.summary];
      const evidence: Evidence[] = [{ file, text: `certbot lineage ${name}` }, ...sched.evidence];
      if (view?.ran) {
        const seen = view.byName.get(name);
        if (view.invalid.has(file)) {
          statuses.push('fail');
          parts.unshift(`certbot skips it: \`certbot certificates\` lists ${file} as an invalid renewal configuration, so nothing renews this certificate`);
          evidence.unshift({ command: CERTBOT_CERTIFICATES_SHOWN, text: `invalid renewal configuration: ${file}` });
        } else if (seen) {
          evidence.push({ command: CERTBOT_CERTIFICATES_SHOWN, text: `${seen.name}: expiry ${seen.expiry ?? '?'} (${seen.validity ?? '?'}), domains ${seen.domains.join(' ')}` });
          if (/TEST_CERT/.test(seen.validity ?? '')) {
            statuses.push('warn');
            parts.push(`certbot says ${seen.validity}: a certificate from a staging CA, which browsers do not trust`);
          }
        }
      } else if (view) {
        evidence.push({ command: CERTBOT_CERTIFICATES_SHOWN, text: `not run: ${view.why}` });
      }
      const servers = [...(served.get(name) ?? [])].filter((s) => inv[s].kind === 'ok');
      if (servers.length > 0) {
        const installer = conf.values.get('installer');
        const hook = ['renew_hook', 'deploy_hook', 'post_hook'].map((k) => conf.values.get(k)).find((v) => v && v.value !== '' && v.value !== 'None');
        // certbot's installer plugin reloads the server it installs into: only that one.
        const installs = servers.find((s) => s === installer?.value);
        const label = (s: string) => (s === 'apache' ? 'Apache' : 'nginx');
        if ((installs && servers.length === 1) || hook || hooks.length > 0) {
          parts.push(installs && servers.length === 1 ? `installer ${installs} reloads it` : hook ? `hook reloads: ${hook.value}` : `hook ${hooks[0]}`);
        } else {
          statuses.push('warn');
          const who = servers.map(label).join(' and ');
          parts.push(`${who} serve${servers.length === 1 ? 's' : ''} it, but nothing reloads ${who} after a renewal (installer is not ${servers.length === 1 ? servers[0] : 'both'}, no deploy/post hook)`);
          const auth = conf.values.get('authenticator');
          if (auth) evidence.push({ file, line: auth.line, text: `authenticator = ${auth.value}` });
        }
      }
      const own = item(name, worst(statuses), parts.join('; '), evidence);
      // Renew this lineage now (f on the item in the dashboard): tls.renew --arg cert-name=NAME.
      const renew = renewItemFix(name);
      if (renew) own.fix = renew;
      items.push(own);
    }
    return fromItems(renewalCheck, items, { emptySummary: 'no certbot lineage', passSummary: `${items.length} certbot lineage(s): ${sched.summary}` });
  },
});
