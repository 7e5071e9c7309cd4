// tls.renewal: certificates from certbot renew by themselves — its systemd
// timer is enabled, or a cron entry runs `certbot renew`. Only where
// /etc/letsencrypt exists (else skip).
//
// Debian's /etc/cron.d/certbot is guarded with `test … \! -d /run/systemd/system`:
// it does nothing on a systemd machine, where the timer is the only scheduler.
// So that entry counts only where systemd is not running (live), or, for a
// sysroot, where the tree has no systemd at all.
//
// Each lineage (renewal/NAME.conf) is an item. One served by nginx also needs
// nginx to reload after a renewal (installer = nginx, a deploy/post hook, or
// a hook script in renewal-hooks/); without one, the new certificate sits on
// disk while the old one is served until it expires — a warn here, a serial
// mismatch in tls.cert.served later.

import type { Check, Evidence, Item, Status } from '../../src/core/types';
import type { Host } from '../../src/host/host';
import { describeUnit, systemdIsRunning, unitEvidence, unitState } from '../updates/systemd-units';
import { finding, fromItems, guardedCheck, item, worst } from './finding';
import { LE_DIR, LE_RENEWAL, TLS_WATCH, tlsInventory } from './inventory';
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
  async run(host) {
    const le = await host.stat(LE_DIR);
    if (!le || le.kind !== 'dir') return finding(renewalCheck, 'skip', `no ${LE_DIR}: no certbot-managed certificate`);
    const confs = await host.glob(`${LE_RENEWAL}/*.conf`);
    if (confs.length === 0) return finding(renewalCheck, 'skip', `certbot manages no certificate (no ${LE_RENEWAL}/*.conf)`);
    const inv = await tlsInventory(host);
    if (inv.nginx.kind === 'error') return finding(renewalCheck, 'error', inv.nginx.summary, inv.nginx.evidence);
    const sched = await schedule(host);
    // Lineages nginx serves (whether Apache reloads after a renewal is not judged yet).
    const served = new Set(inv.certs.filter((c) => c.lineage && c.vhosts.some((v) => v.source === 'nginx')).map((c) => c.lineage as string));
    const hooks = await reloadHooks(host);
    const items: Item[] = [];
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
      const statuses: Status[] = [sched.status];
      const parts = [sched.summary];
      const evidence: Evidence[] = [{ file, text: `certbot lineage ${name}` }, ...sched.evidence];
      if (served.has(name) && inv.nginx.kind === 'ok') {
        const installer = conf.values.get('installer');
        const hook = ['renew_hook', 'deploy_hook', 'post_hook'].map((k) => conf.values.get(k)).find((v) => v && v.value !== '' && v.value !== 'None');
        if (installer?.value === 'nginx' || hook || hooks.length > 0) {
          parts.push(installer?.value === 'nginx' ? 'installer nginx reloads it' : hook ? `hook reloads: ${hook.value}` : `hook ${hooks[0]}`);
        } else {
          statuses.push('warn');
          parts.push('nginx serves it, but nothing reloads nginx after a renewal (installer is not nginx, no deploy/post hook)');
          const auth = conf.values.get('authenticator');
          if (auth) evidence.push({ file, line: auth.line, text: `authenticator = ${auth.value}` });
        }
      }
      items.push(item(name, worst(statuses), parts.join('; '), evidence));
    }
    return fromItems(renewalCheck, items, { emptySummary: 'no certbot lineage', passSummary: `${items.length} certbot lineage(s): ${sched.summary}` });
  },
});
